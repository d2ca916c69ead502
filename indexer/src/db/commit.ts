/**
 * One batch, one transaction: raw events, every derived row, undo images (near the head), block
 * hashes and the checkpoint commit together or not at all, then NOTIFY tells listeners. A crash at
 * any point leaves the database at the previous checkpoint, and the batch is simply fetched again.
 */
import { FatalError, ReorgDetectedError } from "../errors.js";
import type { DecodedEvent } from "../handlers/decode.js";
import { applyEvents, collectKeys } from "../handlers/reduce.js";
import type { BatchChanges, BatchKeys } from "../handlers/reduce.js";
import { readChainState } from "./chain-state.js";
import type { StateCache } from "./state-cache.js";
import { derivationDeferred, deriveDeferredIn } from "./deferred-derivation.js";
import { captureUndo, loadState, rememberState, toJson, writeBatch, writeDeferredBatch, type WriteHook } from "./state-store.js";
import type { Db, Queryable } from "./types.js";

export const DEFAULT_NOTIFY_CHANNEL = "marketplace_commits";

/**
 * The payload of every NOTIFY: a committed range, or a rolled-back one (`reorg`: rows from `fromBlock` on
 * were removed), or `rollups`: the API's rollups were recomputed after a backfill (db/deferred-rollups.ts).
 */
export type CommitNotification = {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  kind: "block" | "reorg" | "rollups";
  schema: string;
  events?: number;
};

export type CommitBatchParameters = {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  events: DecodedEvent[];
  /** Hash of fromBlock - 1 on the node: must equal the stored checkpoint hash, else the chain reorganised. */
  prevHash: string | null;
  toHash: string;
  toTime: number;
  /** Block hashes to keep for reorg detection. */
  hashes: { number: number; hash: string; timestamp: number }[];
  headBlock: number;
  /** Keep undo images (the batch is within the finality depth of the head). */
  undo: boolean;
  finalityDepth: number;
  notifyChannel?: string;
  hook?: WriteHook;
  /** Rows committed by earlier batches of this chain (see state-cache.ts); updated once this batch commits. */
  cache?: StateCache;
};

export type CommitBatchResult = {
  events: number;
  /** The reduced batch's changes; undefined when its derivation is deferred (deferred-derivation.ts). */
  changes?: BatchChanges;
  /** The chain's deferred rows were derived first, in this batch's transaction. */
  derived: boolean;
};

