/**
 * The read API over a mirror the real indexer built from a real chain history: every filter, sort and
 * page boundary, search relevance, recommendations, analytics against the chain's own events, CSV,
 * the unsigned write transactions (sent back to the chain to prove they work), and bad input.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getAddress, parseEventLogs } from "viem";
import { marketplaceAbi } from "../../generated/abis.js";
import { MAX_BUCKETS, resolveRange } from "../../indexer/src/api/queries/analytics.js";
import { call, type Fixture, startFixture } from "./support/fixture.js";
import { LISTINGS } from "./support/history.js";
import { UNIT } from "./support/market.js";

let f: Fixture;

before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.close();
});

/** Walks every page of a GET listing; fails on a duplicate id. */
async function allPages(path: string, limit: number): Promise<{ ids: string[]; total: number | null; pages: number; items: any[] }> {
  const ids: string[] = [];
  const items: any[] = [];
  let cursor: string | null = null;
  let total: number | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const r = await call(f.url, `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200, r.text);
    total = r.body.total;
    for (const item of r.body.items) {
      assert.ok(!ids.includes(item.id), `duplicate ${item.id} across pages of ${path}`);
      ids.push(item.id);
      items.push(item);
    }
    cursor = r.body.nextCursor;
    pages++;
    assert.ok(pages < 100, "paging does not end");
  } while (cursor);
  return { ids, total, pages, items };
}

async function chainEvents() {
  const logs = await f.market.publicClient.getLogs({ address: f.market.marketplace, fromBlock: BigInt(f.market.startBlock), toBlock: "latest" });
  return parseEventLogs({ abi: marketplaceAbi, logs });
}

describe("status, health, metrics, OpenAPI", () => {
  it("reports the indexed block against the chain head", async () => {
    const r = await call(f.url, "/marketplace/status");
    assert.equal(r.status, 200);
    const chain = r.body.chains.find((c: any) => c.chainId === f.market.chainId);
    assert.equal(chain.indexedBlock, Number(f.history.lastBlock));
    assert.equal(chain.headBlock, Number(f.history.lastBlock));
    assert.equal(chain.lagBlocks, 0);
    assert.equal(chain.eventsIndexed, (await chainEvents()).length);
  });

  it("answers liveness, readiness and Prometheus metrics", async () => {
    assert.equal((await call(f.url, "/healthz")).status, 200);
    assert.equal((await call(f.url, "/readyz")).status, 200);
    const m = await call(f.url, "/metrics");
    assert.equal(m.status, 200);
    assert.match(m.text, /marketplace_api_http_request_duration_seconds_bucket/);
    assert.match(m.text, new RegExp(`marketplace_api_indexed_block\\{chain_id="${f.market.chainId}"\\} ${f.history.lastBlock}`));
    assert.match(m.text, /marketplace_api_ws_clients 0/);
  });

  it("documents every route in /openapi.json, generated from the validating schemas", async () => {
    const r = await call(f.url, "/openapi.json");
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, "3.1.0");
    for (const route of f.api.router.routes) {
      assert.ok(r.body.paths[route.path]?.[route.method], `${route.method} ${route.path} missing`);
    }
    const list = r.body.paths["/marketplace/resources"].get;
    const sort = list.parameters.find((p: any) => p.name === "sort");
    assert.ok(sort.schema.enum.includes("price_asc"));
    assert.ok(r.body.paths["/marketplace/search"].post.requestBody.content["application/json"].schema.properties.filters);
  });
});

describe("GET /marketplace/resources", () => {
  it("pages through every active listing without duplicates or gaps, for every sort", async () => {
    const active = LISTINGS.map((_, i) => String(i + 1)).filter((id) => id !== "10");
    for (const sort of ["newest", "oldest", "price_asc", "price_desc", "rating", "popularity", "availability"]) {
      for (const limit of [1, 3, 5]) {
        const { ids, total } = await allPages(`/marketplace/resources?sort=${sort}`, limit);
        assert.equal(total, active.length, sort);
        assert.deepEqual([...ids].sort(), [...active].sort(), `${sort} limit ${limit}`);
      }
    }
  });

  it("orders by price, rating and popularity as asked", async () => {
    const byPrice = (await allPages("/marketplace/resources?sort=price_asc&active=any", 4)).items;
    const prices = byPrice.map((i) => BigInt(i.pricePerHour.amount));
    assert.deepEqual(prices, [...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const desc = (await allPages("/marketplace/resources?sort=price_desc", 4)).items;
    assert.equal(desc[0].id, "1"); // H100 at 10 FTNS is the dearest active listing
    const rating = (await allPages("/marketplace/resources?sort=rating", 20)).items;
    const scores = rating.map((i) => i.rating.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    const popular = (await allPages("/marketplace/resources?sort=popularity", 20)).items;
    assert.equal(popular[0].id, "1");
    assert.equal(popular[0].popularity.rentals, 3);
    const newest = (await allPages("/marketplace/resources?sort=newest", 20)).ids;
    assert.deepEqual(newest.map(Number), [...newest.map(Number)].sort((a, b) => b - a));
  });

  it("filters by category, type, location, provider, price, rating, activity, availability and specs", async () => {
    const ids = async (q: string) => (await allPages(`/marketplace/resources?${q}`, 50)).ids.map(Number).sort((a, b) => a - b);
    assert.deepEqual(await ids("category=gpu"), [1, 2, 3, 9]);
    assert.deepEqual(await ids("category=gpu&active=any"), [1, 2, 3, 9, 10]);
    assert.deepEqual(await ids("active=false"), [10]);
    assert.deepEqual(await ids("category=cpu,storage"), [4, 6, 8]);
    assert.deepEqual(await ids("category=cpu&category=storage"), [4, 6, 8]);
    assert.deepEqual(await ids("resource_type=api"), [5, 11]);
    assert.deepEqual(await ids("location=EU-West"), [1, 2, 7]);
    assert.deepEqual(await ids(`provider=${f.history.providers[1]?.toLowerCase()}`), [3, 4, 8, 12]);
    assert.deepEqual(await ids(`price_min=${3n * UNIT}&price_max=${6n * UNIT}`), [2, 3, 4, 5, 7, 9]);
    assert.deepEqual(await ids("min_rating=4"), [1, 2]);
    assert.deepEqual(await ids("spec=gpu_memory_gb>=40"), [1, 2, 9]);
    assert.deepEqual(await ids(`spec=${encodeURIComponent("gpu_memory_gb>=40")},${encodeURIComponent("vcpus<32")}`), [2]);
    assert.deepEqual(await ids("spec=gpu=A100"), [2]);
    assert.deepEqual(await ids("spec=ram_gb=256"), [1, 8]);
    // The windowed L40S listing is available for 90 days from its creation; a window a year out misses it.
    const now = await f.market.now();
    const later = now + 365 * 86400;
    assert.ok(!(await ids(`availability=${later}..${later + 3600}&category=gpu`)).includes(9));
    assert.ok((await ids(`availability=${now}..${now + 3600}&category=gpu`)).includes(9));
  });

  it("rejects a cursor replayed with other filters", async () => {
    const first = await call(f.url, "/marketplace/resources?limit=2&sort=price_asc");
    const r = await call(f.url, `/marketplace/resources?limit=2&sort=price_asc&category=gpu&cursor=${first.body.nextCursor}`);
    assert.equal(r.status, 400);
    assert.match(r.headers.get("content-type") ?? "", /application\/problem\+json/);
  });
});

describe("GET /marketplace/resources/{id}", () => {
  it("gives metadata, specs, price history, ratings, utilisation and the tx hashes", async () => {
    const r = await call(f.url, "/marketplace/resources/1");
    assert.equal(r.status, 200);
    const d = r.body;
    assert.equal(d.title, "NVIDIA H100 80GB GPU node");
    assert.equal(d.provider, getAddress(f.history.providers[0] as string));
    assert.equal(d.specifications.gpu_memory_gb, 80);
    assert.deepEqual(
      d.priceHistory.map((p: any) => [p.oldPrice?.amount ?? null, p.newPrice.amount]),
      [[null, String(12n * UNIT)], [String(12n * UNIT), String(10n * UNIT)]],
    );
    assert.equal(d.pricePerHour.amount, String(10n * UNIT));
    assert.equal(d.pricePerHour.formatted, "10");
    assert.deepEqual(d.ratingSummary.distribution, { "1": 0, "2": 0, "3": 0, "4": 1, "5": 1 });
    assert.equal(d.ratingSummary.average, 4.5);
    assert.equal(d.utilisation.capacity, 4);
    assert.equal(d.utilisation.activeRentals, 1);
    assert.equal(d.utilisation.ratio, 0.25);
    // Every listing event of listing 1 on chain, with its tx hash, in order.
    const events = (await chainEvents()).filter((e) => e.eventName.startsWith("Listing") && (e.args as any).listingId === 1n);
    assert.deepEqual(d.transactions.map((t: any) => [t.event, t.txHash]), events.map((e) => [e.eventName, e.transactionHash]));
    assert.equal(d.created.txHash, events[0]?.transactionHash);
    assert.equal(d.metadata.valid, true);
  });

  it("answers 404 for a listing that does not exist, 400 for a malformed id", async () => {
    assert.equal((await call(f.url, "/marketplace/resources/999")).status, 404);
    assert.equal((await call(f.url, "/marketplace/resources/abc")).status, 400);
    assert.equal((await call(f.url, "/marketplace/resources/0")).status, 400);
  });
});

describe("POST /marketplace/search", () => {
  it("finds GPU listings first for a GPU query, with facets over the whole match set", async () => {
    const r = await call(f.url, "/marketplace/search", { body: { query: "GPU" } });
    assert.equal(r.status, 200);
    const categories = r.body.items.map((i: any) => i.category);
    assert.ok(categories.length >= 4);
    assert.deepEqual(categories.slice(0, 4), ["gpu", "gpu", "gpu", "gpu"]);
    assert.equal(r.body.facets.category.find((c: any) => c.value === "gpu").count, 4);
    const relevances = r.body.items.map((i: any) => i.relevance);
    assert.deepEqual(relevances, [...relevances].sort((a: number, b: number) => b - a));
    assert.equal(r.body.total, r.body.items.length);
  });

  it("ranks a title match above a description-only match", async () => {
    const r = await call(f.url, "/marketplace/search", { body: { query: "inference", filters: { active: "any" } } });
    const ids = r.body.items.map((i: any) => i.id);
    assert.deepEqual(ids.slice(0, 2), ["5", "2"]); // title "… inference API" before description "… batch inference."
  });

  it("matches prefixes and tolerates typos", async () => {
    const prefix = await call(f.url, "/marketplace/search", { body: { query: "transcod" } });
    assert.deepEqual(prefix.body.items.map((i: any) => i.id), ["12"]);
    const typo = await call(f.url, "/marketplace/search", { body: { query: "nvidai" } });
    assert.deepEqual(typo.body.items.map((i: any) => i.id).sort(), ["1", "2", "9"]);
    const typo2 = await call(f.url, "/marketplace/search", { body: { query: "strorage" } });
    assert.deepEqual(typo2.body.items.map((i: any) => i.id), ["6"]);
  });

  it("spells a frequent prefix out as its lexemes, hyphenated compounds too, and matches what the prefix did", async () => {
    // "fine-tuning" is indexed as fine-tun, fine and tune; to_tsquery cannot write fine-tun back.
    const r = await call(f.url, "/marketplace/search", { body: { query: "fine-tuning", filters: { active: "any" } } });
    assert.match(r.body.interpretedAs, /'fine-tun'/);
    assert.deepEqual(r.body.items.map((i: any) => i.id), ["2"]);
    const withCategory = await call(f.url, "/marketplace/search", { body: { query: "fine tuning", filters: { active: "any", category: "gpu", price_max: String(10n * UNIT) } } });
    assert.deepEqual(withCategory.body.items.map((i: any) => i.id), ["2"]);
    const elsewhere = await call(f.url, "/marketplace/search", { body: { query: "fine-tuning", filters: { active: "any", category: "storage" } } });
    assert.deepEqual(elsewhere.body.items, []);
    assert.equal(elsewhere.body.total, 0);
  });

  it("combines text with filters, min_<spec> bounds and location", async () => {
    const r = await call(f.url, "/marketplace/search", {
      body: { query: "gpu", filters: { min_gpu_memory: 40, location: "eu-west" } },
    });
    assert.deepEqual(r.body.items.map((i: any) => i.id).sort(), ["1", "2"]);
    const mem = await call(f.url, "/marketplace/search", { body: { filters: { min_memory: 256 }, sort: "price_asc" } });
    assert.deepEqual(mem.body.items.map((i: any) => i.id), ["8", "4", "1"]);
    const priced = await call(f.url, "/marketplace/search", { body: { query: "gpu", filters: { price_max: String(5n * UNIT) } } });
    assert.deepEqual(priced.body.items.map((i: any) => i.id).sort(), ["3", "9"]);
    assert.equal(priced.body.facets.price.find((b: any) => b.bucket === "2_5").count, 1);
  });

  it("filters text matches on specifications as browsing does (the narrow copy holds them)", async () => {
    const specs = ["gpu_memory_gb>=40", "gpu_memory_gb<80", "vcpus>16", "gpu=A100", "ram_gb=256"];
    let found = 0;
    let narrowed = 0;
    for (const spec of specs) {
      const browsed = await allPages(`/marketplace/resources?spec=${encodeURIComponent(spec)}`, 50);
      const [, key, op, raw] = /^([a-z_]+)(>=|<=|>|<|=)(.+)$/.exec(spec) as string[];
      const value = Number.isNaN(Number(raw)) ? raw : Number(raw);
      const condition = op === "=" ? value : { ">=": { gte: value }, "<=": { lte: value }, ">": { gt: value }, "<": { lt: value } }[op as string];
      for (const query of ["gpu", "compute"]) {
        const all = await call(f.url, "/marketplace/search", { body: { query, limit: 100 } });
        const filtered = await call(f.url, "/marketplace/search", { body: { query, limit: 100, filters: { specs: { [key as string]: condition } } } });
        assert.equal(filtered.status, 200, filtered.text);
        const expected = all.body.items.map((i: any) => i.id).filter((id: string) => browsed.ids.includes(id)).sort();
        assert.deepEqual(filtered.body.items.map((i: any) => i.id).sort(), expected, `${query} with ${spec}`);
        assert.equal(filtered.body.total, expected.length);
        found += expected.length;
        if (expected.length < all.body.items.length) narrowed++;
      }
    }
    assert.ok(found > 0 && narrowed > 0, "the specifications both keep and drop matches");
  });

  it("counts each facet without its own filter, and with every other filter", async () => {
    const search = async (body: object) => {
      const r = await call(f.url, "/marketplace/search", { body });
      assert.equal(r.status, 200, r.text);
      return r.body;
    };
    const tally = (items: any[], pick: (i: any) => string) => {
      const counts = new Map<string, number>();
      for (const i of items) counts.set(pick(i), (counts.get(pick(i)) ?? 0) + 1);
      return [...counts].sort();
    };
    const values = (facet: { value: string | null; count: number }[]) => facet.map((v) => [v.value, v.count]).sort();
    for (const sort of ["relevance", "price_asc"]) {
      const all = await search({ query: "compute", sort, limit: 100 });
      const cpu = await search({ query: "compute", sort, limit: 100, filters: { category: "cpu" } });
      assert.ok(cpu.items.length > 0 && cpu.items.every((i: any) => i.category === "cpu"));
      // The category facet still offers the other categories, counted as if no category were chosen...
      assert.deepEqual(values(cpu.facets.category), values(all.facets.category));
      assert.ok(cpu.facets.category.some((v: any) => v.value === "gpu" && v.count > 0), sort);
      // ...while the other facets count only what the category filter lets through.
      assert.deepEqual(values(cpu.facets.resourceType), tally(cpu.items, (i) => i.resourceType));
      assert.deepEqual(values(cpu.facets.location), tally(cpu.items, (i) => i.location));
      assert.equal(cpu.facets.exact, true);

      const gpu = await search({ query: "gpu", sort, limit: 100 });
      const cheap = await search({ query: "gpu", sort, limit: 100, filters: { price_max: String(5n * UNIT), location: "us-east" } });
      assert.ok(cheap.items.length > 0 && cheap.items.length < gpu.items.length);
      const byLocation = await search({ query: "gpu", sort, limit: 100, filters: { location: "us-east" } });
      assert.deepEqual(cheap.facets.price, byLocation.facets.price);
      const byPrice = await search({ query: "gpu", sort, limit: 100, filters: { price_max: String(5n * UNIT) } });
      assert.deepEqual(values(cheap.facets.location), values(byPrice.facets.location));
      assert.ok(values(cheap.facets.location).length > 1, sort);
      assert.deepEqual(values(cheap.facets.category), tally(cheap.items, (i) => i.category));
    }
  });

  it("pages relevance results without duplicates", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await call(f.url, "/marketplace/search", { body: { query: "gpu", limit: 1, cursor, facets: false } });
      assert.equal(r.status, 200, r.text);
      for (const i of r.body.items) {
        assert.ok(!seen.includes(i.id));
        seen.push(i.id);
      }
      cursor = r.body.nextCursor ?? undefined;
    } while (cursor);
    assert.equal(seen.length, 4);
  });

  it("refuses a relevance cursor whose ranking pool was changed", async () => {
    const first = await call(f.url, "/marketplace/search", { body: { query: "gpu", limit: 1, facets: false } });
    const state = JSON.parse(Buffer.from(first.body.nextCursor, "base64url").toString("utf8"));
    for (const pool of [5, 10_000, "500", 250.5]) {
      const cursor = Buffer.from(JSON.stringify({ ...state, k: [state.k[0], state.k[1], pool] })).toString("base64url");
      const r = await call(f.url, "/marketplace/search", { body: { query: "gpu", limit: 1, cursor, facets: false } });
      assert.equal(r.status, 400, `pool ${pool}: ${r.text}`);
    }
  });
});

describe("GET /marketplace/transactions", () => {
  it("filters by user and role, status, listing and date range, paging without gaps", async () => {
    const c1 = f.history.consumers[0] as string;
    const p1 = f.history.providers[0] as string;
    const ids = async (q: string) => (await allPages(`/marketplace/transactions?${q}`, 2)).ids.map(Number).sort((a, b) => a - b);
    assert.deepEqual(await ids(`user_id=${c1}`), [1, 2]);
    assert.deepEqual(await ids(`user_id=${c1}&role=provider`), []);
    assert.deepEqual(await ids(`user_id=${p1}&role=provider`), [1, 2, 3, 4, 8, 9]);
    assert.deepEqual(await ids(`user_id=${p1}&role=provider&status=completed`), [1, 2, 3]);
    assert.deepEqual(await ids("status=rejected,cancelled,expired"), [4, 5, 6]);
    assert.deepEqual(await ids("status=disputed"), [8]);
    assert.deepEqual(await ids("status=resolved"), [7]);
    assert.deepEqual(await ids("status=requested"), [10]);
    assert.deepEqual(await ids("listing=6"), [10, 11]);
    assert.deepEqual(await ids(""), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const all = await allPages("/marketplace/transactions?sort=oldest", 3);
    assert.equal(all.total, 11);
    // Date range: only what was requested on the third day.
    const r9 = (await call(f.url, "/marketplace/transactions/7")).body;
    const from = Math.floor(Date.parse(r9.requested.time) / 1000);
    assert.deepEqual(await ids(`date_range=${from}..`), [7, 8, 9, 10, 11]);
    assert.deepEqual(await ids(`date_range=..${from - 1}`), [1, 2, 3, 4, 5, 6]);
  });

  it("gives one rental with every transition, its tx hash, block and time, and the money", async () => {
    const r = await call(f.url, "/marketplace/transactions/2");
    assert.equal(r.status, 200);
    const d = r.body;
    const onChain = (await chainEvents()).filter((e) => (e.args as any).rentalId === 2n);
    assert.deepEqual(
      d.transitions.map((t: any) => [t.event, t.txHash, t.blockNumber]),
      onChain.map((e) => [e.eventName, e.transactionHash, Number(e.blockNumber)]),
    );
    assert.deepEqual(d.transitions.map((t: any) => t.event), ["RentalRequested", "RentalAccepted", "PaymentReleased", "RentalTerminated", "RentalRated"]);
    assert.equal(d.status, "completed");
    const released = onChain.filter((e) => e.eventName === "PaymentReleased" || e.eventName === "RentalTerminated").reduce((a, e) => a + (e.args as any).gross, 0n);
    const fees = onChain.filter((e) => e.eventName === "PaymentReleased" || e.eventName === "RentalTerminated").reduce((a, e) => a + (e.args as any).fee, 0n);
    const refund = (onChain.find((e) => e.eventName === "RentalTerminated")?.args as any).refund as bigint;
    assert.equal(d.escrowed.amount, String(18n * UNIT));
    assert.equal(d.released.amount, released.toString());
    assert.equal(d.fees.amount, fees.toString());
    assert.equal(d.refunded.amount, refund.toString());
    assert.equal(d.providerReceived.amount, (released - fees).toString());
    assert.equal(BigInt(d.released.amount) + BigInt(d.refunded.amount), 18n * UNIT);
    assert.equal(d.heldInEscrow.amount, "0");
    assert.equal((await call(f.url, "/marketplace/transactions/99")).status, 404);
  });

  it("exports the same filters as CSV for billing", async () => {
    const p1 = f.history.providers[0] as string;
    const inits: { path: string; headers: Record<string, string> }[] = [
      { path: `/marketplace/transactions?user_id=${p1}&format=csv`, headers: {} },
      { path: `/marketplace/transactions?user_id=${p1}`, headers: { accept: "text/csv" } },
    ];
    for (const init of inits) {
      const r = await call(f.url, init.path, { headers: init.headers });
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /text\/csv/);
      const lines = r.text.trim().split("\r\n");
      const header = (lines[0] as string).split(",");
      assert.equal(header[0], "rental_id");
      assert.deepEqual(lines.slice(1).map((l) => Number(l.split(",")[0])).sort((a, b) => a - b), [1, 2, 3, 4, 8, 9]);
      const row2 = (lines.find((l) => l.startsWith("2,")) as string).split(",");
      const detail = (await call(f.url, "/marketplace/transactions/2")).body;
      assert.equal(row2[header.indexOf("released")], detail.released.amount);
      assert.equal(row2[header.indexOf("refunded")], detail.refunded.amount);
      assert.equal(row2[header.indexOf("requested_tx")], detail.requested.txHash);
    }
  });
});

describe("GET /marketplace/recommendations", () => {
  it("recommends what people with the same rentals rented, saying why", async () => {
    // consumer 5 rented the H100 (listing 1); consumers 1 and 2 rented it too, and also the A100 (listing 2).
    const r = await call(f.url, `/marketplace/recommendations?user_id=${f.history.consumers[4]}&count=5`);
    assert.equal(r.status, 200);
    const first = r.body.items[0];
    assert.equal(first.id, "2");
    assert.equal(first.reason.kind, "collaborative");
    assert.match(first.reason.text, /2 people who rented NVIDIA H100/);
    const ids = r.body.items.map((i: any) => i.id);
    assert.ok(!ids.includes("1"), "never what the user already rented");
    assert.ok(!ids.includes("10"), "never inactive listings");
    // Content-based next: the other GPUs.
    const content = r.body.items.filter((i: any) => i.reason.kind === "content");
    assert.ok(content.length > 0 && content.every((i: any) => i.category === "gpu"));
  });

  it("falls back to popularity and rating for a newcomer, never the user's own listings", async () => {
    const r = await call(f.url, `/marketplace/recommendations?user_id=${f.history.newcomer}&count=3`);
    assert.deepEqual(r.body.items.map((i: any) => i.reason.kind), ["popular", "popular", "popular"]);
    assert.equal(r.body.items[0].id, "1");
    const own = await call(f.url, `/marketplace/recommendations?user_id=${f.history.providers[0]}&count=20`);
    const provider = getAddress(f.history.providers[0] as string);
    assert.ok(own.body.items.length > 0);
    assert.ok(own.body.items.every((i: any) => i.provider !== provider && i.active));
    const cats = await call(f.url, `/marketplace/recommendations?user_id=${f.history.newcomer}&categories=storage,cpu`);
    assert.ok(cats.body.items.every((i: any) => ["storage", "cpu"].includes(i.category)));
  });
});

describe("GET /marketplace/analytics", () => {
  it("keeps the most recent buckets of a range longer than the cap, and leaves shorter ranges alone", () => {
    const to = 1_800_000_000;
    const halfYear = resolveRange({ from: to - 180 * 86400, to }, "hourly", to);
    assert.deepEqual(halfYear, { from: to - MAX_BUCKETS * 3600, to });
    const week = resolveRange({ from: to - 7 * 86400, to }, "hourly", to);
    assert.deepEqual(week, { from: to - 7 * 86400, to });
    assert.deepEqual(resolveRange({ from: to - 180 * 86400, to }, "daily", to), { from: to - 180 * 86400, to });
  });

  it("revenue and usage sums equal the chain's own events", async () => {
    const events = await chainEvents();
    const sum = (names: string[], field: string) =>
      events.filter((e) => names.includes(e.eventName)).reduce((a, e) => a + BigInt((e.args as any)[field]), 0n);
    const volume = sum(["RentalRequested"], "amount") + sum(["RentalExtended"], "extraAmount");
    const fees = sum(["PaymentReleased", "RentalTerminated", "RentalSettled", "DisputeResolved"], "fee");
    const released = sum(["PaymentReleased", "RentalTerminated", "RentalSettled"], "gross") + sum(["DisputeResolved"], "toProvider");
    const refunded = sum(["RentalRejected", "RentalCancelled", "RentalExpired", "RentalTerminated"], "refund") + sum(["DisputeResolved"], "toConsumer");
    for (const aggregation of ["hourly", "daily", "monthly"]) {
      const r = await call(f.url, `/marketplace/analytics?metric=revenue&time_range=0..&aggregation=${aggregation}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.totals.volume.amount, volume.toString(), aggregation);
      assert.equal(r.body.totals.fees.amount, fees.toString());
      assert.equal(r.body.totals.released.amount, released.toString());
      assert.equal(r.body.totals.refunded.amount, refunded.toString());
      const seriesVolume = r.body.series.reduce((a: bigint, s: any) => a + BigInt(s.volume.amount), 0n);
      assert.equal(seriesVolume, volume);
    }
    const daily = await call(f.url, "/marketplace/analytics?metric=usage&time_range=0..&aggregation=daily");
    assert.equal(daily.body.series.length, 3, "three days of history");
    assert.equal(daily.body.totals.rentalsRequested, events.filter((e) => e.eventName === "RentalRequested").length);
    assert.equal(daily.body.totals.rentalsStarted, events.filter((e) => e.eventName === "RentalAccepted").length);
    assert.equal(BigInt(daily.body.totals.hoursRented), sum(["RentalRequested"], "hoursBooked") + sum(["RentalExtended"], "extraHours"));
    const trends = await call(f.url, "/marketplace/analytics?metric=trends&time_range=0..&aggregation=daily");
    assert.equal(trends.body.totals.listingsCreated, 12);
    assert.equal(trends.body.totals.newProviders, 3);
    assert.equal(trends.body.totals.activeListingsNow, 11);
    assert.deepEqual(trends.body.series.map((s: any) => s.activeListings), [12, 11, 11]); // listing 10 deactivated on day 2
    assert.deepEqual(trends.body.series.map((s: any) => s.newProviders), [3, 0, 0]);
    assert.equal(trends.body.series[0].averagePricePerCategory.gpu.average.amount, String(9n * UNIT)); // (12 + 6) / 2
  });

  it("a later range carries the active listings counted before it, and a listing's buckets are the full range's", async () => {
    const all = await call(f.url, "/marketplace/analytics?metric=trends&time_range=0..&aggregation=daily");
    const second = all.body.series[1].bucket;
    const later = await call(f.url, `/marketplace/analytics?metric=trends&time_range=${second}..&aggregation=daily`);
    assert.equal(later.status, 200, later.text);
    const active = (r: any) => r.body.series.map((s: any) => [s.bucket, s.activeListings]);
    assert.deepEqual(active(later), active(all).slice(1));
    assert.equal(later.body.totals.activeListingsNow, all.body.totals.activeListingsNow);
    const full = await call(f.url, "/marketplace/analytics/resource/1?time_range=0..&aggregation=hourly");
    const from = full.body.series[1].bucket;
    const part = await call(f.url, `/marketplace/analytics/resource/1?time_range=${from}..&aggregation=hourly`);
    assert.deepEqual(part.body.series, full.body.series.slice(1));
  });

  it("gives a provider's earnings, completion rate, acceptance latency, disputes and rating", async () => {
    const p1 = f.history.providers[0] as string;
    const r = await call(f.url, `/marketplace/analytics/provider/${p1}`);
    assert.equal(r.status, 200);
    const events = await chainEvents();
    const rentalsOfP1 = new Set([1n, 2n, 3n, 4n, 8n, 9n]);
    let earned = 0n;
    for (const e of events) {
      const a = e.args as any;
      if (rentalsOfP1.has(a.rentalId) && ["PaymentReleased", "RentalTerminated", "RentalSettled"].includes(e.eventName)) earned += (a.gross as bigint) - (a.fee as bigint);
    }
    assert.equal(r.body.earnings.fromRentals.amount, earned.toString());
    assert.equal(r.body.completionRate, 0.75); // 3 completed of 4 decided (one rejected)
    assert.equal(r.body.disputes, 1);
    assert.equal(r.body.rating.count, 3);
    assert.equal(r.body.rating.average, 4.33);
    assert.equal(r.body.acceptance.accepted, 5);
    assert.ok(r.body.acceptance.averageSeconds >= 0 && r.body.acceptance.averageSeconds < 30);
    assert.equal((await call(f.url, "/marketplace/analytics/provider/0x123")).status, 400);
  });

  it("gives a listing's utilisation, revenue and rating over time", async () => {
    const r = await call(f.url, "/marketplace/analytics/resource/1?time_range=0..&aggregation=daily");
    assert.equal(r.status, 200);
    const volume = r.body.series.reduce((a: bigint, s: any) => a + BigInt(s.volume.amount), 0n);
    assert.equal(volume.toString(), r.body.totals.volume.amount);
    assert.equal(r.body.series.reduce((a: number, s: any) => a + s.hoursBooked, 0), 2 + 1 + 7);
    assert.ok(r.body.series.some((s: any) => s.rating?.average === 5));
    assert.equal((await call(f.url, "/marketplace/analytics/resource/999")).status, 404);
  });
});

