/**
 *   npm run bench:analytics                              Postgres at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), 1,000,000 rentals
 *   npm run bench:analytics -- --db pglite --rentals 100000
 *   npm run bench:analytics -- --queries 300
 *
 * Seeds N rentals, their listings and events over six months of block times through the indexer's
 * write path (scripts/bench-analytics/seed.ts: decoded events committed with commitBatch, so the
 * rollup triggers run as in a backfill), kept between runs in schema bench_analytics_N or
 * .data/bench-analytics/pglite-N so a rerun skips the seeding. Then sends every analytics endpoint a
 * fixed mix of parameters over HTTP with caching off, one request at a time: each metric ×
 * aggregation × time range, providers large and small, listings busy and quiet. Prints p50/p95 per
 * endpoint and kind on stderr; last line:
 *   {"rentals":N,"queries":Q,"p95ms":{"usage":…,"revenue":…,"trends":…,"provider":…,"resource":…},"maxP95ms":…,"db":"…"}
 */
import { parseArgs } from "node:util";
import { parseCommandLine, requirePositiveIntegers } from "./lib/errors.js";
import { runMigrations } from "../indexer/src/db/migrate.js";
import { openDatabase } from "../indexer/src/db/open.js";
import { createRandom } from "./bench/random.js";
import { percentileMs, startUncachedApi } from "./bench/uncached-api.js";
import { ANALYTICS_CHAIN, HISTORY_END, marketShape, seedRentals } from "./bench-analytics/seed.js";

const { values, kind } = parseCommandLine("npm run bench:analytics -- [--db postgres|pglite] [--rentals N] [--queries N]", () => {
  const { values } = parseArgs({
    options: {
      db: { type: "string", default: "postgres" },
      rentals: { type: "string" },
      queries: { type: "string", default: "600" },
    },
  });
  if (values.db !== "pglite" && values.db !== "postgres") throw new Error(`--db must be postgres or pglite, not ${values.db}`);
  const kind: "pglite" | "postgres" = values.db;
  requirePositiveIntegers(values, ["rentals", "queries"]);
  return { values, kind };
});
const rentals = Number(values.rentals ?? (kind === "postgres" ? 1_000_000 : 100_000));
const queries = Number(values.queries);
const log = (message: string) => process.stderr.write(`bench:analytics ${message}\n`);

