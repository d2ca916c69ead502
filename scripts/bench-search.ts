/**
 *   npm run bench:search                               PGlite, 100,000 listings
 *   npm run bench:search -- --db postgres              Postgres at DATABASE_URL, 1,000,000 listings
 *   npm run bench:search -- --listings 20000 --queries 300
 *
 * Seeds N listings with varied metadata through the indexer's write path (no chain; kept between
 * runs in .data/bench-search or schema bench_search_N, so a rerun skips the seeding), then sends a fixed
 * mix of search and filter requests to the API over HTTP with caching off, one at a time, and prints
 * latency percentiles. Last line:
 *   {"listings":N,"queries":Q,"p50ms":…,"p95ms":…,"p99ms":…,"db":"…"}
 */
import { parseArgs } from "node:util";
import { parseCommandLine, requirePositiveIntegers } from "./lib/errors.js";
import { runMigrations } from "../indexer/src/db/migrate.js";
import { openDatabase } from "../indexer/src/db/open.js";
import { createRandom } from "./bench/random.js";
import { percentileMs, startUncachedApi } from "./bench/uncached-api.js";
import { BENCH_CHAIN, seedListings } from "./bench-api/seed.js";

const { values, kind } = parseCommandLine("npm run bench:search -- [--db pglite|postgres] [--listings N] [--queries N]", () => {
  const { values } = parseArgs({
    options: {
      db: { type: "string", default: "pglite" },
      listings: { type: "string" },
      queries: { type: "string", default: "600" },
    },
  });
  if (values.db !== "pglite" && values.db !== "postgres") throw new Error(`--db must be pglite or postgres, not ${values.db}`);
  const kind: "pglite" | "postgres" = values.db;
  if (kind === "postgres" && !process.env.DATABASE_URL) throw new Error("--db postgres needs DATABASE_URL");
  requirePositiveIntegers(values, ["listings", "queries"]);
  return { values, kind };
});
const listings = Number(values.listings ?? (kind === "postgres" ? 1_000_000 : 100_000));
const queries = Number(values.queries);

const log = (message: string) => process.stderr.write(`bench:search ${message}\n`);
const db =
  kind === "postgres"
    ? await openDatabase({ url: process.env.DATABASE_URL, schema: `bench_search_${listings}` })
    : await openDatabase({ dataDir: `.data/bench-search/pglite-${listings}` });
const migrating = Date.now();
const applied = await runMigrations(db);
if (applied.length) log(`migrations ${applied.join(", ")} applied in ${Date.now() - migrating} ms`);

const started = Date.now();
let lastReport = 0;
const seeded = await seedListings({
  db,
  listings,
  batch: kind === "postgres" ? 5000 : 2000,
  onProgress(done, total) {
    if (Date.now() - lastReport < 5000 && done < total) return;
    lastReport = Date.now();
    const rate = done / Math.max(1, (Date.now() - started) / 1000);
    log(`seeded ${done}/${total} listings (${Math.round(rate)}/s)`);
  },
});
log(`mirror holds ${seeded.listings} listings, ${seeded.rentals} rentals; vacuuming and analysing`);
// What a server's autovacuum does after a bulk load (the test server runs with it off; the indexer
// does it itself on PGlite): without a visibility map every index scan also reads the table. Quick once
// done: VACUUM skips the pages already marked all-visible.
const vacuumStarted = Date.now();
for (const table of ["api_listing_search", "listings"]) await db.exec(`VACUUM (ANALYZE) ${table}`);
await db.exec("ANALYZE");
log(`vacuumed and analysed in ${((Date.now() - vacuumStarted) / 1000).toFixed(1)} s`);

const api = await startUncachedApi(db, BENCH_CHAIN);
const { url } = api;

const r = createRandom(42);
const WORDS = ["gpu", "nvidia", "a100", "h100 sxm", "llama", "inference api", "spark cluster", "storage", "transcoding", "epyc", "fine-tuning lora", "rtx 4090", "mistral", "whisper", "nvidai", "infrence", "stor", "trans", "green energy", "nvme"];
const CATEGORIES = ["gpu", "ai-service", "data-processing", "cpu", "storage"];
const LOCATIONS = ["eu-west", "eu-north", "us-east", "us-west", "ap-south", "ap-northeast"];
const UNIT = 10n ** 18n;
const price = () => (BigInt(r.int(5, 4000)) * UNIT) / 100n;

