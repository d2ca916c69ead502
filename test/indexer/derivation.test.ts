/**
 * Deferred derivation: a backfill into an empty mirror writes history deeper than the finality depth
 * as raw events only and derives listings, rentals and totals from them in SQL (migration 0114) before
 * its first batch near the head. The mirror it ends with must equal, row for row, one reduced batch by
 * batch (handlers/reduce.ts), and the contract's own views; an interrupted one must leave the record
 * for the restart, or a migration, to finish.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { diffMirrors, formatDiff, syncSettingsFromEnv, type Db } from "../../indexer/src/index.js";
import { compareWithContract } from "./support/check.js";
import { dbKinds, migrateWithOneMore, openTestDatabase, type TestDatabase } from "./support/db.js";
import { backfillFailingAt, SMALL_BATCHES, testIndexer } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { runClosingEvents, runScenario } from "./support/scenario.js";

// Most of the scenario lies deeper than this: its batches are deferred, the last few reduced.
const SHALLOW = { finalityDepth: 4 };

let node: TestNode;
let market: Market;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runClosingEvents(market);
  await runScenario(market, { seed: 31, steps: 160 });
});
after(async () => {
  await node?.stop();
});

async function count(db: Db, sql: string): Promise<number> {
  return Number((await db.query<{ n: number }>(`SELECT (${sql})::int AS n`)).rows[0]?.n);
}

async function assertSameMirror(db: Db, reference: Db): Promise<void> {
  const diff = await diffMirrors(db, { left: reference.schema, right: db.schema });
  assert.ok(diff.equal, formatDiff(diff));
}

for (const kind of dbKinds()) {
  describe(`deferred derivation (${kind})`, () => {
    let database: TestDatabase;
    let reference: Db;
    before(async () => {
      database = await openTestDatabase(kind);
      reference = await database.schema("derive_ref");
      await testIndexer(reference, market, SHALLOW, { sync: { ...SMALL_BATCHES, deferDerived: false } }).backfill();
      for (const table of ["listings", "rentals", "ratings", "listing_prices", "accounts", "settings", "payment_tokens"]) {
        assert.ok((await count(reference, `SELECT count(*) FROM ${table}`)) > 0, `the scenario fills ${table}`);
      }
      assert.ok((await count(reference, "SELECT count(*) FROM listings WHERE NOT metadata_valid")) > 0, "some metadata is malformed");
    });
    after(async () => {
      await database?.close();
    });

    it("writes deep batches as raw events only, then derives the same mirror as reducing every batch, equal to the contract", async () => {
      const db = await database.schema();
      // What the mirror holds after each batch, read in one statement (one snapshot).
      const snapshots: Promise<{ deferred: number; listings: number; metadata: number }>[] = [];
      await testIndexer(db, market, SHALLOW, {
        sync: SMALL_BATCHES,
        hooks: {
          onSync: (event) => {
            if (event.kind !== "block") return;
            snapshots.push(
              db
                .query<{ deferred: number; listings: number; metadata: number }>(
                  "SELECT (SELECT count(*) FROM deferred_derivations)::int AS deferred, (SELECT count(*) FROM listings)::int AS listings, " +
                    "(SELECT count(*) FROM deferred_listing_metadata)::int AS metadata",
                )
                .then((r) => r.rows[0]!),
            );
          },
        },
      }).backfill();
      const seen = await Promise.all(snapshots);
      const deferred = seen.filter((s) => s.deferred === 1);
      assert.ok(deferred.some((s) => s.metadata > 0), "deep batches stored their listings' parsed metadata");
      assert.deepEqual(deferred.filter((s) => s.listings > 0), [], "no listing row was written while deferred");
      assert.ok(seen.some((s) => s.deferred === 0), "the rows were derived before the backfill ended");

      assert.equal(await count(db, "SELECT count(*) FROM deferred_derivations"), 0);
      assert.equal(await count(db, "SELECT count(*) FROM deferred_listing_metadata"), 0, "the parsed metadata was taken and cleared");
      await assertSameMirror(db, reference);
      assert.deepEqual(await compareWithContract(db, market), []);
    });

    it("leaves events about listings and rentals from before the start block in raw_events only, as reducing does", async () => {
      // From a block after the first listings and rentals: later events name rows the mirror cannot know.
      const { rows } = await reference.query<{ b: number }>(
        "SELECT block_number AS b FROM raw_events WHERE event_name = 'RentalRequested' ORDER BY block_number LIMIT 1 OFFSET 3",
      );
      const startBlock = Number(rows[0]?.b) + 1;
      const late = { ...SHALLOW, startBlock };
      const reduced = await database.schema("derive_late_ref");
      await testIndexer(reduced, market, late, { sync: { ...SMALL_BATCHES, deferDerived: false } }).backfill();
      const orphans = await count(
        reduced,
        "SELECT count(*) FROM raw_events e WHERE e.rental_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM rentals r WHERE r.rental_id = e.rental_id)",
      );
      assert.ok(orphans > 0, "some events name a rental from before the start block");

      const db = await database.schema();
      await testIndexer(db, market, late, { sync: SMALL_BATCHES }).backfill();
      await assertSameMirror(db, reduced);
    });

    it("an interrupted backfill keeps the chain recorded, and the restart derives the mirror", async () => {
      const db = await database.schema();
      await backfillFailingAt(db, market, 4, SHALLOW);
      assert.equal(await count(db, "SELECT count(*) FROM deferred_derivations"), 1, "the record survives the failure");
      assert.ok((await count(db, "SELECT count(*) FROM raw_events")) > 0);
      assert.equal(await count(db, "SELECT count(*) FROM rentals"), 0);

      await testIndexer(db, market, SHALLOW, { sync: SMALL_BATCHES }).backfill();
      assert.equal(await count(db, "SELECT count(*) FROM deferred_derivations"), 0);
      await assertSameMirror(db, reference);
    });

    it("a backfill that stops short of the head derives what it wrote when it ends", async () => {
      const db = await database.schema();
      const { rows } = await reference.query<{ b: number }>("SELECT max(block_number) AS b FROM raw_events");
      const toBlock = Number(rows[0]?.b) - 20;
      await testIndexer(db, market, SHALLOW, { sync: SMALL_BATCHES }).backfill({ toBlock: { [market.chainId]: toBlock } });
      assert.equal(await count(db, "SELECT count(*) FROM deferred_derivations"), 0);
      assert.equal(
        await count(db, "SELECT count(*) FROM listings"),
        await count(db, "SELECT count(*) FROM raw_events WHERE event_name = 'ListingCreated'"),
      );

      await testIndexer(db, market, SHALLOW, { sync: SMALL_BATCHES }).backfill();
      await assertSameMirror(db, reference);
    });

    it("a pending migration derives a deferred chain before it runs", async () => {
      const db = await database.schema();
      await backfillFailingAt(db, market, 3, SHALLOW);
      assert.equal(await count(db, "SELECT count(*) FROM deferred_derivations"), 1);
      assert.deepEqual(await migrateWithOneMore(db, "test_noop", "SELECT 1;"), ["9999_test_noop"]);
      assert.equal(await count(db, "SELECT count(*) FROM deferred_derivations"), 0);
      assert.ok((await count(db, "SELECT count(*) FROM rentals")) > 0, "the rentals of the events written so far were derived");

      await testIndexer(db, market, SHALLOW, { sync: SMALL_BATCHES }).backfill();
      await assertSameMirror(db, reference);
    });
  });
}

describe("INDEXER_DEFER_DERIVED", () => {
  it("is on by default, turned off by 0, and refuses anything else", () => {
    assert.equal(syncSettingsFromEnv({}).deferDerived, true);
    assert.equal(syncSettingsFromEnv({ INDEXER_DEFER_DERIVED: "0" }).deferDerived, false);
    assert.throws(() => syncSettingsFromEnv({ INDEXER_DEFER_DERIVED: "maybe" }), /INDEXER_DEFER_DERIVED must be 1 or 0/);
  });
});
