import pg from "pg";

import { InOrder } from "./in-order.js";
import { assertSchemaName, NOTICE_SETTING, quoteIdent, type Db, type Queryable, type QueryResult, type Row } from "./types.js";

export type OpenPostgresParameters = {
  url: string;
  schema?: string;
  /** Connections per schema view. The indexer writes through one at a time per chain. */
  poolSize?: number;
  onError?: (error: Error) => void;
};

const INT8_OID = 20;

/** int8 as number, like the PGlite client; every other type keeps node-postgres' parser. */
const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

type Shared = {
  url: string;
  poolSize: number;
  pools: pg.Pool[];
  onError: (error: Error) => void;
};

export async function openPostgres(parameters: OpenPostgresParameters): Promise<Db> {
  const shared: Shared = {
    url: parameters.url,
    poolSize: parameters.poolSize ?? 4,
    pools: [],
    onError: parameters.onError ?? (() => undefined),
  };
  const db = postgresView(shared, assertSchemaName(parameters.schema ?? "public"));
  try {
    await db.query("SELECT 1");
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

function wrapClient(client: pg.Pool | pg.PoolClient | pg.Client): Queryable {
  return {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/**
 * A transaction's connection, its statements sent in the order issued, each once the one before has
 * answered, so a caller may issue the next before awaiting the last (node-postgres would queue them
 * itself, but that is deprecated). BEGIN, COMMIT and ROLLBACK go through the same queue: a ROLLBACK
 * sent ahead of statements still queued would leave them to run, and commit, outside the transaction.
 */
class SerialClient implements Queryable {
  readonly #queue = new InOrder();
  readonly #direct: Queryable;
  /** The first statement that failed: the transaction is aborted, and a COMMIT would only roll it back. */
  failure: unknown;

  constructor(client: pg.PoolClient) {
    this.#direct = wrapClient(client);
  }

  query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const next = this.#queue.run(() => this.#direct.query<T>(sql, params));
    next.catch((error: unknown) => {
      this.failure ??= error;
    });
    return next;
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }
}

type Connection = { connectionString: string; options: string };

/**
 * How a view of `schema` connects: its search path, and no notices (NOTICE_SETTING). node-postgres
 * lets the connection string's own `options` win over the config's, which would drop the search path
 * without a word and put every table in `public`: a URL's options (say
 * `?options=-c statement_timeout=5s`) are kept, and ours go after them.
 */
function connectionFor(url: string, schema: string): Connection {
  const ours = `-c search_path=${quoteIdent(schema)} -c ${NOTICE_SETTING.name}=${NOTICE_SETTING.value}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, options: ours };
  }
  const own = parsed.searchParams.get("options");
  if (own === null) return { connectionString: url, options: ours };
  parsed.searchParams.delete("options");
  return { connectionString: parsed.toString(), options: `${own} ${ours}` };
}

function postgresView(shared: Shared, schema: string): Db {
  const connection = connectionFor(shared.url, schema);
  const pool = new pg.Pool({
    ...connection,
    max: shared.poolSize,
    types: typeParsers,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on("error", (error) => shared.onError(error));
  shared.pools.push(pool);
  const direct = wrapClient(pool);

  return {
    kind: "postgres",
    schema,
    query: (sql, params) => direct.query(sql, params),
    exec: (sql) => direct.exec(sql),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let broken: Error | undefined;
      // A checked-out client whose server goes away emits "error"; unheard, that would crash the
      // process. The failing query rejects anyway, so just remember to drop the connection.
      const onError = (error: Error) => {
        broken = error;
        shared.onError(error);
      };
      const client = await checkout(pool, onError);
      const tx = new SerialClient(client);
      try {
        await tx.query("BEGIN");
        const result = await fn(tx);
        if (tx.failure !== undefined) throw tx.failure;
        await tx.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await tx.query("ROLLBACK");
        } catch (rollbackError) {
          // The connection itself failed: drop it from the pool instead of reusing it.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    async listen(channel, onPayload) {
      return listenWithReconnect(shared, connection, channel, onPayload);
    },
    withSchema: (other) => postgresView(shared, assertSchemaName(other)),
    async close() {
      const pools = shared.pools.splice(0);
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}

/**
 * Checks a client out of the pool with `onError` listening from the first moment. A new connection is
 * handed over from within its socket's data handler, and the pool stops listening for it just before:
 * a FATAL that arrived in the same packet (a backend killed as it started) is emitted before an awaited
 * `pool.connect()` could add a listener, and an "error" nobody hears is an uncaught exception.
 */
function checkout(pool: pg.Pool, onError: (error: Error) => void): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    pool.connect((error, client) => {
      if (error || !client) {
        reject(error ?? new Error("the pool handed out no client"));
        return;
      }
      client.on("error", onError);
      resolve(client);
    });
  });
}

/**
 * LISTEN needs a connection of its own that stays open. If the server drops it, reconnect and LISTEN
 * again (commits made meanwhile are not replayed: a listener that needs them re-reads the mirror).
 */
async function listenWithReconnect(
  shared: Shared,
  connection: Connection,
  channel: string,
  onPayload: (payload: string) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ ...connection, types: typeParsers });
    next.on("notification", (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    next.on("error", (error) => {
      shared.onError(error);
      void next.end().catch(() => undefined);
      if (!stopped) setTimeout(() => void retry(), 1000).unref();
    });
    await next.connect();
    await next.query(`LISTEN ${quoteIdent(channel)}`);
    client = next;
  };
  const retry = async (): Promise<void> => {
    if (stopped) return;
    try {
      await connect();
    } catch (error) {
      shared.onError(error as Error);
      setTimeout(() => void retry(), 1000).unref();
    }
  };

  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => undefined);
  };
}
