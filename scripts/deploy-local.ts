/**
 * `npm run deploy:local`: deploys to the development node at RPC_URL (default http://127.0.0.1:8545)
 * with scripts/deploy.ts, after dropping an Ignition journal left by a previous node, which would
 * otherwise make Ignition report the old addresses without deploying anything.
 */
import { rpcUrlFromEnv } from "./lib/chain.js";
import { runMain } from "./lib/errors.js";
import { deployToLocalNode } from "./lib/local-deploy.js";

await runMain(async () => {
  const deployment = await deployToLocalNode(rpcUrlFromEnv());
  console.log(`deployed on chain ${deployment.chainId} from block ${deployment.startBlock}:`);
  console.log(`  Marketplace ${deployment.marketplace}`);
  console.log(`  FTNS token  ${deployment.token}`);
  console.log("recorded in generated/deployments.json");
});
