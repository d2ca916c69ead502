/**
 * VACUUM and ANALYZE for PGlite, which has no autovacuum. The indexer rewrites listings and rentals
 * on every batch that touches them, so without it their dead row versions pile up (after 100,000
 * events: 17,000 dead beside 6,000 live listings) and every later scan and write reads through
 * them, and the planner never gets column statistics for the API's queries. A Postgres server's
 * autovacuum does this by itself, so there it is off.
 *
 * Runs between batches (the PGlite connection serialises it with them), after every `everyEvents`
 * events and when a backfill ends.
 */
import type { Logger } from "pino";

import type { Db } from "./types.js";

export const DEFAULT_MAINTENANCE_EVENTS = 250_000;

/** The tables a batch rewrites in place, and the API's copies kept from them. */
const CHURNING_TABLES = ["listings", "rentals", "accounts", "token_totals", "api_listing_search", "api_listing_hourly", "undo_rows", "block_hashes"];

export type Maintenance = {
  /** Counts committed events; starts a run when enough have accumulated. */
  committed(events: number): void;
  /** Starts a run now (end of a backfill) unless one is running. */
  runSoon(): void;
  /** Waits for a running pass (before closing the database). */
  idle(): Promise<void>;
};

export function createMaintenance(db: Db, logger: Logger, everyEvents = DEFAULT_MAINTENANCE_EVENTS): Maintenance {
  const enabled = db.kind === "pglite" && everyEvents > 0;
  let pending = 0;
  let running: Promise<void> | undefined;

  async function pass(): Promise<void> {
    const started = Date.now();
    const present = await db.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1::text[])",
      [CHURNING_TABLES],
    );
    const tables = present.rows.map((r) => r.name);
    if (tables.length > 0) await db.exec(`VACUUM (ANALYZE) ${tables.join(", ")}`);
    logger.debug({ tables, ms: Date.now() - started }, "vacuumed");
  }

  const runSoon = () => {
    if (!enabled || running) return;
    pending = 0;
    running = pass()
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, "VACUUM failed; indexing goes on"))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    committed(events) {
      if (!enabled) return;
      pending += events;
      if (pending >= everyEvents) runSoon();
    },
    runSoon,
    idle: () => running ?? Promise.resolve(),
  };
}
