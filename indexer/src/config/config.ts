/**
 * Configuration from the environment and the generated deployments file. One chain by default (the
 * RPC_URL node and its deployment); several with INDEXER_CHAINS.
 *
 *   DATABASE_URL          Postgres server; without it PGlite runs embedded in PGLITE_DIR (.data/pglite)
 *   DATABASE_SCHEMA       schema of the mirror (public)
 *   RPC_URL               node of the single chain (http://127.0.0.1:8545)
 *   CHAIN_ID              its chain id (asked from the node when unset)
 *   MARKETPLACE_ADDRESS   the marketplace (from generated/deployments.json when unset)
 *   START_BLOCK           first block to index (idem)
 *   CONFIRMATIONS         blocks behind the head to stay (0 on local chains, 2 elsewhere)
 *   FINALITY_DEPTH        deepest reorg rolled back; deeper stops the indexer (64)
 *   POLL_INTERVAL_MS      head polling period (50 on local chains, 1000 elsewhere)
 *   INDEXER_CHAINS        JSON array of chains: [{"chainId":1,"rpcUrl":"...","marketplace":"0x..","startBlock":0,...}]
 *   INDEXER_BATCH_EVENTS  events per batch aimed at (40000)
 *   INDEXER_RANGE_LOGS    logs per eth_getLogs answer aimed at (5000); answers that arrive while a batch is written commit together
 *   INDEXER_PREFETCH      ranges fetched ahead (8), INDEXER_FETCH_CONCURRENCY of them at a time (2)
 *   INDEXER_STATE_CACHE_ROWS  listings and rentals (each) kept in memory between batches (20000)
 *   INDEXER_DEFER_INDEXES  build secondary indexes once after a backfill into an empty mirror (1; 0 keeps them throughout)
 *   INDEXER_DEFER_DERIVED  in a backfill into an empty mirror, write history deeper than the finality depth as raw events
 *                          and derive listings, rentals and totals from them once, in SQL (1; 0 keeps them batch by batch)
 *   INDEXER_VACUUM_EVENTS  PGlite: check which rewritten tables need VACUUM / ANALYZE every this many events (50000; 0 never)
 *   INDEXER_MAX_BLOCK_RANGE, RPC_TIMEOUT_MS, RPC_MAX_RESPONSE_BYTES, LOG_LEVEL
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { DEFAULT_MAINTENANCE_EVENTS } from "../db/maintenance.js";
import { DEFAULT_STATE_CACHE_ROWS } from "../db/state-cache.js";
import { FatalError } from "../errors.js";
import { defaultRetryPolicy, type RetryPolicy } from "../sync/retry.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../sync/rpc.js";

export type ChainConfig = {
  chainId: number;
  rpcUrl: string;
  marketplace: string;
  startBlock: number;
  confirmations: number;
  finalityDepth: number;
  pollIntervalMs: number;
};

export type SyncSettings = {
  initialBlockRange: number;
  maxBlockRange: number;
  targetBatchEvents: number;
  prefetch: number;
  fetchConcurrency: number;
  rangeTargetLogs: number;
  stateCacheRows: number;
  /** PGlite only (no autovacuum there): check which rewritten tables need VACUUM / ANALYZE after this many events; 0: never. */
  vacuumEveryEvents: number;
  /** A backfill into an empty mirror drops the secondary indexes of history tables and builds them at its end (db/deferred-indexes.ts). */
  deferIndexes: boolean;
  /**
   * A backfill into an empty mirror writes batches deeper than the finality depth as raw events only and
   * derives every other row from them once, before the first batch near the head (db/deferred-derivation.ts).
   */
  deferDerived: boolean;
  rpcTimeoutMs: number;
  maxResponseBytes: number;
  headerBatchSize: number;
  retry: RetryPolicy;
};

export type IndexerConfig = {
  database: { url?: string; dataDir: string; schema: string };
  chains: ChainConfig[];
  sync: SyncSettings;
  notifyChannel: string;
  logLevel: string;
};

