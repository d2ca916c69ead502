/**
 * The indexer: one sync per configured chain over one database. Explicit dependencies in, a small
 * handle out:
 *
 *   const db = await openDatabase({ url: process.env.DATABASE_URL });
 *   await runMigrations(db);
 *   const indexer = createIndexer({ db, chains, logger });
 *   await indexer.backfill();      // up to the head as it is now
 *   await indexer.follow();        // until indexer.stop(); rejects on a fatal error
 */
import pino, { type Logger } from "pino";

import { defaultSyncSettings, type ChainConfig, type SyncSettings } from "./config/config.js";
import { ensureChain } from "./db/chain-state.js";
import { buildDeferredIndexes, DEFERRED_HISTORY_TABLES, deferIndexes, mirrorIsEmpty } from "./db/deferred-indexes.js";
import { deferDerivation, deriveDeferred } from "./db/deferred-derivation.js";
import { deferRollups, finishDeferredRollups } from "./db/deferred-rollups.js";
import { loggedDbRetry, withDbRetry, type DbRetryParameters } from "./db/errors.js";
import { createMaintenance } from "./db/maintenance.js";
import type { Db } from "./db/types.js";
import { errorMessage } from "./errors.js";
import { createChainMetrics, type ChainMetrics, type IndexerMetrics } from "./metrics/metrics.js";
import { startProgress } from "./metrics/progress.js";
import { createChainSync, type ChainSync, type ChainSyncHooks, type SyncEvent } from "./sync/chain-sync.js";
import { createChainRpc, type ChainRpc } from "./sync/rpc.js";

export type CreateIndexerParameters = {
  db: Db;
  chains: ChainConfig[];
  logger?: Logger;
  /** Batch sizes, prefetch, RPC limits and retry policy; defaults suit a local node and public RPCs alike. */
  sync?: Partial<SyncSettings>;
  notifyChannel?: string;
  /** Builds the RPC client of a chain (default: viem HTTP to chain.rpcUrl). */
  createRpc?: (chain: ChainConfig, metrics: ChainMetrics, signal: AbortSignal) => ChainRpc;
  hooks?: ChainSyncHooks;
  /** Progress line / log lines during backfill (default true). */
  progress?: boolean;
};

export type Indexer = {
  readonly metrics: IndexerMetrics;
  /** Indexes every chain up to its head (minus confirmations) as of the call, or up to `toBlock[chainId]`. */
  backfill(options?: { toBlock?: Record<number, number> }): Promise<void>;
  /** Follows every chain's head until stop(); rejects with the first fatal error (and stops the others). */
  follow(): Promise<void>;
  /** Backfill, then follow. */
  run(): Promise<void>;
  /** Stops polling and waits for the running batch to finish or roll back. */
  stop(): Promise<void>;
  /** Subscribe to committed ranges and rollbacks in this process (other processes LISTEN instead). */
  onSync(listener: (event: SyncEvent) => void): () => void;
};

