import { mkdir } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

import { InOrder } from "./in-order.js";
import { createClusterInChild, hasCluster } from "./pglite-init.js";
import type { SerialisedError, WorkerData, WorkerNotification, WorkerReady, WorkerReply, WorkerRequest } from "./pglite-protocol.js";
import { assertSchemaName, NOTICE_SETTING, quoteIdent, type Db, type Queryable, type QueryResult, type Row } from "./types.js";

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
 *
 * Notices are not sent (see NOTICE_SETTING in types.ts).
 */
const DEFAULT_SETTINGS: Record<string, string> = {
  full_page_writes: "off",
  shared_buffers: "32MB",
  [NOTICE_SETTING.name]: NOTICE_SETTING.value,
};

type Shared = {
  conn: Connection;
  /** Every schema view's statements, so a view's `SET search_path` cannot leak into another's. */
  mutex: InOrder;
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
  const conn = await startWorker({ dataDir, startParams });
  const shared: Shared = { conn, mutex: new InOrder(), current: undefined, closed: false };
  return pgliteView(shared, assertSchemaName(parameters.schema ?? "public"));
}

/**
 * The database runs in a worker thread. PGlite's Postgres is WebAssembly that runs synchronously on
 * whatever thread calls it: in the indexer's own thread, every statement stalled everything else —
 * reading the node's answers (the node waited to send them), decoding logs, preparing the next batch
 * — so fetching and writing took turns instead of overlapping. In a worker, the two run at once.
 */
async function startWorker(data: WorkerData): Promise<Connection> {
  // Workers inherit the process's loader options, so the TypeScript source loads as the rest does.
  const worker = new Worker(new URL("./pglite-worker.ts", import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let nextId = 1;
  let failure: Error | undefined;

  try {
    await new Promise<void>((resolve, reject) => {
      worker.once("message", (message: WorkerReady) => {
        if (message.ready) resolve();
        else reject(revive(message.error, "could not open the PGlite database"));
      });
      worker.once("error", reject);
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  // An idle worker must not keep the process alive; one with statements in flight must.
  worker.unref();
  worker.on("message", (message: WorkerReply | WorkerNotification) => {
    if ("channel" in message) {
      for (const listener of listeners.get(message.channel) ?? []) listener(message.payload);
      return;
    }
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.ok) waiting?.resolve(message.result);
    else waiting?.reject(revive(message.error));
  });
  const fail = (error: Error) => {
    failure = new Error(`the PGlite worker stopped: ${error.message}`, { cause: error });
    for (const waiting of pending.values()) waiting.reject(failure);
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));

  function call(request: DistributiveOmit<WorkerRequest, "id">): Promise<unknown> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  return {
    call,
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await call({ op: "listen", channel });
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
        if (set.size === 0 && listeners.get(channel) === set) {
          listeners.delete(channel);
          await call({ op: "unlisten", channel });
        }
      };
    },
    async close() {
      await call({ op: "close" });
      await worker.terminate();
    },
  };
}

/** The worker's error as an Error again, with PGlite's fields (code, detail, ...) on it. */
function revive(error: SerialisedError, context?: string): Error {
  const revived = new Error(context ? `${context}: ${error.message}` : error.message);
  revived.name = error.name;
  return Object.assign(revived, error.props);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Connection = {
  call(request: DistributiveOmit<WorkerRequest, "id">): Promise<unknown>;
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

function queryable(conn: Connection): Queryable {
  return {
    query: <T = Row>(sql: string, params?: unknown[]) => conn.call({ op: "query", sql, params }) as Promise<QueryResult<T>>,
    async exec(sql: string): Promise<void> {
      await conn.call({ op: "exec", sql });
    },
  };
}

function pgliteView(shared: Shared, schema: string): Db {
  const direct = queryable(shared.conn);

  /** Sends the search_path this view needs, if another view's is set; the worker runs it before what follows. */
  function useSchema(): Promise<void> {
    if (shared.closed) return Promise.reject(new Error("database is closed"));
    if (shared.current === schema) return Promise.resolve();
    shared.current = schema;
    return direct.exec(`SET search_path TO ${quoteIdent(schema)}`).catch((error: unknown) => {
      if (shared.current === schema) shared.current = undefined;
      throw error;
    });
  }

  /**
   * A statement outside a transaction holds the connection only while it is sent, not until it is
   * answered: the worker runs messages in the order sent, so the next statement can be on its way
   * meanwhile. Waiting for each answer first left the database idle while the answer waited for this
   * thread, which serves requests between statements (the API's tail latency).
   */
  function standalone<T>(send: () => Promise<T>): Promise<T> {
    let answer!: Promise<T>;
    return shared.mutex
      .run(async () => {
        const path = useSchema();
        answer = Promise.all([path, send()]).then(([, result]) => result);
        answer.catch(() => undefined);
      })
      .then(() => answer);
  }

  return {
    kind: "pglite",
    schema,
    query: <T = Row>(sql: string, params?: unknown[]) => standalone(() => direct.query<T>(sql, params)),
    exec: (sql: string) => standalone(() => direct.exec(sql)),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      shared.mutex.run(async () => {
        await useSchema();
        await shared.conn.call({ op: "begin" });
        let result: T;
        try {
          result = await fn(direct);
        } catch (error) {
          await shared.conn.call({ op: "rollback" }).catch(() => undefined);
          throw error;
        }
        await shared.conn.call({ op: "commit" });
        return result;
      }),
    listen: (channel, onPayload) => shared.conn.listen(channel, onPayload),
    withSchema: (other) => pgliteView(shared, assertSchemaName(other)),
    async close() {
      if (shared.closed) return;
      await shared.mutex.run(async () => {
        shared.closed = true;
        await shared.conn.close();
      });
    },
  };
}