export const defaultSyncSettings: SyncSettings = {
  initialBlockRange: 10,
  maxBlockRange: 100_000,
  // Fewer, larger transactions: a rental's changes fall into fewer batches, so fewer row versions are
  // written (100,000 events: 10,551 dead rental versions against 26,207 at 20,000), and a million
  // events went ~10 % faster into Postgres and ~18 % into PGlite at about the same peak RSS
  // (indexer/README.md).
  targetBatchEvents: 40_000,
  // Small answers, two at a time, several batches' worth ahead: a node serves them fastest so (a local
  // node: ~65,000 logs/s at 2,500-5,000 logs an answer and two in flight, ~40,000 at 25,000 an answer),
  // the first batch starts after one small answer instead of one big one, and hosted RPCs cap answers
  // near 10,000 logs anyway.
  prefetch: 8,
  fetchConcurrency: 2,
  rangeTargetLogs: 5_000,
  stateCacheRows: DEFAULT_STATE_CACHE_ROWS,
  vacuumEveryEvents: DEFAULT_MAINTENANCE_EVENTS,
  deferIndexes: true,
  deferDerived: true,
  rpcTimeoutMs: 15_000,
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  headerBatchSize: 100,
  retry: defaultRetryPolicy,
};

/** The sync settings the environment overrides (INDEXER_BATCH_EVENTS and the others above). */
export function syncSettingsFromEnv(env: NodeJS.ProcessEnv): SyncSettings {
  return {
    ...defaultSyncSettings,
    targetBatchEvents: intFrom(env, "INDEXER_BATCH_EVENTS") ?? defaultSyncSettings.targetBatchEvents,
    maxBlockRange: intFrom(env, "INDEXER_MAX_BLOCK_RANGE") ?? defaultSyncSettings.maxBlockRange,
    prefetch: intFrom(env, "INDEXER_PREFETCH") ?? defaultSyncSettings.prefetch,
    fetchConcurrency: intFrom(env, "INDEXER_FETCH_CONCURRENCY") ?? defaultSyncSettings.fetchConcurrency,
    rangeTargetLogs: intFrom(env, "INDEXER_RANGE_LOGS") ?? defaultSyncSettings.rangeTargetLogs,
    stateCacheRows: intFrom(env, "INDEXER_STATE_CACHE_ROWS") ?? defaultSyncSettings.stateCacheRows,
    vacuumEveryEvents: intFrom(env, "INDEXER_VACUUM_EVENTS") ?? defaultSyncSettings.vacuumEveryEvents,
    deferIndexes: boolFrom(env, "INDEXER_DEFER_INDEXES") ?? defaultSyncSettings.deferIndexes,
    deferDerived: boolFrom(env, "INDEXER_DEFER_DERIVED") ?? defaultSyncSettings.deferDerived,
    rpcTimeoutMs: intFrom(env, "RPC_TIMEOUT_MS") ?? defaultSyncSettings.rpcTimeoutMs,
    maxResponseBytes: intFrom(env, "RPC_MAX_RESPONSE_BYTES") ?? defaultSyncSettings.maxResponseBytes,
  };
}

export const DEFAULT_DEPLOYMENTS_FILE = fileURLToPath(new URL("../../../generated/deployments.json", import.meta.url));

const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

type Deployment = { chainId: number; marketplace: string; startBlock: number };

export class ConfigError extends FatalError {}

function intFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

