/**
 * The indexing side of the benchmark, in its own process so that its peak RSS is the indexer's alone.
 * Driven by scripts/bench/indexing.ts over IPC:
 *
 *   parent -> child  (env BENCH_INDEX_PARAMETERS)     what to index, where
 *   child  -> parent {type:"ready"}                   database open and migrated
 *   parent -> child  {type:"go"}                      (after resetting the peak RSS counter) backfill
 *   child  -> parent {type:"progress"} ...            while backfilling
 *   child  -> parent {type:"backfilled", ...}         timing, events in the mirror, maxRSS, profile
 *   parent -> child  {type:"watch", block, txHash, minedAt}
 *   child  -> parent {type:"visible", latencyMs}      once the event's row can be read back
 *   parent -> child  {type:"stop"}                    stop following, close the database, exit
 */
import { readFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import pino from "pino";
import {
  chainDefaults,
  type ChainRpc,
  createChainRpc,
  createIndexer,
  defaultSyncSettings,
  dropSchema,
  openDatabase,
  runMigrations,
  syncSettingsFromEnv,
  type Db,
  type Queryable,
  type SyncEvent,
} from "../../indexer/src/index.js";
import { type CpuProfile, summarizeCpuProfile } from "./cpu-profile.js";

export type ChildParameters = {
  rpcUrl: string;
  chainId: number;
  marketplace: string;
  startBlock: number;
  lastBlock: number;
  databaseUrl?: string;
  dataDir?: string;
  schema: string;
  /** Marketplace events on the chain (for profiling by quarter of the backfill). */
  expectedEvents: number;
  /** Drop the schema when done (a scratch Postgres schema). */
  dropSchemaAtEnd: boolean;
  /** Only create the database and apply the migrations, then exit (run before the measured process). */
  prepareOnly?: boolean;
  /** Time RPC calls and batch stages (adds a little overhead). */
  profile: boolean;
  /** Record a V8 CPU profile of the backfill and send back its summary. */
  cpuProfile: boolean;
};

export type ChildMessage =
  | { type: "ready"; startupSeconds: number }
  | { type: "progress"; block: number; events: number; seconds: number }
  | {
      type: "backfilled";
      seconds: number;
      events: number;
      maxRssKB: number;
      /** Largest V8 heap (reserved) and external memory (PGlite's WebAssembly memory, buffers) seen between batches. */
      memoryMB: { heap: number; external: number };
      profile?: Profile;
      cpuProfile?: string[];
    }
  | { type: "visible"; txHash: string; latencyMs: number }
  | { type: "error"; message: string };

export type ParentMessage =
  | { type: "go" }
  | { type: "watch"; block: number; txHash: string; minedAt: number }
  | { type: "stop" };

/** Where backfill time went, as seen from the indexer's process. */
export type Profile = {
  rpc: Record<string, { calls: number; ms: number; items: number }>;
  /** Every statement the indexer sent, by its opening words: round trip including the database's work. */
  sql: Record<string, { calls: number; ms: number; quarters: number[] }>;
  batches: number;
  /** CPU the Postgres server's backends of this process used during the backfill (Postgres only). */
  serverCpuSeconds?: number;
  /** Live and dead rows and size of the biggest tables once the backfill is done. */
  tables?: { table: string; live: number; dead: number; mb: number }[];
};

/** The statement's kind and table, e.g. "INSERT INTO raw_events", for grouping. */
function statementLabel(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  const match = /^(?:WITH .*?\) )?(INSERT INTO \S+|UPDATE \S+|DELETE FROM \S+|SELECT .*? FROM \S+|\w+)/i.exec(flat);
  return (match?.[1] ?? flat).slice(0, 80);
}

/**
 * The same client, timing every statement into `profile.sql`, also per quarter of the backfill
 * (by events committed so far), so a statement whose cost grows with history stands out.
 */
function timedDb(db: Db, profile: Profile, quarter: () => number): Db {
  const time = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      const entry = (profile.sql[statementLabel(sql)] ??= { calls: 0, ms: 0, quarters: [0, 0, 0, 0] });
      const ms = performance.now() - started;
      entry.calls++;
      entry.ms += ms;
      entry.quarters[quarter()] += ms;
    }
  };
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => time(sql, () => q.query(sql, params)),
    exec: (sql) => time(sql, () => q.exec(sql)),
  });
  return {
    ...wrap(db),
    kind: db.kind,
    schema: db.schema,
    transaction: (fn) =>
      time("(whole batch transaction: JS work, statements, COMMIT)", () => db.transaction((tx) => fn(wrap(tx)))),
    listen: (channel, onPayload) => db.listen(channel, onPayload),
    withSchema: (schema) => timedDb(db.withSchema(schema), profile, quarter),
    close: () => db.close(),
  };
}

