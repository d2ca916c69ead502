/**
 * Sends many transactions and packs them into blocks: automine is off, so a block holds as many of
 * them as its gas limit allows, and `evm_mine` seals one at a time until every sent transaction is in.
 */
import { type Address, type Hex, toHex } from "viem";
import type { Rpc } from "../lib/raw-rpc.js";

/** EIP-7825 (Osaka): no transaction may ask for more gas than this. */
export const TRANSACTION_GAS_CAP = 16_777_216n;

export type Log = { address: Address; topics: Hex[]; data: Hex; blockNumber: Hex; logIndex: Hex };
export type Receipt = {
  transactionHash: Hex;
  status: Hex;
  gasUsed: Hex;
  blockNumber: Hex;
  logs: Log[];
};

export type Transaction = {
  from: Address;
  to: Address;
  data: Hex;
  gas: bigint;
  /** What the transaction does, for error messages and gas accounting. */
  label: string;
  /** How many marketplace operations it carries. */
  operations: number;
};

export type MinedTransaction = Transaction & { receipt: Receipt };

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

export type Block = { number: Hex; hash: Hex; timestamp: Hex; transactions: Hex[] };

export class BlockPacker {
  /** Blocks sealed so far, and the latest one. */
  blocks = 0;
  latest: Block | undefined;

  constructor(
    private readonly rpc: Rpc,
    /** Fee cap the transactions offer; the base fee is pinned below it before every block. */
    private readonly maxFeePerGas = 1_000_000_000n
  ) {}

  async init(): Promise<void> {
    await this.rpc("evm_setAutomine", [false]);
    this.latest = await this.rpc<Block>("eth_getBlockByNumber", ["latest", false]);
  }

  /** Seals one block, even an empty one (to make time pass). */
  async mine(): Promise<Block> {
    // Full blocks raise the base fee by 1/8 each; hundreds of them would price every account out.
    await this.rpc("hardhat_setNextBlockBaseFeePerGas", ["0x1"]);
    await this.rpc("evm_mine");
    this.blocks++;
    this.latest = await this.rpc<Block>("eth_getBlockByNumber", ["latest", false]);
    return this.latest;
  }

  /** Moves the chain's clock forward; the next sealed block carries the new time. */
  async increaseTime(seconds: number): Promise<void> {
    await this.rpc("evm_increaseTime", [seconds]);
  }

  get timestamp(): number {
    if (!this.latest) throw new Error("BlockPacker.init() was not called");
    return Number(this.latest.timestamp);
  }

  /** Sends all, mines until every one is in a block, and fails loudly if any reverted. */
  async run(transactions: readonly Transaction[]): Promise<MinedTransaction[]> {
    if (transactions.length === 0) return [];
    const hashes = await mapLimit(transactions, 8, (tx) =>
      this.rpc<Hex>("eth_sendTransaction", [
        {
          from: tx.from,
          to: tx.to,
          data: tx.data,
          gas: toHex(tx.gas),
          maxFeePerGas: toHex(this.maxFeePerGas),
          maxPriorityFeePerGas: "0x0",
        },
      ])
    );
    const pending = new Set(hashes);
    while (pending.size > 0) {
      const block = await this.mine();
      if (block.transactions.length === 0) {
        throw new Error(`${pending.size} transactions stay pending after an empty block; first: ${[...pending][0]}`);
      }
      for (const hash of block.transactions) pending.delete(hash);
    }
    const receipts = await mapLimit(hashes, 8, (hash) => this.rpc<Receipt>("eth_getTransactionReceipt", [hash]));
    const mined = transactions.map((tx, i) => ({ ...tx, receipt: receipts[i] }));
    const failed = mined.filter((tx) => tx.receipt.status !== "0x1");
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(
        `${failed.length} transactions reverted; first: ${first.label} (${first.operations} operations, ` +
          `gas used ${BigInt(first.receipt.gasUsed)} of ${first.gas}) ${first.receipt.transactionHash}`
      );
    }
    return mined;
  }
}
