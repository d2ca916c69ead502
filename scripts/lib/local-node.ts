/**
 * A Hardhat node as a child process on a free port, for the benchmarks and the tests that need a real
 * chain reachable over HTTP (the indexer talks to it as to any RPC endpoint): awaited until it answers,
 * with its per-call logging off, and stopped with SIGTERM (SIGKILL if it lingers). `npm start` runs its
 * node on a fixed port with user-facing errors instead (hardhat-node.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRpc, type Rpc } from "./raw-rpc.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export type LocalNode = {
  url: string;
  port: number;
  rpc: Rpc;
  child: ChildProcess;
  stop(): Promise<void>;
};

/** A TCP port nobody listens on right now (the OS picks it). */
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

/** `hardhat node` on `port`, run with this very Node binary: the one on PATH may be too old for Hardhat 3. */
function hardhatNodeArgs(port: number): string[] {
  const require = createRequire(import.meta.url);
  const cli = path.join(path.dirname(require.resolve("hardhat/package.json")), "dist", "src", "cli.js");
  return [cli, "node", "--port", String(port), "--hostname", "127.0.0.1"];
}

export type StartLocalNodeParameters = {
  /** Block gas limit to set once the node answers (the default, 60M, allows only three full transactions). */
  blockGasLimit?: bigint;
  /** How long to wait for the node to answer. */
  timeoutMs?: number;
  /** Node arguments of a different server listening on `port` (default: `hardhat node`). */
  args?: (port: number) => string[];
};

export async function startLocalNode({
  blockGasLimit,
  timeoutMs = 60_000,
  args = hardhatNodeArgs,
}: StartLocalNodeParameters = {}): Promise<LocalNode> {
  const port = await freePort();
  const child = spawn(process.execPath, args(port), { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    // Only the start-up banner matters (for error messages); drop the rest so memory stays flat.
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
  });

  const url = `http://127.0.0.1:${port}`;
  const rpc = createRpc(url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`hardhat node exited with code ${exited}:\n${output}`);
    try {
      await rpc("eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`hardhat node did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Logging every call costs the node more than executing most of them.
  await rpc("hardhat_setLoggingEnabled", [false]);
  if (blockGasLimit !== undefined) await rpc("evm_setBlockGasLimit", [`0x${blockGasLimit.toString(16)}`]);

  return {
    url,
    port,
    rpc,
    child,
    async stop() {
      if (exited !== undefined) return;
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await done;
      clearTimeout(timer);
    },
  };
}
