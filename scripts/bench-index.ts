/**
 * Indexer benchmark: starts a Hardhat node, fills it with marketplace history, then times a full
 * backfill into an empty database (in a child process, whose peak RSS is measured), and the
 * realtime latency from a block being mined to its event being visible in the database.
 *
 *   npm run bench:index [-- --db pglite|postgres] [--events 100000] [--seed 1] [--rounds 1]
 *                          [--generate-only] [--profile] [--cpu-profile] [--baseline]
 *                          [--node-options="--max-old-space-size=160 --max-semi-space-size=8"]
 *
 * --rounds N backfills the same generated chain N times, each into a new empty database, and reports
 * the round of median rate (runs of one chain vary by ~10 % on a 2-core machine, so a single run cannot
 * tell a few per cent apart) with the largest peak RSS of all rounds; realtime latency is sampled in
 * the last round only.
 * --profile times RPC calls and each SQL stage of a batch inside the indexer; --cpu-profile records a
 * V8 CPU profile of the indexing process and prints its hottest components and functions.
 * --baseline also times a plain viem loop over the same chain (one row per log and a checkpoint into
 * PGlite, nothing derived; scripts/bench/plain-loop.ts), the yardstick the rates are read against.
 * LOG_LEVEL (default warn) sets the indexing process's own log level (debug: every batch and index build).
 * The indexing process runs with the Node options `npm run indexer` uses (package.json: a bounded V8
 * heap, which trades a little collection time for a resident set about half as large); --node-options
 * replaces them (--node-options= runs it with none).
 *
 * Postgres uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and a fresh schema,
 * dropped afterwards. Progress goes to stderr; the last line on stdout is one JSON object:
 *   {"events":N,"blocks":B,"seconds":S,"eventsPerSecond":R,"db":"pglite|postgres","peakRssMB":M,"realtimeLatencyMs":L}
 * with --rounds, also "rounds": [{"eventsPerSecond":R,"peakRssMB":M}, ...] in the order run.
 */
import { parseArgs } from "node:util";
import { generateEvents } from "./bench/generate.js";
import { runIndexerBenchmark, type IndexerBenchmarkResult } from "./bench/indexing.js";
import { runPlainLoop } from "./bench/plain-loop.js";
import { startLocalNode } from "./lib/local-node.js";
import { deployBenchWorld } from "./bench/world.js";
import { parseCommandLine, requirePositiveIntegers } from "./lib/errors.js";

const { values, db, target, rounds } = parseCommandLine(
  "npm run bench:index -- [--db pglite|postgres] [--events N] [--seed N] [--rounds N] [--generate-only] [--profile] [--cpu-profile] [--baseline] [--node-options=\"...\"]",
  () => {
    const { values } = parseArgs({
      options: {
        db: { type: "string", default: "pglite" },
        events: { type: "string", default: "100000" },
        seed: { type: "string", default: "1" },
        rounds: { type: "string", default: "1" },
        "generate-only": { type: "boolean", default: false },
        profile: { type: "boolean", default: false },
        "cpu-profile": { type: "boolean", default: false },
        baseline: { type: "boolean", default: false },
        "node-options": { type: "string" },
      },
    });
    if (values.db !== "pglite" && values.db !== "postgres") throw new Error(`--db must be pglite or postgres, not ${values.db}`);
    const db: "pglite" | "postgres" = values.db;
    requirePositiveIntegers(values, ["events", "rounds"]);
    if (!Number.isSafeInteger(Number(values.seed))) throw new Error(`--seed must be an integer, not ${values.seed}`);
    return { values, db, target: Number(values.events), rounds: Number(values.rounds) };
  },
);

const log = (line: string) => process.stderr.write(`${line}\n`);
const FTNS = 10n ** 18n;

