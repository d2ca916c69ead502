import { FatalError, isRetryable, RetryableError } from "../errors.js";

export type RetryPolicy = {
  /** First wait; doubles with every failure. */
  baseDelayMs: number;
  /** Upper bound of one backoff wait (a server's Retry-After may ask for longer). */
  maxDelayMs: number;
  /**
   * Attempts before giving up on an error that is retryable but not obviously transient (a JSON-RPC
   * error answer). Transient ones (timeouts, connection failures, 429, 5xx, database outages) are
   * retried for as long as the indexer runs, unless `maxTransientAttempts` is set.
   */
  maxAttempts: number;
  maxTransientAttempts?: number;
};

const MAX_RETRY_AFTER_MS = 60_000;

export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 10_000, maxAttempts: 10 };

export type RetryParameters = {
  policy: RetryPolicy;
  /** Is this error one that goes away with time (keep trying) rather than one that might not? */
  isTransient?: (error: RetryableError) => boolean;
  onRetry?: (error: RetryableError, attempt: number, delayMs: number) => void;
  /** Resolves when the caller wants to stop waiting (the indexer is stopping). */
  signal?: AbortSignal;
};

/** Full jitter: a random wait up to the exponential bound, so many clients do not retry in step. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(bound / 2 + (random() * bound) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export class AbortedError extends FatalError {
  constructor() {
    super("stopped");
  }
}

/**
 * Runs `fn` until it succeeds, waiting between retryable failures (Retry-After when the server sent
 * one, exponential backoff with jitter otherwise). Non-retryable errors pass straight through.
 */
export async function withRetry<T>(fn: () => Promise<T>, parameters: RetryParameters): Promise<T> {
  const { policy, signal } = parameters;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new AbortedError();
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const transient = parameters.isTransient?.(error) ?? false;
      const limit = transient ? policy.maxTransientAttempts : policy.maxAttempts;
      if (limit !== undefined && attempt >= limit) {
        throw new FatalError(`gave up after ${attempt} attempts: ${error.message}`, { cause: error, details: error.details });
      }
      // The server's Retry-After is honoured as asked (up to a minute), not shortened to our own bound.
      const delay =
        error.retryAfterMs !== undefined ? Math.min(MAX_RETRY_AFTER_MS, error.retryAfterMs) : backoffDelay(policy, attempt);
      parameters.onRetry?.(error, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
