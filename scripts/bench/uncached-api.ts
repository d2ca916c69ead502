/**
 * What the query benchmarks (bench:search, bench:analytics) share: the API over a seeded mirror with
 * its cache off and no rate limit, so that every request reaches the database and the figures are
 * the queries' own, and the percentile they report.
 */
import pino from "pino";
import { createServer } from "../../indexer/src/api/server.js";
import type { Db } from "../../indexer/src/db/types.js";

export type BenchChain = { chainId: number; marketplace: string; token: string };

export async function startUncachedApi(db: Db, chain: BenchChain): Promise<{ url: string; close(): Promise<void> }> {
  const api = await createServer({
    db,
    logger: pino({ level: "silent" }),
    config: {
      chains: [{ chainId: chain.chainId, marketplace: chain.marketplace as `0x${string}`, token: chain.token as `0x${string}` }],
      cache: { maxEntries: 0, ttlMs: 0 },
      rateLimit: { windowMs: 60_000, maxPerIp: 1e9 },
    },
  });
  const { url } = await api.listen(0, "127.0.0.1");
  return { url, close: () => api.close() };
}

/** The p-th percentile (nearest rank) of latencies in ms, to 0.01 ms. */
export function percentileMs(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0) * 100) / 100;
}
