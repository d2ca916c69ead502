/**
 * The API's rollups (hourly market totals, per-listing and per-provider figures, the narrow search
 * copy) are kept by statement-level triggers on the history tables. Batch by batch they were about a
 * fifth of a backfill's database work (measured on both databases); computed once over the finished
 * mirror they cost a few grouped scans. So a backfill into an empty mirror turns the triggers off,
 * records which in `deferred_rollups`, and at its end recomputes every rollup with
 * `api_rollups_rebuild()` (migration 0113) and turns them back on, all in one transaction.
 *
 * Crash-safe like the deferred indexes: an interrupted backfill leaves the record, the next start goes
 * on without the triggers and finishes the job when its backfill is done, and migrations finish it
 * before changing the schema. Until then the API's analytics and text search read empty rollups.
 */
import type { Logger } from "pino";

import { DEFAULT_NOTIFY_CHANNEL, type CommitNotification } from "./commit.js";
import { quoteIdent, type Db, type Queryable } from "./types.js";

/** Tables whose triggers keep rollups. Every user trigger on them does (see 0101-0111). */
export const ROLLUP_SOURCE_TABLES = ["raw_events", "rentals", "listings"] as const;

/** Records and turns off the rollup triggers, in one transaction; how many. */
export async function deferRollups(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ table_name: string; trigger_name: string }>(
      "INSERT INTO deferred_rollups (table_name, trigger_name) " +
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid " +
        "JOIN pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND NOT t.tgisinternal AND t.tgenabled <> 'D' " +
        "ON CONFLICT DO NOTHING RETURNING table_name, trigger_name",
      [db.schema, [...ROLLUP_SOURCE_TABLES]],
    );
    for (const r of rows) await tx.exec(`ALTER TABLE ${quoteIdent(r.table_name)} DISABLE TRIGGER ${quoteIdent(r.trigger_name)}`);
    return rows.length;
  });
}

/**
 * Recomputes the rollups and turns their triggers back on, in the caller's transaction, if a backfill
 * deferred them; how many triggers. Each chain's listeners hear of it (kind `rollups`), so the API
 * drops what it cached from the empty rollups.
 */
export async function finishDeferredRollupsIn(tx: Queryable, schema: string, notifyChannel?: string): Promise<number> {
  const { rows } = await tx.query<{ table_name: string; trigger_name: string }>(
    "DELETE FROM deferred_rollups RETURNING table_name, trigger_name",
  );
  if (rows.length === 0) return 0;
  await tx.query("SELECT api_rollups_rebuild()");
  for (const r of rows) await tx.exec(`ALTER TABLE ${quoteIdent(r.table_name)} ENABLE TRIGGER ${quoteIdent(r.trigger_name)}`);
  const chains = await tx.query<{ chain_id: number; checkpoint_block: number }>("SELECT chain_id, checkpoint_block FROM chains");
  for (const c of chains.rows) {
    const notification: CommitNotification = {
      chainId: Number(c.chain_id),
      fromBlock: Number(c.checkpoint_block),
      toBlock: Number(c.checkpoint_block),
      kind: "rollups",
      schema,
    };
    await tx.query("SELECT pg_notify($1, $2)", [notifyChannel ?? DEFAULT_NOTIFY_CHANNEL, JSON.stringify(notification)]);
  }
  return rows.length;
}

export type FinishDeferredRollupsParameters = { logger?: Logger; notifyChannel?: string };

/** Recomputes deferred rollups in a transaction of their own (at the end of a backfill). */
export async function finishDeferredRollups(db: Db, p: FinishDeferredRollupsParameters = {}): Promise<number> {
  const started = performance.now();
  const triggers = await db.transaction((tx) => finishDeferredRollupsIn(tx, db.schema, p.notifyChannel));
  if (triggers > 0) {
    p.logger?.info({ triggers, ms: Math.round(performance.now() - started) }, "rollups deferred during the backfill computed");
  }
  return triggers;
}
