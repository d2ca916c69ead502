/**
 * Picks the block span of the next eth_getLogs: grows while answers come back small and fast,
 * shrinks when the node refuses a range or an answer carries far more logs than one batch should.
 */
export type RangePlannerParameters = {
  initialBlocks: number;
  maxBlocks: number;
  /** Logs per batch worth aiming for (a DB transaction of about this many events). */
  targetLogs: number;
};

export type RangePlanner = {
  /** Blocks to ask for next. */
  size(): number;
  /** A range of `blocks` blocks returned `logs` logs. */
  succeeded(blocks: number, logs: number): void;
  /** A range of `blocks` blocks was refused as too large. */
  tooLarge(blocks: number): void;
};

export function createRangePlanner(parameters: RangePlannerParameters): RangePlanner {
  let size = Math.max(1, Math.min(parameters.initialBlocks, parameters.maxBlocks));
  // After a refusal, do not grow past what was refused until a while of success says the limit moved.
  let ceiling = parameters.maxBlocks;
  let successes = 0;
  return {
    size: () => size,
    succeeded(blocks, logs) {
      successes++;
      if (successes % 20 === 0) ceiling = Math.min(parameters.maxBlocks, ceiling * 2);
      if (logs > parameters.targetLogs * 2 && blocks > 1) {
        size = Math.max(1, Math.floor(blocks / 2));
      } else if (logs < parameters.targetLogs / 2 && blocks >= size) {
        const ratio = logs === 0 ? 4 : Math.min(4, parameters.targetLogs / logs);
        size = Math.max(1, Math.min(ceiling, Math.floor(size * ratio)));
      }
    },
    tooLarge(blocks) {
      successes = 0;
      ceiling = Math.max(1, Math.floor(blocks / 2));
      size = Math.min(size, ceiling);
    },
  };
}
