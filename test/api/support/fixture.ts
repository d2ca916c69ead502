/**
 * The shared fixture of the API tests: a Hardhat node, the contracts deployed, the scripted history
 * written, the real indexer run over it into a fresh database (PGlite in memory, or a fresh schema on
 * the Postgres server when DATABASE_URL is set), and the API server listening on a free port.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { createServer, type ApiServer } from "../../../indexer/src/api/server.js";
import type { ApiConfigInput } from "../../../indexer/src/api/config.js";
import { runMigrations } from "../../../indexer/src/db/migrate.js";
import { dropSchema, openDatabase } from "../../../indexer/src/db/open.js";
import type { Db } from "../../../indexer/src/db/types.js";
import { createIndexer, type Indexer } from "../../../indexer/src/indexer.js";
import { type History, startEarlyInADay, writeHistory } from "./history.js";
import { deployMarket, type Market } from "./market.js";
import { startNode, type TestNode } from "./node.js";

export type Fixture = {
  market: Market;
  history: History;
  db: Db;
  indexer: Indexer;
  api: ApiServer;
  url: string;
  dbKind: "pglite" | "postgres";
  /** Starts following the chain (live tests); stopped by close(). */
  follow(): void;
  /** Waits until the mirror has indexed `block`. */
  waitForBlock(block: bigint | number, timeoutMs?: number): Promise<void>;
  /** Another API server over the same database (other config, e.g. tight rate limits). */
  extraServer(config: ApiConfigInput): Promise<{ api: ApiServer; url: string }>;
  close(): Promise<void>;
};

const quiet = pino({ level: process.env.LOG_LEVEL ?? "silent" });

export function apiConfig(market: Market, extra: ApiConfigInput = {}): ApiConfigInput {
  return {
    chains: [{ chainId: market.chainId, marketplace: market.marketplace, token: market.token }],
    corsOrigins: ["http://app.test"],
    rateLimit: { windowMs: 60_000, maxPerIp: 1_000_000 },
    siwe: { domain: "app.test", uri: "http://app.test" },
    ws: { nearEndScanMs: 60_000 },
    ...extra,
  };
}

export async function startFixture(options: { history?: boolean } = {}): Promise<Fixture> {
  const node = await startNode();
  try {
    return await build(node, options);
  } catch (error) {
    // A failed start must not leave the node running: it would keep the test process alive.
    await node.stop();
    throw error;
  }
}

async function build(node: TestNode, options: { history?: boolean }): Promise<Fixture> {
  if (options.history !== false) await startEarlyInADay(node);
  const market = await deployMarket(node);
  const history = options.history === false ? (undefined as unknown as History) : await writeHistory(market);

  // CI runs the suite twice: API_TEST_DB=pglite, then on the server DATABASE_URL names.
  const url = process.env.API_TEST_DB === "pglite" ? undefined : process.env.DATABASE_URL;
  const schema = url ? `api_test_${randomBytes(4).toString("hex")}` : "public";
  const db = await openDatabase(url ? { url, schema } : { dataDir: "memory://" });
  await runMigrations(db);

  const indexer = createIndexer({
    db,
    chains: [
      {
        chainId: market.chainId,
        rpcUrl: node.url,
        marketplace: market.marketplace,
        startBlock: market.startBlock,
        confirmations: 0,
        finalityDepth: 64,
        pollIntervalMs: 50,
      },
    ],
    logger: quiet,
    progress: false,
  });
  await indexer.backfill();

  const api = await createServer({ db, logger: quiet, config: apiConfig(market) });
  const { url: apiUrl } = await api.listen(0, "127.0.0.1");
  const extra: ApiServer[] = [];
  let following: Promise<void> | undefined;

  return {
    market,
    history,
    db,
    indexer,
    api,
    url: apiUrl,
    dbKind: db.kind,
    follow() {
      following ??= indexer.follow().catch((error) => {
        console.error("indexer stopped", error);
      });
    },
    async waitForBlock(block, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.query<{ b: number }>("SELECT checkpoint_block AS b FROM chains WHERE chain_id = $1", [market.chainId]);
        if (Number(rows[0]?.b ?? -1) >= Number(block)) return;
        if (Date.now() > deadline) throw new Error(`mirror did not reach block ${block}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async extraServer(config) {
      const server = await createServer({ db, logger: quiet, config: apiConfig(market, config) });
      extra.push(server);
      const { url: u } = await server.listen(0, "127.0.0.1");
      return { api: server, url: u };
    },
    async close() {
      await indexer.stop();
      await following;
      for (const s of extra) await s.close();
      await api.close();
      if (url) await dropSchema(db, schema).catch(() => {});
      await db.close();
      await node.stop();
    },
  };
}

/** fetch + JSON with the status and headers kept, for assertions. */
export async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(base + path, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
