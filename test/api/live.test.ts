/**
 * Live updates over /ws, driven by the indexer's NOTIFY on commit: a rental's transitions in order,
 * a near-end notice, a reorg rollback, recomputed rollups dropping the cache, and the connection limits.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getAddress } from "viem";
import { WebSocket } from "ws";
import { marketplaceAbi } from "../../generated/abis.js";
import { deferRollups, finishDeferredRollups } from "../../indexer/src/db/deferred-rollups.js";
import { call, type Fixture, startFixture } from "./support/fixture.js";
import { HOUR, UNIT } from "./support/market.js";

let f: Fixture;

before(async () => {
  f = await startFixture();
  f.follow();
});
after(async () => {
  await f?.close();
});

type Client = { ws: WebSocket; messages: any[]; waitFor(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>; close(): void };

async function connect(url: string, options: { origin?: string } = {}): Promise<Client> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/ws`, { headers: options.origin ? { origin: options.origin } : {} });
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    ws,
    messages,
    waitFor(pred, timeoutMs = 15_000) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(messages).slice(0, 2000)}`)), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => ws.close(),
  };
}

/** The trigger-kept rollups, and the same figures recounted from the mirror's rows. */
async function rollupsAndRecount() {
  const one = async (sql: string) => JSON.stringify((await f.db.query(sql, [f.market.chainId])).rows);
  return {
    rollup: [
      await one("SELECT sum(requested)::text AS r, sum(volume)::text AS v, sum(listings_created)::text AS l, sum(active_delta)::text AS a FROM api_hourly_stats WHERE chain_id = $1"),
      await one("SELECT provider, listings::text AS n FROM api_providers WHERE chain_id = $1 ORDER BY provider"),
      await one("SELECT category, sum(rentals)::text AS n, sum(price_sum)::text AS s FROM api_category_prices WHERE chain_id = $1 GROUP BY 1 ORDER BY 1"),
    ],
    recount: [
      await one(
        `SELECT count(*) FILTER (WHERE event_name = 'RentalRequested')::text AS r,
                (coalesce(sum((args->>'amount')::numeric) FILTER (WHERE event_name = 'RentalRequested'), 0)
                 + coalesce(sum((args->>'extraAmount')::numeric) FILTER (WHERE event_name = 'RentalExtended'), 0))::text AS v,
                count(*) FILTER (WHERE event_name = 'ListingCreated')::text AS l,
                (SELECT count(*) FROM listings WHERE chain_id = $1 AND active)::text AS a
         FROM raw_events WHERE chain_id = $1`,
      ),
      await one("SELECT provider, count(*)::text AS n FROM listings WHERE chain_id = $1 GROUP BY 1 ORDER BY provider"),
      await one(
        `SELECT coalesce(l.category, '') AS category, count(*)::text AS n, sum(r.price_per_hour)::text AS s
         FROM rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id WHERE r.chain_id = $1 GROUP BY 1 ORDER BY 1`,
      ),
    ],
  };
}

async function subscribe(client: Client, channels: string[]) {
  client.ws.send(JSON.stringify({ op: "subscribe", channels }));
  return client.waitFor((m) => m.type === "subscribed");
}

