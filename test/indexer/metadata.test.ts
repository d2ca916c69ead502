/**
 * Bad data never stops the indexer: listings whose metadata is not JSON, not an object, of the wrong
 * shape, nested absurdly deep, carrying NUL characters or not even UTF-8 are indexed with their raw
 * text, metadata_valid = false and the reason, in the same batch as well-formed ones, which stay
 * intact. The stored hash always equals the contract's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { encodeFunctionData, keccak256, type Hex } from "viem";

import { marketplaceAbi } from "../../generated/abis.js";
import { parseMetadata, verifyMirror } from "../../indexer/src/index.js";
import { compareWithContract } from "./support/check.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, testIndexer } from "./support/indexer.js";
import { deployMarket, UNIT, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";

const good = (title: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ title, description: "d", category: "gpu", resource_type: "compute", location: "eu-west", specifications: { memory_gb: 80 }, ...extra });

let deep: unknown = { leaf: 1 };
for (let i = 0; i < 30; i++) deep = { next: deep };

/** metadata sent, and whether the indexer should call it valid */
const CASES: { name: string; metadata: string; valid: boolean; error?: RegExp }[] = [
  { name: "well-formed", metadata: good("First GPU"), valid: true },
  { name: "not JSON", metadata: "{not json", valid: false, error: /not JSON/ },
  { name: "a JSON array", metadata: "[1,2,3]", valid: false, error: /not a JSON object/ },
  { name: "a JSON string", metadata: '"just text"', valid: false, error: /not a JSON object/ },
  { name: "title of the wrong type", metadata: JSON.stringify({ title: 7, category: "gpu" }), valid: false, error: /title is not a string/ },
  { name: "no title", metadata: JSON.stringify({ category: "gpu" }), valid: false, error: /title is missing/ },
  { name: "specifications an array", metadata: JSON.stringify({ title: "x", specifications: [1] }), valid: false, error: /specifications/ },
  { name: "NUL character in the text", metadata: `{"title":"nul\u0000here"}`, valid: false, error: /NUL/ },
  { name: "NUL escaped in JSON", metadata: JSON.stringify({ title: "esc\u0000aped" }), valid: false, error: /NUL/ },
  { name: "nested 30 levels deep", metadata: JSON.stringify({ title: "deep", specifications: deep }), valid: false, error: /deeper/ },
  { name: "unicode", metadata: good("Grafikkarte für KI 🚀 — ünïcödé"), valid: true },
  { name: "exactly 4096 bytes", metadata: sized(4096), valid: true },
  { name: "huge numbers in specifications", metadata: good("Big", { specifications: { memory_gb: 1e308, vcpus: 123456789012345678901234567890 } }), valid: true },
];

function sized(bytes: number): string {
  const base = good("Sized", { description: "" });
  const json = good("Sized", { description: "x".repeat(bytes - base.length) });
  assert.equal(Buffer.byteLength(json), bytes);
  return json;
}

let node: TestNode;
let market: Market;
/** Listing id of each case, in CASES order; then the invalid-UTF-8 listing. */
const ids: number[] = [];
let invalidUtf8Id = 0;
let rentalBlock = 0;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  const provider = market.accounts[1] as `0x${string}`;
  const params = (metadata: string) => ({ token: market.token, pricePerHour: UNIT, availableFrom: 0, availableUntil: 0, capacity: 2, metadata });
  for (const c of CASES) {
    await market.send(provider, "createListing", [params(c.metadata)]);
    ids.push(ids.length + 1);
  }
  // Bytes that are not UTF-8 at all cannot be written through a string encoder: patch the calldata.
  const marker = "MARKER-MARKER";
  const data = encodeFunctionData({ abi: marketplaceAbi, functionName: "createListing", args: [params(marker)] });
  const markerHex = Buffer.from(marker).toString("hex");
  const patched = data.replace(markerHex, "ff".repeat(4) + Buffer.from("fe80c0c1c2", "hex").toString("hex") + "41".repeat(marker.length - 9)) as Hex;
  await node.rpc("eth_sendTransaction", [{ from: provider, to: market.marketplace, data: patched }]);
  invalidUtf8Id = ids.length + 1;
  // The rest of the batch: a rental on a broken listing and on a good one, and metadata fixes both ways.
  const consumer = market.accounts[5] as `0x${string}`;
  await market.send(consumer, "rent", [2n, 2, UNIT]);
  await market.send(consumer, "rent", [1n, 1, UNIT]);
  rentalBlock = await node.blockNumber();
  await market.send(provider, "updateMetadata", [2n, good("Fixed now")]);
  await market.send(provider, "updateMetadata", [1n, "broken {"]);
});
after(async () => {
  await node?.stop();
});

