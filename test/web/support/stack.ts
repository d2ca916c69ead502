/** The real stack for browser tests: fresh Hardhat node on a free port, Ignition deploy, small demo seed, indexer + API on in-memory PGlite, the built web app. */
import { createServer } from "node:net";
import { startStack, type Stack } from "../../../scripts/stack/stack.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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
