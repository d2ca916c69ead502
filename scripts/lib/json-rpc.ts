/**
 * Raw JSON-RPC over HTTP with batching, for the bulk work of the seed: hundreds of signed transactions
 * go to the node in one request instead of one round trip each.
 */
export type RpcCall = { method: string; params?: unknown[] };

export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number | undefined,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method} failed: ${message}`);
    this.name = "RpcError";
  }
}

export type RpcResult = { ok: true; result: unknown } | { ok: false; error: RpcError };

export class JsonRpc {
  private nextId = 1;

  constructor(readonly url: string) {}

  /** One call; throws on an RPC error. */
  async request<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const [outcome] = await this.batch([{ method, params }]);
    if (!outcome.ok) throw outcome.error;
    return outcome.result as T;
  }

  /** Many calls in one HTTP request; each result or error in the order of `calls`. */
  async batch(calls: readonly RpcCall[]): Promise<RpcResult[]> {
    if (calls.length === 0) return [];
    const firstId = this.nextId;
    this.nextId += calls.length;
    const payload = calls.map((call, i) => ({ jsonrpc: "2.0", id: firstId + i, method: call.method, params: call.params ?? [] }));
    const response = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    if (!response.ok) throw new Error(`${this.url} answered HTTP ${response.status}`);
    const body = (await response.json()) as Array<{ id: number; result?: unknown; error?: { code?: number; message?: string; data?: unknown } }>;
    const byId = new Map(body.map((item) => [item.id, item]));
    return calls.map((call, i): RpcResult => {
      const item = byId.get(firstId + i);
      if (!item) return { ok: false, error: new RpcError(call.method, undefined, "no response in the batch") };
      if (item.error) return { ok: false, error: new RpcError(call.method, item.error.code, item.error.message ?? "unknown error", item.error.data) };
      return { ok: true, result: item.result };
    });
  }
}
