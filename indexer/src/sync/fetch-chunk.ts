/**
 * Fetches one block range: its logs (splitting the range while the node says it is too large) and
 * the block headers it needs — the block before the range (to check it still follows what is
 * stored), the last block (the new checkpoint), blocks whose logs lack a timestamp, and near the head
 * every block (their hashes are what reorg detection compares later).
 */
import { ChainMovedError, RangeTooLargeError, RpcUnavailableError } from "../errors.js";
import type { RawLog } from "../handlers/decode.js";
import type { RangePlanner } from "./range-planner.js";
import { withRetry, type RetryPolicy } from "./retry.js";
import type { BlockHeader, ChainRpc } from "./rpc.js";

/** A log as fetched: deduplicated, with its block's timestamp. */
export type FetchedLog = RawLog & { blockTimestamp: number };

/** What cutting a range into batches reads of its logs: the block each is in (a decoded event has it). */
export type PlacedLog = { blockNumber: number; blockHash: string; blockTime: number };

export type Chunk<L = FetchedLog> = {
  fromBlock: number;
  toBlock: number;
  /** Logs in chain order: as fetched, or decoded. */
  logs: L[];
  /** Hash of block fromBlock - 1 as the node saw it (null before block 0). */
  prevHash: string | null;
  toHeader: BlockHeader;
  /** Hashes to keep for reorg detection: every block when `dense`, else only the last. */
  hashes: BlockHeader[];
  dense: boolean;
};

export type FetchChunkParameters = {
  rpc: ChainRpc;
  address: string;
  fromBlock: number;
  toBlock: number;
  dense: boolean;
  planner: RangePlanner;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Header requests per getBlocks call. */
  headerBatch?: number;
};

const ZERO_HASH = `0x${"0".repeat(64)}`;

async function getLogsSplitting(parameters: FetchChunkParameters, from: number, to: number, out: RawLog[]): Promise<void> {
  const { rpc, address, planner } = parameters;
  try {
    const logs = await rpc.getLogs({ address, fromBlock: from, toBlock: to });
    planner.succeeded(to - from + 1, logs.length);
    for (const log of logs) out.push(log);
  } catch (error) {
    if (!(error instanceof RangeTooLargeError)) throw error;
    if (from === to) {
      // A single block cannot shrink: treat it as the node being unwell and try again after a pause.
      throw new RpcUnavailableError(`eth_getLogs of block ${from} failed: ${error.message}`, { cause: error });
    }
    planner.tooLarge(to - from + 1);
    const mid = from + Math.floor((to - from) / 2);
    await getLogsSplitting(parameters, from, mid, out);
    await getLogsSplitting(parameters, mid + 1, to, out);
  }
}