async function startCpuProfile(): Promise<{ stop(): Promise<CpuProfile> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      return profile as unknown as CpuProfile;
    },
  };
}

/**
 * CPU seconds used so far by each Postgres backend serving this process (found by the
 * application_name the parent put in the URL), read from /proc: the server runs on this machine.
 */
async function serverCpu(db: Db): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE application_name = current_setting('application_name')"
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (100 per second).
      const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).replace(/^.*\) /, "").split(" ");
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // A backend that is gone, or a server elsewhere: nothing to count.
    }
  }
  return cpu;
}

const parameters = JSON.parse(process.env.BENCH_INDEX_PARAMETERS ?? "") as ChildParameters;
// Without the parent there is nobody to report to: do not linger holding a database.
const orphaned = () => process.exit(1);
process.once("disconnect", orphaned);
const send = (message: ChildMessage) => process.send?.(message);
const logger = pino({ level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));

const profile: Profile = { rpc: {}, sql: {}, batches: 0 };
/** Events committed so far in this run. */
let events = 0;
const timed =
  <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>, count: (r: R) => number) =>
  async (...args: A): Promise<R> => {
    const started = performance.now();
    const result = await fn(...args);
    const entry = (profile.rpc[name] ??= { calls: 0, ms: 0, items: 0 });
    entry.calls++;
    entry.ms += performance.now() - started;
    entry.items += count(result);
    return result;
  };

