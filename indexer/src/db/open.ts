import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";
import { assertSchemaName, quoteIdent, type Db } from "./types.js";

export type OpenDatabaseParameters = {
  /** A Postgres server (`postgres://...`). Without it, PGlite runs embedded. */
  url?: string;
  /** PGlite's data directory (default `.data/pglite`); `memory://` for a throw-away database. */
  dataDir?: string;
  /** Schema the mirror lives in (default `public`). */
  schema?: string;
  /** PGlite server settings (GUCs), e.g. `{ shared_buffers: "64MB" }`. */
  pgliteSettings?: Record<string, string>;
  /** Called with connection errors that happen outside a query (e.g. an idle connection dropped). */
  onError?: (error: Error) => void;
};

export const DEFAULT_PGLITE_DIR = ".data/pglite";

/**
 * One database client for the process. PGlite takes seconds to start, so open it once and share it
 * (derive schema views with `db.withSchema`).
 */
export async function openDatabase(parameters: OpenDatabaseParameters = {}): Promise<Db> {
  if (parameters.url) {
    return openPostgres({ url: parameters.url, schema: parameters.schema, onError: parameters.onError });
  }
  return openPglite({
    dataDir: parameters.dataDir ?? DEFAULT_PGLITE_DIR,
    schema: parameters.schema,
    settings: parameters.pgliteSettings,
  });
}

/** Drops a schema and everything in it (scratch schemas of tests and `verify`). */
export async function dropSchema(db: Db, schema: string): Promise<void> {
  await db.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(assertSchemaName(schema))} CASCADE`);
}
