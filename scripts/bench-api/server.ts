/**
 * The API under load, in a process of its own (as deployed): opens the benchmark mirror (seeding it
 * through the indexer's write path when it is new), starts the server with caching as designed, and
 * prints its URL and the ids the load generator may ask for as one JSON line on stdout.
 */
import { parseArgs } from "node:util";
import pino from "pino";
import { createServer } from "../../indexer/src/api/server.js";
import { runMigrations } from "../../indexer/src/db/migrate.js";
import { openDatabase } from "../../indexer/src/db/open.js";
import { BENCH_CHAIN, seedListings } from "./seed.js";

const { values } = parseArgs({ options: { db: { type: "string", default: "pglite" }, listings: { type: "string", default: "20000" } } });
const listings = Number(values.listings);
const db =
  values.db === "postgres"
    ? await openDatabase({ url: process.env.DATABASE_URL, schema: `bench_api_${listings}` })
    : await openDatabase({ dataDir: `.data/bench-api/pglite-${listings}` });
await runMigrations(db);
await seedListings({ db, listings, onProgress: (done, total) => done % 10000 === 0 && process.stderr.write(`bench:api seeded ${done}/${total}\n`) });
await db.exec("ANALYZE");

const api = await createServer({
  db,
  logger: pino({ level: "silent" }),
  config: {
    chains: [{ chainId: BENCH_CHAIN.chainId, marketplace: BENCH_CHAIN.marketplace as `0x${string}`, token: BENCH_CHAIN.token as `0x${string}` }],
    // One load generator is one IP: the per-IP limit would answer 429 to nearly everything.
    rateLimit: { windowMs: 60_000, maxPerIp: 1e9 },
  },
});
const { url } = await api.listen(0, "127.0.0.1");
const { rows } = await db.query<{ provider: string; listing_id: number }>(
  "SELECT provider, listing_id FROM listings WHERE chain_id = $1 ORDER BY rental_count DESC, listing_id LIMIT 200",
  [BENCH_CHAIN.chainId],
);
console.log(JSON.stringify({ url, db: db.kind, listings: rows.map((r) => r.listing_id), providers: [...new Set(rows.map((r) => r.provider))].slice(0, 50) }));
process.on("SIGTERM", async () => {
  await api.close();
  await db.close();
  process.exit(0);
});
