/**
 * The databases every indexer test runs on: PGlite in memory always, and the Postgres server too
 * when DATABASE_URL is set. Each test gets fresh schemas (dropped afterwards), so runs never see each
 * other's rows and the shared server is left as found.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { dropSchema, MIGRATIONS_DIR, openDatabase, runMigrations, type Db } from "../../../indexer/src/index.js";

export type DbKind = "pglite" | "postgres";

export function dbKinds(): DbKind[] {
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export type TestDatabase = {
  kind: DbKind;
  /** A new migrated schema with a unique name. */
  schema(prefix?: string): Promise<Db>;
  /** Drops every schema handed out and closes the connection(s). */
  close(): Promise<void>;
};

/** Opens one client per kind (PGlite is slow to start: one per test file). */
export async function openTestDatabase(kind: DbKind, options: { applicationName?: string } = {}): Promise<TestDatabase> {
  const base = await openDatabase(
    kind === "postgres"
      ? { url: withApplicationName(process.env.DATABASE_URL as string, options.applicationName) }
      : { dataDir: "memory://" },
  );
  const schemas: string[] = [];
  return {
    kind,
    async schema(prefix = "idx") {
      const name = `${prefix}_${randomBytes(5).toString("hex")}`;
      schemas.push(name);
      const db = base.withSchema(name);
      await runMigrations(db);
      return db;
    },
    async close() {
      try {
        for (const name of schemas) await dropSchema(base, name);
      } finally {
        await base.close();
      }
    },
  };
}

/** Drops `schema` on the server of DATABASE_URL, over a connection of its own (not one a test may have broken). */
export async function dropServerSchema(schema: string): Promise<void> {
  const db = await openDatabase({ url: process.env.DATABASE_URL as string });
  try {
    await dropSchema(db, schema);
  } finally {
    await db.close();
  }
}

export function withApplicationName(url: string, name: string | undefined): string {
  if (!name) return url;
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
}

/** Runs the migrations with one more after them, `9999_<name>.sql` holding `sql`; the versions applied. */
export async function migrateWithOneMore(db: Db, name: string, sql: string, notifyChannel?: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
  try {
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, `9999_${name}.sql`), sql);
    return await runMigrations(db, { dir, notifyChannel });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
