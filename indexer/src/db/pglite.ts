import { mkdir } from "node:fs/promises";
import { PGlite, types } from "@electric-sql/pglite";

import { createClusterInChild, hasCluster } from "./pglite-init.js";
import { assertSchemaName, quoteIdent, type Db, type Queryable, type QueryResult, type Row } from "./types.js";

export type OpenPgliteParameters = {
  /** Directory of the database files; `memory://` (or undefined) keeps it in memory. */
  dataDir?: string;
  schema?: string;
  /** Server settings (GUCs) on top of PGlite's own, e.g. `{ shared_buffers: "64MB" }`. */
  settings?: Record<string, string>;
};

/**
 * PGlite already runs without fsync. Full-page images in the WAL only protect against pages torn by
 * an OS crash mid-write, which fsync-less storage cannot promise to survive anyway, while they double
 * what a write-heavy backfill sends through the (slow, JS-side) file layer.
 *
 * Shared buffers live in PGlite's WebAssembly memory, which only ever grows: every buffer once used
 * stays resident. 32 MB holds the working set of a batch (the hot ends of the indexes and the rows it
 * rewrites); the rest of the database is read from the operating system's page cache, which costs
 * the process nothing.
 */
const DEFAULT_SETTINGS: Record<string, string> = {
  full_page_writes: "off",
  shared_buffers: "32MB",
};

/** Serialises every statement of every schema view, so a view's `SET search_path` cannot leak into another's. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

type Shared = {
  pg: PGlite;
  mutex: Mutex;
  /** The search_path currently set on the single connection. */
  current: string | undefined;
  closed: boolean;
};

export async function openPglite(parameters: OpenPgliteParameters = {}): Promise<Db> {
  const dataDir = parameters.dataDir && parameters.dataDir !== "memory://" ? parameters.dataDir : undefined;
  const settings = { ...DEFAULT_SETTINGS, ...parameters.settings };
  const startParams = [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    if (!(await hasCluster(dataDir))) await createClusterInChild(dataDir, startParams);
  }
  const pg = await PGlite.create({
    dataDir,
    startParams,
    // Same shapes as the node-postgres client: int8 as number, numeric as string.
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  const shared: Shared = { pg, mutex: new Mutex(), current: undefined, closed: false };
  return pgliteView(shared, assertSchemaName(parameters.schema ?? "public"));
}

function wrap(target: { query: PGlite["query"]; exec: PGlite["exec"] }): Queryable {
  return {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const result = await target.query<T>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

function pgliteView(shared: Shared, schema: string): Db {
  const direct = wrap(shared.pg);

  async function useSchema(): Promise<void> {
    if (shared.closed) throw new Error("database is closed");
    if (shared.current === schema) return;
    await shared.pg.exec(`SET search_path TO ${quoteIdent(schema)}`);
    shared.current = schema;
  }

  return {
    kind: "pglite",
    schema,
    query: <T = Row>(sql: string, params?: unknown[]) =>
      shared.mutex.run(async () => {
        await useSchema();
        return direct.query<T>(sql, params);
      }),
    exec: (sql: string) =>
      shared.mutex.run(async () => {
        await useSchema();
        await direct.exec(sql);
      }),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      shared.mutex.run(async () => {
        await useSchema();
        return shared.pg.transaction((tx) => fn(wrap(tx)));
      }),
    async listen(channel, onPayload) {
      const unlisten = await shared.pg.listen(channel, onPayload);
      return () => unlisten();
    },
    withSchema: (other) => pgliteView(shared, assertSchemaName(other)),
    async close() {
      if (shared.closed) return;
      await shared.mutex.run(async () => {
        shared.closed = true;
        await shared.pg.close();
      });
    },
  };
}