type Request = { method: "GET" | "POST"; path: string; body?: unknown; kind: string };
/** The fixed mix: half full-text searches (some with filters, some with typos), half filtered browsing. */
function nextRequest(i: number): Request {
  switch (i % 10) {
    case 0:
    case 1:
      return { kind: "search", method: "POST", path: "/marketplace/search", body: { query: r.pick(WORDS), limit: 20 } };
    case 2:
      return { kind: "search+filters", method: "POST", path: "/marketplace/search", body: { query: r.pick(WORDS), filters: { category: r.pick(CATEGORIES), price_max: price().toString() }, limit: 20 } };
    case 3:
      return { kind: "search+spec", method: "POST", path: "/marketplace/search", body: { query: "gpu", filters: { min_gpu_memory: r.pick([24, 48, 80]), location: r.pick(LOCATIONS) }, limit: 20 } };
    case 4:
      return { kind: "search+sort", method: "POST", path: "/marketplace/search", body: { query: r.pick(WORDS), sort: "price_asc", facets: false, limit: 20 } };
    case 5:
      return { kind: "browse-category", method: "GET", path: `/marketplace/resources?category=${r.pick(CATEGORIES)}&sort=price_asc&limit=20` };
    case 6: {
      const lo = price();
      return { kind: "browse-price", method: "GET", path: `/marketplace/resources?price_min=${lo}&price_max=${lo + 5n * UNIT}&sort=price_desc&limit=20` };
    }
    case 7:
      return { kind: "browse-location", method: "GET", path: `/marketplace/resources?location=${r.pick(LOCATIONS)}&sort=rating&limit=20` };
    case 8:
      return { kind: "browse-spec", method: "GET", path: `/marketplace/resources?category=gpu&spec=${encodeURIComponent(`gpu_memory_gb>=${r.pick([24, 48, 80])}`)}&sort=popularity&limit=20` };
    default:
      return { kind: "browse-newest", method: "GET", path: `/marketplace/resources?sort=newest&limit=20&min_rating=${r.pick([3, 4])}` };
  }
}

async function send(req: Request): Promise<number> {
  const t = process.hrtime.bigint();
  const response = await fetch(url + req.path, {
    method: req.method,
    headers: req.body ? { "content-type": "application/json" } : {},
    body: req.body ? JSON.stringify(req.body) : undefined,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${req.method} ${req.path} → ${response.status}: ${text.slice(0, 300)}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Warm-up: vocabulary, stems, plans and the buffer cache, as a running server would have them.
for (let deadline = Date.now() + 120_000; Date.now() < deadline; ) {
  const probe = await fetch(`${url}/marketplace/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "nvidai", facets: false, limit: 1 }) });
  if (((await probe.json()) as { interpretedAs?: string }).interpretedAs?.includes("|")) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
for (let i = 0; i < 20; i++) await send(nextRequest(i));

const times: number[] = [];
const byKind = new Map<string, number[]>();
for (let i = 0; i < queries; i++) {
  const req = nextRequest(i);
  const ms = await send(req);
  times.push(ms);
  byKind.set(req.kind, [...(byKind.get(req.kind) ?? []), ms]);
  if ((i + 1) % Math.max(1, Math.floor(queries / 10)) === 0) log(`${i + 1}/${queries} queries`);
}

for (const [k, xs] of byKind) log(`${k.padEnd(16)} p50 ${percentileMs(xs, 50)} ms  p95 ${percentileMs(xs, 95)} ms  (${xs.length})`);

// Analytics over the same mirror (uncached), reported beside the search figures.
const { rows: hot } = await db.query<{ provider: string; listing_id: number }>(
  "SELECT provider, listing_id FROM listings WHERE chain_id = $1 AND rental_count > 0 ORDER BY listing_id LIMIT 50",
  [BENCH_CHAIN.chainId],
);
const analytics: Record<string, () => Request> = {
  "analytics-usage": () => ({ kind: "a", method: "GET", path: `/marketplace/analytics?metric=usage&time_range=0..&aggregation=${r.pick(["hourly", "daily", "monthly"])}` }),
  "analytics-revenue": () => ({ kind: "a", method: "GET", path: `/marketplace/analytics?metric=revenue&time_range=0..&aggregation=${r.pick(["daily", "monthly"])}` }),
  "analytics-trends": () => ({ kind: "a", method: "GET", path: `/marketplace/analytics?metric=trends&time_range=0..&aggregation=${r.pick(["daily", "monthly"])}` }),
  "analytics-provider": () => ({ kind: "a", method: "GET", path: `/marketplace/analytics/provider/${r.pick(hot).provider}` }),
  "analytics-resource": () => ({ kind: "a", method: "GET", path: `/marketplace/analytics/resource/${r.pick(hot).listing_id}?time_range=0..` }),
};
for (const [name, make] of Object.entries(analytics)) {
  const xs: number[] = [];
  for (let i = 0; i < 20; i++) xs.push(await send(make()));
  log(`${name.padEnd(18)} p50 ${percentileMs(xs, 50)} ms  p95 ${percentileMs(xs, 95)} ms  (${xs.length}, ${seeded.rentals} rentals)`);
}
await api.close();
await db.close();
console.log(JSON.stringify({ listings: seeded.listings, queries, p50ms: percentileMs(times, 50), p95ms: percentileMs(times, 95), p99ms: percentileMs(times, 99), db: kind }));
