/**
 * A Hardhat node in a child process on a free port (see node-server.ts): a real JSON-RPC endpoint,
 * so the indexer (and, in the fault tests, a proxy in front of it) talks HTTP exactly as it would to
 * any node.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export type TestNode = {
  url: string;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Moves time forward and mines one block with proper parent hash (evm_mine, not hardhat_mine). */
  advance(seconds: number): Promise<void>;
  blockNumber(): Promise<number>;
  stop(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly error: { code: number; message: string; data?: unknown },
  ) {
    super(`${method}: ${error.message}`);
  }
}

export async function startNode(options: { chainId?: number; timeoutMs?: number } = {}): Promise<TestNode> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const port = await freePort();
  const server = path.join(repoRoot, "test", "indexer", "support", "node-server.ts");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", server, String(port), ...(options.chainId ? [String(options.chainId)] : [])], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));

  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
    if (body.error) throw new RpcError(method, body.error);
    return body.result as T;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`hardhat node exited with code ${exited}:\n${output}`);
    try {
      await rpc("eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`hardhat node did not answer within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await rpc("hardhat_setLoggingEnabled", [false]);

  return {
    url,
    rpc,
    async advance(seconds) {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine");
    },
    async blockNumber() {
      return Number(await rpc<string>("eth_blockNumber"));
    },
    async stop() {
      if (exited !== undefined) return;
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await done;
      clearTimeout(timer);
    },
  };
}
