/**
 * Undoes every batch above a block: append-only rows above it are deleted, mutable rows get back the
 * image saved before the earliest undone batch touched them, and the checkpoint moves down. One
 * transaction, followed by a `reorg` NOTIFY so that live consumers drop what vanished.
 */
import { DeepReorgError, FatalError } from "../errors.js";
import { readChainState } from "./chain-state.js";
import { DEFAULT_NOTIFY_CHANNEL, type CommitNotification } from "./commit.js";
import { toJson } from "./state-store.js";
import { appendOnlyTables, mutableTables, undoDeleteSql, undoRestoreSql } from "./tables.js";
import type { Db } from "./types.js";

export type RollbackResult = {
  /** The checkpoint before. */
  fromCheckpoint: number;
  /** The checkpoint now: at or below the requested block (batches are undone whole). */
  toCheckpoint: number;
  eventsRemoved: number;
};

const DELETE_SQL = mutableTables.map(undoDeleteSql);
const RESTORE_SQL = mutableTables.map(undoRestoreSql);

export async function rollbackTo(
  db: Db,
  parameters: { chainId: number; ancestor: number; notifyChannel?: string },
): Promise<RollbackResult> {
  const { chainId, ancestor } = parameters;
  return db.transaction(async (tx) => {
    const state = await readChainState(tx, chainId, true);
    if (!state) throw new FatalError(`chain ${chainId} is not registered in the database`);
    if (ancestor >= state.checkpointBlock) {
      return { fromCheckpoint: state.checkpointBlock, toCheckpoint: state.checkpointBlock, eventsRemoved: 0 };
    }
    const first = await tx.query<{ from_block: number | null }>(
      "SELECT min(from_block) AS from_block FROM undo_batches WHERE chain_id = $1 AND to_block > $2",
      [chainId, ancestor],
    );
    const earliest = first.rows[0]?.from_block;
    const target = earliest === null || earliest === undefined ? ancestor : Math.min(ancestor, earliest - 1);
    if (target < state.rollbackFloor || earliest === null || earliest === undefined) {
      throw new DeepReorgError(
        `chain ${chainId}: cannot roll back to block ${ancestor}: blocks up to ${state.rollbackFloor} were committed ` +
          "as final (deeper than the finality depth) and have no undo records. Stopping instead of diverging; " +
          "raise the finality depth if this chain reorganises that deep, and rebuild with --reindex.",
        { details: { chainId, ancestor, rollbackFloor: state.rollbackFloor, checkpoint: state.checkpointBlock } },
      );
    }

    for (let i = 0; i < mutableTables.length; i++) {
      await tx.query(DELETE_SQL[i] as string, [chainId, target]);
      await tx.query(RESTORE_SQL[i] as string, [chainId, target]);
    }
    let eventsRemoved = 0;
    for (const table of appendOnlyTables) {
      const result = await tx.query(`DELETE FROM ${table.name} WHERE chain_id = $1 AND ${table.blockColumn} > $2`, [chainId, target]);
      if (table.name === "raw_events") eventsRemoved = result.rowCount;
    }
    await tx.query("DELETE FROM undo_rows WHERE chain_id = $1 AND batch_to > $2", [chainId, target]);
    await tx.query("DELETE FROM undo_batches WHERE chain_id = $1 AND to_block > $2", [chainId, target]);
    await tx.query("DELETE FROM block_hashes WHERE chain_id = $1 AND block_number > $2", [chainId, target]);
    const hash = await tx.query<{ block_hash: string; t: number }>(
      "SELECT block_hash, extract(epoch FROM block_time)::bigint AS t FROM block_hashes WHERE chain_id = $1 AND block_number = $2",
      [chainId, target],
    );
    await tx.query(
      "UPDATE chains SET checkpoint_block = $2, checkpoint_hash = $3, checkpoint_time = to_timestamp($4), " +
        "events_indexed = events_indexed - $5, updated_at = now() WHERE chain_id = $1",
      [chainId, target, hash.rows[0]?.block_hash ?? null, hash.rows[0]?.t ?? null, eventsRemoved],
    );
    const notification: CommitNotification = {
      chainId,
      fromBlock: target + 1,
      toBlock: state.checkpointBlock,
      kind: "reorg",
      schema: db.schema,
    };
    await tx.query("SELECT pg_notify($1, $2)", [parameters.notifyChannel ?? DEFAULT_NOTIFY_CHANNEL, toJson(notification)]);
    return { fromCheckpoint: state.checkpointBlock, toCheckpoint: target, eventsRemoved };
  });
}