describe("bad input answers 4xx with problem+json, never 500", () => {
  const cases: [string, string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number][] = [
    ["GET", "/marketplace/resources?price_min=-1", {}, 400],
    ["GET", "/marketplace/resources?price_max=1e400", {}, 400],
    ["GET", `/marketplace/resources?price_max=${"9".repeat(100)}`, {}, 400],
    ["GET", "/marketplace/resources?limit=0", {}, 400],
    ["GET", "/marketplace/resources?limit=1000", {}, 400],
    ["GET", "/marketplace/resources?limit=abc", {}, 400],
    ["GET", "/marketplace/resources?provider=0xnothex", {}, 400],
    ["GET", "/marketplace/resources?provider=0x1234", {}, 400],
    ["GET", "/marketplace/resources?unknown=1", {}, 400],
    ["GET", "/marketplace/resources?category=gpu'%3B%20DROP%20TABLE%20listings%3B--", {}, 400],
    ["GET", "/marketplace/resources?location=%25%27%20OR%201%3D1--", {}, 400],
    ["GET", "/marketplace/resources?spec=memory_gb%3E%3Dabc", {}, 400],
    ["GET", "/marketplace/resources?spec=x%3B%20DROP", {}, 400],
    ["GET", "/marketplace/resources?min_rating=6", {}, 400],
    ["GET", "/marketplace/resources?availability=tomorrow", {}, 400],
    ["GET", "/marketplace/resources?cursor=bm90IGEgY3Vyc29y", {}, 400],
    ["GET", "/marketplace/resources?cursor=%27%3B--", {}, 400],
    ["GET", "/marketplace/resources?sort=relevance", {}, 400],
    ["GET", "/marketplace/resources/-1", {}, 400],
    ["GET", `/marketplace/resources/${"9".repeat(30)}`, {}, 400],
    ["GET", "/marketplace/resources/1%20OR%201=1", {}, 400],
    ["GET", "/marketplace/transactions?user_id=nobody", {}, 400],
    ["GET", "/marketplace/transactions?status=paid", {}, 400],
    ["GET", "/marketplace/transactions?date_range=2026-13-45..", {}, 400],
    ["GET", "/marketplace/transactions?date_range=5..1", {}, 400],
    ["GET", "/marketplace/recommendations", {}, 400],
    ["GET", "/marketplace/recommendations?user_id=0x0000000000000000000000000000000000000001&count=-5", {}, 400],
    ["GET", "/marketplace/analytics?metric=profit", {}, 400],
    ["GET", "/marketplace/analytics?metric=usage&aggregation=weekly", {}, 400],
    ["POST", "/marketplace/search", { body: { query: 42 } }, 400],
    ["POST", "/marketplace/search", { body: { query: "gpu", limit: 101 } }, 400],
    ["POST", "/marketplace/search", { body: { query: "gpu", limit: 2.5 } }, 400],
    ["POST", "/marketplace/search", { body: { query: "gpu", bogus: true } }, 400],
    ["POST", "/marketplace/search", { body: { filters: { colour: "red" } } }, 400],
    ["POST", "/marketplace/search", { body: { filters: { min_memory: "lots" } } }, 400],
    ["POST", "/marketplace/search", { body: { filters: { price_min: -5 } } }, 400],
    ["POST", "/marketplace/search", { body: { filters: { specs: { "a'b": 1 } } } }, 400],
    ["POST", "/marketplace/search", { body: { query: "x".repeat(500) } }, 400],
    ["POST", "/marketplace/search", { body: [1, 2, 3] }, 400],
    ["POST", "/marketplace/search", { raw: "{not json", headers: { "content-type": "application/json" } }, 400],
    ["POST", "/marketplace/search", { raw: JSON.stringify({ query: "x".repeat(200_000) }), headers: { "content-type": "application/json" } }, 413],
    ["POST", "/marketplace/search", { raw: "query=gpu", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415],
    ["POST", "/marketplace/transactions", { body: { from: "0x0000000000000000000000000000000000000001", listing_id: 1, hours: -1 } }, 400],
    ["POST", "/marketplace/transactions", { body: { from: "0x0000000000000000000000000000000000000001", listing_id: 1, hours: 2 ** 40 } }, 400],
    ["POST", "/marketplace/transactions", { body: { from: "0x0000000000000000000000000000000000000001", listing_id: "1; DROP TABLE rentals", hours: 1 } }, 400],
    ["POST", "/marketplace/transactions", { body: { from: "me", listing_id: 1, hours: 1 } }, 400],
    ["POST", "/marketplace/resources", { body: { from: "0x0000000000000000000000000000000000000001", price_per_hour: "1.5", metadata: "x" } }, 400],
    ["POST", "/marketplace/resources", { body: { from: "0x0000000000000000000000000000000000000001", price_per_hour: "1", metadata: "x", extra: 1 } }, 400],
    ["PATCH", "/marketplace/resources", {}, 405],
    ["DELETE", "/marketplace/search", {}, 405],
    ["GET", "/marketplace/nothing", {}, 404],
  ];
  for (const [method, path, init, status] of cases) {
    it(`${method} ${path.slice(0, 90)} → ${status}`, async () => {
      const r = await call(f.url, path, { method, ...init });
      assert.equal(r.status, status, r.text.slice(0, 300));
      assert.match(r.headers.get("content-type") ?? "", /application\/problem\+json/);
      assert.equal(r.body.status, status);
      assert.ok(r.body.title && r.body.type);
    });
  }
  it("still has every table after the SQL metacharacters", async () => {
    const r = await call(f.url, "/marketplace/resources?active=any&limit=100");
    assert.equal(r.body.total, 12);
  });
});

describe("unsigned write transactions", () => {
  const post = (path: string, body: unknown, method = "POST") => call(f.url, path, { method, body });

  it("refuses what the contract would refuse, naming the contract's reason", async () => {
    const consumer = f.history.live[0] as string;
    const p1 = f.history.providers[0] as string;
    const reasons: [unknown, string, number][] = [
      [{ from: consumer, listing_id: 1, hours: 0 }, "Marketplace_InvalidHours", 422],
      [{ from: consumer, listing_id: 1, hours: 24 * 365 + 1 }, "Marketplace_InvalidHours", 422],
      [{ from: consumer, listing_id: 10, hours: 1 }, "Marketplace_ListingInactive", 422],
      [{ from: p1, listing_id: 1, hours: 1 }, "Marketplace_SelfRental", 422],
      [{ from: consumer, listing_id: 1, hours: 1, max_price_per_hour: "1" }, "Marketplace_PriceAboveMax", 422],
      [{ from: consumer, action: "accept", rental_id: 1 }, "Marketplace_InvalidStatus", 422],
      [{ from: consumer, action: "rate", rental_id: 1, score: 5 }, undefined as unknown as string, 403],
      [{ from: f.history.consumers[0], action: "rate", rental_id: 1, score: 5 }, "Marketplace_AlreadyRated", 422],
      [{ from: f.history.consumers[4], action: "settle", rental_id: 9 }, "Marketplace_RentalNotEnded", 422],
    ];
    for (const [body, reason, status] of reasons) {
      const r = await post("/marketplace/transactions", body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      if (reason) assert.equal(r.body.reason, reason);
    }
    assert.equal((await post("/marketplace/transactions", { from: consumer, listing_id: 999, hours: 1 })).status, 404);
    const create = (extra: object) => post("/marketplace/resources", { from: p1, price_per_hour: "1000", metadata: { title: "x", category: "gpu" }, ...extra });
    assert.equal((await create({ price_per_hour: "0" })).body.reason, "Marketplace_ZeroPrice");
    assert.equal((await create({ capacity: 0 })).body.reason, "Marketplace_ZeroCapacity");
    assert.equal((await create({ price_per_hour: (2n ** 96n).toString() })).body.reason, "PriceOutOfRange");
    assert.equal((await create({ metadata: "é".repeat(2049) })).body.reason, "Marketplace_InvalidMetadataLength");
    assert.equal((await create({ available_from: 100, available_until: 50 })).body.reason, "Marketplace_InvalidAvailability");
    assert.equal((await post("/marketplace/resources/1", { from: consumer, price_per_hour: "5" }, "PUT")).status, 403);
    assert.equal((await post("/marketplace/resources/10", { from: p1, active: false }, "PUT")).body.reason, "Marketplace_ListingStatusUnchanged");
    assert.equal((await call(f.url, `/marketplace/resources/10?from=${p1}`, { method: "DELETE" })).body.reason, "Marketplace_ListingStatusUnchanged");
  });

  it("answers transactions that the chain accepts when the wallet signs them", async () => {
    const consumer = f.history.live[0] as `0x${string}`;
    const p2 = f.history.providers[1] as `0x${string}`;
    const send = async (tx: any) => {
      assert.equal(tx.to, f.market.marketplace);
      assert.equal(tx.chainId, f.market.chainId);
      const hash = await f.market.wallet.sendTransaction({ account: tx.from, to: tx.to, data: tx.data, chain: null } as any);
      const receipt = await f.market.publicClient.waitForTransactionReceipt({ hash });
      assert.equal(receipt.status, "success");
      return receipt;
    };
    const rent = await post("/marketplace/transactions", { from: consumer, listing_id: "3", hours: 2 });
    assert.equal(rent.status, 200, rent.text);
    assert.equal(rent.body.escrow.amount, String(6n * UNIT));
    const receipt = await send(rent.body.transaction);
    const created = await post("/marketplace/resources", {
      from: p2,
      price_per_hour: String(7n * UNIT),
      capacity: 2,
      metadata: { title: "Fresh GPU listing", category: "gpu", specifications: { gpu_memory_gb: 24 } },
    });
    assert.equal(created.status, 200, created.text);
    await send(created.body.transaction);
    const update = await post("/marketplace/resources/4", { from: p2, price_per_hour: String(4n * UNIT), capacity: 5 }, "PUT");
    assert.deepEqual(update.body.transactions.map((t: any) => t.function), ["updatePrice", "updateCapacity"]);
    for (const tx of update.body.transactions) await send(tx);
    const del = await call(f.url, `/marketplace/resources/12?from=${p2}`, { method: "DELETE" });
    const last = await send(del.body.transaction);

    // The indexer follows; the API sees the new state once the commit arrives.
    f.follow();
    await f.waitForBlock(last.blockNumber);
    await new Promise((r) => setTimeout(r, 100));
    const full = await post("/marketplace/transactions", { from: f.history.live[1], listing_id: "3", hours: 1 });
    assert.equal(full.body.reason, "Marketplace_CapacityFull");
    const l4 = await call(f.url, "/marketplace/resources/4");
    assert.equal(l4.body.pricePerHour.amount, String(4n * UNIT));
    assert.equal(l4.body.capacity, 5);
    assert.equal((await call(f.url, "/marketplace/resources/13")).body.title, "Fresh GPU listing");
    // The new listing's specifications reached the narrow search copy.
    const fresh = await call(f.url, "/marketplace/search", { body: { query: "fresh", filters: { specs: { gpu_memory_gb: { gte: 24, lt: 25 } } } } });
    assert.deepEqual(fresh.body.items.map((i: any) => i.id), ["13"]);
    assert.equal((await call(f.url, "/marketplace/resources/12")).body.active, false);
    const mine = await call(f.url, `/marketplace/transactions?user_id=${consumer}`);
    assert.equal(mine.body.items[0].requested.txHash, receipt.transactionHash);
  });
});
