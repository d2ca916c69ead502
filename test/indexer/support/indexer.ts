import assert from "node:assert/strict";
import pino from "pino";

import {
  createIndexer,
  InjectedFailureError,
  type ChainConfig,
  type CreateIndexerParameters,
  type Db,
  type Indexer,
} from "../../../indexer/src/index.js";
import type { Market } from "./market.js";

export const quietLogger = pino({ level: process.env.LOG_LEVEL ?? "silent" });

export function chainOf(market: Market, overrides: Partial<ChainConfig> = {}): ChainConfig {
  return {
    chainId: market.chainId,
    rpcUrl: market.node.url,
    marketplace: market.marketplace,
    startBlock: market.startBlock,
    confirmations: 0,
    finalityDepth: 64,
    pollIntervalMs: 25,
    ...overrides,
  };
}

export function testIndexer(
  db: Db,
  market: Market,
  overrides: Partial<ChainConfig> = {},
  extra: Partial<CreateIndexerParameters> = {},
): Indexer {
  // `sync` is merged, not replaced, so a caller tuning batch sizes keeps the fast test retry policy.
  const { sync, ...rest } = extra;
  return createIndexer({
    db,
    chains: [chainOf(market, overrides)],
    logger: quietLogger,
    progress: false,
    ...rest,
    sync: { retry: { baseDelayMs: 10, maxDelayMs: 200, maxAttempts: 20 }, ...sync },
  });
}

/** Resolves once the indexer has committed `block`; rejects after `timeoutMs` or if following failed. */
export async function waitForBlock(indexer: Indexer, block: number, timeoutMs = 20_000, following?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure: unknown;
  following?.catch((error) => (failure = error));
  for (;;) {
    if (failure) throw failure;
    const metrics = indexer.metrics.chains[0];
    if (metrics && metrics.indexedBlock >= block) return;
    if (Date.now() > deadline) {
      throw new Error(`indexer did not reach block ${block} within ${timeoutMs} ms (at ${metrics?.indexedBlock})`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Small batches of a few blocks, one range fetched ahead: a scenario's backfill takes many batches. */
export const SMALL_BATCHES = { targetBatchEvents: 30, initialBlockRange: 8, maxBlockRange: 16, prefetch: 1 };

/** A backfill in SMALL_BATCHES that fails in its `batch`-th batch, after writing its raw events. */
export async function backfillFailingAt(db: Db, market: Market, batch: number, overrides: Partial<ChainConfig> = {}): Promise<void> {
  let batches = 0;
  const crashing = testIndexer(db, market, overrides, {
    sync: SMALL_BATCHES,
    hooks: {
      onBatchWrite: ({ stage }) => {
        if (stage === "raw_events" && ++batches === batch) throw new InjectedFailureError("injected failure");
      },
    },
  });
  await assert.rejects(crashing.backfill(), InjectedFailureError);
}
