/**
 * Times the indexer: a full backfill from an empty database in a child process (scripts/bench/
 * index-child.ts) whose peak RSS is read from /proc, then realtime latency while it follows the head:
 * a transaction is mined and the time until its event can be read from the database is measured.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { encodeFunctionData, type Hex } from "viem";
import type { ChildMessage, ChildParameters, ParentMessage, Profile } from "./index-child.js";
import { listingMetadata } from "./metadata.js";
import { createRandom } from "./random.js";
import { indexerNodeOptions } from "../lib/indexer-node-options.js";
import { type LocalNode, repoRoot } from "../lib/local-node.js";
import type { BenchWorld } from "./world.js";

export type IndexerBenchmarkParameters = {
  node: LocalNode;
  world: BenchWorld;
  db: "pglite" | "postgres";
  /** Marketplace events on the chain: the mirror must hold exactly these. */
  events: number;
  lastBlock: number;
  log: (line: string) => void;
  /** Time RPC calls and batch stages inside the indexer's process. */
  profile?: boolean;
  /** Record a V8 CPU profile of the backfill and print where its time went. */
  cpuProfile?: boolean;
  /**
   * Node options of the indexing process, e.g. "--max-old-space-size=160" (split on spaces); by
   * default those `npm run indexer` starts the indexer with (indexerNodeOptions).
   */
  nodeOptions?: string;
  /** Realtime samples to take. */
  latencySamples?: number;
};

export type IndexerBenchmarkResult = {
  events: number;
  seconds: number;
  startupSeconds: number;
  /** Peak RSS of the backfill (database creation excluded where the counter can be reset). */
  peakRssMB: number;
  /** Median of the samples. */
  realtimeLatencyMs: number;
  latenciesMs: number[];
  profile?: Profile;
};

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** Tags the benchmark's connections, so their server-side CPU can be found and counted. */
function withApplicationName(url: string): string {
  const u = new URL(url);
  u.searchParams.set("application_name", `bench_index_${process.pid}`);
  return u.toString();
}

/** Peak resident set size of a live process, in kB (Linux). */
async function peakRssKB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux >= 4.0); false where that is not possible. */
async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** CPU time a live process (all its threads) has used so far, in seconds (Linux); undefined elsewhere. */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
// USER_HZ, which Linux fixes at 100 on every architecture for what /proc reports.
const CLOCK_TICKS_PER_SECOND = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Messages of the child, one at a time, in order. */
function inbox(child: ChildProcess) {
  const queue: ChildMessage[] = [];
  const waiting: ((m: ChildMessage) => void)[] = [];
  let exit: Error | undefined;
  const deliver = (m: ChildMessage) => (waiting.length > 0 ? waiting.shift()!(m) : queue.push(m));
  child.on("message", (m: ChildMessage) => deliver(m));
  child.once("exit", (code, signal) => {
    exit = new Error(`the indexer process exited (code ${code}, signal ${signal})`);
    for (const w of waiting.splice(0)) w({ type: "error", message: exit.message });
  });
  return async (): Promise<ChildMessage> => {
    if (queue.length > 0) return queue.shift()!;
    if (exit) return { type: "error", message: exit.message };
    return new Promise((resolve) => waiting.push(resolve));
  };
}

