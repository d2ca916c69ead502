/**
 * Sends one contract call the careful way: simulate first, so a call that would revert is explained
 * (decoded custom error, in words) before anything is signed; then send, wait for the receipt and
 * decode the marketplace events it emitted.
 */
import { parseEventLogs, type Abi, type Address, type Hex } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../generated/abis.js";
import { ScriptError } from "../lib/errors.js";
import { toContractRevertError } from "../lib/revert.js";
import type { CliContext } from "./context.js";

export type ContractCall = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

export type SentCall = {
  hash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
  events: ReturnType<typeof parseEventLogs<typeof marketplaceAbi>>;
};

export async function sendCall(ctx: CliContext, call: ContractCall): Promise<SentCall> {
  const { client } = await ctx.connection();
  const wallet = await ctx.wallet();
  const receipt = await explainReverts(async () => {
    const { request } = await client.simulateContract({ ...call, account: ctx.account } as Parameters<typeof client.simulateContract>[0]);
    const hash = await wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]);
    return client.waitForTransactionReceipt({ hash, pollingInterval: 200 });
  });
  if (receipt.status !== "success") throw new ScriptError(`transaction ${receipt.transactionHash} reverted`);
  return {
    hash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    events: parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs }),
  };
}

/** A marketplace call. */
export function marketplaceCall(address: Address, functionName: string, args: readonly unknown[]): ContractCall {
  return { address, abi: marketplaceAbi as Abi, functionName, args };
}

/** A token call. */
export function tokenCall(address: Address, functionName: string, args: readonly unknown[]): ContractCall {
  return { address, abi: ftnsTokenAbi as Abi, functionName, args };
}

/** Runs `work`, turning a contract revert inside it into a ContractRevertError that says why. */
export async function explainReverts<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toContractRevertError(error) ?? error;
  }
}

/** The one line after every transaction. */
export function txLine(sent: SentCall): string {
  return `  tx ${sent.hash} · block ${sent.blockNumber} · gas ${sent.gasUsed.toLocaleString("en-US")}`;
}

/** The first event of `name` in a sent call, or an error if the contract did not emit it. */
export function eventOf<N extends SentCall["events"][number]["eventName"]>(sent: SentCall, name: N) {
  const event = sent.events.find((e) => e.eventName === name);
  if (!event) throw new ScriptError(`transaction ${sent.hash} emitted no ${name} event`);
  return event as Extract<SentCall["events"][number], { eventName: N }>;
}
