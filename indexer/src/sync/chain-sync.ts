/**
 * Keeps one chain's mirror in step with its node: backfill in pipelined adaptive ranges, then follow
 * the head by polling. Every range is committed as one batch; a batch whose first block no longer
 * follows the stored checkpoint is a reorg, answered by rolling back to the common ancestor and
 * carrying on from there.
 */
import type { Logger } from "pino";

import { commitBatch } from "../db/commit.js";
import { withDbRetry as retryDb } from "../db/errors.js";
import { readChainState, type ChainState } from "../db/chain-state.js";
import { rollbackTo } from "../db/rollback.js";
import { createStateCache } from "../db/state-cache.js";
import type { WriteHook } from "../db/state-store.js";
import type { Db } from "../db/types.js";
import { ChainMovedError, errorMessage, FatalError, ReorgDetectedError } from "../errors.js";
import { decodeLog, type DecodedEvent } from "../handlers/decode.js";
import type { ChainMetrics } from "../metrics/metrics.js";
import { continues, fetchChunk, mergeChunks, splitChunk, type Chunk } from "./fetch-chunk.js";
import { heapHasRoom } from "./heap-room.js";
import { createRangePlanner, type RangePlanner } from "./range-planner.js";
import { findCommonAncestor, readStoredHashes } from "./reorg.js";
import { AbortedError, sleep, type RetryPolicy } from "./retry.js";
import type { ChainRpc } from "./rpc.js";

export type ChainSyncOptions = {
  /** Blocks behind the head considered settled enough to index (0 on a local chain). */
  confirmations: number;
  /** How deep a reorg may be rolled back; deeper stops the indexer. Also how long block hashes and undo images are kept. */
  finalityDepth: number;
  pollIntervalMs: number;
  initialBlockRange: number;
  maxBlockRange: number;
  /** Logs one batch aims at; ranges grow or shrink towards it. */
  targetBatchEvents: number;
  /** Ranges fetched ahead while earlier ones are being written (fewer when the V8 heap fills, see heap-room.ts). */
  prefetch: number;
  /** eth_getLogs requests in flight at once. */
  fetchConcurrency: number;
  /** Logs one getLogs answer aims at (capped by the batch size); several answers commit as one batch. */
  rangeTargetLogs: number;
  /** Listings and rentals (each) kept in memory between batches; 0 reads every batch's rows from the database. */
  stateCacheRows?: number;
  retry: RetryPolicy;
  notifyChannel?: string;
};

/** What happened to the mirror, as a typed case: new blocks committed, or blocks rolled back. */
export type SyncEvent =
  | { kind: "block"; chainId: number; fromBlock: number; toBlock: number; events: number }
  | { kind: "reorg"; chainId: number; fromBlock: number; toBlock: number; ancestor: number };

export type ChainSyncHooks = {
  /** Called inside the batch transaction after each statement; throwing aborts the batch (crash tests). */
  onBatchWrite?: (info: { chainId: number; fromBlock: number; toBlock: number; stage: string; rowsWritten: number }) => void | Promise<void>;
  onSync?: (event: SyncEvent) => void;
};

export type ChainSyncParameters = {
  db: Db;
  rpc: ChainRpc;
  chain: { chainId: number; marketplace: string; startBlock: number };
  options: ChainSyncOptions;
  metrics: ChainMetrics;
  logger: Logger;
  signal: AbortSignal;
  hooks?: ChainSyncHooks;
};

export type ChainSync = {
  /** Indexes up to the head (minus confirmations) as it is when called, or up to `toBlock`, then resolves. */
  backfill(toBlock?: number): Promise<void>;
  /** Keeps following the head until the signal aborts; rejects on a fatal error. */
  follow(): Promise<void>;
};

type Cursor = { checkpoint: number; hash: string | null };

/**
 * Log data (hex characters) that ranges merged into one batch carry at most, whatever their event
 * count. Decoded, a log of the largest listing (4,096 bytes of metadata) holds ~20 KB, so a batch of
 * 20,000 of them would not fit the indexer's bounded heap (package.json); ordinary events carry well
 * under 1 KB, and their batches stay far below this.
 */
const MAX_BATCH_LOG_CHARS = 32 * 1024 * 1024;

/** A fetched range with its logs decoded, and the characters of log data they came from. */
type DecodedChunk = Chunk<DecodedEvent> & { dataChars: number };

/**
 * Logs are decoded as soon as their range arrives, while the previous batch is still being written (on
 * a database server the process mostly waits for it), so that decoding is off the commit path. Only
 * the decoded events are kept: nothing reads a log's topics and data again, and a log as parsed holds
 * ~1.0-1.3 KB against its event's ~0.3-0.4 KB, so the bounded heap holds far more of the read-ahead.
 */
function decodeChunk(chunk: Chunk): DecodedChunk {
  let dataChars = 0;
  const logs = chunk.logs.map((log) => {
    dataChars += log.data.length;
    return decodeLog(log, log.blockTimestamp);
  });
  return { ...chunk, logs, dataChars };
}

/** A range being fetched; `ready` once it has arrived. */
type Fetch = { chunk: Promise<DecodedChunk>; ready?: DecodedChunk };

