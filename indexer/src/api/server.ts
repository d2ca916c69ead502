/**
 * The API server factory: Express app + HTTP server + WebSocket hub over the indexer's database.
 * Stateless apart from caches and counters, so several instances can run behind a load balancer;
 * commit notifications from the indexer reach every instance through LISTEN/NOTIFY.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { Redis } from "ioredis";
import { createQueryCache } from "./cache.js";
import { type ApiConfigInput, resolveApiConfig } from "./config.js";
import type { ApiDb, ApiDeps, ApiLogger } from "./deps.js";
import { errorMapper, ForbiddenError, NotFoundError } from "./errors.js";
import { createApiMetrics } from "./metrics.js";
import { parseCommitNotification, type CommitNotification } from "./notifications.js";
import { createMemoryStore, createRedisStore, rateLimit, type RateLimitStore } from "./rate-limit.js";
import { ApiRouter } from "./router.js";
import { healthRoutes } from "./routes/health.js";
import { registerRoutes } from "./routes/index.js";
import { apiKeyMiddleware } from "./auth/api-keys.js";
import { createWsHub, type WsHub } from "./ws/hub.js";

export type CreateServerParameters = {
  db: ApiDb;
  logger: ApiLogger;
  config?: ApiConfigInput;
  /** Prometheus default process metrics (off in tests, where several servers share a process). */
  defaultMetrics?: boolean;
};

export type ApiServer = {
  app: Express;
  httpServer: Server;
  deps: ApiDeps;
  ws: WsHub;
  router: ApiRouter;
  /** Starts listening; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<{ port: number; host: string; url: string }>;
  /** Delivers a commit notification as if it came from the database (used by LISTEN and tests). */
  onCommit(notification: CommitNotification): Promise<void>;
  close(): Promise<void>;
};

export async function createServer({ db, logger, config: input, defaultMetrics }: CreateServerParameters): Promise<ApiServer> {
  const config = resolveApiConfig(input);
  const metrics = createApiMetrics({ defaultMetrics });
  const cache = createQueryCache({ ...config.cache, metrics });
  const deps: ApiDeps = {
    db,
    logger,
    config,
    cache,
    metrics,
    commitListeners: new Set(),
    chain(chainId) {
      const chain = chainId === undefined ? config.chains[0] : config.chains.find((c) => c.chainId === chainId);
      if (!chain) throw new NotFoundError(chainId === undefined ? "no chain is configured" : `chain ${chainId} is not served here`);
      return chain;
    },
  };

  let store: RateLimitStore;
  if (config.rateLimit.redisUrl) {
    const redis = new Redis(config.rateLimit.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true });
    redis.on("error", (err) => logger.warn({ err: String(err) }, "redis error"));
    store = createRedisStore(redis);
  } else {
    store = createMemoryStore();
  }

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.set("etag", false);
  app.set("query parser", "simple");

  app.use(observe(deps));
  app.use(cors(config.corsOrigins));
  app.use(express.json({ limit: config.maxBodyBytes, strict: true, type: ["application/json", "application/*+json"] }));
  const apiKeys = apiKeyMiddleware(deps);
  app.use(apiKeys);
  app.use(
    rateLimit({
      store,
      windowMs: config.rateLimit.windowMs,
      maxPerIp: config.rateLimit.maxPerIp,
      metrics,
      exempt: (req) => req.path === "/healthz" || req.path === "/readyz" || req.path === "/metrics",
    }),
  );

  const router = new ApiRouter();
  healthRoutes(router, deps);
  registerRoutes(router, deps, { onKeyRevoked: (id) => apiKeys.forget(id) });
  router.add({
    method: "get",
    path: "/openapi.json",
    tag: "meta",
    summary: "This OpenAPI document",
    handler: () => openapi,
  });
  router.mount(app);
  const openapi = router.openapi({
    title: "PRSM Marketplace API",
    version: "1.0.0",
    description:
      "Read API over the chain mirror, unsigned transactions for wallet writes, Sign-In with Ethereum for off-chain state. " +
      "Amounts are decimal strings in token base units; addresses are checksummed. WebSocket at /ws.",
  });

  app.use((req: Request, _res: Response, next: NextFunction) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(errorMapper(logger));

  const httpServer = createHttpServer(app);
  httpServer.keepAliveTimeout = 65_000;
  const ws = createWsHub({ httpServer, deps });

  async function onCommit(notification: CommitNotification): Promise<void> {
    metrics.commitsSeen.inc({ kind: notification.kind });
    cache.invalidate(notification.chainId);
    for (const listener of deps.commitListeners) listener(notification);
    await ws.onCommit(notification);
  }

  let unlisten: (() => Promise<void>) | undefined;
  if (db.listen) {
    unlisten = await db.listen(config.notifyChannel, (payload) => {
      const notification = parseCommitNotification(payload);
      if (!notification) {
        logger.warn({ payload: payload.slice(0, 200) }, "ignored a malformed commit notification");
        // Still drop the cache: something was committed even if we cannot tell what.
        cache.invalidate();
        return;
      }
      // LISTEN is database-wide: a mirror in another schema is not ours to announce.
      if (notification.schema && db.schema && notification.schema !== db.schema) return;
      onCommit(notification).catch((err) => logger.error({ err }, "commit notification handling failed"));
    });
  } else {
    logger.warn({}, "database client cannot LISTEN: caches fall back to their TTL, live updates are off");
  }

  return {
    app,
    httpServer,
    deps,
    ws,
    router,
    onCommit,
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          resolve({ port: address.port, host, url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}` });
        });
      });
    },
    async close() {
      await ws.close();
      await unlisten?.().catch(() => {});
      await store.close?.().catch(() => {});
      await new Promise<void>((resolve) => {
        httpServer.closeAllConnections?.();
        httpServer.close(() => resolve());
      });
    },
  };
}

/** Latency histogram and one structured log line per request. */
function observe(deps: ApiDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (res.locals.route as string | undefined) ?? (res.statusCode === 404 ? "unmatched" : req.path);
      deps.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (res.statusCode >= 500) deps.logger.error({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: seconds * 1000 }, "request");
      else deps.logger.debug({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: seconds * 1000 }, "request");
    });
    next();
  };
}

/** CORS with an allow-list: only listed origins get the headers a browser needs to read answers. */
function cors(allowed: string[]) {
  const any = allowed.includes("*");
  const set = new Set(allowed);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origin) return next();
    res.vary("Origin");
    const ok = any || set.has(origin);
    if (ok) {
      res.setHeader("Access-Control-Allow-Origin", any ? "*" : origin);
      res.setHeader(
        "Access-Control-Expose-Headers",
        "RateLimit, RateLimit-Policy, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After",
      );
    }
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      if (!ok) return next(new ForbiddenError(`origin ${origin} is not allowed`));
      res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
      res.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization, X-API-Key, Accept");
      res.setHeader("Access-Control-Max-Age", "600");
      res.status(204).end();
      return;
    }
    next();
  };
}
