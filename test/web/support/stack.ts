/** The real stack for browser tests: fresh Hardhat node on a free port, Ignition deploy, small demo seed, indexer + API on in-memory PGlite, the built web app. */
import { freePort } from "../../../scripts/lib/local-node.js";
import { startStack, type Stack } from "../../../scripts/stack/stack.js";

export async function startTestStack(): Promise<Stack> {
  return startStack({
    rpcPort: await freePort(),
    apiPort: 0,
    webPort: 0,
    pgliteDir: "memory://",
    seed: "small",
    web: "static",
    log: process.env.STACK_LOG ? (line) => console.log(`[stack] ${line}`) : undefined,
  });
}
