/**
 * The whole market on one machine: a chain (a fresh Hardhat node, or RPC_URL), the contracts (deployed
 * with Ignition on a fresh node, else read from generated/deployments.json), the demo data, the
 * indexer and the API over one database (PGlite, or DATABASE_URL), and the web app. One call starts
 * it, one `close()` stops it in reverse order.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import pino, { type Logger } from "pino";
import { getAddress, type Address } from "viem";
import { createServer as createApiServer, type ApiServer } from "../../indexer/src/api/server.js";
import { chainDefaults } from "../../indexer/src/config/config.js";
import { runMigrations } from "../../indexer/src/db/migrate.js";
import { dropSchema, openDatabase } from "../../indexer/src/db/open.js";
import type { Db } from "../../indexer/src/db/types.js";
import { createIndexer, type Indexer } from "../../indexer/src/indexer.js";
import { fetchChainId } from "../lib/chain.js";
import { readDeployments } from "../lib/deployments.js";
import { startHardhatNode, type HardhatNode } from "../lib/hardhat-node.js";
import { deployToLocalNode } from "../lib/local-deploy.js";
import { scaleFromName, seed } from "../lib/seed/index.js";
import { startStaticServer, type StaticServer } from "./static-server.js";
import { ensureWebBuild, repoRoot, webDist, webRoot } from "./web-build.js";

export type StackOptions = {
  host?: string;
  /** Ports; 0 picks a free one. */
  rpcPort?: number;
  apiPort?: number;
  webPort?: number;
  /** An existing chain instead of a fresh Hardhat node (its deployment must be in generated/deployments.json). */
  rpcUrl?: string;
  /** A Postgres server instead of embedded PGlite. */
  databaseUrl?: string;
  /** Schema of the mirror on Postgres (default prsm_local for a fresh chain, else public). */
  databaseSchema?: string;
  /** PGlite's directory, or "memory://" (default .data/stack/pglite). */
  pgliteDir?: string;
  /** Demo data on a fresh chain: a SEED_SCALE name, or false for an empty market. */
  seed?: string | false;
  /** "static" serves web/dist (built when stale); "dev" runs Vite's dev server with hot reload; "none" serves nothing. */
  web?: "static" | "dev" | "none";
  logger?: Logger;
  /** Progress lines while starting. */
  log?: (line: string) => void;
};