export async function commitBatch(db: Db, p: CommitBatchParameters): Promise<CommitBatchResult> {
  const result = await db.transaction(async (tx) => {
    const state = await readChainState(tx, p.chainId, true);
    if (!state) throw new FatalError(`chain ${p.chainId} is not registered in the database`);
    if (state.checkpointBlock !== p.fromBlock - 1) {
      throw new FatalError(
        `chain ${p.chainId}: checkpoint is ${state.checkpointBlock} but this batch starts at ${p.fromBlock}; is another indexer writing the same chain into this database?`,
        { details: { chainId: p.chainId, fromBlock: p.fromBlock } },
      );
    }
    if (p.prevHash && state.checkpointHash && p.prevHash !== state.checkpointHash) {
      throw new ReorgDetectedError(
        p.chainId,
        state.checkpointBlock,
        `block ${state.checkpointBlock} changed: stored ${state.checkpointHash}, node has ${p.prevHash}`,
      );
    }

    // Deep batches of a chain whose derivation is deferred store raw events only; the first batch near
    // the head derives the rows they imply before it is reduced on top of them.
    const deferred = await derivationDeferred(tx, p.chainId);
    let reduced: { keys: BatchKeys; changes: BatchChanges } | undefined;
    let derived = false;
    if (deferred && !p.undo) {
      await storeEvents(p, () => writeDeferredBatch(tx, p.chainId, p.events, p.hook));
    } else {
      if (deferred) {
        derived = await deriveDeferredIn(tx, p.chainId);
        p.cache?.clear();
      }
      const keys = collectKeys(p.events);
      const changes = applyEvents(p.events, await loadState(tx, p.chainId, keys, p.cache));
      reduced = { keys, changes };
      if (p.undo) await captureUndo(tx, p.chainId, { fromBlock: p.fromBlock, toBlock: p.toBlock }, changes);
      await storeEvents(p, () => writeBatch(tx, p.chainId, p.events, changes, p.hook));
    }

    if (p.hashes.length > 0) {
      await tx.query(
        "INSERT INTO block_hashes (chain_id, block_number, block_hash, block_time) " +
          "SELECT $2::integer, x.n, x.h, to_timestamp(x.t) FROM json_to_recordset($1::json) AS x(n bigint, h text, t bigint) " +
          "ON CONFLICT (chain_id, block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash, block_time = EXCLUDED.block_time",
        [JSON.stringify(p.hashes.map((h) => ({ n: h.number, h: h.hash, t: h.timestamp }))), p.chainId],
      );
    }
    await tx.query(
      "UPDATE chains SET checkpoint_block = $2, checkpoint_hash = $3, checkpoint_time = to_timestamp($4), head_block = $5, " +
        "events_indexed = events_indexed + $6, rollback_floor = CASE WHEN $7::boolean THEN rollback_floor ELSE $2 END, updated_at = now() " +
        "WHERE chain_id = $1",
      [p.chainId, p.toBlock, p.toHash, p.toTime, p.headBlock, p.events.length, p.undo],
    );
    await prune(tx, p.chainId, p.toBlock - p.finalityDepth);

    const notification: CommitNotification = {
      chainId: p.chainId,
      fromBlock: p.fromBlock,
      toBlock: p.toBlock,
      kind: "block",
      schema: db.schema,
      events: p.events.length,
    };
    // NOTIFY is transactional: listeners hear of the batch only if it commits.
    await tx.query("SELECT pg_notify($1, $2)", [p.notifyChannel ?? DEFAULT_NOTIFY_CHANNEL, toJson(notification)]);
    return { events: p.events.length, reduced, derived };
  });
  if (p.cache && result.reduced) rememberState(p.cache, result.reduced.keys, result.reduced.changes);
  return { events: result.events, changes: result.reduced?.changes, derived: result.derived };
}

/** Runs a batch's writes, reporting events already stored above the checkpoint as what they mean. */
async function storeEvents(p: CommitBatchParameters, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDuplicateEvent(error)) throw error;
    throw new FatalError(
      `chain ${p.chainId}: events in blocks ${p.fromBlock}-${p.toBlock} were already stored above the checkpoint; the mirror is inconsistent, rebuild it with --reindex`,
      { cause: error },
    );
  }
}

/** The raw events' key refused a row: an event of the batch is in the mirror already. */
function isDuplicateEvent(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  return (
    e?.code === "23505" &&
    (e.constraint === "raw_events_log_key" || (typeof e.message === "string" && e.message.includes("raw_events_log_key")))
  );
}

/**
 * Forgets what is deeper than the finality depth: undo images (the floor of possible rollbacks rises
 * with them) and block hashes, keeping the hash just below the oldest undo batch, where a rollback lands.
 */
async function prune(tx: Queryable, chainId: number, below: number) {
  await tx.query(
    "WITH pruned AS (DELETE FROM undo_batches WHERE chain_id = $1 AND to_block < $2 RETURNING to_block) " +
      "UPDATE chains SET rollback_floor = GREATEST(rollback_floor, (SELECT max(to_block) FROM pruned)) " +
      "WHERE chain_id = $1 AND EXISTS (SELECT 1 FROM pruned)",
    [chainId, below],
  );
  await tx.query("DELETE FROM undo_rows WHERE chain_id = $1 AND batch_to < $2", [chainId, below]);
  await tx.query(
    "DELETE FROM block_hashes WHERE chain_id = $1 AND block_number < LEAST($2::bigint, " +
      "(SELECT min(from_block) - 1 FROM undo_batches WHERE chain_id = $1))",
    [chainId, below],
  );
}