const opened = performance.now();
const db = await openDatabase(
  parameters.databaseUrl
    ? { url: parameters.databaseUrl, schema: parameters.schema }
    : { dataDir: parameters.dataDir, schema: parameters.schema }
);
if (parameters.prepareOnly) {
  await runMigrations(db);
  await db.close();
  process.exit(0);
}
try {
  await runMigrations(db);
  const startupSeconds = (performance.now() - opened) / 1000;
  const chain = {
    chainId: parameters.chainId,
    rpcUrl: parameters.rpcUrl,
    marketplace: parameters.marketplace.toLowerCase(),
    startBlock: parameters.startBlock,
    ...chainDefaults(parameters.chainId),
  };

  const indexer = createIndexer({
    db: parameters.profile
      ? timedDb(db, profile, () => Math.min(3, Math.floor((4 * events) / Math.max(1, parameters.expectedEvents))))
      : db,
    chains: [chain],
    // The indexer's own knobs (INDEXER_BATCH_EVENTS, INDEXER_PREFETCH, ...) apply here too.
    sync: syncSettingsFromEnv(process.env),
    logger,
    progress: false,
    createRpc: parameters.profile
      ? (c, metrics, signal): ChainRpc => {
          const rpc = createChainRpc({
            url: c.rpcUrl,
            timeoutMs: defaultSyncSettings.rpcTimeoutMs,
            maxResponseBytes: defaultSyncSettings.maxResponseBytes,
            batchSize: defaultSyncSettings.headerBatchSize,
            retry: defaultSyncSettings.retry,
            metrics,
            signal,
          });
          return {
            url: rpc.url,
            getChainId: rpc.getChainId,
            getBlockNumber: rpc.getBlockNumber,
            getBlock: rpc.getBlock,
            getLogs: timed("getLogs", rpc.getLogs, (logs) => logs.length),
            getBlocks: timed("getBlocks", rpc.getBlocks, (blocks) => blocks.size),
          };
        }
      : undefined,
  });

  // Commit times of recent ranges, so a watched block committed before the parent asks still counts
  // from the moment it became visible, not from when the question arrived.
  const commits: { fromBlock: number; toBlock: number; at: number }[] = [];
  const waiters: { block: number; resolve: (at: number) => void }[] = [];
  let following: Promise<void> | undefined;
  // Database creation (PGlite's initdb peaks far above what indexing needs) is not the backfill: the
  // parent resets the peak RSS counter between the two.
  send({ type: "ready", startupSeconds });
  await new Promise<void>((resolve) =>
    process.once("message", (message: ParentMessage) => message.type === "go" && resolve())
  );
  const profiler = parameters.cpuProfile ? await startCpuProfile() : undefined;
  const serverCpuBefore = parameters.profile && parameters.databaseUrl ? await serverCpu(db) : undefined;
  const started = performance.now();
  let lastProgress = 0;
  const peakMemory = { heap: 0, external: 0 };
  indexer.onSync((event: SyncEvent) => {
    if (event.kind !== "block") return;
    const at = Date.now();
    const memory = process.memoryUsage();
    peakMemory.heap = Math.max(peakMemory.heap, memory.heapTotal);
    peakMemory.external = Math.max(peakMemory.external, memory.external);
    profile.batches++;
    events += event.events;
    commits.push({ fromBlock: event.fromBlock, toBlock: event.toBlock, at });
    if (commits.length > 1000) commits.splice(0, 500);
    for (const waiter of waiters.splice(0)) {
      if (event.toBlock >= waiter.block) waiter.resolve(at);
      else waiters.push(waiter);
    }
    const seconds = (performance.now() - started) / 1000;
    if (!following && seconds - lastProgress >= 1) {
      lastProgress = seconds;
      send({ type: "progress", block: event.toBlock, events, seconds });
    }
  });

  await indexer.backfill({ toBlock: { [chain.chainId]: parameters.lastBlock } });
  const seconds = (performance.now() - started) / 1000;
  const cpuProfile = profiler ? summarizeCpuProfile(await profiler.stop()) : undefined;
  if (serverCpuBefore) {
    let used = 0;
    for (const [pid, seconds] of await serverCpu(db)) used += seconds - (serverCpuBefore.get(pid) ?? 0);
    profile.serverCpuSeconds = used;
  }
  if (parameters.profile) {
    // Dead row versions pile up where nothing vacuums (PGlite has no autovacuum).
    const stats = await db.query<{ table: string; live: number; dead: number; mb: number }>(
      "SELECT relname AS table, n_live_tup AS live, n_dead_tup AS dead, " +
        "round(pg_total_relation_size(relid) / 1048576.0)::int AS mb FROM pg_stat_user_tables " +
        "WHERE schemaname = current_schema() ORDER BY pg_total_relation_size(relid) DESC LIMIT 8"
    );
    profile.tables = stats.rows.map((r) => ({ ...r, live: Number(r.live), dead: Number(r.dead) }));
  }
  const maxRssKB = process.resourceUsage().maxRSS;
  const count = await db.query<{ n: number | string }>("SELECT count(*) AS n FROM raw_events WHERE chain_id = $1", [
    chain.chainId,
  ]);
  send({
    type: "backfilled",
    seconds,
    events: Number(count.rows[0].n),
    maxRssKB,
    memoryMB: { heap: Math.round(peakMemory.heap / 1048576), external: Math.round(peakMemory.external / 1048576) },
    profile: parameters.profile ? profile : undefined,
    cpuProfile,
  });

  following = indexer.follow();
  const committedAt = (block: number): Promise<number> => {
    const done = commits.find((c) => c.fromBlock <= block && c.toBlock >= block);
    if (done) return Promise.resolve(done.at);
    return new Promise((resolve) => waiters.push({ block, resolve }));
  };
  const visible = async (txHash: string): Promise<boolean> =>
    (
      await db.query("SELECT 1 FROM raw_events WHERE chain_id = $1 AND tx_hash = $2", [
        chain.chainId,
        txHash.toLowerCase(),
      ])
    ).rows.length > 0;

  await new Promise<void>((resolve, reject) => {
    following!.catch(reject);
    process.on("message", (message: ParentMessage) => {
      if (message.type === "stop") {
        resolve();
        return;
      }
      if (message.type !== "watch") return;
      void (async () => {
        let at = await committedAt(message.block);
        // The commit event says the range is in; reading the row back is what a client would see.
        while (!(await visible(message.txHash))) {
          await new Promise((r) => setTimeout(r, 2));
          at = Date.now();
        }
        send({ type: "visible", txHash: message.txHash, latencyMs: at - message.minedAt });
      })().catch(reject);
    });
  });
  await indexer.stop();
  await following!.catch(() => undefined);
} catch (error) {
  send({ type: "error", message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 1;
} finally {
  if (parameters.dropSchemaAtEnd) await dropSchema(db, parameters.schema).catch(() => undefined);
  await db.close();
  // Exit even if a stray timer or socket of the indexer is still open: the parent waits for us.
  process.off("disconnect", orphaned);
  process.disconnect?.();
}
