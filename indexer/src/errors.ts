/**
 * Errors split by what the caller should do about them: a `RetryableError` goes away if the same
 * step is tried again later (RPC hiccup, database restart), a `FatalError` never does and stops the
 * indexer with its message. Range errors and reorgs are their own cases because the sync loop
 * answers them with a different action (split the range, roll back), not with a plain retry.
 */

export type IndexerErrorOptions = {
  /** Structured context for logs: chain id, block range, table, ... */
  details?: Record<string, unknown>;
  cause?: unknown;
};

export class IndexerError extends Error {
  readonly details: Record<string, unknown>;

  constructor(message: string, options: IndexerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
  }
}

/** Trying the same step again later may succeed. */
export class RetryableError extends IndexerError {
  /** Server-requested wait (HTTP Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(message: string, options: IndexerErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** No retry will fix it: the indexer stops and says why. */
export class FatalError extends IndexerError {}

/** The RPC refused or could not deliver a block range that big: ask for a smaller one. */
export class RangeTooLargeError extends IndexerError {}

/** The RPC node answered a JSON-RPC error that is not about load or size (bad params, unknown method). */
export class RpcResponseError extends RetryableError {}

/** The node failed to answer in time or the connection broke. */
export class RpcUnavailableError extends RetryableError {}

/** The database refused a connection or dropped it mid-batch; the batch is retried as a whole. */
export class DatabaseUnavailableError extends RetryableError {}

/**
 * Data fetched in one step disagrees with itself (a log's block hash differs from the header fetched
 * a moment later): the chain moved while we read it. Fetch again.
 */
export class ChainMovedError extends RetryableError {}

/** The stored tip is no longer on the canonical chain: roll back, then continue. */
export class ReorgDetectedError extends IndexerError {
  readonly chainId: number;
  /** Highest indexed block whose stored hash disagrees with (or is missing from) the chain. */
  readonly blockNumber: number;

  constructor(chainId: number, blockNumber: number, message: string, details: Record<string, unknown> = {}) {
    super(message, { details: { chainId, blockNumber, ...details } });
    this.chainId = chainId;
    this.blockNumber = blockNumber;
  }
}

/** A reorg reaches below what may be rolled back (the finality depth): diverging silently is worse than stopping. */
export class DeepReorgError extends FatalError {}

/** A test hook's deliberate failure (crash injection). Treated like any other fatal error. */
export class InjectedFailureError extends FatalError {}

export function isRetryable(error: unknown): error is RetryableError {
  return error instanceof RetryableError;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
