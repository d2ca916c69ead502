/**
 * VACUUM and ANALYZE for PGlite, which has no autovacuum. The indexer rewrites listings and rentals
 * on every batch that touches them, so without it their dead row versions pile up (after 100,000
 * events: 17,000 dead beside 6,000 live listings) and every later scan and write reads through
 * them, and the planner never gets column statistics for the API's queries. A Postgres server's
 * autovacuum does this by itself, so there it is off.
 *
 * Autovacuum's own rule decides which tables: VACUUM (ANALYZE) one whose dead rows exceed 20 % of its
 * live ones, ANALYZE one with 10 % of its rows changed since the last time (or never analyzed).
 * Thresholds proportional to the table keep the work per indexed event the same as history grows,
 * where a fixed period would vacuum an ever larger table equally often. Checked between batches (the PGlite connection serialises
 * it with them) every `everyEvents` events. Not at the end of a backfill: analyzing the text search
 * columns takes PGlite about 0.4 s at 100,000 events, and the first new blocks would wait for it.
 */
import type { Logger } from "pino";

import { errorMessage } from "../errors.js";
import type { Db } from "./types.js";

export const DEFAULT_MAINTENANCE_EVENTS = 50_000;

/** The tables a batch rewrites in place, and the API's copies kept from them. */
const CHURNING_TABLES = ["listings", "rentals", "accounts", "token_totals", "api_listing_search", "api_listing_hourly", "undo_rows", "block_hashes"];

const VACUUM_SCALE = 0.2;
const ANALYZE_SCALE = 0.1;
const BASE_THRESHOLD = 50;

export type Maintenance = {
  /** Counts committed events; checks the tables when enough have accumulated and no check is running. */
  committed(events: number): void;
  /** Waits for a running pass (before closing the database). */
  idle(): Promise<void>;
};

type TableStats = { name: string; live: number; dead: number; modified: number; analyzed: boolean };

export function createMaintenance(db: Db, logger: Logger, everyEvents = DEFAULT_MAINTENANCE_EVENTS): Maintenance {
  const enabled = db.kind === "pglite" && everyEvents > 0;
  let pending = 0;
  let running: Promise<void> | undefined;

  async function pass(): Promise<void> {
    const started = Date.now();
    // A single-process PGlite reports its table counters only now and then; this makes it do so first.
    await db.query("SELECT pg_stat_force_next_flush()");
    const { rows } = await db.query<TableStats>(
      "SELECT relname AS name, n_live_tup::int AS live, n_dead_tup::int AS dead, n_mod_since_analyze::int AS modified, " +
        "last_analyze IS NOT NULL AS analyzed " +
        "FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1::text[])",
      [CHURNING_TABLES],
    );
    const vacuum = rows.filter((t) => t.dead > BASE_THRESHOLD + VACUUM_SCALE * t.live).map((t) => t.name);
    const analyze = rows
      // A table with rows but no statistics yet is analyzed whatever its size.
      .filter((t) => !vacuum.includes(t.name) && (t.modified > BASE_THRESHOLD + ANALYZE_SCALE * t.live || (!t.analyzed && t.modified > 0)))
      .map((t) => t.name);
    // One table per statement: a batch waiting for the connection gets it between two tables, so a
    // new block waits at most one table's pass to become visible, not the whole round.
    for (const table of vacuum) await db.exec(`VACUUM (ANALYZE) ${table}`);
    for (const table of analyze) await db.exec(`ANALYZE ${table}`);
    if (vacuum.length + analyze.length > 0) logger.debug({ vacuum, analyze, ms: Date.now() - started }, "maintenance");
  }

  return {
    committed(events) {
      if (!enabled) return;
      pending += events;
      if (pending < everyEvents || running) return;
      pending = 0;
      running = pass()
        .catch((error: unknown) => logger.warn({ err: errorMessage(error) }, "VACUUM / ANALYZE failed; indexing goes on"))
        .finally(() => {
          running = undefined;
        });
    },
    idle: () => running ?? Promise.resolve(),
  };
}
