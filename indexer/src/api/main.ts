/**
 *   npm run api        the query API (REST + WebSocket) over the mirror
 *
 * With DATABASE_URL the API is stateless and runs beside a separate `npm run indexer` (start as many
 * API processes as needed; set API_WITH_INDEXER=true to index in this process instead). Without it
 * the mirror is an embedded PGlite, which one process owns, so the indexer runs in this process.
 *
 *   API_HOST, API_PORT (127.0.0.1:8787), API_CORS_ORIGINS (comma-separated), API_RATE_LIMIT_PER_IP,
 *   API_RATE_LIMIT_WINDOW_MS, REDIS_URL (shared rate-limit counters), API_SIWE_DOMAIN, API_SIWE_URI,
 *   API_TRUST_PROXY; database and chains as for the indexer (indexer/src/config/config.ts).
 */
import { readFile } from "node:fs/promises";
import pino from "pino";
import { DEFAULT_DEPLOYMENTS_FILE, loadConfig } from "../config/config.js";
import { runMigrations } from "../db/migrate.js";
import { openDatabase } from "../db/open.js";
import { errorMessage } from "../errors.js";
import { createIndexer } from "../indexer.js";
import { createChainRpc } from "../sync/rpc.js";
import { type ApiChain, apiConfigFromEnv } from "./config.js";
import { createServer } from "./server.js";

async function main(): Promise<void> {
  const env = process.env;
  const config = await loadConfig({
    probeChainId: (url) => createChainRpc({ url, retry: { baseDelayMs: 200, maxDelayMs: 2000, maxAttempts: 5, maxTransientAttempts: 5 } }).getChainId(),
  });
  const logger = pino({ level: config.logLevel });
  const db = await openDatabase({ ...config.database, onError: (error) => logger.warn({ err: errorMessage(error) }, "database connection error") });
  await runMigrations(db, { notifyChannel: config.notifyChannel });

  const withIndexer = env.API_WITH_INDEXER ? env.API_WITH_INDEXER === "true" : db.kind === "pglite";
  const indexer = withIndexer ? createIndexer({ db, chains: config.chains, logger, sync: config.sync, notifyChannel: config.notifyChannel }) : undefined;
  const indexing = indexer?.run().catch((error) => {
    logger.error({ err: errorMessage(error) }, "indexer stopped");
  });

  let deployments: Record<string, { token?: string }> = {};
  try {
    deployments = JSON.parse(await readFile(env.DEPLOYMENTS_FILE ?? DEFAULT_DEPLOYMENTS_FILE, "utf8"));
  } catch {
    // No deployments file: the token comes from TOKEN_ADDRESS or the mirror's payment tokens.
  }
  const chains: ApiChain[] = [];
  for (const chain of config.chains) {
    let token = deployments[String(chain.chainId)]?.token ?? env.TOKEN_ADDRESS;
    if (!token) {
      const { rows } = await db.query<{ token: string }>("SELECT token FROM payment_tokens WHERE chain_id = $1 AND token_index = 0", [chain.chainId]);
      token = rows[0]?.token;
    }
    if (!token) throw new Error(`no payment token known for chain ${chain.chainId}: set TOKEN_ADDRESS`);
    chains.push({ chainId: chain.chainId, marketplace: chain.marketplace as `0x${string}`, token: token as `0x${string}`, rpcUrl: chain.rpcUrl });
  }

  const server = await createServer({ db, logger, config: apiConfigFromEnv(env, chains), defaultMetrics: true });
  const address = await server.listen(Number(env.API_PORT ?? 8787), env.API_HOST ?? "127.0.0.1");
  logger.info({ url: address.url, db: db.kind, indexer: withIndexer, chains: chains.map((c) => c.chainId) }, "api listening");
  console.log(`api: ${address.url} (openapi at ${address.url}/openapi.json, websocket at ${address.url.replace("http", "ws")}/ws)`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await indexer?.stop();
    await indexing;
    await db.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
