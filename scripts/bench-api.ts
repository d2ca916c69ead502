/**
 *   npm run bench:api                                  PGlite mirror of 20,000 listings
 *   npm run bench:api -- --db postgres                 the same on the server at DATABASE_URL
 *   npm run bench:api -- --duration 20 --connections 32 --listings 100000
 *   npm run bench:api -- --rate 3000                    latency at a fixed request rate, not at saturation
 *
 * Starts the API in its own process over a seeded mirror, then drives it with autocannon from this
 * one (both on this machine: the load generator's CPU counts against the budget) on a mix of list,
 * detail, search and analytics requests over the hot set a real front page asks for. Last line:
 *   {"rps":…,"p50ms":…,"p99ms":…,"errors":0,"db":"…"}
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { parseCommandLine, requirePositiveIntegers } from "./lib/errors.js";
import autocannon from "autocannon";
import { createRandom } from "./bench/random.js";

const { values } = parseCommandLine("npm run bench:api -- [--db pglite|postgres] [--listings N] [--duration S] [--connections N] [--rate R]", () => {
  const { values } = parseArgs({
    options: {
      db: { type: "string", default: "pglite" },
      listings: { type: "string", default: "20000" },
      duration: { type: "string", default: "20" },
      connections: { type: "string", default: "32" },
      rate: { type: "string" },
    },
  });
  if (values.db !== "pglite" && values.db !== "postgres") throw new Error(`--db must be pglite or postgres, not ${values.db}`);
  requirePositiveIntegers(values, ["listings", "duration", "connections", "rate"]);
  return { values };
});
const log = (message: string) => process.stderr.write(`bench:api ${message}\n`);
const rate = values.rate === undefined ? undefined : Number(values.rate);

const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench-api/server.ts", "--db", values.db as string, "--listings", values.listings as string], {
  stdio: ["ignore", "pipe", "inherit"],
  env: process.env,
});
const ready = await new Promise<{ url: string; db: string; listings: number[]; providers: string[] }>((resolve, reject) => {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.once("line", (line) => resolve(JSON.parse(line)));
  child.once("exit", (code) => reject(new Error(`API process exited with ${code}`)));
});
log(`API at ${ready.url} over ${ready.db}`);

// The mix: what a browsing crowd asks for. Ids and queries come from a hot set, as real traffic does.
const r = createRandom(7);
const hotIds = ready.listings.slice(0, 100);
const requests: autocannon.Request[] = [];
const add = (weight: number, make: () => autocannon.Request) => {
  for (let i = 0; i < weight; i++) requests.push(make());
};
add(30, () => ({ method: "GET", path: `/marketplace/resources/${r.pick(hotIds)}` }));
add(25, () => ({ method: "GET", path: `/marketplace/resources?category=${r.pick(["gpu", "cpu", "ai-service", "storage", "data-processing"])}&sort=${r.pick(["price_asc", "rating", "newest", "popularity"])}&limit=20` }));
add(20, () => ({
  method: "POST",
  path: "/marketplace/search",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query: r.pick(["gpu", "nvidia a100", "llama inference", "spark", "storage", "h100", "whisper"]), limit: 20 }),
}));
add(10, () => ({ method: "GET", path: `/marketplace/analytics?metric=${r.pick(["usage", "revenue", "trends"])}&aggregation=${r.pick(["daily", "monthly"])}&time_range=0..` }));
add(5, () => ({ method: "GET", path: `/marketplace/analytics/provider/${r.pick(ready.providers)}` }));
add(5, () => ({ method: "GET", path: `/marketplace/analytics/resource/${r.pick(hotIds.slice(0, 30))}?time_range=0..` }));
add(5, () => ({ method: "GET", path: "/marketplace/status" }));
// Shuffle once so every connection sees the mix, not one kind at a time.
for (let i = requests.length - 1; i > 0; i--) {
  const j = r.int(0, i);
  [requests[i], requests[j]] = [requests[j] as autocannon.Request, requests[i] as autocannon.Request];
}

// Without a rate, each connection sends its next request as soon as the last is answered: the API runs
// saturated, and latency is mostly time queued behind the slowest resource. With one, requests arrive
// at that rate (spread over the connections) and latency is what a client sees at that load.
const run = (duration: number) =>
  autocannon({ url: ready.url, connections: Number(values.connections), duration, requests, pipelining: 1, ...(rate ? { overallRate: rate } : {}) });

log("warming up (5 s)");
await run(5);
log(`measuring (${values.duration} s, ${values.connections} connections${rate ? `, ${rate} requests/s` : ""})`);
const result = await run(Number(values.duration));
child.kill("SIGTERM");

const errors = result.errors + result.timeouts + result.non2xx;
log(`requests ${result.requests.total}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`);
log(`latency p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
console.log(JSON.stringify({ rps: Math.round(result.requests.average), p50ms: result.latency.p50, p99ms: result.latency.p99, errors, db: ready.db }));
