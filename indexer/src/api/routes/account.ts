/** Off-chain state a signed-in address owns: watchlist, saved searches, notification preferences, API keys. */
import { z } from "zod/v4";
import { createApiKey, listApiKeys, revokeApiKey } from "../auth/api-keys.js";
import { requireSession, sessionOf } from "../auth/session.js";
import type { ApiDeps } from "../deps.js";
import { NotFoundError } from "../errors.js";
import type { ApiRouter } from "../router.js";
import { entityId, idParams } from "../schemas/common.js";
import { searchBody } from "../schemas/listings.js";

const listingRef = z.object({ listingId: entityId }).strict();
const keyParams = z.object({ id: z.string().regex(/^[a-z0-9]{12}$/, "an API key id") }).strict();
const savedSearchBody = z.object({ name: z.string().trim().min(1).max(80), search: searchBody }).strict();
const prefsBody = z
  .object({
    rentalEndingMinutes: z.number().int().min(1).max(24 * 60).optional(),
    rentalStateChanges: z.boolean().optional(),
    watchlistPriceChanges: z.boolean().optional(),
    savedSearchMatches: z.boolean().optional(),
    email: z.email().max(200).nullable().optional(),
  })
  .strict();
const createKeyBody = z
  .object({ name: z.string().trim().min(1).max(80), quotaPerWindow: z.number().int().min(1).max(1_000_000).optional() })
  .strict();

const DEFAULT_PREFS = { rentalEndingMinutes: 15, rentalStateChanges: true, watchlistPriceChanges: true, savedSearchMatches: false, email: null };

