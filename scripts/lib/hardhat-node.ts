/**
 * A Hardhat node as a child process: started on a given port, awaited until it answers JSON-RPC,
 * with its per-call logging switched off, and stopped cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fetchChainId } from "./chain.js";
import { ScriptError } from "./errors.js";
import { JsonRpc } from "./json-rpc.js";
import { hardhatCli, projectRoot } from "./project.js";

export type HardhatNode = {
  url: string;
  chainId: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the node process ends, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the node printed, to explain a crash. */
  output(): string;
  stop(): Promise<void>;
};

export type StartHardhatNodeParameters = { hostname?: string; port: number; timeoutMs?: number };

export async function startHardhatNode({ hostname = "127.0.0.1", port, timeoutMs = 60_000 }: StartHardhatNodeParameters): Promise<HardhatNode> {
  const url = `http://${hostname}:${port}`;
  if (await answers(url)) {
    throw new ScriptError(`${url} is already in use by another node (a running \`npm start\` or \`npx hardhat node\`?): stop it first`);
  }
  const child = spawn(process.execPath, [hardhatCli(), "node", "--hostname", hostname, "--port", String(port)], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const stop = async () => {
    if (hasExited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  let chainId: number | undefined;
  while (chainId === undefined) {
    if (hasExited) throw new ScriptError(`the Hardhat node exited while starting:\n${tail.join("\n")}`);
    if (Date.now() > deadline) {
      await stop();
      throw new ScriptError(`the Hardhat node did not answer at ${url} within ${timeoutMs / 1000} s:\n${tail.join("\n")}`);
    }
    chainId = await fetchChainId(url).catch(() => undefined);
    if (chainId === undefined) await new Promise((r) => setTimeout(r, 150));
  }
  // Otherwise the node prints every RPC call, thousands of lines during a seed.
  await new JsonRpc(url).request("hardhat_setLoggingEnabled", [false]);
  return { url, chainId, child, exited, output: () => tail.join("\n"), stop };
}

async function answers(url: string): Promise<boolean> {
  return fetchChainId(url).then(
    () => true,
    () => false,
  );
}