const db =
  kind === "postgres"
    ? await openDatabase({ url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test", schema: `bench_analytics_${rentals}` })
    : await openDatabase({ dataDir: `.data/bench-analytics/pglite-${rentals}` });
const applied = await runMigrations(db);
if (applied.length > 0) log(`applied migrations ${applied.join(", ")}`);

const shape = marketShape(rentals);
const started = Date.now();
let lastReport = 0;
const seeded = await seedRentals(db, shape, (p) => {
  if (Date.now() - lastReport < 5000 && p.batches < p.totalBatches) return;
  lastReport = Date.now();
  const seconds = Math.max(1, (Date.now() - started) / 1000);
  log(
    p.skipped
      ? `batch ${p.batches}/${p.totalBatches} already stored, skipping`
      : `seeded batch ${p.batches}/${p.totalBatches}: ${p.rentals} rentals, ${p.events} events committed (${Math.round(p.events / seconds)} events/s)`,
  );
});
if (seeded.seeded) {
  log(`seeded ${seeded.events} events in ${Math.round((Date.now() - started) / 1000)} s (${Math.round(seeded.events / ((Date.now() - started) / 1000))} events/s); analysing`);
  await db.exec("ANALYZE");
}
const count = async (sql: string) => Number((await db.query<{ n: number }>(sql, [ANALYTICS_CHAIN.chainId])).rows[0]?.n ?? 0);
const stored = {
  rentals: await count("SELECT count(*)::bigint AS n FROM rentals WHERE chain_id = $1"),
  listings: await count("SELECT count(*)::bigint AS n FROM listings WHERE chain_id = $1"),
  events: await count("SELECT events_indexed AS n FROM chains WHERE chain_id = $1"),
};
log(`mirror holds ${stored.rentals} rentals, ${stored.listings} listings, ${stored.events} events`);

// The entities the mix asks about, found from the mirror's own rows (not from the rollups under test).
const { rows: byProvider } = await db.query<{ provider: string; n: number }>(
  "SELECT provider, count(*)::bigint AS n FROM rentals WHERE chain_id = $1 GROUP BY 1 ORDER BY 2 DESC, 1",
  [ANALYTICS_CHAIN.chainId],
);
const bigProviders = byProvider.slice(0, 10).map((p) => p.provider);
const smallProviders = byProvider.filter((p) => Number(p.n) <= 100).map((p) => p.provider);
const { rows: busy } = await db.query<{ listing_id: number; rental_count: number }>(
  "SELECT listing_id, rental_count FROM listings WHERE chain_id = $1 ORDER BY rental_count DESC, listing_id LIMIT 10",
  [ANALYTICS_CHAIN.chainId],
);
const { rows: quiet } = await db.query<{ listing_id: number }>(
  "SELECT listing_id FROM listings WHERE chain_id = $1 AND rental_count BETWEEN 1 AND 20 ORDER BY listing_id LIMIT 200",
  [ANALYTICS_CHAIN.chainId],
);
log(
  `providers: ${byProvider.length} (largest ${byProvider.slice(0, 3).map((p) => p.n).join(", ")} rentals; ${smallProviders.length} with at most 100); ` +
    `busiest listings ${busy.slice(0, 3).map((l) => l.rental_count).join(", ")} rentals`,
);
if (smallProviders.length === 0 || quiet.length === 0) throw new Error("the seeded market has no small providers or quiet listings");

const api = await startUncachedApi(db, ANALYTICS_CHAIN);
const { url } = api;

const r = createRandom(7);
const AGGREGATIONS = ["hourly", "daily", "monthly"] as const;
const RANGES = {
  "24h": `${HISTORY_END - 86400}..${HISTORY_END}`,
  "7d": `${HISTORY_END - 7 * 86400}..${HISTORY_END}`,
  "30d": `${HISTORY_END - 30 * 86400}..${HISTORY_END}`,
  all: "0..",
};
type Request = { endpoint: string; kind: string; path: string };
const rangeNames = Object.keys(RANGES) as (keyof typeof RANGES)[];

/** The fixed mix: every metric × aggregation × range in turn, and the entity endpoints as often. */
function nextRequest(i: number): Request {
  const aggregation = AGGREGATIONS[Math.floor(i / 5) % 3] as string;
  const range = rangeNames[Math.floor(i / 15) % rangeNames.length] as keyof typeof RANGES;
  const params = `time_range=${RANGES[range]}&aggregation=${aggregation}`;
  switch (i % 5) {
    case 0:
    case 1:
    case 2: {
      const metric = (["usage", "revenue", "trends"] as const)[i % 5] as string;
      return { endpoint: metric, kind: `${metric} ${aggregation} ${range}`, path: `/marketplace/analytics?metric=${metric}&${params}` };
    }
    case 3: {
      const big = Math.floor(i / 5) % 2 === 0;
      const provider = big ? r.pick(bigProviders) : r.pick(smallProviders);
      return { endpoint: "provider", kind: big ? "provider big" : "provider small", path: `/marketplace/analytics/provider/${provider}` };
    }
    default: {
      const isBusy = Math.floor(i / 5) % 2 === 0;
      const id = isBusy ? r.pick(busy).listing_id : r.pick(quiet).listing_id;
      return { endpoint: "resource", kind: `resource ${isBusy ? "busy" : "quiet"} ${aggregation} ${range}`, path: `/marketplace/analytics/resource/${id}?${params}` };
    }
  }
}

async function send(req: Request): Promise<number> {
  const t = process.hrtime.bigint();
  const response = await fetch(url + req.path);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${req.path} → ${response.status}: ${text.slice(0, 300)}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Warm-up: plans and the buffer cache, as a running server would have them.
for (let i = 0; i < 60; i++) await send(nextRequest(i));

const byEndpoint = new Map<string, number[]>();
const byKind = new Map<string, number[]>();
const push = (map: Map<string, number[]>, key: string, ms: number) => {
  const xs = map.get(key);
  if (xs) xs.push(ms);
  else map.set(key, [ms]);
};
for (let i = 0; i < queries; i++) {
  const req = nextRequest(i);
  const ms = await send(req);
  push(byEndpoint, req.endpoint, ms);
  push(byKind, req.kind.replace(/ (hourly|daily|monthly)/, "").replace(/ (24h|7d|30d|all)$/, ""), ms);
  push(byKind, req.kind, ms);
  if ((i + 1) % Math.max(1, Math.floor(queries / 5)) === 0) log(`${i + 1}/${queries} queries`);
}

for (const [k, xs] of [...byKind].sort((a, b) => a[0].localeCompare(b[0]))) {
  log(`${k.padEnd(36)} p50 ${String(percentileMs(xs, 50)).padStart(8)} ms  p95 ${String(percentileMs(xs, 95)).padStart(8)} ms  (${xs.length})`);
}
const p95ms: Record<string, number> = {};
for (const [endpoint, xs] of byEndpoint) {
  p95ms[endpoint] = percentileMs(xs, 95);
  log(`endpoint ${endpoint.padEnd(10)} p50 ${percentileMs(xs, 50)} ms  p95 ${percentileMs(xs, 95)} ms  (${xs.length})`);
}
await api.close();
await db.close();
console.log(JSON.stringify({ rentals: stored.rentals, events: stored.events, queries, p95ms, maxP95ms: Math.max(...Object.values(p95ms)), db: kind }));
