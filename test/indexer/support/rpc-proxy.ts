/**
 * A small HTTP JSON-RPC proxy in front of a node, with faults a test can switch on and off, so the
 * indexer meets what public RPC providers do to it: 5xx errors, 429 with Retry-After, dropped
 * connections, slow answers, and eth_getLogs refused when the block range or the result is too large.
 *
 *   const proxy = await startRpcProxy({ upstream: node.url });
 *   proxy.inject({ fault: { kind: "http-error" }, times: 3 });           // next 3 requests: HTTP 500
 *   proxy.inject({ fault: { kind: "rate-limit" }, probability: 0.1 });    // 10% of requests: 429, Retry-After: 1
 *   proxy.inject({ fault: { kind: "http-error", status: 503 }, every: 5 }); // every 5th request: HTTP 503
 *   proxy.inject({ fault: { kind: "delay", ms: 200 }, methods: ["eth_getLogs"] });
 *   proxy.inject({ fault: { kind: "drop" }, times: 1 });                  // close the socket, no answer
 *   proxy.limitLogs({ maxBlockRange: 500 });                              // JSON-RPC error above 500 blocks
 *   proxy.limitLogs({ maxResults: 1000 });                                // ... or above 1000 logs
 *   proxy.stats.faults  // what was actually injected, so a test can check the faults happened
 *   proxy.journal       // every request: when, which calls, what it got (e.g. to time retries after a 429)
 *
 * Whole-request faults (HTTP errors, 429, drops, delays) hit a batch as one request, as a provider's
 * gateway would; log limits answer per call inside a batch, like a node does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "http-error"; status?: number }
  | { kind: "rate-limit"; retryAfterSeconds?: number }
  | { kind: "drop" }
  | { kind: "delay"; ms: number; jitterMs?: number };

export type FaultRule = {
  fault: Fault;
  /** How many matching requests it hits before it retires (default: no limit). */
  times?: number;
  /** Chance that a matching request is hit (default 1). Drawn from a seeded generator, so runs repeat. */
  probability?: number;
  /** Hit only every n-th matching request (the n-th, the 2n-th, ...), for faults spread evenly over a run. */
  every?: number;
  /** Only requests carrying one of these methods match (default: every request). */
  methods?: string[];
};

export type LogLimits = {
  /** eth_getLogs whose toBlock - fromBlock + 1 exceeds this answers a "block range" error. */
  maxBlockRange?: number;
  /** eth_getLogs that would return more logs than this answers a "more than N results" error. */
  maxResults?: number;
};

/** The JSON-RPC errors providers send for oversized log queries (Geth's and Infura's wording). */
export const RANGE_ERROR = { code: -32005, message: (max: number) => `exceed maximum block range: ${max}` };
export const RESULTS_ERROR = { code: -32005, message: (max: number) => `query returned more than ${max} results` };

export type ProxyStats = {
  requests: number;
  calls: Record<string, number>;
  faults: { "http-error": number; "rate-limit": number; drop: number; delay: number; "log-limit": number };
  /** Requests the node itself failed to answer (the proxy answered 502): not injected, but failures all the same. */
  upstreamErrors: number;
};

export type JournalEntry = {
  /** Date.now() when the request arrived. */
  at: number;
  /** Method and JSON of the params of each call (a batch has several). */
  calls: { method: string; params: string }[];
  /** What the request got: forwarded to the node, or the fault that answered it. */
  outcome: "forwarded" | "http-error" | "rate-limit" | "drop" | "upstream-error";
  /** Per call: the log limit that refused it, if one did. */
  refused?: boolean[];
};

export type RpcProxy = {
  url: string;
  inject(rule: FaultRule): void;
  limitLogs(limits: LogLimits): void;
  /** Removes every fault and log limit (stats and journal are kept). */
  clear(): void;
  /** Zeroes the stats and empties the journal. */
  resetStats(): void;
  stats: ProxyStats;
  /** The most recent requests (up to 50,000), oldest first. */
  journal: JournalEntry[];
  close(): Promise<void>;
};

type JsonRpcRequest = { jsonrpc: "2.0"; id: unknown; method: string; params?: unknown[] };
type JsonRpcResponse = { jsonrpc: "2.0"; id: unknown; result?: unknown; error?: { code: number; message: string } };
type ActiveRule = FaultRule & { left: number; seen: number };

export type StartRpcProxyParameters = { upstream: string; seed?: number };