describe("WebSocket /ws", () => {
  it("delivers a rental's state changes in order, with block numbers and tx hashes", async () => {
    const consumer = f.history.live[0] as `0x${string}`;
    const provider = f.history.providers[0] as `0x${string}`;
    const client = await connect(f.url);
    const welcome = await client.waitFor((m) => m.type === "welcome");
    assert.equal(welcome.chainId, f.market.chainId);
    const sub = await subscribe(client, [`address:${consumer.toLowerCase()}`, "resource:2"]);
    assert.deepEqual(sub.channels, [`address:${getAddress(consumer)}`, "resource:2"]);

    const rentalId = BigInt((await f.market.publicClient.readContract({ address: f.market.marketplace, abi: marketplaceAbi, functionName: "rentalCount" })) as bigint) + 1n;
    const receipts = [
      await f.market.send(consumer, "rent", [2n, 3, 6n * UNIT]),
      await f.market.send(provider, "accept", [rentalId]),
      await f.market.send(consumer, "extend", [rentalId, 1, 6n * UNIT]),
    ];
    await f.market.advance(HOUR);
    receipts.push(await f.market.send(consumer, "terminate", [rentalId]));

    const expected = ["RentalRequested", "RentalAccepted", "RentalExtended", "RentalTerminated"];
    await client.waitFor((m) => m.type === "event" && m.event === "RentalTerminated");
    const events = client.messages.filter((m) => m.type === "event" && m.rentalId === String(rentalId));
    assert.deepEqual(events.map((e) => e.event), expected);
    assert.deepEqual(events.map((e) => e.txHash), receipts.map((r) => r.hash));
    assert.deepEqual(events.map((e) => e.blockNumber), receipts.map((r) => Number(r.blockNumber)));
    for (const e of events) {
      assert.ok(e.channels.includes(`address:${getAddress(consumer)}`));
      assert.ok(e.channels.includes("resource:2"));
    }
    client.close();
  });

  it("tells an address that its running rental nears its end", async () => {
    const consumer = f.history.live[1] as `0x${string}`;
    const provider = f.history.providers[2] as `0x${string}`;
    const client = await connect(f.url);
    await subscribe(client, [`address:${consumer}`]);
    const rentalId = BigInt((await f.market.publicClient.readContract({ address: f.market.marketplace, abi: marketplaceAbi, functionName: "rentalCount" })) as bigint) + 1n;
    await f.market.send(consumer, "rent", [11n, 1, UNIT / 2n]);
    await f.market.send(provider, "accept", [rentalId]);
    await client.waitFor((m) => m.event === "RentalAccepted" && m.rentalId === String(rentalId));
    assert.equal(client.messages.filter((m) => m.event === "RentalEndingSoon").length, 0, "not yet: an hour is left");
    await f.market.advance(50 * 60);
    const notice = await client.waitFor((m) => m.event === "RentalEndingSoon" && m.rentalId === String(rentalId));
    assert.ok(notice.secondsLeft > 0 && notice.secondsLeft <= 15 * 60, `secondsLeft ${notice.secondsLeft}`);
    assert.ok(notice.channels.includes(`address:${getAddress(consumer)}`));
    await f.market.advance(60);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(client.messages.filter((m) => m.event === "RentalEndingSoon").length, 1, "told once");
    client.close();
  });

  it("announces a reorg rollback, and the API forgets what vanished", async () => {
    const provider = f.history.providers[1] as `0x${string}`;
    const client = await connect(f.url);
    await subscribe(client, ["market", "resource:8"]);
    const snapshot = await f.market.node.rpc<string>("evm_snapshot");
    const before = await rollupsAndRecount();
    assert.deepEqual(before.rollup, before.recount);
    // Inside the doomed blocks: a new provider's listing and a rental, which the rollups count.
    await f.market.send(f.history.live[1] as `0x${string}`, "createListing", [
      { token: f.market.token, pricePerHour: UNIT, availableFrom: 0, availableUntil: 0, capacity: 1, metadata: JSON.stringify({ title: "Doomed GPU", category: "gpu" }) },
    ]);
    await f.market.send(f.history.live[0] as `0x${string}`, "rent", [4n, 1, 3n * UNIT]);
    const change = await f.market.send(provider, "updatePrice", [8n, 9n * UNIT]);
    const seen = await client.waitFor((m) => m.event === "ListingPriceUpdated" && m.listingId === "8");
    assert.equal(seen.blockNumber, Number(change.blockNumber));
    await f.waitForBlock(change.blockNumber);
    assert.equal((await call(f.url, "/marketplace/resources/8")).body.pricePerHour.amount, String(9n * UNIT));

    // The block with the price change vanishes: revert, then build a longer chain without it.
    await f.market.node.rpc("evm_revert", [snapshot]);
    for (let i = 0; i < 3; i++) await f.market.advance(7);
    const rollback = await client.waitFor((m) => m.type === "rollback");
    assert.equal(rollback.chainId, f.market.chainId);
    assert.ok(rollback.fromBlock <= Number(change.blockNumber), JSON.stringify(rollback));
    const head = await f.market.publicClient.getBlockNumber();
    await f.waitForBlock(head);
    await new Promise((r) => setTimeout(r, 100));
    const after = await call(f.url, "/marketplace/resources/8");
    assert.equal(after.body.pricePerHour.amount, String(5n * UNIT / 2n), "the cached detail was dropped on rollback");
    // The analytics rollups lost exactly what the rollback removed.
    const rolled = await rollupsAndRecount();
    assert.deepEqual(rolled.rollup, rolled.recount);
    assert.deepEqual(rolled.rollup, before.rollup);
    client.close();
  });

  it("drops cached analytics when rollups deferred by a backfill are computed", async () => {
    const usage = () => call(f.url, "/marketplace/analytics?metric=usage&time_range=0..&aggregation=monthly");
    const truth = (await usage()).body;
    // Rollups that disagree with the mirror, changed without a notification, read and cached once.
    await f.db.query("UPDATE api_hourly_stats SET requested = requested + 1000 WHERE chain_id = $1", [f.market.chainId]);
    const cached = (await call(f.url, "/marketplace/analytics?metric=usage&time_range=1..&aggregation=monthly")).body;
    assert.notDeepEqual(cached.totals, truth.totals, "the changed rollup was read");
    const again = async () => (await call(f.url, "/marketplace/analytics?metric=usage&time_range=1..&aggregation=monthly")).body;
    assert.deepEqual(await again(), cached, "and is served from the cache");

    // What a backfill into an empty mirror does at its end: recompute every rollup and say so.
    assert.ok((await deferRollups(f.db)) > 0);
    assert.ok((await finishDeferredRollups(f.db)) > 0);
    const deadline = Date.now() + 5_000;
    let after = await again();
    while (JSON.stringify(after.totals) !== JSON.stringify(truth.totals) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      after = await again();
    }
    assert.deepEqual(after.totals, truth.totals, "the recomputed rollups replaced the cached answer");
  });

  it("refuses foreign origins, too many subscriptions, oversized messages and slow readers", async () => {
    await assert.rejects(connect(f.url, { origin: "http://evil.test" }), /HTTP 403/);
    const ok = await connect(f.url, { origin: "http://app.test" });
    ok.close();

    const tight = await f.extraServer({ ws: { maxSubscriptions: 2, maxPayloadBytes: 512, nearEndScanMs: 60_000 } });
    const client = await connect(tight.url);
    client.ws.send(JSON.stringify({ op: "subscribe", channels: ["market", "resource:1", "resource:2"] }));
    const error = await client.waitFor((m) => m.type === "error");
    assert.match(error.error, /at most 2 subscriptions/);
    const subscribed = await client.waitFor((m) => m.type === "subscribed");
    assert.equal(subscribed.total, 2);
    client.ws.send(JSON.stringify({ op: "subscribe", channels: ["nonsense:1"] }));
    await client.waitFor((m) => m.type === "error" && /unknown channel/.test(m.error));
    const closed = new Promise<number>((resolve) => client.ws.once("close", (code) => resolve(code)));
    client.ws.send("x".repeat(2048));
    assert.equal(await closed, 1009);

    // A reader whose backlog passes the limit is closed rather than buffered for ever (limit below zero: the first push).
    const slowServer = await f.extraServer({ ws: { maxBufferedBytes: -1, nearEndScanMs: 60_000 } });
    const slow = await connect(slowServer.url);
    const slowClosed = new Promise<number>((resolve) => slow.ws.once("close", (code) => resolve(code)));
    slow.ws.send(JSON.stringify({ op: "subscribe", channels: ["market"] }));
    assert.equal(await slowClosed, 4008);
  });
});
