/**
 * `npm start`: the whole market on this machine — chain, contracts, demo data, indexer, API and web
 * app — then one short block saying where each part is. Ctrl-C stops everything.
 *
 *   npm start                       fresh Hardhat node + demo data (SEED_SCALE=small for a quicker one)
 *   RPC_URL=… npm start             an existing chain whose deployment is in generated/deployments.json
 *   DATABASE_URL=postgres://… npm start   the mirror on a Postgres server instead of PGlite
 *   npm run web:dev                 the same, with the web app on Vite's dev server (hot reload)
 *
 * Ports: RPC_PORT (8545), API_PORT (8787), WEB_PORT (5173); HOST (127.0.0.1).
 */
import { parseArgs } from "node:util";
import { createPublicClient, formatEther, http } from "viem";
import { ftnsTokenAbi } from "../../generated/abis.js";
import { devAccount, devPrivateKey } from "../lib/dev-accounts.js";
import { formatFtns } from "../lib/ftns.js";
import { type Stack, startStack } from "./stack.js";

/** Account #1 provides listings in the seed and #2 rents them: both have a history to look at. */
const DEMO_ACCOUNTS = [
  { index: 1, role: "provider" },
  { index: 2, role: "consumer" },
] as const;

const { values } = parseArgs({ options: { dev: { type: "boolean", default: false }, "no-seed": { type: "boolean", default: false } } });
const port = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const started = performance.now();
let stack: Stack | undefined;
let stopping = false;

async function stop(code: number, reason?: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (reason) console.log(`\n${reason}: stopping…`);
    await stack?.close();
    if (reason) console.log("stopped.");
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0, "SIGINT"));
process.on("SIGTERM", () => void stop(0, "SIGTERM"));

try {
  stack = await startStack({
    host: process.env.HOST || "127.0.0.1",
    rpcPort: port("RPC_PORT", 8545),
    apiPort: port("API_PORT", 8787),
    webPort: port("WEB_PORT", 5173),
    rpcUrl: process.env.RPC_URL || undefined,
    databaseUrl: process.env.DATABASE_URL || undefined,
    databaseSchema: process.env.DATABASE_SCHEMA || undefined,
    seed: values["no-seed"] ? false : undefined,
    web: values.dev ? "dev" : "static",
    log: (line) => console.log(line.startsWith(" ") ? line : `» ${line}`),
  });
  console.log(await summary(stack));
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}

async function summary(s: Stack): Promise<string> {
  const rule = "─".repeat(78);
  const lines = [
    rule,
    `PRSM Marketplace is running (started in ${((performance.now() - started) / 1000).toFixed(0)} s)`,
    `  Web app      ${s.webUrl ?? "(not served)"}${values.dev ? "   (Vite dev server, hot reload)" : ""}`,
    `  API          ${s.apiUrl}   (OpenAPI ${s.apiUrl}/openapi.json, WebSocket ${s.apiUrl.replace("http", "ws")}/ws)`,
    `  RPC          ${s.rpcUrl}   chain id ${s.chainId}`,
  ];
  if (s.freshChain) {
    const client = createPublicClient({ transport: http(s.rpcUrl) });
    lines.push("  Demo accounts (keys of this local chain only: import one into your wallet, never fund them elsewhere):");
    for (const { index, role } of DEMO_ACCOUNTS) {
      const address = devAccount(index).address;
      const [ftns, eth] = await Promise.all([
        client.readContract({ address: s.token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [address] }),
        client.getBalance({ address }),
      ]);
      lines.push(`    ${role.padEnd(8)} ${address}   ${formatFtns(ftns, { maxDecimals: 2, grouped: true })} FTNS, ${formatEther(eth).split(".")[0]} ETH`);
      lines.push(`             key ${devPrivateKey(index)}`);
    }
    lines.push(`  Wallet       add network: RPC ${s.rpcUrl}, chain id ${s.chainId}, currency ETH; then open the web app and connect.`);
  }
  lines.push("Ctrl-C stops everything.", rule);
  return lines.join("\n");
}
