/** What every route module receives: explicit dependencies, no singletons. */
import type { QueryCache } from "./cache.js";
import type { ApiChain, ApiConfig } from "./config.js";
import type { ApiMetrics } from "./metrics.js";
import type { CommitNotification } from "./notifications.js";

export type QueryResultRows<T> = { rows: T[] };

/**
 * The slice of the indexer's database client the API uses: parameterised queries, and NOTIFY
 * subscriptions (PGlite and node-postgres both support LISTEN).
 */
export interface ApiDb {
  /** Schema the mirror lives in; commit notifications for other schemas are ignored. */
  readonly schema?: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResultRows<T>>;
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

export type ApiLogger = {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
};

export type ApiDeps = {
  db: ApiDb;
  logger: ApiLogger;
  config: ApiConfig;
  cache: QueryCache;
  metrics: ApiMetrics;
  /** The chain a request means: the one it names, or the default. */
  chain(chainId?: number): ApiChain;
  /** Called for every commit the indexer announces (after the cache was dropped). */
  commitListeners: Set<(notification: CommitNotification) => void>;
};
