/**
 * Deploys with scripts/deploy.ts (the Ignition module) to a development node at `rpcUrl`, as
 * `npm run deploy:local` does, and returns what it recorded in generated/deployments.json.
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { getAddress } from "viem";
import { fetchChainId } from "./chain.js";
import type { Deployment } from "./deployments.js";
import { ScriptError } from "./errors.js";
import { JsonRpc } from "./json-rpc.js";
import { hardhatCli, projectRoot } from "./project.js";

export async function deployToLocalNode(rpcUrl: string): Promise<Deployment> {
  const chainId = await fetchChainId(rpcUrl);
  await dropStaleIgnitionJournal(rpcUrl, chainId);
  const { code, stdout, stderr } = await run(process.execPath, [hardhatCli(), "run", "scripts/deploy.ts", "--network", "localhost"], {
    ...process.env,
    RPC_URL: rpcUrl,
    FORCE_COLOR: "0",
  });
  if (code !== 0) throw new ScriptError(`the deploy failed (exit ${code}):\n${stderr || stdout}`);
  // scripts/deploy.ts prints the deployment as its last line of JSON.
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (!line) throw new ScriptError(`the deploy printed no deployment:\n${stdout}`);
  const deployment = JSON.parse(line) as Deployment;
  const codeAt = await new JsonRpc(rpcUrl).request<string>("eth_getCode", [deployment.marketplace, "latest"]);
  if (codeAt === "0x") throw new ScriptError(`the deploy reported ${deployment.marketplace}, but the node has no contract there`);
  return deployment;
}

/**
 * Ignition keeps a journal per chain id (ignition/deployments/chain-<id>). A fresh development node
 * reuses chain id 31337 but holds none of the journal's contracts, and Ignition would then report the
 * old addresses without deploying anything. A journal whose contracts are missing from the chain is
 * stale, so it goes; a journal that matches the chain stays.
 */
async function dropStaleIgnitionJournal(rpcUrl: string, chainId: number): Promise<void> {
  const dir = path.join(projectRoot, "ignition", "deployments", `chain-${chainId}`);
  const addressesText = await readFile(path.join(dir, "deployed_addresses.json"), "utf8").catch(() => undefined);
  if (addressesText === undefined) {
    // A journal that never recorded a contract belongs to a node that died mid-deploy: start over.
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const addresses = Object.values(JSON.parse(addressesText) as Record<string, string>);
  const codes = await new JsonRpc(rpcUrl).batch(addresses.map((a) => ({ method: "eth_getCode", params: [getAddress(a), "latest"] })));
  if (codes.some((c) => !c.ok || c.result === "0x")) await rm(dir, { recursive: true, force: true });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