export async function startRpcProxy({ upstream, seed = 7 }: StartRpcProxyParameters): Promise<RpcProxy> {
  let rules: ActiveRule[] = [];
  let limits: LogLimits = {};
  const stats: ProxyStats = {
    requests: 0,
    calls: {},
    faults: { "http-error": 0, "rate-limit": 0, drop: 0, delay: 0, "log-limit": 0 },
    upstreamErrors: 0,
  };
  const journal: JournalEntry[] = [];
  // The messages this proxy answered with, to tell its refusals from the node's own errors.
  const limitMessages = new Set<string>();
  let state = seed >>> 0;
  const random = () => {
    // xorshift32: enough to spread faults, and the same seed replays the same run
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };

  const forward = async (body: unknown): Promise<unknown> => {
    const response = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`upstream answered HTTP ${response.status}`);
    return response.json();
  };

  const blockNumber = async (tag: unknown): Promise<bigint> => {
    if (typeof tag === "string" && tag.startsWith("0x")) return BigInt(tag);
    if (tag === "earliest") return 0n;
    const head = (await forward({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })) as JsonRpcResponse;
    return BigInt(head.result as string);
  };

  /** A log limit's error for this call, or undefined to let the node answer. */
  const logLimitError = async (call: JsonRpcRequest): Promise<JsonRpcResponse | undefined> => {
    if (call.method !== "eth_getLogs") return undefined;
    const filter = (call.params?.[0] ?? {}) as { fromBlock?: unknown; toBlock?: unknown; blockHash?: unknown };
    if (limits.maxBlockRange !== undefined && filter.blockHash === undefined) {
      const span =
        (await blockNumber(filter.toBlock ?? "latest")) - (await blockNumber(filter.fromBlock ?? "latest")) + 1n;
      if (span > BigInt(limits.maxBlockRange)) {
        stats.faults["log-limit"]++;
        const message = RANGE_ERROR.message(limits.maxBlockRange);
        limitMessages.add(message);
        return { jsonrpc: "2.0", id: call.id, error: { code: RANGE_ERROR.code, message } };
      }
    }
    return undefined;
  };

  const tooManyResults = (call: JsonRpcRequest, answer: JsonRpcResponse): JsonRpcResponse => {
    if (call.method !== "eth_getLogs" || limits.maxResults === undefined) return answer;
    if (!Array.isArray(answer.result) || answer.result.length <= limits.maxResults) return answer;
    stats.faults["log-limit"]++;
    const message = RESULTS_ERROR.message(limits.maxResults);
    limitMessages.add(message);
    return { jsonrpc: "2.0", id: call.id, error: { code: RESULTS_ERROR.code, message } };
  };

  /** Answers every call, letting the node answer those no log limit refuses (in one upstream batch). */
  const answer = async (calls: JsonRpcRequest[]): Promise<JsonRpcResponse[]> => {
    const answers: (JsonRpcResponse | undefined)[] = await Promise.all(calls.map(logLimitError));
    const open = calls.filter((_, i) => answers[i] === undefined);
    if (open.length > 0) {
      const upstreamAnswers = (await forward(open)) as JsonRpcResponse[];
      const byId = new Map(upstreamAnswers.map((a) => [JSON.stringify(a.id), a]));
      calls.forEach((call, i) => {
        if (answers[i] === undefined) answers[i] = tooManyResults(call, byId.get(JSON.stringify(call.id))!);
      });
    }
    return answers as JsonRpcResponse[];
  };

  const matching = (calls: JsonRpcRequest[]): ActiveRule[] =>
    rules.filter((rule) => {
      if (rule.left <= 0 || (rule.methods && !calls.some((c) => rule.methods!.includes(c.method)))) return false;
      rule.seen++;
      if (rule.every !== undefined && rule.seen % rule.every !== 0) return false;
      return rule.probability === undefined || random() < rule.probability;
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: JsonRpcRequest | JsonRpcRequest[];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid JSON"}');
      return;
    }
    const calls = Array.isArray(body) ? body : [body];
    stats.requests++;
    for (const call of calls) stats.calls[call.method] = (stats.calls[call.method] ?? 0) + 1;
    const entry: JournalEntry = {
      at: Date.now(),
      calls: calls.map((c) => ({ method: c.method, params: JSON.stringify(c.params ?? []) })),
      outcome: "forwarded",
    };
    journal.push(entry);
    if (journal.length > 50_000) journal.splice(0, 10_000);

    for (const rule of matching(calls)) {
      rule.left--;
      stats.faults[rule.fault.kind]++;
      const fault = rule.fault;
      if (fault.kind !== "delay") entry.outcome = fault.kind;
      switch (fault.kind) {
        case "delay":
          await new Promise((r) => setTimeout(r, fault.ms + Math.floor(random() * (fault.jitterMs ?? 0))));
          continue; // a delay still lets the request through (and other faults apply)
        case "http-error":
          res.writeHead(fault.status ?? 500, { "content-type": "text/plain" }).end("injected upstream error");
          return;
        case "rate-limit":
          res
            .writeHead(429, { "content-type": "application/json", "retry-after": String(fault.retryAfterSeconds ?? 1) })
            .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: 429, message: "Too Many Requests" } }));
          return;
        case "drop":
          req.socket.destroy();
          return;
      }
    }

    let answers: JsonRpcResponse[];
    try {
      answers = await answer(calls);
    } catch (error) {
      stats.upstreamErrors++;
      entry.outcome = "upstream-error";
      throw error;
    }
    entry.refused = answers.map((a) => a.error !== undefined && limitMessages.has(a.error.message));
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`proxy: ${error.message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    journal,
    inject(rule) {
      rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY, seen: 0 });
    },
    limitLogs(next) {
      limits = { ...next };
    },
    clear() {
      rules = [];
      limits = {};
    },
    resetStats() {
      stats.requests = 0;
      stats.upstreamErrors = 0;
      stats.calls = {};
      for (const kind of Object.keys(stats.faults) as (keyof ProxyStats["faults"])[]) stats.faults[kind] = 0;
      journal.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
