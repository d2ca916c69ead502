/**
 * A backfill into an empty mirror writes every row of history; maintaining the secondary indexes of
 * the tables that grow with it, row by row, was about a quarter of the database's work (measured on
 * both databases). Such a backfill drops them first, keeping their definitions in `deferred_indexes`,
 * and builds each once at the end, sorted in bulk, as a restore of a dump does. Primary keys and
 * unique constraints stay: upserts and deduplication need them.
 *
 * The record makes it crash-safe: an interrupted backfill leaves the definitions in the table, the
 * next start goes on without them and builds them when its backfill is done, and migrations build
 * them before changing the schema. Each index is built and struck off in one transaction.
 *
 * While they are deferred the mirror is complete up to its checkpoint, but the API's queries over it
 * are slow (scans); a rollback during that time scans too.
 */
import type { Logger } from "pino";

import { quoteIdent, type Db, type Queryable } from "./types.js";

/** History tables whose non-unique indexes are deferred; the rollups' recount only reads them. */
export const DEFERRED_HISTORY_TABLES = ["raw_events", "listings", "listing_prices", "rentals", "ratings"] as const;

/** Rollup tables (filled by the recount, see deferred-rollups.ts) whose non-unique indexes are deferred. */
export const DEFERRED_ROLLUP_TABLES = ["api_listing_search", "api_providers"] as const;

/** Tables that grow with history, whose non-unique indexes are deferred. */
export const DEFERRED_INDEX_TABLES = [...DEFERRED_HISTORY_TABLES, ...DEFERRED_ROLLUP_TABLES] as const;

/** True when no chain has an event in the mirror yet (a new database, or after --reindex). */
export async function mirrorIsEmpty(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ empty: boolean }>("SELECT NOT EXISTS (SELECT 1 FROM raw_events) AS empty");
  return rows[0]?.empty === true;
}

/** Records and drops the secondary indexes of DEFERRED_INDEX_TABLES, in one transaction; how many. */
export async function deferIndexes(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ name: string }>(
      "INSERT INTO deferred_indexes (name, definition) " +
        "SELECT i.indexname, i.indexdef FROM pg_indexes i " +
        "WHERE i.schemaname = $1 AND i.tablename = ANY($2::text[]) " +
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass) " +
        "ON CONFLICT (name) DO NOTHING RETURNING name",
      [db.schema, [...DEFERRED_INDEX_TABLES]],
    );
    for (const { name } of rows) await tx.exec(`DROP INDEX ${quoteIdent(name)}`);
    return rows.length;
  });
}

/** Names of the indexes waiting to be built (of `tables` only, if given). */
export async function deferredIndexes(q: Queryable, tables?: readonly string[]): Promise<string[]> {
  const { rows } = await q.query<{ name: string; definition: string }>(
    "SELECT name, definition FROM deferred_indexes ORDER BY name",
  );
  return rows.filter((r) => !tables || tables.includes(indexedTable(r.definition))).map((r) => r.name);
}

/** The table of an index definition as pg_indexes writes it: `CREATE INDEX name ON [ONLY] schema.table USING ...`. */
export function indexedTable(definition: string): string {
  const match = /\sON\s+(?:ONLY\s+)?(?:(?:"[^"]+"|[^\s."]+)\.)?("[^"]+"|[^\s."]+)\s+USING\s/i.exec(definition);
  if (!match?.[1]) throw new Error(`cannot read the table of index definition: ${definition}`);
  const name = match[1];
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

/** Builds one deferred index and strikes it off, in the caller's transaction. */
async function build(tx: Queryable, name: string): Promise<void> {
  const { rows } = await tx.query<{ definition: string }>(
    "DELETE FROM deferred_indexes WHERE name = $1 RETURNING definition",
    [name],
  );
  if (rows[0]) await tx.exec(rows[0].definition);
}

/** Builds every deferred index in the caller's transaction (before a migration changes the schema). */
export async function buildDeferredIndexesIn(tx: Queryable): Promise<number> {
  const names = await deferredIndexes(tx);
  for (const name of names) await build(tx, name);
  return names.length;
}

export type BuildDeferredIndexesParameters = {
  logger?: Logger;
  /** Checked between indexes: a stop leaves the rest deferred for the next start. */
  signal?: AbortSignal;
  /** Only the indexes of these tables (default: every deferred index). */
  tables?: readonly string[];
  /** Indexes built at a time on a Postgres server (default 2); PGlite builds one at a time. */
  concurrency?: number;
};

/**
 * Builds the deferred indexes, each in its own transaction. On a Postgres server two are built at a
 * time by default (two cores' worth; the pool holds more connections); PGlite has one connection.
 * @returns how many were built.
 */
export async function buildDeferredIndexes(db: Db, p: BuildDeferredIndexesParameters = {}): Promise<number> {
  const names = await deferredIndexes(db, p.tables);
  if (names.length === 0) return 0;
  const started = performance.now();
  p.logger?.info({ indexes: names.length }, "building the indexes deferred during the backfill");
  const queue = [...names];
  let built = 0;
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined && !p.signal?.aborted; name = queue.shift()) {
      const began = performance.now();
      await db.transaction((tx) => build(tx, name));
      built++;
      p.logger?.debug({ index: name, ms: Math.round(performance.now() - began) }, "index built");
    }
  };
  // Both workers finish before a failure is reported, so a retry never races a build still running.
  const workers = db.kind === "postgres" ? Math.max(1, p.concurrency ?? 2) : 1;
  const results = await Promise.allSettled(Array.from({ length: workers }, worker));
  for (const result of results) if (result.status === "rejected") throw result.reason;
  p.logger?.info({ indexes: built, ms: Math.round(performance.now() - started) }, "deferred indexes built");
  return built;
}

