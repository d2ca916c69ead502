/**
 * The JSON-RPC calls the sync needs, over viem's HTTP transport, with our own retry policy: viem's
 * retries are off so that every failure is classified once — "ask for a smaller range", "wait and
 * try again" (honouring Retry-After), or "give up" — and counted in the metrics.
 */
import { createPublicClient, http, type PublicClient } from "viem";

import { RangeTooLargeError, RpcResponseError, RpcUnavailableError, RetryableError } from "../errors.js";
import type { RawLog } from "../handlers/decode.js";
import type { ChainMetrics } from "../metrics/metrics.js";
import { defaultRetryPolicy, withRetry, type RetryPolicy } from "./retry.js";

export type BlockHeader = { number: number; hash: string; parentHash: string; timestamp: number };

export type ChainRpc = {
  readonly url: string;
  getChainId(): Promise<number>;
  getBlockNumber(): Promise<number>;
  /** Logs of `address` in [fromBlock, toBlock]. Throws RangeTooLargeError when the range must shrink. */
  getLogs(parameters: { address: string; fromBlock: number; toBlock: number }): Promise<RawLog[]>;
  /** Headers by number, fetched in JSON-RPC batches; null for a block the node does not have. */
  getBlocks(numbers: number[]): Promise<Map<number, BlockHeader | null>>;
  getBlock(block: number | "latest"): Promise<BlockHeader | null>;
};

export type CreateChainRpcParameters = {
  url: string;
  /** Per request (default 10 s). A getLogs that times out is retried with a smaller range. */
  timeoutMs?: number;
  /** Largest response accepted; larger getLogs answers shrink the range (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Requests per JSON-RPC batch for block headers (default 100). */
  batchSize?: number;
  retry?: RetryPolicy;
  metrics?: ChainMetrics;
  onRetry?: (error: RetryableError, attempt: number, delayMs: number, method: string) => void;
  signal?: AbortSignal;
};

const hexToNumber = (value: unknown, field: string): number => {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new RpcResponseError(`malformed ${field} in RPC answer: ${JSON.stringify(value)}`);
  }
  return Number.parseInt(value, 16);
};
const toHex = (n: number): `0x${string}` => `0x${n.toString(16)}`;
const isHash = (value: unknown): value is string => typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value);

function parseLog(raw: unknown): RawLog {
  const log = raw as Record<string, unknown>;
  if (!log || typeof log !== "object" || !Array.isArray(log.topics) || typeof log.data !== "string" || !isHash(log.blockHash) || !isHash(log.transactionHash)) {
    throw new RpcResponseError(`malformed log in RPC answer: ${JSON.stringify(raw)?.slice(0, 200)}`);
  }
  const parsed: RawLog = {
    address: String(log.address).toLowerCase(),
    topics: log.topics as string[],
    data: log.data,
    blockNumber: hexToNumber(log.blockNumber, "blockNumber"),
    blockHash: log.blockHash.toLowerCase(),
    transactionHash: log.transactionHash.toLowerCase(),
    transactionIndex: hexToNumber(log.transactionIndex, "transactionIndex"),
    logIndex: hexToNumber(log.logIndex, "logIndex"),
  };
  if (typeof log.blockTimestamp === "string") parsed.blockTimestamp = hexToNumber(log.blockTimestamp, "blockTimestamp");
  if (log.removed === true) parsed.removed = true;
  return parsed;
}

function parseHeader(raw: unknown): BlockHeader | null {
  if (raw === null || raw === undefined) return null;
  const block = raw as Record<string, unknown>;
  if (!isHash(block.hash) || !isHash(block.parentHash)) {
    throw new RpcResponseError(`malformed block in RPC answer: ${JSON.stringify(raw)?.slice(0, 200)}`);
  }
  return {
    number: hexToNumber(block.number, "number"),
    hash: block.hash.toLowerCase(),
    parentHash: block.parentHash.toLowerCase(),
    timestamp: hexToNumber(block.timestamp, "timestamp"),
  };
}

/** Messages nodes and providers use for "this range returns too much". */
const RANGE_MESSAGE =
  /range|too many (results|logs|blocks)|exceed|too large|too big|more than \d+|response size|query returned|max(imum)? .*(results|logs)|limit .*(results|logs|blocks)|logs? limit/i;
const RATE_MESSAGE = /rate.?limit|too many requests|capacity exceeded|throttl/i;
// -32005 is "limit exceeded" (Geth, Infura); other codes carry their meaning only in the message.
const RANGE_CODES = new Set([-32005]);

type ErrorFacts = { status?: number; headers?: Headers; code?: number; messages: string[]; names: string[] };

function collectFacts(error: unknown): ErrorFacts {
  const facts: ErrorFacts = { messages: [], names: [] };
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const e = current as Record<string, unknown>;
    if (typeof e.name === "string") facts.names.push(e.name);
    if (typeof e.message === "string") facts.messages.push(e.message);
    if (typeof e.details === "string") facts.messages.push(e.details);
    if (typeof e.status === "number" && facts.status === undefined) facts.status = e.status;
    if (e.headers instanceof Headers && facts.headers === undefined) facts.headers = e.headers;
    if (typeof e.code === "number" && facts.code === undefined) facts.code = e.code;
    current = e.cause;
  }
  return facts;
}