export async function fetchChunk(parameters: FetchChunkParameters): Promise<Chunk> {
  const { rpc, fromBlock, toBlock, dense } = parameters;
  const raw: RawLog[] = [];
  await withRetry(
    async () => {
      raw.length = 0;
      await getLogsSplitting(parameters, fromBlock, toBlock, raw);
    },
    { policy: parameters.retry, signal: parameters.signal, isTransient: (e) => e instanceof RpcUnavailableError },
  );

  // A node (or something in front of it) may repeat logs, send removed ones or stray outside the range.
  const address = parameters.address.toLowerCase();
  const seen = new Set<string>();
  const logs: RawLog[] = [];
  for (const log of raw) {
    if (log.removed || log.address !== address) continue;
    if (log.blockNumber < fromBlock || log.blockNumber > toBlock) continue;
    const key = `${log.transactionHash}:${log.logIndex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    logs.push(log);
  }
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);

  const wanted = new Set<number>([toBlock]);
  if (fromBlock > 0) wanted.add(fromBlock - 1);
  if (dense) for (let n = fromBlock; n <= toBlock; n++) wanted.add(n);
  for (const log of logs) if (log.blockTimestamp === undefined) wanted.add(log.blockNumber);
  const headers = new Map<number, BlockHeader | null>();
  const numbers = [...wanted].sort((a, b) => a - b);
  const step = parameters.headerBatch ?? 1000;
  for (let i = 0; i < numbers.length; i += step) {
    for (const [n, h] of await rpc.getBlocks(numbers.slice(i, i + step))) headers.set(n, h);
  }

  for (const n of numbers) {
    if (!headers.get(n)) throw new ChainMovedError(`block ${n} is not on the node (any more)`, { details: { block: n } });
  }
  const header = (n: number) => headers.get(n) as BlockHeader;
  for (const log of logs) {
    const h = headers.get(log.blockNumber);
    if (h && h.hash !== log.blockHash) {
      throw new ChainMovedError(`block ${log.blockNumber} changed while its logs were read`, { details: { block: log.blockNumber } });
    }
  }
  if (dense) {
    for (let n = Math.max(fromBlock, 1); n <= toBlock; n++) {
      const parent = header(n).parentHash;
      // Blocks made by hardhat_mine report a zero parent hash: no link to check there.
      if (parent !== ZERO_HASH && headers.has(n - 1) && parent !== header(n - 1).hash) {
        throw new ChainMovedError(`block ${n} does not follow block ${n - 1}`, { details: { block: n } });
      }
    }
  }

  for (const log of logs) log.blockTimestamp ??= header(log.blockNumber).timestamp;
  const timed = logs as FetchedLog[];
  const hashes = dense ? numbers.filter((n) => n >= fromBlock).map(header) : [header(toBlock)];
  return {
    fromBlock,
    toBlock,
    logs: timed,
    prevHash: fromBlock > 0 ? header(fromBlock - 1).hash : null,
    toHeader: header(toBlock),
    hashes,
    dense,
  };
}

/**
 * Cuts a range whose logs exceed `maxEvents` into consecutive batches at block boundaries (a block's
 * logs always commit together), so a transaction stays small whatever one getLogs answer brought.
 * Each part ends at a block that has logs, whose hash and time the logs carry.
 */
export function splitChunk<L extends PlacedLog>(chunk: Chunk<L>, maxEvents: number): Chunk<L>[] {
  if (chunk.logs.length <= maxEvents) return [chunk];
  const parts: Chunk<L>[] = [];
  let from = chunk.fromBlock;
  let prevHash = chunk.prevHash;
  let start = 0;
  while (start < chunk.logs.length) {
    let end = Math.min(chunk.logs.length, start + maxEvents);
    const lastBlock = (chunk.logs[end - 1] as L).blockNumber;
    while (end < chunk.logs.length && (chunk.logs[end] as L).blockNumber === lastBlock) end++;
    const final = end === chunk.logs.length;
    const last = chunk.logs[end - 1] as L;
    const toHeader: BlockHeader = final
      ? chunk.toHeader
      : { number: last.blockNumber, hash: last.blockHash, parentHash: "", timestamp: last.blockTime };
    const to = toHeader.number;
    const hashes = chunk.dense ? chunk.hashes.filter((h) => h.number >= from && h.number <= to) : [toHeader];
    parts.push({ fromBlock: from, toBlock: to, logs: chunk.logs.slice(start, end), prevHash, toHeader, hashes, dense: chunk.dense });
    prevHash = toHeader.hash;
    from = to + 1;
    start = end;
  }
  return parts;
}

/**
 * Whether `after` continues `before` on the same chain: it starts at the next block, whose parent is
 * the block `before` ended at (if that differs, the chain reorganised between the two fetches, and the
 * chunks must commit apart so that the second one's check against the checkpoint finds it).
 */
export function continues(before: Chunk<unknown>, after: Chunk<unknown>): boolean {
  return after.fromBlock === before.toBlock + 1 && after.dense === before.dense && after.prevHash === before.toHeader.hash;
}

/**
 * Joins consecutive chunks into one batch: small getLogs answers arrive quickly, but each batch costs
 * a transaction and a round of statements per table, so those fetched while the previous batch was
 * being written commit together.
 */
export function mergeChunks<L>(chunks: readonly Chunk<L>[]): Chunk<L> {
  const first = chunks[0];
  if (!first) throw new Error("mergeChunks needs at least one chunk");
  if (chunks.length === 1) return first;
  for (let i = 1; i < chunks.length; i++) {
    const [before, after] = [chunks[i - 1] as Chunk<L>, chunks[i] as Chunk<L>];
    if (!continues(before, after)) {
      throw new Error(`chunk ${after.fromBlock}-${after.toBlock} does not continue ${before.fromBlock}-${before.toBlock}`);
    }
  }
  const last = chunks[chunks.length - 1] as Chunk<L>;
  return {
    fromBlock: first.fromBlock,
    toBlock: last.toBlock,
    logs: chunks.flatMap((chunk) => chunk.logs),
    prevHash: first.prevHash,
    toHeader: last.toHeader,
    // Sparse chunks keep only their last block's hash, and so does a merge of them.
    hashes: first.dense ? chunks.flatMap((chunk) => chunk.hashes) : [last.toHeader],
    dense: first.dense,
  };
}