export type Stack = {
  rpcUrl: string;
  chainId: number;
  apiUrl: string;
  webUrl: string | null;
  marketplace: Address;
  token: Address;
  /** True when this stack started its own chain (and may change its clock). */
  freshChain: boolean;
  db: Db;
  indexer: Indexer;
  api: ApiServer;
  /** Resolves once the mirror has indexed `block`. */
  waitForIndexed(block: bigint | number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? (() => {});
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? "warn" });
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => logger.warn({ err: String(error) }, "stop step failed"));
  };

  try {
    // 1. The chain and our contracts on it.
    let node: HardhatNode | undefined;
    let rpcUrl = options.rpcUrl;
    let marketplace: Address;
    let token: Address;
    let startBlock: number;
    if (!rpcUrl) {
      log(`starting a Hardhat node on ${host}:${options.rpcPort ?? 8545}`);
      node = await startHardhatNode({ hostname: host, port: options.rpcPort ?? 8545 });
      const started = node;
      cleanups.push(() => started.stop());
      rpcUrl = node.url;
      log("deploying the contracts with Ignition");
      const deployment = await deployToLocalNode(rpcUrl);
      ({ marketplace, token } = { marketplace: getAddress(deployment.marketplace), token: getAddress(deployment.token) });
      startBlock = deployment.startBlock;
      if (options.seed !== false) {
        const scale = scaleFromName(options.seed ?? process.env.SEED_SCALE);
        log(`seeding the demo market (SEED_SCALE=${scale.name})`);
        await seed({ rpcUrl, scale, log: (line) => log(`  ${line}`) });
      }
    } else {
      const chainId = await fetchChainId(rpcUrl);
      const deployment = (await readDeployments())[String(chainId)];
      if (!deployment) throw new Error(`no deployment for chain ${chainId} in generated/deployments.json: deploy there first (scripts/deploy.ts)`);
      marketplace = getAddress(deployment.marketplace);
      token = getAddress(deployment.token);
      startBlock = deployment.startBlock;
    }
    const chainId = await fetchChainId(rpcUrl);
    const freshChain = node !== undefined;

    // 2. The mirror. A fresh chain makes any earlier mirror of the same chain id wrong, so it starts empty.
    const databaseUrl = options.databaseUrl;
    const schema = options.databaseSchema ?? (databaseUrl && freshChain ? "prsm_local" : "public");
    const pgliteDir = options.pgliteDir ?? path.join(repoRoot, ".data", "stack", "pglite");
    if (!databaseUrl && freshChain && pgliteDir !== "memory://") await rm(pgliteDir, { recursive: true, force: true });
    log(databaseUrl ? `opening Postgres (schema ${schema})` : `opening PGlite (${pgliteDir})`);
    const db = await openDatabase(databaseUrl ? { url: databaseUrl, schema } : { dataDir: pgliteDir });
    cleanups.push(() => db.close());
    if (databaseUrl && freshChain) await dropSchema(db, schema);
    await runMigrations(db);

    // 3. The indexer: catch up, then follow the head.
    const indexer = createIndexer({
      db,
      chains: [{ chainId, rpcUrl, marketplace: marketplace.toLowerCase(), startBlock, ...chainDefaults(chainId) }],
      logger,
      progress: false,
    });
    log("indexing the chain");
    await indexer.backfill();
    const following = indexer.follow().catch((error) => {
      logger.error({ err: String(error) }, "the indexer stopped");
      log(`error: the indexer stopped: ${error instanceof Error ? error.message : String(error)}`);
    });
    cleanups.push(async () => {
      await indexer.stop();
      await following;
    });

    // 4. The web server first (its origin goes into the API's CORS list), then the API.
    let apiUrl = "";
    const webConfig = () => ({
      chainId,
      chainName: chainId === 31337 ? "PRSM local" : `Chain ${chainId}`,
      rpcUrl,
      apiUrl,
      marketplace,
      token,
      explorerUrl: process.env.EXPLORER_URL || null,
    });
    let webUrl: string | null = null;
    const mode = options.web ?? "static";
    if (mode === "static") {
      const { built } = await ensureWebBuild({ log });
      if (!built) log("web app build is up to date");
      const web: StaticServer = await startStaticServer({ root: webDist, host, port: options.webPort ?? 5173, config: webConfig });
      cleanups.push(() => web.close());
      webUrl = web.url;
    } else if (mode === "dev") {
      const { createServer: createViteServer } = await import("vite");
      const vite = await createViteServer({
        configFile: path.join(webRoot, "vite.config.ts"),
        server: { host, port: options.webPort ?? 5173, strictPort: true },
        plugins: [
          {
            name: "prsm-runtime-config",
            configureServer(server) {
              server.middlewares.use("/config.json", (_req, res) => {
                res.setHeader("Content-Type", "application/json");
                res.setHeader("Cache-Control", "no-store");
                res.end(JSON.stringify(webConfig()));
              });
            },
          },
        ],
      });
      await vite.listen();
      cleanups.push(() => vite.close());
      webUrl = vite.resolvedUrls?.local[0]?.replace(/\/$/, "") ?? `http://${host}:${options.webPort ?? 5173}`;
    }

    const origins = webUrl ? [webUrl, webUrl.replace("127.0.0.1", "localhost")] : ["*"];
    const api = await createApiServer({
      db,
      logger,
      config: {
        chains: [{ chainId, marketplace, token, rpcUrl }],
        corsOrigins: origins,
        rateLimit: { windowMs: 60_000, maxPerIp: 100_000 },
        siwe: webUrl ? { domain: new URL(webUrl).host, uri: webUrl } : {},
      },
    });
    cleanups.push(() => api.close());
    const listening = await api.listen(options.apiPort ?? 8787, host);
    apiUrl = listening.url;

    return {
      rpcUrl,
      chainId,
      apiUrl,
      webUrl,
      marketplace,
      token,
      freshChain,
      db,
      indexer,
      api,
      async waitForIndexed(block, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { rows } = await db.query<{ b: number }>("SELECT checkpoint_block AS b FROM chains WHERE chain_id = $1", [chainId]);
          if (Number(rows[0]?.b ?? -1) >= Number(block)) return;
          if (Date.now() > deadline) throw new Error(`the mirror did not reach block ${block} within ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