for (const kind of dbKinds()) {
  describe(`bad metadata (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(kind);
    });
    after(async () => {
      await database?.close();
    });

    it("flags every malformed case in one batch and keeps the rest of the batch intact", async () => {
      const db = await database.schema();
      const indexer = testIndexer(db, market, {}, { sync: { initialBlockRange: 100_000 } });
      await indexer.backfill();
      assert.equal(indexer.metrics.chains[0]?.batchesCommitted, 1, "everything arrived in one batch");

      const rows = new Map((await db.query("SELECT * FROM listings ORDER BY listing_id")).rows.map((r) => [r.listing_id as number, r]));
      CASES.forEach((c, i) => {
        const id = ids[i] as number;
        if (id === 1 || id === 2) return; // rewritten below
        const row = rows.get(id);
        assert.ok(row, `listing for ${c.name}`);
        assert.equal(row.metadata_valid, c.valid, `${c.name}: ${row.metadata_error}`);
        if (c.valid) {
          assert.equal(row.metadata, c.metadata);
          assert.equal(row.metadata_error, null);
          assert.ok(row.title);
        } else {
          assert.match(row.metadata_error as string, c.error as RegExp, c.name);
          assert.equal(row.title, null);
          assert.equal(row.specifications, null);
          assert.ok(!(row.metadata as string).includes("\u0000"), "stored text has no NUL");
        }
      });
      const utf8 = rows.get(invalidUtf8Id);
      assert.ok(utf8);
      assert.equal(utf8.metadata_valid, false);
      assert.match(utf8.metadata_error as string, /UTF-8/);

      // Fixed and broken by updateMetadata.
      assert.equal(rows.get(2)?.metadata_valid, true);
      assert.equal(rows.get(2)?.title, "Fixed now");
      assert.equal(rows.get(1)?.metadata_valid, false);
      assert.equal(rows.get(1)?.title, null);
      assert.equal(rows.get(1)?.metadata, "broken {");
      const search = await db.query("SELECT listing_id FROM listings WHERE search_vector @@ plainto_tsquery('english', 'fixed')");
      assert.deepEqual(search.rows.map((r) => r.listing_id), [2]);

      // Rentals in the same batch, on a broken and on a good listing, are there.
      const rentals = await db.query("SELECT rental_id, listing_id, requested_block FROM rentals ORDER BY rental_id");
      assert.deepEqual(rentals.rows.map((r) => [r.rental_id, r.listing_id]), [[1, 2], [2, 1]]);
      assert.equal(rentals.rows[1]?.requested_block, rentalBlock);
      // Hashes, prices, open rentals... agree with the contract for every listing, the odd ones included.
      assert.deepEqual(await compareWithContract(db, market), []);
      const report = await verifyMirror({ db, chains: [chainOf(market)], logger: quietLogger });
      assert.ok(report.equal);
    });
  });
}

describe("parseMetadata", () => {
  it("refuses text above 4096 bytes, keeping it and its hash", () => {
    const big = JSON.stringify({ title: "big", description: "y".repeat(5000) });
    const parsed = parseMetadata(big);
    assert.equal(parsed.valid, false);
    assert.match(parsed.error as string, /larger than 4096 bytes/);
    assert.equal(parsed.raw, big);
    assert.match(parsed.hash, /^0x[0-9a-f]{64}$/);
  });

  it("keeps a real U+FFFD in valid UTF-8 apart from bytes the decoder replaced", () => {
    const text = JSON.stringify({ title: "a\uFFFDb" });
    const parsed = parseMetadata(text, Buffer.from(text, "utf8"));
    assert.equal(parsed.valid, true, String(parsed.error));
    assert.equal(parsed.title, "a\uFFFDb");
    const replaced = Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff]), Buffer.from('b"}')]);
    assert.match(parseMetadata(replaced.toString("utf8"), replaced).error as string, /not valid UTF-8/);
  });

  it("hashes the emitted bytes, not the decoded text", () => {
    const bytes = Buffer.from("ff41", "hex");
    const parsed = parseMetadata(bytes.toString("utf8"), bytes);
    assert.equal(parsed.hash, keccak256("0xff41"));
    assert.notEqual(parsed.hash, parseMetadata(bytes.toString("utf8")).hash);
    assert.equal(parsed.valid, false);
  });

  it("accepts missing optional fields and keeps specifications as given", () => {
    const parsed = parseMetadata(JSON.stringify({ title: "t", specifications: { a: [1, 2], b: { c: true } } }));
    assert.equal(parsed.valid, true);
    assert.equal(parsed.category, null);
    assert.deepEqual(parsed.specifications, { a: [1, 2], b: { c: true } });
  });
});
