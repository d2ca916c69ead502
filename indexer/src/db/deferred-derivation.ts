/**
 * Reading, reducing and writing back the derived rows (listings, rentals, totals) was more than half of
 * a backfill's time on both databases, and most of it rewrote rows that later batches rewrote again. So
 * a backfill into an empty mirror records its chains in `deferred_derivations`; while a chain is
 * recorded, batches deeper than the finality depth write raw events (and their listings' parsed
 * metadata) only, and the first batch near the head, or the end of the backfill, derives every other
 * row from the raw events at once with `mirror_derive()` (migration 0114), in one transaction.
 *
 * Crash-safe like the deferred indexes: an interrupted backfill leaves the record, the next start goes
 * on writing raw events, and migrations derive before changing the schema. Until then the API sees the
 * chain's raw events but no listings or rentals. Near the head nothing changes: batches there keep undo
 * images and are reduced row by row (handlers/reduce.ts), as a reorg needs.
 */
import type { Logger } from "pino";

import type { Db, Queryable } from "./types.js";

/** Records `chainIds` as deferred (in a backfill into an empty mirror); how many were not already. */
export async function deferDerivation(db: Db, chainIds: readonly number[]): Promise<number> {
  const { rows } = await db.query(
    "INSERT INTO deferred_derivations (chain_id) SELECT unnest($1::integer[]) ON CONFLICT DO NOTHING RETURNING chain_id",
    [[...chainIds]],
  );
  return rows.length;
}

/** Whether the chain's derived rows are still to be computed (read in the batch's transaction). */
export async function derivationDeferred(q: Queryable, chainId: number): Promise<boolean> {
  const { rows } = await q.query("SELECT 1 FROM deferred_derivations WHERE chain_id = $1", [chainId]);
  return rows.length > 0;
}

/** Derives the chain's rows, in the caller's transaction, if they were deferred; whether it did. */
export async function deriveDeferredIn(tx: Queryable, chainId: number): Promise<boolean> {
  const { rows } = await tx.query("DELETE FROM deferred_derivations WHERE chain_id = $1 RETURNING chain_id", [chainId]);
  if (rows.length === 0) return false;
  await tx.query("SELECT mirror_derive($1)", [chainId]);
  return true;
}

/** The chains whose derivation is deferred. */
async function deferredChains(q: Queryable): Promise<number[]> {
  const { rows } = await q.query<{ chain_id: number }>("SELECT chain_id FROM deferred_derivations ORDER BY chain_id");
  return rows.map((r) => Number(r.chain_id));
}

/** Derives every deferred chain, in the caller's transaction (before a migration); which chains. */
export async function deriveAllDeferredIn(tx: Queryable): Promise<number[]> {
  const chains = await deferredChains(tx);
  for (const chainId of chains) await deriveDeferredIn(tx, chainId);
  return chains;
}

export type DeriveDeferredParameters = { logger?: Logger };

/** Derives every deferred chain, each in a transaction of its own (at the end of a backfill); which chains. */
export async function deriveDeferred(db: Db, p: DeriveDeferredParameters = {}): Promise<number[]> {
  const done: number[] = [];
  for (const chainId of await deferredChains(db)) {
    const started = performance.now();
    if (await db.transaction((tx) => deriveDeferredIn(tx, chainId))) {
      done.push(chainId);
      p.logger?.info({ chainId, ms: Math.round(performance.now() - started) }, "rows deferred during the backfill derived");
    }
  }
  return done;
}