// Room for one full transaction per block (plus small ones): a long chain of big blocks, not a few huge ones,
// so that most history lies deeper than the indexer's finality depth, as it does on a real chain.
const node = await startLocalNode({ blockGasLimit: 17_000_000n });
log(`hardhat node on ${node.url}`);
// Interrupted: take the node (gigabytes of chain state at a million events) down with us.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void node.stop().finally(() => process.exit(130)));
}
try {
  const consumers = 10;
  // About one rental per four events at up to 40 FTNS/h for up to a day: plenty, under the token cap.
  const fundsPerConsumer = (BigInt(target) * 400n * FTNS) / BigInt(consumers) / 4n + 10_000n * FTNS;
  const world = await deployBenchWorld({ rpc: node.rpc, consumers, fundsPerConsumer });
  log(`deployed marketplace ${world.marketplace} at block ${world.startBlock}; generating ${target} events`);

  let lastReport = 0;
  const generated = await generateEvents({
    rpc: node.rpc,
    world,
    events: target,
    seed: Number(values.seed),
    onProgress: (p) => {
      if (p.seconds - lastReport < 2 && p.events < target) return;
      lastReport = p.seconds;
      log(`  round ${p.round} ${p.step}: ${p.events} events, ${p.blocks} blocks, ${p.seconds.toFixed(1)} s`);
    },
  });
  const events = generated.events + world.deployEvents;
  const blocks = generated.lastBlock - world.startBlock + 1;
  log(
    `generated ${events} marketplace events (${generated.listings} listings, ${generated.rentals} rentals) ` +
      `in ${blocks} blocks, ${generated.transactions} transactions, ${(Number(generated.gasUsed) / 1e9).toFixed(
        2
      )} Ggas, ` +
      `${generated.seconds.toFixed(1)} s (${Math.round(generated.events / generated.seconds)} events/s)`
  );
  log(`  by event: ${JSON.stringify(generated.byEvent)}`);

  if (values["generate-only"]) {
    console.log(JSON.stringify({ events, blocks, generationSeconds: round(generated.seconds) }));
  } else {
    const results: IndexerBenchmarkResult[] = [];
    for (let n = 1; n <= rounds; n++) {
      if (rounds > 1) log(`round ${n} of ${rounds}`);
      const result = await runIndexerBenchmark({
        node,
        world,
        db,
        events,
        lastBlock: generated.lastBlock,
        log,
        profile: values.profile,
        cpuProfile: values["cpu-profile"],
        nodeOptions: values["node-options"],
        // Realtime samples mine new blocks: they are taken once, after the last backfill.
        latencySamples: n === rounds ? undefined : 0,
      });
      results.push(result);
      if (rounds > 1) log(`round ${n}: ${rate(result)} events/s, peak RSS ${Math.round(result.peakRssMB)} MB`);
    }
    const result = medianRound(results);
    const eventsPerSecond = rate(result);
    if (rounds > 1) {
      log(`rounds: ${results.map(rate).join(", ")} events/s; median ${eventsPerSecond}`);
    }
    let baselineEventsPerSecond: number | undefined;
    if (values.baseline) {
      const plain = await runPlainLoop({
        rpcUrl: node.url,
        address: world.marketplace,
        fromBlock: world.startBlock,
        toBlock: generated.lastBlock,
      });
      baselineEventsPerSecond = plain.eventsPerSecond;
      log(
        `plain loop (one row per log + checkpoint into PGlite, nothing derived): ${plain.events} events in ` +
          `${plain.seconds.toFixed(2)} s (${plain.eventsPerSecond} events/s); the mirror ran at ` +
          `${Math.round((100 * eventsPerSecond) / plain.eventsPerSecond)} % of it`
      );
    }
    console.log(
      JSON.stringify({
        events: result.events,
        blocks,
        seconds: round(result.seconds),
        eventsPerSecond,
        db,
        // A memory bound must hold in every run: the largest peak of all rounds.
        peakRssMB: Math.round(Math.max(...results.map((r) => r.peakRssMB))),
        realtimeLatencyMs: Math.round(results[results.length - 1]!.realtimeLatencyMs),
        ...(rounds > 1 ? { rounds: results.map((r) => ({ eventsPerSecond: rate(r), peakRssMB: Math.round(r.peakRssMB) })) } : {}),
        ...(baselineEventsPerSecond === undefined ? {} : { baselineEventsPerSecond }),
      })
    );
  }
} finally {
  await node.stop();
}

function rate(result: IndexerBenchmarkResult): number {
  return Math.round(result.events / result.seconds);
}

/** The round whose rate is the median (the lower middle one of an even count). */
function medianRound(results: IndexerBenchmarkResult[]): IndexerBenchmarkResult {
  const sorted = [...results].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
