/**
 * FTNS (and a second payment token) plus the Marketplace on a test node, driven from the node's
 * unlocked accounts. Transactions go out as plain eth_sendTransaction: with automining each one is
 * its own block, and a call the contract would refuse fails at gas estimation without mining anything.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { decodeFunctionResult, encodeDeployData, encodeFunctionData, type Abi, type Address, type Hex } from "viem";

import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis.js";
import { repoRoot, type TestNode } from "./node.js";

export const HOUR = 3600;
export const UNIT = 10n ** 18n;

export type Receipt = { hash: Hex; blockNumber: number; status: string; logs: unknown[] };

export type Market = {
  node: TestNode;
  chainId: number;
  /** Block before the deployment: nothing of ours is older. */
  startBlock: number;
  token: Address;
  /** A second allow-listed payment token. */
  token2: Address;
  marketplace: Address;
  admin: Address;
  accounts: Address[];
  /** Sends a marketplace call; throws if the contract refuses it. */
  send(from: Address, functionName: string, args?: readonly unknown[]): Promise<Receipt>;
  /** Like send, but resolves to undefined when the contract refuses. */
  trySend(from: Address, functionName: string, args?: readonly unknown[]): Promise<Receipt | undefined>;
  read<T>(functionName: string, args?: readonly unknown[]): Promise<T>;
  sendToken(token: Address, from: Address, functionName: string, args: readonly unknown[]): Promise<Receipt>;
};

async function bytecode(contract: string): Promise<Hex> {
  const file = path.join(repoRoot, "artifacts", "contracts", `${contract}.sol`, `${contract}.json`);
  return JSON.parse(await readFile(file, "utf8")).bytecode as Hex;
}

async function transact(node: TestNode, from: Address, to: Address | undefined, data: Hex): Promise<Receipt> {
  const hash = await node.rpc<Hex>("eth_sendTransaction", [{ from, to, data, gas: undefined }]);
  const receipt = await node.rpc<{ status: string; blockNumber: string; contractAddress: Address | null; logs: unknown[] }>(
    "eth_getTransactionReceipt",
    [hash],
  );
  if (receipt.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
  return { hash, blockNumber: Number(receipt.blockNumber), status: receipt.status, logs: receipt.logs };
}

export async function deployMarket(node: TestNode, options: { feeBps?: number; mintTo?: number } = {}): Promise<Market> {
  const chainId = Number(await node.rpc<string>("eth_chainId"));
  const accounts = await node.rpc<Address[]>("eth_accounts");
  const admin = accounts[0] as Address;
  const startBlock = await node.blockNumber();

  const deploy = async (data: Hex): Promise<Address> => {
    const hash = await node.rpc<Hex>("eth_sendTransaction", [{ from: admin, data }]);
    const receipt = await node.rpc<{ contractAddress: Address }>("eth_getTransactionReceipt", [hash]);
    return receipt.contractAddress;
  };
  const ftns = await bytecode("FTNSToken");
  const token = await deploy(encodeDeployData({ abi: ftnsTokenAbi, bytecode: ftns, args: [admin, 10n ** 30n] }));
  const token2 = await deploy(encodeDeployData({ abi: ftnsTokenAbi, bytecode: ftns, args: [admin, 10n ** 30n] }));
  const marketplace = await deploy(
    encodeDeployData({
      abi: marketplaceAbi,
      bytecode: await bytecode("Marketplace"),
      args: [admin, admin, token, options.feeBps ?? 250, 30 * 60, 7 * 24 * HOUR],
    }),
  );

  const call = (abi: Abi, functionName: string, args: readonly unknown[] = []) =>
    encodeFunctionData({ abi, functionName, args } as never);
  const market: Market = {
    node,
    chainId,
    startBlock,
    token,
    token2,
    marketplace,
    admin,
    accounts,
    send: (from, functionName, args = []) => transact(node, from, marketplace, call(marketplaceAbi, functionName, args)),
    async trySend(from, functionName, args = []) {
      try {
        return await market.send(from, functionName, args);
      } catch (error) {
        if (/revert|execution reverted/i.test((error as Error).message)) return undefined;
        throw error;
      }
    },
    async read<T>(functionName: string, args: readonly unknown[] = []) {
      const data = await node.rpc<Hex>("eth_call", [{ to: marketplace, data: call(marketplaceAbi, functionName, args) }, "latest"]);
      return decodeFunctionResult({ abi: marketplaceAbi, functionName, data } as never) as T;
    },
    sendToken: (tokenAddress, from, functionName, args) => transact(node, from, tokenAddress, call(ftnsTokenAbi, functionName, args)),
  };

  await market.send(admin, "setPaymentToken", [token2, true]);
  // Every other account gets both tokens and approves the marketplace once.
  for (const account of accounts.slice(1, 1 + (options.mintTo ?? 9))) {
    for (const t of [token, token2]) {
      await market.sendToken(t, admin, "mint", [account, 10n ** 27n]);
      await market.sendToken(t, account, "approve", [marketplace, 2n ** 256n - 1n]);
    }
  }
  return market;
}
