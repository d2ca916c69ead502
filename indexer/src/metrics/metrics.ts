/**
 * Counters and gauges of the indexer as plain objects, one per chain, mutated in place by the sync
 * and read by whoever exposes them (the API's /metrics maps them to Prometheus series).
 */

export type ChainMetrics = {
  chainId: number;
  /** Latest block number the node reported. */
  headBlock: number;
  /** Last block committed to the database. */
  indexedBlock: number;
  /** Target of the running backfill (head minus confirmations when it started). */
  backfillTarget: number;
  /** Block the current run started from (for progress). */
  startedFromBlock: number;
  eventsIndexed: number;
  batchesCommitted: number;
  reorgs: number;
  /** Blocks rolled back by reorgs, summed. */
  reorgedBlocks: number;
  rpcRequests: number;
  rpcErrors: number;
  dbRetries: number;
  /** Wall-clock time (ms since epoch) of the last commit. */
  lastCommitAt: number;
  /** Wall-clock milliseconds between a block's timestamp and its commit, for the last block committed in follow mode. */
  lastCommitLatencyMs: number;
  phase: "starting" | "backfill" | "follow" | "stopped" | "failed";
};

export function createChainMetrics(chainId: number): ChainMetrics {
  return {
    chainId,
    headBlock: 0,
    indexedBlock: 0,
    backfillTarget: 0,
    startedFromBlock: 0,
    eventsIndexed: 0,
    batchesCommitted: 0,
    reorgs: 0,
    reorgedBlocks: 0,
    rpcRequests: 0,
    rpcErrors: 0,
    dbRetries: 0,
    lastCommitAt: 0,
    lastCommitLatencyMs: 0,
    phase: "starting",
  };
}

/** Blocks the mirror is behind the node's head (0 when caught up). */
export function headLag(metrics: ChainMetrics): number {
  return Math.max(0, metrics.headBlock - metrics.indexedBlock);
}

export type IndexerMetrics = {
  chains: ChainMetrics[];
};
