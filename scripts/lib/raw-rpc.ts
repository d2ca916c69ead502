/**
 * A bare JSON-RPC client for the benchmarks' driver and the tests' local node. The benchmark generator
 * sends thousands of large transactions and mining commands; a plain fetch keeps that path free of
 * client-side estimation, fee lookups and retries, which would only hide what the node itself costs.
 */
export type Rpc = <T = unknown>(method: string, params?: unknown[]) => Promise<T>;

export class RpcError extends Error {
  constructor(readonly method: string, readonly code: number, message: string, readonly data?: unknown) {
    super(`${method}: ${message} (code ${code})`);
    this.name = "RpcError";
  }
}

export function createRpc(url: string): Rpc {
  let id = 0;
  return async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    if (!response.ok) throw new RpcError(method, response.status, `HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw new RpcError(method, body.error.code, body.error.message, body.error.data);
    return body.result as T;
  };
}