export function createChainSync(p: ChainSyncParameters): ChainSync {
  const { db, rpc, chain, options, metrics, logger, signal } = p;
  const chainId = chain.chainId;
  const log = logger.child({ chainId });
  const cache = createStateCache(options.stateCacheRows);
  const planner: RangePlanner = createRangePlanner({
    initialBlocks: options.initialBlockRange,
    maxBlocks: options.maxBlockRange,
    targetLogs: Math.min(options.rangeTargetLogs, options.targetBatchEvents),
  });

  async function readCursor(): Promise<Cursor> {
    const state = (await withDbRetry("read checkpoint", () => readChainState(db, chainId))) as ChainState | undefined;
    if (!state) throw new FatalError(`chain ${chainId} is not registered in the database`);
    metrics.indexedBlock = state.checkpointBlock;
    return { checkpoint: state.checkpointBlock, hash: state.checkpointHash };
  }

  /** Database steps retry through outages; the step is re-run whole, so nothing half-done survives. */
  function withDbRetry<T>(context: string, fn: () => Promise<T>): Promise<T> {
    return retryDb(fn, {
      context,
      policy: options.retry,
      signal,
      onRetry: (error, attempt, delayMs) => {
        metrics.dbRetries++;
        log.warn({ err: errorMessage(error), attempt, delayMs }, "database unavailable, retrying the batch");
      },
    });
  }

  async function commit(chunk: Chunk<DecodedEvent>, head: number): Promise<void> {
    const events = chunk.logs;
    const undo = chunk.toBlock > head - options.finalityDepth;
    const hook: WriteHook | undefined = p.hooks?.onBatchWrite
      ? (stage, rowsWritten) =>
          p.hooks?.onBatchWrite?.({ chainId, fromBlock: chunk.fromBlock, toBlock: chunk.toBlock, stage, rowsWritten })
      : undefined;
    const result = await withDbRetry(`batch ${chunk.fromBlock}-${chunk.toBlock}`, () =>
      commitBatch(db, {
        chainId,
        fromBlock: chunk.fromBlock,
        toBlock: chunk.toBlock,
        events,
        prevHash: chunk.prevHash,
        toHash: chunk.toHeader.hash,
        toTime: chunk.toHeader.timestamp,
        hashes: chunk.hashes.map((h) => ({ number: h.number, hash: h.hash, timestamp: h.timestamp })),
        headBlock: head,
        undo,
        finalityDepth: options.finalityDepth,
        notifyChannel: options.notifyChannel,
        hook,
        cache,
      }),
    );
    if (result.derived) log.info({ block: chunk.fromBlock }, "rows deferred during the backfill derived");
    for (const skipped of result.changes?.skipped ?? []) {
      log.warn(
        { block: skipped.event.blockNumber, tx: skipped.event.txHash, event: skipped.event.name, reason: skipped.reason },
        "event kept in raw_events only",
      );
    }
    log.debug({ from: chunk.fromBlock, to: chunk.toBlock, events: events.length, undo, reduced: result.changes !== undefined }, "batch committed");
    metrics.indexedBlock = chunk.toBlock;
    metrics.eventsIndexed += events.length;
    metrics.batchesCommitted++;
    metrics.lastCommitAt = Date.now();
    if (metrics.phase === "follow") metrics.lastCommitLatencyMs = Date.now() - chunk.toHeader.timestamp * 1000;
    p.hooks?.onSync?.({ kind: "block", chainId, fromBlock: chunk.fromBlock, toBlock: chunk.toBlock, events: events.length });
  }

  /**
   * Commits every block up to `target`. Ranges are fetched ahead (`prefetch` of them, `fetchConcurrency`
   * at a time, each sized by the planner when its request starts) while earlier ones are written, and
   * the ranges that have arrived by the time a batch starts commit together, up to the batch size.
   * Ranges never straddle the finality boundary: those above it are fetched densely and keep undo images.
   */
  async function syncTo(target: number, head: number, cursor: Cursor): Promise<void> {
    const boundary = head - options.finalityDepth;
    let next = cursor.checkpoint + 1;
    let inFlight = 0;
    let stopped = false;
    const queue: Fetch[] = [];
    const pump = () => {
      while (
        !stopped &&
        (queue.length === 0 || (queue.length < options.prefetch && heapHasRoom())) &&
        inFlight < Math.max(1, options.fetchConcurrency) &&
        next <= target
      ) {
        const from = next;
        let to = Math.min(target, from + planner.size() - 1);
        if (from <= boundary && to > boundary) to = boundary;
        next = to + 1;
        inFlight++;
        const entry: Fetch = {
          chunk: fetchChunk({
            rpc,
            address: chain.marketplace,
            fromBlock: from,
            toBlock: to,
            dense: to > boundary,
            planner,
            retry: options.retry,
            signal,
          }).then(decodeChunk),
        };
        entry.chunk
          .then((chunk) => {
            entry.ready = chunk;
          })
          .catch(() => undefined) // observed when its turn comes; abandoned ones must not crash the process
          .finally(() => {
            inFlight--;
            pump();
          });
        queue.push(entry);
      }
    };
    try {
      pump();
      while (queue.length > 0) {
        if (signal.aborted) throw new AbortedError();
        const parts = [await (queue.shift() as Fetch).chunk];
        let events = (parts[0] as DecodedChunk).logs.length;
        let chars = (parts[0] as DecodedChunk).dataChars;
        for (let ahead = queue[0]?.ready; ahead; ahead = queue[0]?.ready) {
          if (
            events + ahead.logs.length > options.targetBatchEvents ||
            chars + ahead.dataChars > MAX_BATCH_LOG_CHARS ||
            !continues(parts[parts.length - 1] as DecodedChunk, ahead)
          ) {
            break;
          }
          parts.push(ahead);
          events += ahead.logs.length;
          chars += ahead.dataChars;
          queue.shift();
        }
        pump();
        for (const part of splitChunk(mergeChunks(parts), options.targetBatchEvents)) await commit(part, head);
      }
    } finally {
      stopped = true;
    }
  }

  /** With no new block to index, the stored tip must still be on the chain (a same-height reorg, or a rewind). */
  async function checkTip(cursor: Cursor): Promise<void> {
    if (cursor.hash === null || cursor.checkpoint < chain.startBlock) return;
    const header = await rpc.getBlock(cursor.checkpoint);
    if (!header || header.hash !== cursor.hash) {
      throw new ReorgDetectedError(
        chainId,
        cursor.checkpoint,
        `block ${cursor.checkpoint} changed: stored ${cursor.hash}, node has ${header?.hash ?? "no such block"}`,
      );
    }
  }

  async function handleReorg(error: ReorgDetectedError): Promise<void> {
    const cursor = await readCursor();
    log.warn({ block: error.blockNumber, reason: error.message }, "reorg detected");
    const ancestor = await findCommonAncestor({
      storedHashes: (floor, top) => withDbRetry("read block hashes", () => readStoredHashes(db, chainId, floor, top)),
      rpc,
      chainId,
      startBlock: chain.startBlock,
      checkpoint: cursor.checkpoint,
      finalityDepth: options.finalityDepth,
    });
    // The rolled-back rows change under the cache: it is rebuilt from the database as batches need it.
    cache.clear();
    const result = await withDbRetry("rollback", () =>
      rollbackTo(db, { chainId, ancestor, notifyChannel: options.notifyChannel }),
    );
    metrics.reorgs++;
    metrics.reorgedBlocks += result.fromCheckpoint - result.toCheckpoint;
    metrics.indexedBlock = result.toCheckpoint;
    metrics.eventsIndexed -= result.eventsRemoved;
    log.warn(
      { ancestor, from: result.fromCheckpoint, to: result.toCheckpoint, eventsRemoved: result.eventsRemoved },
      "rolled back to the common ancestor",
    );
    p.hooks?.onSync?.({ kind: "reorg", chainId, fromBlock: result.toCheckpoint + 1, toBlock: result.fromCheckpoint, ancestor });
  }

  /** One pass: read the head, index what is new or check the tip. Returns the target it aimed at. */
  async function step(limit = Number.POSITIVE_INFINITY): Promise<{ target: number; cursor: Cursor }> {
    const head = await rpc.getBlockNumber();
    metrics.headBlock = head;
    const target = Math.min(limit, head - options.confirmations);
    const cursor = await readCursor();
    if (target > cursor.checkpoint) await syncTo(target, head, cursor);
    else await checkTip(cursor);
    return { target, cursor };
  }

  /** Runs `step` until `done` says so, turning reorgs into rollbacks and chain movement into another pass. */
  async function loop(done: (target: number) => boolean, pause: number, limit?: number): Promise<void> {
    for (;;) {
      if (signal.aborted) return;
      try {
        const { target } = await step(limit);
        if (done(target)) return;
      } catch (error) {
        if (error instanceof AbortedError || signal.aborted) return;
        if (error instanceof ReorgDetectedError) {
          await handleReorg(error);
          continue;
        }
        if (error instanceof ChainMovedError) {
          log.debug({ reason: error.message }, "chain moved while reading; reading again");
          await sleep(Math.max(pause, 50), signal);
          continue;
        }
        throw error;
      }
      await sleep(pause, signal);
    }
  }

  return {
    async backfill(toBlock) {
      const cursor = await readCursor();
      const head = await rpc.getBlockNumber();
      metrics.headBlock = head;
      metrics.phase = "backfill";
      metrics.startedFromBlock = cursor.checkpoint;
      const goal = Math.max(cursor.checkpoint, Math.min(toBlock ?? Number.POSITIVE_INFINITY, head - options.confirmations));
      metrics.backfillTarget = goal;
      log.info({ from: cursor.checkpoint + 1, to: goal }, "backfill");
      // Done at the goal, or earlier if the chain itself went back below it (a rewind).
      await loop((target) => metrics.indexedBlock >= Math.min(goal, target), 0, goal);
    },
    async follow() {
      metrics.phase = "follow";
      await loop(() => false, options.pollIntervalMs);
    },
  };
}
