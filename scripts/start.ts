/**
 * The local stack, one command: a Hardhat node on 127.0.0.1:8545, the contracts deployed with
 * Ignition, the demo market seeded, then one short block saying where everything is. Ctrl-C stops the
 * node. Each run starts from a fresh chain.
 *
 *   npm start                       # SEED_SCALE=small for a quicker, smaller market
 */
import { createPublicClient, formatEther, getAddress, http, type Address } from "viem";
import { ftnsTokenAbi } from "../generated/abis.js";
import { devAccount, devPrivateKey } from "./lib/dev-accounts.js";
import { reportError } from "./lib/errors.js";
import { formatFtns } from "./lib/ftns.js";
import { startHardhatNode, type HardhatNode } from "./lib/hardhat-node.js";
import { deployToLocalNode } from "./lib/local-deploy.js";
import { scaleFromName, seed } from "./lib/seed/index.js";

const HOSTNAME = "127.0.0.1";
const PORT = 8545;
/** Account #1 provides listings in the seed and #2 rents them: both have a history to look at. */
const DEMO_ACCOUNTS = [
  { index: 1, role: "provider" },
  { index: 2, role: "consumer" },
] as const;

let node: HardhatNode | undefined;
let stopping = false;

async function stop(exitCode: number, reason?: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (reason) console.log(`\n${reason}: stopping the Hardhat node…`);
    await node?.stop();
    if (reason) console.log("stopped.");
  }
  process.exit(exitCode);
}
process.on("SIGINT", () => void stop(0, "SIGINT"));
process.on("SIGTERM", () => void stop(0, "SIGTERM"));

try {
  await main();
} catch (error) {
  await stop(reportError(error, (line) => console.error(line)));
}

async function main(): Promise<void> {
  const started = performance.now();
  const scale = scaleFromName(process.env.SEED_SCALE);
  step(`starting a Hardhat node on ${HOSTNAME}:${PORT}`);
  node = await startHardhatNode({ hostname: HOSTNAME, port: PORT });
  const running = node;
  void running.exited.then(({ code, signal }) => {
    if (stopping) return;
    // Ctrl-C reaches the node too (same process group): that is a stop, not a crash.
    if (signal === "SIGINT" || signal === "SIGTERM") return void stop(0, signal);
    console.error(`error: the Hardhat node exited unexpectedly (${signal ?? `code ${code}`}):\n${running.output()}`);
    void stop(1);
  });

  step("deploying the contracts with Ignition (scripts/deploy.ts)");
  const deployment = await deployToLocalNode(running.url);

  step(`seeding demo data (SEED_SCALE=${scale.name})`);
  await seed({ rpcUrl: running.url, scale, log: (line) => console.log(`  ${line}`) });

  const balances = await demoBalances(running.url, getAddress(deployment.token));
  const rule = "─".repeat(78);
  console.log(
    [
      rule,
      `PRSM Marketplace: local stack ready in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      `  RPC          ${running.url}   chain id ${running.chainId}`,
      `  Marketplace  ${deployment.marketplace}`,
      `  FTNS token   ${deployment.token}   (both in generated/deployments.json)`,
      "  demo accounts, keys of this local chain only (import into a wallet; never fund them elsewhere):",
      ...DEMO_ACCOUNTS.flatMap(({ index, role }, i) => [
        `    #${index} ${role.padEnd(8)}  ${devAccount(index).address}   ${balances[i]}`,
        `                 key ${devPrivateKey(index)}`,
      ]),
      "  try          npm run cli -- list  ·  npm run cli -- balance --account 2  ·  npm run faucet -- <address>",
      "  not yet      the indexer, the API and the web app are not part of this stack yet",
      "Ctrl-C stops the node.",
      rule,
    ].join("\n"),
  );
  await new Promise(() => {}); // serve until a signal arrives
}

function step(text: string): void {
  console.log(`» ${text}`);
}

async function demoBalances(rpcUrl: string, token: Address): Promise<string[]> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return Promise.all(
    DEMO_ACCOUNTS.map(async ({ index }) => {
      const address = devAccount(index).address;
      const [ftns, eth] = await Promise.all([
        client.readContract({ address: token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [address] }),
        client.getBalance({ address }),
      ]);
      return `${formatFtns(ftns, { maxDecimals: 2, grouped: true })} FTNS, ${formatEther(eth).split(".")[0]} ETH`;
    }),
  );
}
