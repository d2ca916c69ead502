/**
 * The indexer as `npm run indexer` runs it, with its bounded V8 heap (package.json), backfills the
 * largest logs the contract emits: 40,000 listings with 4,096 bytes of metadata each, ~350 MB of log
 * data, more than the heap holds. Ranges fetched ahead would fill it; the indexer stops reading ahead
 * while the heap is full (sync/heap-room.ts). Without that the process ended with V8 out of memory.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Address } from "viem";

import { openDatabase } from "../../indexer/src/index.js";
import { indexerNodeOptions } from "../../scripts/lib/indexer-node-options.js";
import { runIndexerCli } from "./support/cli.js";
import { deployMarket, HOUR, UNIT, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";

const LISTINGS = 40_000;
const PER_TRANSACTION = 50; // Marketplace.MAX_BATCH
const METADATA_BYTES = 4096; // Marketplace.MAX_METADATA_BYTES

let node: TestNode;
let market: Market;
let dir: string;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  const provider = market.accounts[1] as Address;
  for (let created = 0; created < LISTINGS; created += PER_TRANSACTION) {
    const batch = Array.from({ length: PER_TRANSACTION }, (_, i) => {
      const head = `{"title":"listing ${created + i}","description":"`;
      return {
        token: market.token,
        pricePerHour: UNIT,
        availableFrom: 0,
        availableUntil: 0,
        capacity: 1,
        metadata: `${head}${"x".repeat(METADATA_BYTES - head.length - 2)}"}`,
      };
    });
    await market.send(provider, "createListings", [batch]);
  }
  await node.advance(HOUR);
  dir = await mkdtemp(path.join(tmpdir(), "indexer-heap-"));
}, { timeout: 300_000 });

after(async () => {
  await node?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("indexer under its bounded heap (pglite)", () => {
  it("backfills tens of thousands of largest listings without running out of memory", { timeout: 300_000 }, async () => {
    const options = await indexerNodeOptions();
    assert.ok(options.some((o) => o.startsWith("--max-old-space-size=")), `the indexer script bounds the heap: ${options.join(" ")}`);
    const result = await runIndexerCli({ node, market, dir, nodeOptions: options }, "--once");
    assert.equal(result.signal, null, `the indexer was killed (${result.signal}): ${result.stderr.slice(-2000)}`);
    assert.equal(result.code, 0, result.stderr.slice(-2000));

    const db = await openDatabase({ dataDir: dir });
    try {
      const { rows } = await db.query<{ n: number; full: number }>(
        "SELECT count(*)::int AS n, count(*) FILTER (WHERE octet_length(metadata) = $1)::int AS full FROM listings",
        [METADATA_BYTES],
      );
      assert.deepEqual(rows[0], { n: LISTINGS, full: LISTINGS });
    } finally {
      await db.close();
    }
  });
});