export function createIndexer(parameters: CreateIndexerParameters): Indexer {
  const logger = parameters.logger ?? pino({ level: "info" });
  const settings: SyncSettings = { ...defaultSyncSettings, ...parameters.sync };
  const controller = new AbortController();
  const listeners = new Set<(event: SyncEvent) => void>();
  const running = new Set<Promise<unknown>>();
  const maintenance = createMaintenance(parameters.db, logger, settings.vacuumEveryEvents);
  let registered: Promise<void> | undefined;

  const perChain = parameters.chains.map((chain) => {
    const metrics = createChainMetrics(chain.chainId);
    const rpc =
      parameters.createRpc?.(chain, metrics, controller.signal) ??
      createChainRpc({
        url: chain.rpcUrl,
        timeoutMs: settings.rpcTimeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
        batchSize: settings.headerBatchSize,
        retry: settings.retry,
        metrics,
        signal: controller.signal,
        onRetry: (error, attempt, delayMs, method) =>
          logger.warn({ chainId: chain.chainId, method, attempt, delayMs, err: errorMessage(error) }, "RPC failed, retrying"),
      });
    const sync: ChainSync = createChainSync({
      db: parameters.db,
      rpc,
      chain,
      options: {
        confirmations: chain.confirmations,
        finalityDepth: chain.finalityDepth,
        pollIntervalMs: chain.pollIntervalMs,
        initialBlockRange: settings.initialBlockRange,
        maxBlockRange: settings.maxBlockRange,
        targetBatchEvents: settings.targetBatchEvents,
        prefetch: settings.prefetch,
        fetchConcurrency: settings.fetchConcurrency,
        rangeTargetLogs: settings.rangeTargetLogs,
        stateCacheRows: settings.stateCacheRows,
        retry: settings.retry,
        notifyChannel: parameters.notifyChannel,
      },
      metrics,
      logger,
      signal: controller.signal,
      hooks: {
        onBatchWrite: parameters.hooks?.onBatchWrite,
        onSync: (event) => {
          if (event.kind === "block") maintenance.committed(event.events);
          parameters.hooks?.onSync?.(event);
          for (const listener of listeners) listener(event);
        },
      },
    });
    return { chain, metrics, sync };
  });

  const metrics: IndexerMetrics = { chains: perChain.map((c) => c.metrics) };

  function register(): Promise<void> {
    registered ??= (async () => {
      for (const { chain } of perChain) {
        await withDbRetry(() => ensureChain(parameters.db, chain), dbRetry(`registering chain ${chain.chainId}`));
      }
    })();
    return registered;
  }

  /** Runs `fn` for every chain at once; the first failure stops the rest and is rethrown. */
  async function forEachChain(fn: (c: (typeof perChain)[number]) => Promise<void>): Promise<void> {
    await register();
    const all = Promise.all(
      perChain.map(async (c) => {
        try {
          await fn(c);
        } catch (error) {
          c.metrics.phase = "failed";
          logger.error({ chainId: c.chain.chainId, err: errorMessage(error) }, "indexer stopped");
          controller.abort();
          throw error;
        }
      }),
    );
    await track(all);
  }

  /** Retries of a database step outside the chains' batches (which retry their own). */
  function dbRetry(context: string): DbRetryParameters {
    return loggedDbRetry(context, settings.retry, logger, controller.signal);
  }

  /** Work that stop() waits for. */
  async function track<T>(work: Promise<T>): Promise<T> {
    running.add(work);
    try {
      return await work;
    } finally {
      running.delete(work);
    }
  }

  /**
   * Derives deferred rows, recounts the deferred rollups and builds the deferred indexes. On a Postgres server the history
   * tables' indexes are built beside the recount, which only reads those tables (its closing ALTER
   * TABLE waits for a build in progress on the same table, and the builds after it wait for its
   * commit: lock waits, never a cycle, as a build holds no lock the recount asks for). The rollup
   * tables' own indexes come after the recount, built over its rows.
   */
  async function finishDeferred(): Promise<void> {
    const db = parameters.db;
    // Rows a chain's backfill left underived (it ended before any batch near the head), which the
    // rollups and indexes are computed over.
    await track(withDbRetry(() => deriveDeferred(db, { logger }), dbRetry("deriving deferred rows")));
    const rollups = () => finishDeferredRollups(db, { logger, notifyChannel: parameters.notifyChannel });
    const build = (p: { tables?: readonly string[]; concurrency?: number } = {}) => () =>
      buildDeferredIndexes(db, { logger, signal: controller.signal, ...p });
    if (db.kind === "postgres") {
      // One build at a time while the recount has the other core; both finish before a failure is reported.
      const results = await Promise.allSettled([
        track(withDbRetry(rollups, dbRetry("computing deferred rollups"))),
        track(withDbRetry(build({ tables: DEFERRED_HISTORY_TABLES, concurrency: 1 }), dbRetry("building deferred indexes"))),
      ]);
      for (const result of results) if (result.status === "rejected") throw result.reason;
    } else {
      await track(withDbRetry(rollups, dbRetry("computing deferred rollups")));
    }
    if (!controller.signal.aborted) await track(withDbRetry(build(), dbRetry("building deferred indexes")));
  }

  const indexer: Indexer = {
    metrics,
    async backfill(options) {
      await register();
      if (settings.deferIndexes || settings.deferDerived) {
        await withDbRetry(
          async () => {
            if (!(await mirrorIsEmpty(parameters.db))) return;
            const indexes = settings.deferIndexes ? await deferIndexes(parameters.db) : 0;
            const triggers = settings.deferIndexes ? await deferRollups(parameters.db) : 0;
            const chains = settings.deferDerived
              ? await deferDerivation(parameters.db, perChain.map((c) => c.chain.chainId))
              : 0;
            logger.info(
              { indexes, triggers, chains },
              "empty mirror: history is derived, secondary indexes built and the API's rollups computed once the backfill has written it",
            );
          },
          dbRetry("deferring indexes, rollups and derived rows"),
        );
      }
      const progress = parameters.progress === false ? undefined : startProgress({ metrics: metrics.chains, logger });
      try {
        await forEachChain((c) => c.sync.backfill(options?.toBlock?.[c.chain.chainId]));
      } finally {
        progress?.stop();
      }
      // Also those an earlier, interrupted backfill left deferred. A stop leaves them for the next start.
      if (!controller.signal.aborted) await finishDeferred();
    },
    async follow() {
      await forEachChain((c) => c.sync.follow());
      for (const c of perChain) if (c.metrics.phase !== "failed") c.metrics.phase = "stopped";
    },
    async run() {
      await indexer.backfill();
      if (!controller.signal.aborted) await indexer.follow();
    },
    async stop() {
      controller.abort();
      await Promise.allSettled([...running]);
      await maintenance.idle();
    },
    onSync(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return indexer;
}
