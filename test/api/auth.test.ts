/**
 * Sign-In with Ethereum and what it unlocks (watchlist, saved searches, notification preferences,
 * API keys), rate limits with their headers, and CORS.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { call, type Fixture, startFixture } from "./support/fixture.js";

let f: Fixture;
const account = privateKeyToAccount(generatePrivateKey());

before(async () => {
  f = await startFixture({ history: false });
});
after(async () => {
  await f?.close();
});

async function nonce(base = f.url): Promise<string> {
  const r = await call(base, "/auth/siwe/nonce");
  assert.equal(r.status, 200);
  return r.body.nonce;
}

async function signIn(overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}, base = f.url, signer = account) {
  const message = createSiweMessage({
    address: signer.address,
    chainId: f.market.chainId,
    domain: "app.test",
    uri: "http://app.test/login",
    version: "1",
    nonce: overrides.nonce ?? (await nonce(base)),
    issuedAt: new Date(),
    expirationTime: new Date(Date.now() + 10 * 60_000),
    ...overrides,
  });
  const signature = await signer.signMessage({ message });
  return { message, signature, response: await call(base, "/auth/siwe/verify", { body: { message, signature } }) };
}

describe("Sign-In with Ethereum", () => {
  it("opens a session for a valid message, and refuses its replay", async () => {
    const { message, signature, response } = await signIn();
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.address, account.address);
    const who = await call(f.url, "/auth/session", { headers: { authorization: `Bearer ${response.body.token}` } });
    assert.equal(who.status, 200);
    assert.equal(who.body.address, account.address);
    const replay = await call(f.url, "/auth/siwe/verify", { body: { message, signature } });
    assert.equal(replay.status, 401);
    assert.match(replay.body.detail, /nonce/);
  });

  it("refuses a wrong domain, a wrong chain, an expired message, an unknown nonce and a forged signature", async () => {
    const refused: [string, Partial<Parameters<typeof createSiweMessage>[0]>, RegExp][] = [
      ["wrong domain", { domain: "evil.test" }, /domain/],
      ["wrong uri", { uri: "http://evil.test/login" }, /URI/],
      ["wrong chain", { chainId: 1 }, /chain 1/],
      ["expired", { expirationTime: new Date(Date.now() - 1000) }, /expired/],
      ["not yet valid", { notBefore: new Date(Date.now() + 3_600_000) }, /not valid yet/],
      ["unknown nonce", { nonce: "abcdefgh12345678" }, /nonce/],
    ];
    for (const [name, overrides, reason] of refused) {
      const { response } = await signIn(overrides);
      assert.equal(response.status, 401, `${name}: ${response.text}`);
      assert.match(response.body.detail, reason, name);
      assert.match(response.headers.get("content-type") ?? "", /problem\+json/);
    }
    // Signed by someone else than the address in the message.
    const other = privateKeyToAccount(generatePrivateKey());
    const message = createSiweMessage({ address: account.address, chainId: f.market.chainId, domain: "app.test", uri: "http://app.test", version: "1", nonce: await nonce(), issuedAt: new Date() });
    const forged = await call(f.url, "/auth/siwe/verify", { body: { message, signature: await other.signMessage({ message }) } });
    assert.equal(forged.status, 401);
    // A nonce past its TTL.
    const short = await f.extraServer({ siwe: { domain: "app.test", uri: "http://app.test", nonceTtlSeconds: 1 } });
    const stale = await nonce(short.url);
    await new Promise((r) => setTimeout(r, 1100));
    const late = await signIn({ nonce: stale }, short.url);
    assert.equal(late.response.status, 401);
  });

  it("guards the account routes", async () => {
    assert.equal((await call(f.url, "/me/watchlist")).status, 401);
    assert.equal((await call(f.url, "/me/watchlist", { headers: { authorization: "Bearer not-a-real-session-token-at-all" } })).status, 401);
  });
});

describe("off-chain state of a signed-in address", () => {
  let auth: Record<string, string>;
  before(async () => {
    const { response } = await signIn();
    auth = { authorization: `Bearer ${response.body.token}` };
  });

  it("keeps a watchlist", async () => {
    assert.equal((await call(f.url, "/me/watchlist", { body: { listingId: "3" }, headers: auth })).status, 201);
    assert.equal((await call(f.url, "/me/watchlist", { body: { listingId: 5 }, headers: auth })).status, 201);
    assert.equal((await call(f.url, "/me/watchlist", { body: { listingId: "3" }, headers: auth })).status, 201);
    const list = await call(f.url, "/me/watchlist", { headers: auth });
    assert.deepEqual(list.body.items.map((i: any) => i.listingId), ["3", "5"]);
    assert.equal((await call(f.url, "/me/watchlist/3", { method: "DELETE", headers: auth })).status, 204);
    assert.equal((await call(f.url, "/me/watchlist/3", { method: "DELETE", headers: auth })).status, 404);
    assert.equal((await call(f.url, "/me/watchlist", { body: { listingId: "x" }, headers: auth })).status, 400);
  });

  it("keeps saved searches that are valid search bodies", async () => {
    const search = { query: "gpu", filters: { min_memory: 32, price_max: "5000000000000000000" }, sort: "price_asc" };
    const saved = await call(f.url, "/me/saved-searches", { body: { name: "cheap GPUs", search }, headers: auth });
    assert.equal(saved.status, 201, saved.text);
    const list = await call(f.url, "/me/saved-searches", { headers: auth });
    assert.deepEqual(list.body.items[0].search, search);
    assert.equal((await call(f.url, "/me/saved-searches", { body: { name: "bad", search: { query: 1 } }, headers: auth })).status, 400);
    assert.equal((await call(f.url, `/me/saved-searches/${saved.body.id}`, { method: "DELETE", headers: auth })).status, 204);
  });

  it("keeps notification preferences, merging partial updates", async () => {
    const initial = await call(f.url, "/me/notifications", { headers: auth });
    assert.equal(initial.body.rentalEndingMinutes, 15);
    const put = await call(f.url, "/me/notifications", { method: "PUT", body: { rentalEndingMinutes: 30 }, headers: auth });
    assert.equal(put.status, 200);
    const after = await call(f.url, "/me/notifications", { headers: auth });
    assert.equal(after.body.rentalEndingMinutes, 30);
    assert.equal(after.body.rentalStateChanges, true);
    assert.equal((await call(f.url, "/me/notifications", { method: "PUT", body: { rentalEndingMinutes: -1 }, headers: auth })).status, 400);
  });
});

describe("rate limits and API keys", () => {
  it("answers 429 with Retry-After and RateLimit headers past the per-IP limit", async () => {
    const limited = await f.extraServer({ rateLimit: { windowMs: 60_000, maxPerIp: 5 } });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await call(limited.url, "/marketplace/status");
      statuses.push(last.status);
      if (i === 0) {
        assert.equal(last.headers.get("ratelimit-limit"), "5");
        assert.equal(last.headers.get("ratelimit-remaining"), "4");
        assert.match(last.headers.get("ratelimit") ?? "", /limit=5, remaining=4, reset=\d+/);
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.ok(Number(last?.headers.get("retry-after")) >= 1);
    assert.match(last?.headers.get("content-type") ?? "", /problem\+json/);
    assert.equal(last?.body.status, 429);
    // Probes are never limited.
    assert.equal((await call(limited.url, "/healthz")).status, 200);
  });

  it("lifts the limit to an API key's quota, and a revoked key stops working", async () => {
    const limited = await f.extraServer({ rateLimit: { windowMs: 60_000, maxPerIp: 3 }, apiKeys: { defaultQuotaPerWindow: 10 } });
    const { response } = await signIn({}, limited.url);
    const auth = { authorization: `Bearer ${response.body.token}` };
    const created = await call(limited.url, "/me/api-keys", { body: { name: "bot", quotaPerWindow: 4 }, headers: auth });
    assert.equal(created.status, 201, created.text);
    const key = created.body.key as string;
    assert.match(key, /^mk_/);
    const listed = await call(f.url, "/me/api-keys", { headers: { authorization: auth.authorization } });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.items[0].quotaPerWindow, 4);
    assert.ok(!JSON.stringify(listed.body).includes(key), "the secret is never shown again");
    // The IP has used its limit of 3 (nonce, verify, create); the key has its own quota.
    assert.equal((await call(limited.url, "/marketplace/status")).status, 429);
    const withKey: number[] = [];
    for (let i = 0; i < 5; i++) withKey.push((await call(limited.url, "/marketplace/status", { headers: { "x-api-key": key } })).status);
    assert.deepEqual(withKey, [200, 200, 200, 200, 429]);
    assert.equal((await call(limited.url, "/marketplace/status", { headers: { "x-api-key": "mk_000000000000_" + "A".repeat(43) } })).status, 401);
    assert.equal((await call(limited.url, "/marketplace/status", { headers: { "x-api-key": "garbage" } })).status, 401);
    const revoke = await call(f.url, `/me/api-keys/${created.body.id}`, { method: "DELETE", headers: { authorization: auth.authorization } });
    assert.equal(revoke.status, 204);
    const fresh = await f.extraServer({});
    assert.equal((await call(fresh.url, "/marketplace/status", { headers: { "x-api-key": key } })).status, 401);
  });

  it("counts in Redis when REDIS_URL is given, shared by two servers", async (t) => {
    const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const probe = await fetch(`http://127.0.0.1:6379`).catch((e) => e);
    if (String(probe).includes("ECONNREFUSED")) return t.skip("no Redis on 6379");
    const windowMs = 60_000 + Math.floor(Math.random() * 1000);
    const a = await f.extraServer({ rateLimit: { windowMs, maxPerIp: 3, redisUrl } });
    const b = await f.extraServer({ rateLimit: { windowMs, maxPerIp: 3, redisUrl } });
    // A window length of its own keeps this run's counters apart from other runs' in the same minute.
    const statuses = [];
    for (const url of [a.url, b.url, a.url, b.url]) statuses.push((await call(url, "/marketplace/status")).status);
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
    assert.equal(statuses[3], 429);
  });
});

describe("CORS", () => {
  it("answers allowed origins and refuses others", async () => {
    const ok = await call(f.url, "/marketplace/status", { headers: { origin: "http://app.test" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "http://app.test");
    const bad = await call(f.url, "/marketplace/status", { headers: { origin: "http://evil.test" } });
    assert.equal(bad.headers.get("access-control-allow-origin"), null);
    const preflight = await call(f.url, "/marketplace/search", {
      method: "OPTIONS",
      headers: { origin: "http://app.test", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    const refused = await call(f.url, "/marketplace/search", {
      method: "OPTIONS",
      headers: { origin: "http://evil.test", "access-control-request-method": "POST" },
    });
    assert.equal(refused.status, 403);
  });
});
