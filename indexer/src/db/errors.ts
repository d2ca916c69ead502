import type { Logger } from "pino";

import { DatabaseUnavailableError, errorMessage, IndexerError, FatalError } from "../errors.js";
import { withRetry, type RetryPolicy } from "../sync/retry.js";

/** SQLSTATE classes and codes that mean "the server is (temporarily) not there", not "the SQL is wrong". */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "53400", "40001", "40P01", "55P03"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"]);
const NETWORK_MESSAGE = /connection terminated|connection.*(closed|ended|lost)|terminating connection|server closed the connection|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * Sorts a database failure: an outage (refused or dropped connection, server shutting down,
 * serialization conflict) is retryable and the batch is tried again as a whole; anything else is a
 * bug in our SQL or data and stops the indexer.
 */
export function classifyDbError(error: unknown, context: string): Error {
  if (error instanceof IndexerError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (
    (code && (UNAVAILABLE_CODES.has(code) || code.startsWith("08") || NETWORK_CODES.has(code))) ||
    NETWORK_MESSAGE.test(message)
  ) {
    return new DatabaseUnavailableError(`database unavailable during ${context}: ${message}`, { cause: error, details: { code } });
  }
  return new FatalError(`database error during ${context}: ${message}`, { cause: error, details: { code } });
}

export type DbRetryParameters = {
  /** What the step does, for the error message. */
  context: string;
  policy: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
};

/** Retries of `context` under `policy`, each logged as a warning (a batch logs its own). */
export function loggedDbRetry(context: string, policy: RetryPolicy, logger: Logger, signal?: AbortSignal): DbRetryParameters {
  return {
    context,
    policy,
    signal,
    onRetry: (error, attempt, delayMs) =>
      logger.warn({ err: errorMessage(error), attempt, delayMs }, `database unavailable while ${context}, retrying`),
  };
}

/**
 * Runs a database step, re-running it whole through outages; any other failure comes out classified.
 * The step must leave nothing half-done when it fails (one transaction, or idempotent ones).
 */
export function withDbRetry<T>(fn: () => Promise<T>, p: DbRetryParameters): Promise<T> {
  return withRetry(
    async () => {
      try {
        return await fn();
      } catch (error) {
        throw classifyDbError(error, p.context);
      }
    },
    { policy: p.policy, signal: p.signal, isTransient: (e) => e instanceof DatabaseUnavailableError, onRetry: p.onRetry },
  );
}
