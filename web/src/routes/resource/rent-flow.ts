/**
 * Renting, as plain steps the panel runs: how much to allow, the permit to sign, and reading the new
 * rental's id from the receipt.
 */
import { type Address, parseEventLogs, parseSignature, type Hex, type TransactionReceipt } from "viem";
import { readContract } from "wagmi/actions";
import { ftnsTokenAbi, marketplaceAbi } from "../../../../generated/abis";
import type { WagmiConfig } from "../../config/wagmi";
import { domainFromEip712, permitDeadline, permitTypedData } from "../../lib/permit";

export type RentQuote = {
  /** What is escrowed at today's price. */
  cost: bigint;
  /** What the price guard lets the contract take at most. */
  maxCost: bigint;
};

export const quote = (price: bigint, maxPrice: bigint, hours: number): RentQuote => ({ cost: price * BigInt(hours), maxCost: maxPrice * BigInt(hours) });

export async function readAllowance(wagmi: WagmiConfig, p: { token: Address; owner: Address; spender: Address; chainId: number }): Promise<bigint> {
  return readContract(wagmi, { address: p.token, abi: ftnsTokenAbi, functionName: "allowance", args: [p.owner, p.spender], chainId: p.chainId });
}

export async function buildPermit(
  wagmi: WagmiConfig,
  p: { token: Address; owner: Address; spender: Address; value: bigint; chainId: number; chainNow: number },
) {
  const [domain, nonce] = await Promise.all([
    readContract(wagmi, { address: p.token, abi: ftnsTokenAbi, functionName: "eip712Domain", chainId: p.chainId }),
    readContract(wagmi, { address: p.token, abi: ftnsTokenAbi, functionName: "nonces", args: [p.owner], chainId: p.chainId }),
  ]);
  const deadline = permitDeadline(p.chainNow);
  return { typedData: permitTypedData({ domain: domainFromEip712(domain), owner: p.owner, spender: p.spender, value: p.value, nonce, deadline }), deadline };
}

/** (v, r, s) as rentWithPermit takes them. */
export function splitSignature(signature: Hex): { v: number; r: Hex; s: Hex } {
  const parsed = parseSignature(signature);
  const v = parsed.v !== undefined ? Number(parsed.v) : parsed.yParity + 27;
  return { v, r: parsed.r, s: parsed.s };
}

export function rentalIdFromReceipt(receipt: TransactionReceipt, marketplace: Address): bigint | undefined {
  const logs = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "RentalRequested" });
  return logs.find((log) => log.address.toLowerCase() === marketplace.toLowerCase())?.args.rentalId;
}
