/**
 * Fixed-window rate limiting per client IP, or per API key (whose quota replaces the IP limit).
 * Counters live in memory by default; with REDIS_URL they live in Redis so that every API instance
 * behind a load balancer counts against the same window. Answers carry the IETF RateLimit headers
 * and a 429 carries Retry-After.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Redis } from "ioredis";
import { TooManyRequestsError } from "./errors.js";
import type { ApiMetrics } from "./metrics.js";

export type RateLimitHit = { count: number; resetMs: number };

export interface RateLimitStore {
  /** Counts one request for `key` in the current window and says how many it has seen. */
  hit(key: string, windowMs: number): Promise<RateLimitHit>;
  close?(): Promise<void>;
}

export function createMemoryStore(): RateLimitStore & { sweep(): void } {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = Date.now();
  const sweep = () => {
    const now = Date.now();
    for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
    lastSweep = now;
  };
  return {
    sweep,
    async hit(key, windowMs) {
      const now = Date.now();
      if (now - lastSweep > windowMs) sweep();
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowMs };
        windows.set(key, w);
      }
      w.count++;
      return { count: w.count, resetMs: w.resetAt - now };
    },
  };
}

// INCR and set the expiry only on the first hit of a window, atomically (works on Redis < 7 too).
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export function createRedisStore(redis: Redis, prefix = "marketplace:rl:"): RateLimitStore {
  return {
    async hit(key, windowMs) {
      // The window is part of the key so that instances with different policies never share a counter.
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, `${prefix}${windowMs}:${key}`, String(windowMs))) as [number, number];
      return { count: Number(count), resetMs: Number(ttl) };
    },
    async close() {
      await redis.quit();
    },
  };
}

export type RateLimitOptions = {
  store: RateLimitStore;
  windowMs: number;
  /** Requests per window per IP without an API key. */
  maxPerIp: number;
  metrics?: ApiMetrics;
  /** Paths never limited (health probes, metrics scrapes). */
  exempt?: (req: Request) => boolean;
};

/** Set by the API-key middleware when a valid key came with the request. */
export type ApiKeyPrincipal = { id: string; quota: number; address: string };

export function rateLimit(options: RateLimitOptions): RequestHandler {
  const windowSeconds = Math.ceil(options.windowMs / 1000);
  return (req: Request, res: Response, next: NextFunction) => {
    if (options.exempt?.(req)) return next();
    const apiKey = res.locals.apiKey as ApiKeyPrincipal | undefined;
    const key = apiKey ? `key:${apiKey.id}` : `ip:${req.ip ?? "unknown"}`;
    const limit = apiKey ? apiKey.quota : options.maxPerIp;
    options.store.hit(key, options.windowMs).then(
      ({ count, resetMs }) => {
        const remaining = Math.max(0, limit - count);
        const reset = Math.max(1, Math.ceil(resetMs / 1000));
        res.setHeader("RateLimit-Policy", `${limit};w=${windowSeconds}`);
        res.setHeader("RateLimit", `limit=${limit}, remaining=${remaining}, reset=${reset}`);
        res.setHeader("RateLimit-Limit", String(limit));
        res.setHeader("RateLimit-Remaining", String(remaining));
        res.setHeader("RateLimit-Reset", String(reset));
        if (count > limit) {
          options.metrics?.rateLimited.inc({ kind: apiKey ? "api_key" : "ip" });
          return next(new TooManyRequestsError(reset, apiKey ? "API key quota exceeded" : "rate limit exceeded"));
        }
        next();
      },
      // A broken limiter store must not take the API down with it: fail open, loudly in metrics.
      () => next(),
    );
  };
}