export function accountRoutes(router: ApiRouter, deps: ApiDeps, onKeyRevoked: (id: string) => void): void {
  const auth = [requireSession(deps)];
  const chainId = (res: Parameters<typeof sessionOf>[0]) => sessionOf(res).chainId;

  router.add({
    method: "get",
    path: "/me/watchlist",
    tag: "account",
    summary: "The listings this address watches",
    security: "siwe",
    before: auth,
    handler: async ({ res }) => {
      const { address } = sessionOf(res);
      const { rows } = await deps.db.query<{ listing_id: string; created_at: Date | string }>(
        "SELECT listing_id::text AS listing_id, created_at FROM api_watchlist WHERE address = $1 AND chain_id = $2 ORDER BY created_at, listing_id",
        [address, chainId(res)],
      );
      return { items: rows.map((r) => ({ listingId: r.listing_id, addedAt: new Date(r.created_at).toISOString() })) };
    },
  });

  router.add({
    method: "post",
    path: "/me/watchlist",
    tag: "account",
    summary: "Watch a listing",
    security: "siwe",
    before: auth,
    body: listingRef,
    handler: async ({ body, res }) => {
      await deps.db.query(
        "INSERT INTO api_watchlist (address, chain_id, listing_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [sessionOf(res).address, chainId(res), body.listingId],
      );
      res.status(201);
      return { listingId: body.listingId };
    },
  });

  router.add({
    method: "delete",
    path: "/me/watchlist/{id}",
    tag: "account",
    summary: "Stop watching a listing",
    security: "siwe",
    before: auth,
    params: idParams,
    handler: async ({ params, res }) => {
      const { rows } = await deps.db.query(
        "DELETE FROM api_watchlist WHERE address = $1 AND chain_id = $2 AND listing_id = $3 RETURNING listing_id",
        [sessionOf(res).address, chainId(res), params.id],
      );
      if (rows.length === 0) throw new NotFoundError(`listing ${params.id} is not on the watchlist`);
      res.status(204).end();
      return undefined;
    },
  });

  router.add({
    method: "get",
    path: "/me/saved-searches",
    tag: "account",
    summary: "Saved searches",
    security: "siwe",
    before: auth,
    handler: async ({ res }) => {
      const { rows } = await deps.db.query<{ id: string; name: string; search: unknown; created_at: Date | string }>(
        "SELECT id::text AS id, name, search, created_at FROM api_saved_searches WHERE address = $1 ORDER BY id",
        [sessionOf(res).address],
      );
      return {
        items: rows.map((r) => ({
          id: r.id,
          name: r.name,
          search: typeof r.search === "string" ? JSON.parse(r.search) : r.search,
          createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    },
  });

  router.add({
    method: "post",
    path: "/me/saved-searches",
    tag: "account",
    summary: "Save a search (the body of POST /marketplace/search)",
    security: "siwe",
    before: auth,
    body: savedSearchBody,
    handler: async ({ req, res }) => {
      // Store what the client sent (validated above), not the parsed form with bigints in it.
      const raw = req.body as { name: string; search: unknown };
      const { rows } = await deps.db.query<{ id: string }>(
        "INSERT INTO api_saved_searches (address, name, search) VALUES ($1, $2, $3) RETURNING id::text AS id",
        [sessionOf(res).address, raw.name.trim(), JSON.stringify(raw.search)],
      );
      res.status(201);
      return { id: rows[0]?.id, name: raw.name.trim(), search: raw.search };
    },
  });

  router.add({
    method: "delete",
    path: "/me/saved-searches/{id}",
    tag: "account",
    summary: "Delete a saved search",
    security: "siwe",
    before: auth,
    params: idParams,
    handler: async ({ params, res }) => {
      const { rows } = await deps.db.query("DELETE FROM api_saved_searches WHERE id = $1 AND address = $2 RETURNING id", [
        params.id,
        sessionOf(res).address,
      ]);
      if (rows.length === 0) throw new NotFoundError(`no saved search ${params.id}`);
      res.status(204).end();
      return undefined;
    },
  });

  router.add({
    method: "get",
    path: "/me/notifications",
    tag: "account",
    summary: "Notification preferences",
    security: "siwe",
    before: auth,
    handler: async ({ res }) => {
      const { rows } = await deps.db.query<{ prefs: unknown }>("SELECT prefs FROM api_notification_prefs WHERE address = $1", [
        sessionOf(res).address,
      ]);
      const stored = rows[0]?.prefs;
      return { ...DEFAULT_PREFS, ...(typeof stored === "string" ? JSON.parse(stored) : (stored ?? {})) };
    },
  });

  router.add({
    method: "put",
    path: "/me/notifications",
    tag: "account",
    summary: "Change notification preferences (fields left out keep their value)",
    security: "siwe",
    before: auth,
    body: prefsBody,
    handler: async ({ body, res }) => {
      const address = sessionOf(res).address;
      const { rows } = await deps.db.query<{ prefs: unknown }>("SELECT prefs FROM api_notification_prefs WHERE address = $1", [address]);
      const stored = rows[0]?.prefs;
      const merged = { ...DEFAULT_PREFS, ...(typeof stored === "string" ? JSON.parse(stored) : (stored ?? {})), ...body };
      await deps.db.query(
        `INSERT INTO api_notification_prefs (address, prefs, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (address) DO UPDATE SET prefs = EXCLUDED.prefs, updated_at = now()`,
        [address, JSON.stringify(merged)],
      );
      return merged;
    },
  });

  router.add({
    method: "get",
    path: "/me/api-keys",
    tag: "account",
    summary: "API keys of this address (the secrets are never shown again)",
    security: "siwe",
    before: auth,
    handler: async ({ res }) => ({ items: await listApiKeys(deps, sessionOf(res).address) }),
  });

  router.add({
    method: "post",
    path: "/me/api-keys",
    tag: "account",
    summary: "Create an API key; the answer is the only time the key is shown",
    security: "siwe",
    before: auth,
    body: createKeyBody,
    handler: async ({ body, res }) => {
      const created = await createApiKey(deps, sessionOf(res).address, body.name, body.quotaPerWindow);
      res.status(201);
      return { ...created, windowSeconds: Math.ceil(deps.config.rateLimit.windowMs / 1000) };
    },
  });

  router.add({
    method: "delete",
    path: "/me/api-keys/{id}",
    tag: "account",
    summary: "Revoke an API key",
    security: "siwe",
    before: auth,
    params: keyParams,
    handler: async ({ params, res }) => {
      await revokeApiKey(deps, sessionOf(res).address, params.id);
      onKeyRevoked(params.id);
      res.status(204).end();
      return undefined;
    },
  });
}
