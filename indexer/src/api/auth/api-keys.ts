/**
 * API keys: created by a signed-in address, shown once, stored hashed. A request carrying a valid
 * `X-API-Key` is rate-limited against the key's quota instead of its IP's limit.
 */
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { ApiDeps } from "../deps.js";
import { ConflictError, NotFoundError, UnauthorizedError } from "../errors.js";
import type { ApiKeyPrincipal } from "../rate-limit.js";
import { sha256 } from "./siwe.js";

const KEY_PATTERN = /^mk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
// Key lookups are on the hot path; a short memory keeps them off the database. A revoked key is
// refused by this instance at once and by others within this window.
const LOOKUP_TTL_MS = 30_000;

export type ApiKeyRecord = {
  id: string;
  name: string;
  prefix: string;
  quotaPerWindow: number;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  quota_per_window: number;
  created_at: Date | string;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
};

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const toRecord = (row: KeyRow): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  quotaPerWindow: Number(row.quota_per_window),
  createdAt: iso(row.created_at) as string,
  lastUsedAt: iso(row.last_used_at),
  revokedAt: iso(row.revoked_at),
});

export async function createApiKey(deps: ApiDeps, address: string, name: string, quota?: number) {
  const { rows } = await deps.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM api_keys WHERE address = $1 AND revoked_at IS NULL",
    [address],
  );
  if (Number(rows[0]?.n ?? 0) >= deps.config.apiKeys.maxKeysPerAddress) {
    throw new ConflictError(`an address may hold at most ${deps.config.apiKeys.maxKeysPerAddress} active keys`);
  }
  const id = randomBytes(9).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 12).padEnd(12, "0");
  const secret = randomBytes(32).toString("base64url");
  const key = `mk_${id}_${secret}`;
  const quotaPerWindow = Math.min(quota ?? deps.config.apiKeys.defaultQuotaPerWindow, deps.config.apiKeys.defaultQuotaPerWindow);
  const inserted = await deps.db.query<KeyRow>(
    `INSERT INTO api_keys (id, address, name, key_hash, prefix, quota_per_window)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, name, prefix, quota_per_window, created_at, last_used_at, revoked_at`,
    [id, address, name, sha256(key), key.slice(0, 10), quotaPerWindow],
  );
  return { key, ...toRecord(inserted.rows[0] as KeyRow) };
}

export async function listApiKeys(deps: ApiDeps, address: string): Promise<ApiKeyRecord[]> {
  const { rows } = await deps.db.query<KeyRow>(
    `SELECT id, name, prefix, quota_per_window, created_at, last_used_at, revoked_at
     FROM api_keys WHERE address = $1 ORDER BY created_at, id`,
    [address],
  );
  return rows.map(toRecord);
}

export function apiKeyMiddleware(deps: ApiDeps) {
  const known = new Map<string, { principal: ApiKeyPrincipal | null; until: number }>();

  async function lookup(key: string): Promise<ApiKeyPrincipal | null> {
    const hit = known.get(key);
    if (hit && hit.until > Date.now()) return hit.principal;
    const { rows } = await deps.db.query<{ id: string; address: string; quota_per_window: number }>(
      "SELECT id, address, quota_per_window FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
      [sha256(key)],
    );
    const row = rows[0];
    const principal = row ? { id: row.id, address: row.address, quota: Number(row.quota_per_window) } : null;
    if (known.size > 10_000) known.clear();
    known.set(key, { principal, until: Date.now() + LOOKUP_TTL_MS });
    if (principal) {
      deps.db.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [principal.id]).catch(() => {});
    }
    return principal;
  }

  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers["x-api-key"];
    if (header === undefined) return next();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key)) return next(new UnauthorizedError("malformed API key"));
    lookup(key).then(
      (principal) => {
        if (!principal) return next(new UnauthorizedError("unknown or revoked API key"));
        res.locals.apiKey = principal;
        next();
      },
      next,
    );
  };
  middleware.forget = (id?: string) => {
    for (const [key, entry] of known) if (!id || entry.principal?.id === id) known.delete(key);
  };
  return middleware;
}

export async function revokeApiKey(deps: ApiDeps, address: string, id: string): Promise<void> {
  const { rows } = await deps.db.query(
    "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND address = $2 AND revoked_at IS NULL RETURNING id",
    [id, address],
  );
  if (rows.length === 0) throw new NotFoundError(`no active API key ${id} for this address`);
}