function boolFrom(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true or false), got ${JSON.stringify(raw)}`);
}

async function readDeployments(file: string): Promise<Record<string, Deployment>> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, Deployment>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Per-chain defaults: a local dev chain needs no confirmations and is polled fast. */
export function chainDefaults(chainId: number): Pick<ChainConfig, "confirmations" | "finalityDepth" | "pollIntervalMs"> {
  const local = LOCAL_CHAIN_IDS.has(chainId);
  return { confirmations: local ? 0 : 2, finalityDepth: 64, pollIntervalMs: local ? 50 : 1000 };
}

export type LoadConfigParameters = {
  env?: NodeJS.ProcessEnv;
  deploymentsFile?: string;
  /** Asks a node its chain id when CHAIN_ID is not set. */
  probeChainId?: (rpcUrl: string) => Promise<number>;
};

export async function loadConfig(parameters: LoadConfigParameters = {}): Promise<IndexerConfig> {
  const env = parameters.env ?? process.env;
  const deployments = await readDeployments(parameters.deploymentsFile ?? env.DEPLOYMENTS_FILE ?? DEFAULT_DEPLOYMENTS_FILE);
  const overrides = {
    confirmations: intFrom(env, "CONFIRMATIONS"),
    finalityDepth: intFrom(env, "FINALITY_DEPTH"),
    pollIntervalMs: intFrom(env, "POLL_INTERVAL_MS"),
  };

  const complete = (partial: Partial<ChainConfig> & { chainId: number; rpcUrl: string }): ChainConfig => {
    const deployment = deployments[String(partial.chainId)];
    const marketplace = partial.marketplace ?? deployment?.marketplace;
    const startBlock = partial.startBlock ?? deployment?.startBlock;
    if (!marketplace || !/^0x[0-9a-fA-F]{40}$/.test(marketplace)) {
      throw new ConfigError(
        `no marketplace address for chain ${partial.chainId}: set MARKETPLACE_ADDRESS or deploy (scripts/deploy.ts writes generated/deployments.json)`,
      );
    }
    if (startBlock === undefined) throw new ConfigError(`no start block for chain ${partial.chainId}: set START_BLOCK`);
    const defaults = chainDefaults(partial.chainId);
    const pick = <K extends keyof typeof overrides>(key: K): number =>
      (partial[key] as number | undefined) ?? overrides[key] ?? defaults[key];
    return {
      chainId: partial.chainId,
      rpcUrl: partial.rpcUrl,
      marketplace: marketplace.toLowerCase(),
      startBlock,
      confirmations: pick("confirmations"),
      finalityDepth: Math.max(1, pick("finalityDepth")),
      pollIntervalMs: pick("pollIntervalMs"),
    };
  };

  let chains: ChainConfig[];
  if (env.INDEXER_CHAINS) {
    let list: unknown;
    try {
      list = JSON.parse(env.INDEXER_CHAINS);
    } catch (error) {
      throw new ConfigError(`INDEXER_CHAINS is not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(list) || list.length === 0) throw new ConfigError("INDEXER_CHAINS must be a non-empty JSON array");
    chains = list.map((entry, i) => {
      const e = entry as Partial<ChainConfig>;
      if (!Number.isSafeInteger(e.chainId) || typeof e.rpcUrl !== "string") {
        throw new ConfigError(`INDEXER_CHAINS[${i}] needs chainId (number) and rpcUrl (string)`);
      }
      return complete(e as Partial<ChainConfig> & { chainId: number; rpcUrl: string });
    });
    const ids = new Set(chains.map((c) => c.chainId));
    if (ids.size !== chains.length) throw new ConfigError("INDEXER_CHAINS lists a chain id twice");
  } else {
    const rpcUrl = env.RPC_URL || "http://127.0.0.1:8545";
    let chainId = intFrom(env, "CHAIN_ID");
    if (chainId === undefined) {
      if (!parameters.probeChainId) throw new ConfigError("CHAIN_ID is not set");
      chainId = await parameters.probeChainId(rpcUrl);
    }
    chains = [
      complete({
        chainId,
        rpcUrl,
        marketplace: env.MARKETPLACE_ADDRESS || undefined,
        startBlock: intFrom(env, "START_BLOCK"),
      }),
    ];
  }

  const sync = syncSettingsFromEnv(env);
  return {
    database: {
      url: env.DATABASE_URL || undefined,
      dataDir: env.PGLITE_DIR || ".data/pglite",
      schema: env.DATABASE_SCHEMA || "public",
    },
    chains,
    sync,
    notifyChannel: env.INDEXER_NOTIFY_CHANNEL || "marketplace_commits",
    logLevel: env.LOG_LEVEL || "info",
  };
}