export async function runIndexerBenchmark({
  node,
  world,
  db,
  events,
  lastBlock,
  log,
  profile = false,
  cpuProfile = false,
  nodeOptions,
  latencySamples = 20,
}: IndexerBenchmarkParameters): Promise<IndexerBenchmarkResult> {
  const scratch = await mkdtemp(path.join(tmpdir(), "bench-index-"));
  const schema = db === "postgres" ? `bench_${process.pid}_${Date.now()}` : "public";
  const parameters: ChildParameters = {
    rpcUrl: node.url,
    chainId: world.chainId,
    marketplace: world.marketplace,
    startBlock: world.startBlock,
    lastBlock,
    databaseUrl: db === "postgres" ? withApplicationName(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL) : undefined,
    dataDir: db === "pglite" ? path.join(scratch, "pglite") : undefined,
    schema,
    dropSchemaAtEnd: db === "postgres",
    expectedEvents: events,
    profile,
    cpuProfile,
  };
  const childOptions = nodeOptions === undefined ? await indexerNodeOptions() : nodeOptions.split(" ").filter(Boolean);
  const childArgs = [
    ...childOptions,
    "--import",
    "tsx",
    path.join(repoRoot, "scripts", "bench", "index-child.ts"),
  ];
  if (db === "pglite") {
    // An indexer creates its database (initdb, migrations) once and then runs for months: PGlite's
    // memory never shrinks, so creating it in the measured process would count a one-off peak as the
    // backfill's. The database is created and migrated here, empty, by a process of its own.
    const prepared = spawnSync(process.execPath, childArgs, {
      cwd: repoRoot,
      env: { ...process.env, BENCH_INDEX_PARAMETERS: JSON.stringify({ ...parameters, prepareOnly: true }) },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (prepared.status !== 0) throw new Error(`creating the PGlite database failed (exit ${prepared.status})`);
  }
  const child = spawn(process.execPath, childArgs, {
    cwd: repoRoot,
    env: { ...process.env, BENCH_INDEX_PARAMETERS: JSON.stringify(parameters) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = inbox(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const send = (message: ParentMessage) => child.send(message);

  try {
    log(
      `indexing into ${db}${db === "postgres" ? ` (schema ${schema})` : ` (${parameters.dataDir})`}, ` +
        // The peak RSS depends on the Node version: its V8 is what compiles PGlite's PostgreSQL.
        `node ${process.version} ${childOptions.length > 0 ? childOptions.join(" ") : "(no options)"}`
    );
    const ready = await next();
    if (ready.type !== "ready") throw new Error(`indexer: ${ready.type === "error" ? ready.message : ready.type}`);
    const startupPeakKB = await peakRssKB(child.pid!);
    const reset = await resetPeakRss(child.pid!);
    log(
      `database open + migrations: ${ready.startupSeconds.toFixed(2)} s, peak RSS ${Math.round(
        (startupPeakKB ?? 0) / 1024
      )} MB` +
        (reset
          ? " (peak counter reset before the backfill)"
          : " (peak counter cannot be reset: the backfill's peak includes it)")
    );
    const cpuBefore = { indexer: await cpuSeconds(child.pid), node: await cpuSeconds(node.child.pid) };
    send({ type: "go" });
    let backfilled: Extract<ChildMessage, { type: "backfilled" }>;
    for (;;) {
      const message = await next();
      if (message.type === "error") throw new Error(`indexer: ${message.message}`);
      if (message.type === "progress") {
        log(
          `  block ${message.block}/${lastBlock}: ${message.events} events, ${message.seconds.toFixed(1)} s, ` +
            `${Math.round(message.events / message.seconds)} events/s`
        );
      }
      if (message.type === "backfilled") {
        backfilled = message;
        break;
      }
    }
    const cpuAfter = { indexer: await cpuSeconds(child.pid), node: await cpuSeconds(node.child.pid) };
    // VmHWM covers the backfill only when it could be reset; maxRSS always covers the whole process.
    const peakRssMB = ((reset ? await peakRssKB(child.pid!) : undefined) ?? backfilled.maxRssKB) / 1024;
    log(
      `backfilled ${backfilled.events} events in ${backfilled.seconds.toFixed(2)} s ` +
        `(${Math.round(backfilled.events / backfilled.seconds)} events/s), peak RSS ${peakRssMB.toFixed(0)} MB ` +
        `(largest V8 heap ${backfilled.memoryMB.heap} MB, external memory ${backfilled.memoryMB.external} MB${
          db === "pglite" ? ", PGlite's WebAssembly memory included" : ""
        })`
    );
    if (backfilled.events !== events) {
      throw new Error(`the mirror holds ${backfilled.events} events but the chain has ${events}`);
    }
    if (cpuBefore.indexer !== undefined && cpuAfter.indexer !== undefined && cpuBefore.node !== undefined && cpuAfter.node !== undefined) {
      // Node, indexer and database share the machine's cores: their sum against cores x wall is the headroom left.
      log(
        `CPU during the backfill: indexer ${(cpuAfter.indexer - cpuBefore.indexer).toFixed(1)} s` +
          `${db === "pglite" ? " (PGlite's worker thread included)" : ""}, ` +
          `hardhat node ${(cpuAfter.node - cpuBefore.node).toFixed(1)} s` +
          `${db === "postgres" ? " (Postgres server: see --profile)" : ""}; ` +
          `${availableParallelism()} cores x ${backfilled.seconds.toFixed(1)} s wall`
      );
    }
    if (backfilled.profile) printProfile(backfilled.profile, backfilled.seconds, log);
    for (const line of backfilled.cpuProfile ?? []) log(line);

    // Realtime: mine one transaction at a time (a new listing) and wait for its row.
    await node.rpc("evm_setAutomine", [true]);
    const provider = world.providers[0];
    const random = createRandom(99);
    const latenciesMs: number[] = [];
    for (let i = 0; i < latencySamples; i++) {
      // Land at different points of the indexer's polling period.
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
      const listing = {
        token: world.token,
        pricePerHour: BigInt(1 + i) * 10n ** 17n,
        availableFrom: 0,
        availableUntil: 0,
        capacity: 2,
        metadata: listingMetadata(random, 1_000_000 + i).text,
      };
      const data = encodeFunctionData({
        abi: world.abis.provider,
        functionName: "createListings",
        args: [[[listing]]],
      });
      const txHash = await node.rpc<Hex>("eth_sendTransaction", [
        { from: provider.owner, to: provider.address, data, gas: "0x7a120" },
      ]);
      // With automine the answer comes once the block is sealed: that is the moment to measure from.
      const minedAt = Date.now();
      const receipt = await node.rpc<{ blockNumber: Hex; status: Hex }>("eth_getTransactionReceipt", [txHash]);
      if (receipt.status !== "0x1") throw new Error(`realtime transaction ${txHash} reverted`);
      send({ type: "watch", block: Number(receipt.blockNumber), txHash, minedAt });
      let message = await next();
      while (message.type === "progress") message = await next();
      if (message.type === "error") throw new Error(`indexer: ${message.message}`);
      if (message.type !== "visible") throw new Error(`unexpected message ${message.type}`);
      latenciesMs.push(message.latencyMs);
    }
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const median = percentile(sorted, 50);
    if (latencySamples > 0) {
      log(
        `realtime: block mined -> row visible in ${median} ms median, ${percentile(sorted, 95)} ms p95, ` +
          `${sorted[sorted.length - 1]} ms max (${latencySamples} transactions)`
      );
    }

    send({ type: "stop" });
    await exited;
    return {
      events: backfilled.events,
      seconds: backfilled.seconds,
      startupSeconds: ready.startupSeconds,
      peakRssMB,
      realtimeLatencyMs: median,
      latenciesMs,
      profile: backfilled.profile,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    await rm(scratch, { recursive: true, force: true });
  }
}

function printProfile(profile: Profile, seconds: number, log: (line: string) => void): void {
  log(`  profile (${profile.batches} batches, ${seconds.toFixed(2)} s wall):`);
  for (const [name, entry] of Object.entries(profile.rpc)) {
    log(
      `    rpc ${name}: ${entry.calls} calls, ${(entry.ms / 1000).toFixed(2)} s summed over concurrent calls, ` +
        `${entry.items} items`
    );
  }
  const statements = Object.entries(profile.sql).sort((a, b) => b[1].ms - a[1].ms);
  // Statements run inside "(whole batch transaction ...)", which therefore overlaps them.
  log(`    SQL statements (round trips, slowest first; seconds per quarter of the backfill by events):`);
  for (const [label, entry] of statements.slice(0, 14)) {
    // Flat quarters: the statement costs the same per event late in history as early on.
    const quarters = entry.quarters.map((ms) => (ms / 1000).toFixed(1)).join(" / ");
    log(
      `      ${(entry.ms / 1000).toFixed(2)} s (${((entry.ms / 1000 / seconds) * 100).toFixed(0)}% of wall) ` +
        `${entry.calls}x ${label}  [${quarters}]`
    );
  }
  if (profile.serverCpuSeconds !== undefined) {
    log(
      `    Postgres server CPU for this indexer's connections: ${profile.serverCpuSeconds.toFixed(2)} s ` +
        `(${((profile.serverCpuSeconds / seconds) * 100).toFixed(0)}% of wall)`
    );
  }
  if (profile.tables) {
    log(`    tables after the backfill (live rows, dead row versions, size):`);
    for (const t of profile.tables) log(`      ${t.table}: ${t.live} live, ${t.dead} dead, ${t.mb} MB`);
  }
}
