import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { deriveAllDeferredIn } from "./deferred-derivation.js";
import { buildDeferredIndexesIn } from "./deferred-indexes.js";
import { finishDeferredRollupsIn } from "./deferred-rollups.js";
import { quoteIdent, type Db } from "./types.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** Tables the migrations create, dropped by `resetSchema` (`--reindex`). Nothing else in the schema is touched. */
export const INDEXER_TABLES = [
  "deferred_derivations",
  "deferred_listing_metadata",
  "deferred_indexes",
  "deferred_rollups",
  "undo_rows",
  "undo_batches",
  "settings",
  "payment_tokens",
  "token_totals",
  "accounts",
  "ratings",
  "rentals",
  "listing_prices",
  "listings",
  "raw_events",
  "block_hashes",
  "chains",
  "schema_migrations",
] as const;

export type RunMigrationsParameters = {
  dir?: string;
  /** Channel of the NOTIFY sent when deferred rollups are computed (the indexer's INDEXER_NOTIFY_CHANNEL). */
  notifyChannel?: string;
};

/**
 * Applies the pending `NNNN_name.sql` files in order, each recorded in `schema_migrations`, all in one
 * transaction under an advisory lock so that two processes starting together do not race.
 * @returns the versions applied now.
 */
export async function runMigrations(db: Db, parameters: RunMigrationsParameters = {}): Promise<string[]> {
  const dir = parameters.dir ?? MIGRATIONS_DIR;
  const files = (await readdir(dir)).filter((name) => /^\d+_[\w-]+\.sql$/.test(name)).sort();
  const sources = await Promise.all(files.map(async (name) => ({ name, sql: await readFile(`${dir}/${name}`, "utf8") })));
  const schema = quoteIdent(db.schema);

  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`${db.schema}.migrations`]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await tx.query<{ version: string }>(`SELECT version FROM ${schema}.schema_migrations`)).rows.map((r) => r.version),
    );
    const pending = sources.filter(({ name }) => !done.has(name.replace(/\.sql$/, "")));
    // A migration is written against the whole schema: rows, rollups and indexes an interrupted backfill
    // left deferred are derived and built first.
    if (pending.length > 0) {
      const exists = async (table: string) =>
        Boolean((await tx.query<{ table: string | null }>("SELECT to_regclass($1)::text AS table", [`${schema}.${table}`])).rows[0]?.table);
      if (await exists("deferred_derivations")) await deriveAllDeferredIn(tx);
      if (await exists("deferred_rollups")) await finishDeferredRollupsIn(tx, db.schema, parameters.notifyChannel);
      if (await exists("deferred_indexes")) await buildDeferredIndexesIn(tx);
    }
    const applied: string[] = [];
    for (const { name, sql } of pending) {
      const version = name.replace(/\.sql$/, "");
      await tx.exec(sql);
      await tx.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [version]);
      applied.push(version);
    }
    return applied;
  });
}

/** Drops every table, view and function of the mirror in the schema (for `--reindex`), leaving others alone. */
export async function resetSchema(db: Db): Promise<void> {
  const schema = quoteIdent(db.schema);
  await db.transaction(async (tx) => {
    await tx.exec(`DROP VIEW IF EXISTS ${schema}.rental_transitions CASCADE`);
    for (const table of INDEXER_TABLES) await tx.exec(`DROP TABLE IF EXISTS ${schema}.${quoteIdent(table)} CASCADE`);
    await tx.exec(`DROP FUNCTION IF EXISTS ${schema}.listing_search_vector(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB) CASCADE`);
  });
}
