/**
 * The indexer's command line run as a user runs it: a process of its own, configured by the
 * environment, here against a test node's market and a PGlite directory.
 */
import { spawn } from "node:child_process";
import path from "node:path";

import type { Market } from "./market.js";
import { repoRoot, type TestNode } from "./node.js";

export type CliRun = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * Runs `indexer/src/cli.ts args` over `market` into the PGlite directory `dir`, the chain id asked
 * from the node; `nodeOptions` go to Node before the script (e.g. those of `npm run indexer`), `env`
 * overrides the environment (say a DATABASE_URL), and `onOutput` hears stdout and stderr as they come.
 */
export function runIndexerCli(
  p: { node: TestNode; market: Market; dir: string; nodeOptions?: string[]; env?: NodeJS.ProcessEnv; onOutput?: (text: string) => void },
  ...args: string[]
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: "",
    PGLITE_DIR: p.dir,
    RPC_URL: p.node.url,
    MARKETPLACE_ADDRESS: p.market.marketplace,
    START_BLOCK: String(p.market.startBlock),
    LOG_LEVEL: "warn",
    ...p.env,
  };
  delete env.CHAIN_ID;
  const script = path.join(repoRoot, "indexer", "src", "cli.ts");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(p.nodeOptions ?? []), "--import", "tsx", script, ...args], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      p.onOutput?.(c.toString());
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      p.onOutput?.(c.toString());
    });
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