export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Maps whatever viem threw to one of our error classes. */
export function classifyRpcError(error: unknown, method: string): Error {
  if (error instanceof RetryableError || error instanceof RangeTooLargeError) return error;
  const facts = collectFacts(error);
  const text = facts.messages.join(" | ");
  const details = { method, status: facts.status, code: facts.code, message: text.slice(0, 300) };
  const isLogs = method === "eth_getLogs";

  if (facts.names.includes("ResponseBodyTooLargeError")) {
    return isLogs
      ? new RangeTooLargeError("response larger than the configured limit", { details, cause: error })
      : new RpcResponseError("response larger than the configured limit", { details, cause: error });
  }
  if (facts.names.includes("TimeoutError")) {
    return isLogs
      ? new RangeTooLargeError("eth_getLogs timed out", { details, cause: error })
      : new RpcUnavailableError(`${method} timed out`, { details, cause: error });
  }
  if (facts.status === 429 || RATE_MESSAGE.test(text)) {
    return new RpcUnavailableError(`${method} rate limited`, {
      details,
      cause: error,
      retryAfterMs: parseRetryAfter(facts.headers?.get("retry-after")),
    });
  }
  if (isLogs && (facts.status === 413 || (facts.code !== undefined && RANGE_CODES.has(facts.code)) || RANGE_MESSAGE.test(text))) {
    return new RangeTooLargeError("the node refused the block range", { details, cause: error });
  }
  if (facts.status !== undefined && facts.status >= 500) {
    return new RpcUnavailableError(`${method} failed with HTTP ${facts.status}`, { details, cause: error });
  }
  if (facts.names.includes("HttpRequestError") && facts.status === undefined) {
    return new RpcUnavailableError(`${method}: no answer from the node`, { details, cause: error });
  }
  return new RpcResponseError(`${method} failed: ${text.split("\n")[0]?.slice(0, 200)}`, { details, cause: error });
}

/**
 * Largest getLogs answer read by default; larger ones shrink the range. Answers of the largest
 * listings hold ~1.5 times their size once decoded, and two are in flight past the read-ahead guard
 * (heap-room.ts): both must fit the indexer's bounded heap. A single block cannot be split, but one
 * under ~190M gas cannot fill this with marketplace logs (a metadata byte costs 16 gas of calldata
 * and 8 of log data, and appears as two hex characters).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createChainRpc(parameters: CreateChainRpcParameters): ChainRpc {
  const timeout = parameters.timeoutMs ?? 10_000;
  const maxResponseBodySize = parameters.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const policy = parameters.retry ?? defaultRetryPolicy;
  const metrics = parameters.metrics;

  const single: PublicClient = createPublicClient({
    transport: http(parameters.url, { retryCount: 0, timeout, maxResponseBodySize }),
  });
  const batched: PublicClient = createPublicClient({
    transport: http(parameters.url, {
      retryCount: 0,
      timeout,
      maxResponseBodySize,
      batch: { batchSize: parameters.batchSize ?? 100, wait: 0 },
    }),
  });

  async function call<T>(method: string, fn: () => Promise<T>, retry = true): Promise<T> {
    const once = async () => {
      if (metrics) metrics.rpcRequests++;
      try {
        return await fn();
      } catch (error) {
        if (metrics) metrics.rpcErrors++;
        throw classifyRpcError(error, method);
      }
    };
    if (!retry) return once();
    return withRetry(once, {
      policy,
      signal: parameters.signal,
      isTransient: (error) => error instanceof RpcUnavailableError,
      onRetry: (error, attempt, delay) => parameters.onRetry?.(error, attempt, delay, method),
    });
  }

  const request = (client: PublicClient, method: string, params: unknown[]) =>
    client.request({ method, params } as never) as Promise<unknown>;

  return {
    url: parameters.url,
    async getChainId() {
      return hexToNumber(await call("eth_chainId", () => request(single, "eth_chainId", [])), "chainId");
    },
    async getBlockNumber() {
      return hexToNumber(await call("eth_blockNumber", () => request(single, "eth_blockNumber", [])), "blockNumber");
    },
    async getLogs({ address, fromBlock, toBlock }) {
      // A range error is not retried here: the caller splits the range.
      const result = await call("eth_getLogs", async () => {
        const logs = await request(single, "eth_getLogs", [{ address, fromBlock: toHex(fromBlock), toBlock: toHex(toBlock) }]);
        if (!Array.isArray(logs)) throw new RpcResponseError("eth_getLogs did not answer an array");
        return logs.map(parseLog);
      });
      return result;
    },
    async getBlocks(numbers) {
      const unique = [...new Set(numbers)];
      return call("eth_getBlockByNumber", async () => {
        const headers = await Promise.all(
          unique.map((n) => request(batched, "eth_getBlockByNumber", [toHex(n), false]).then(parseHeader)),
        );
        const map = new Map<number, BlockHeader | null>();
        unique.forEach((n, i) => {
          const header = headers[i] ?? null;
          if (header && header.number !== n) throw new RpcResponseError(`asked for block ${n}, got ${header.number}`);
          map.set(n, header);
        });
        return map;
      });
    },
    async getBlock(block) {
      const tag = block === "latest" ? "latest" : toHex(block);
      return call("eth_getBlockByNumber", async () => parseHeader(await request(single, "eth_getBlockByNumber", [tag, false])));
    },
  };
}
