/**
 * Read-through cache for hot reads (listing pages, facets, analytics). Entries live until the
 * indexer commits a batch for their chain (LISTEN/NOTIFY), with a TTL only as a backstop for a lost
 * notification. Concurrent misses for one key share one database query.
 */
import type { ApiMetrics } from "./metrics.js";

type Entry = { value: unknown; expires: number; chainId: number | null };

export type QueryCache = ReturnType<typeof createQueryCache>;

export function createQueryCache(options: { maxEntries: number; ttlMs: number; metrics?: ApiMetrics }) {
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<unknown>>();
  // Bumped on every invalidation so a query that started before a commit cannot store stale rows after it.
  let generation = 0;

  async function get<T>(namespace: string, key: string, chainId: number | null, load: () => Promise<T>): Promise<T> {
    const fullKey = `${namespace}:${key}`;
    const hit = entries.get(fullKey);
    if (hit && hit.expires > Date.now()) {
      options.metrics?.cacheHits.inc({ namespace });
      // Refresh recency so the map's insertion order approximates LRU.
      entries.delete(fullKey);
      entries.set(fullKey, hit);
      return hit.value as T;
    }
    options.metrics?.cacheMisses.inc({ namespace });
    const inflight = pending.get(fullKey);
    if (inflight) return inflight as Promise<T>;
    const startedAt = generation;
    const promise = load()
      .then((value) => {
        if (startedAt === generation) {
          entries.set(fullKey, { value, expires: Date.now() + options.ttlMs, chainId });
          while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as string);
        }
        return value;
      })
      .finally(() => pending.delete(fullKey));
    pending.set(fullKey, promise);
    return promise;
  }

  /** Drops what a commit on `chainId` can have changed (entries not tied to a chain go too). */
  function invalidate(chainId?: number): void {
    generation++;
    pending.clear();
    if (chainId === undefined) {
      entries.clear();
      return;
    }
    for (const [key, entry] of entries) if (entry.chainId === null || entry.chainId === chainId) entries.delete(key);
  }

  return { get, invalidate, size: () => entries.size };
}
