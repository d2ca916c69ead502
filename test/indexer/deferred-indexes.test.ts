/**
 * Deferred indexes: a backfill into an empty mirror runs without the secondary indexes of the history
 * tables and ends with every one of them rebuilt exactly as the migrations define it; an interrupted
 * one leaves their definitions behind for the restart (or a migration) to build; a mirror that already
 * holds events, or a setting of 0, keeps them throughout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { syncSettingsFromEnv, type Db } from "../../indexer/src/index.js";
import { dbKinds, migrateWithOneMore, openTestDatabase, type TestDatabase } from "./support/db.js";
import { backfillFailingAt, SMALL_BATCHES, testIndexer } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { runScenario } from "./support/scenario.js";

let node: TestNode;
let market: Market;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 5, steps: 40 });
});
after(async () => {
  await node?.stop();
});

/** Every index of the schema as `CREATE INDEX ...`, the schema's name taken out so two schemas compare. */
async function indexDefinitions(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ def: string }>(
    "SELECT replace(indexdef, ' ON ' || quote_ident(schemaname) || '.', ' ON ') AS def FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
    [db.schema],
  );
  return rows.map((r) => r.def);
}

/**
 * Hooks that read the schema's indexes once the first batch has committed (a batch's own hooks run
 * inside its transaction, where PGlite's single connection is taken).
 */
function watchIndexes(db: Db) {
  let seen: Promise<string[]> | undefined;
  return {
    hooks: {
      onSync: (event: { kind: string }) => {
        if (event.kind === "block") seen ??= indexDefinitions(db);
      },
    },
    during: () => {
      assert.ok(seen, "a batch was committed");
      return seen;
    },
  };
}

async function deferredCount(db: Db): Promise<number> {
  return (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM deferred_indexes")).rows[0]?.n ?? -1;
}

for (const kind of dbKinds()) {
  describe(`deferred indexes (${kind})`, () => {
    let database: TestDatabase;
    let migrated: string[];
    before(async () => {
      database = await openTestDatabase(kind);
      migrated = await indexDefinitions(await database.schema("defer_ref"));
    });
    after(async () => {
      await database?.close();
    });

    it("a backfill into an empty mirror writes without the history tables' secondary indexes and ends with all of them", async () => {
      const db = await database.schema();
      const watch = watchIndexes(db);
      await testIndexer(db, market, {}, { sync: SMALL_BATCHES, hooks: watch.hooks }).backfill();
      const during = await watch.during();
      const missing = migrated.filter((def) => !during.includes(def));
      assert.ok(missing.some((def) => def.includes("raw_events_block_idx")), "raw_events' block index was deferred");
      assert.ok(missing.some((def) => def.includes("api_listing_search_vector_idx")), "the search index was deferred");
      assert.ok(!missing.some((def) => /UNIQUE|_pkey|_key /.test(def)), `no unique index was dropped: ${missing.join("; ")}`);
      assert.deepEqual(await indexDefinitions(db), migrated, "every index is back, as defined");
      assert.equal(await deferredCount(db), 0);
    });

    it("an interrupted backfill leaves the definitions recorded, and the restart builds them", async () => {
      const db = await database.schema();
      await backfillFailingAt(db, market, 3);
      assert.ok((await deferredCount(db)) > 0, "the deferred definitions survive the failure");
      assert.notDeepEqual(await indexDefinitions(db), migrated);

      await testIndexer(db, market, {}, { sync: SMALL_BATCHES }).backfill();
      assert.deepEqual(await indexDefinitions(db), migrated);
      assert.equal(await deferredCount(db), 0);
    });

    it("a pending migration builds deferred indexes before it runs", async () => {
      const db = await database.schema();
      await backfillFailingAt(db, market, 2);
      assert.ok((await deferredCount(db)) > 0);

      // A later migration that relies on an index the backfill had deferred.
      const sql = "ALTER INDEX raw_events_block_idx SET (fillfactor = 90);";
      assert.deepEqual(await migrateWithOneMore(db, "test_uses_index", sql), ["9999_test_uses_index"]);
      assert.equal(await deferredCount(db), 0);
    });

    it("keeps every index when the mirror already holds events, or when deferring is turned off", async () => {
      const db = await database.schema();
      const firstPart = market.startBlock + 10;
      await testIndexer(db, market, {}, { sync: SMALL_BATCHES }).backfill({ toBlock: { [market.chainId]: firstPart } });
      assert.ok((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_events")).rows[0]!.n > 0);

      const second = watchIndexes(db);
      await testIndexer(db, market, {}, { sync: SMALL_BATCHES, hooks: second.hooks }).backfill();
      assert.deepEqual(await second.during(), migrated, "the second backfill wrote with every index in place");

      const off = await database.schema();
      const settings = syncSettingsFromEnv({ INDEXER_DEFER_INDEXES: "0" });
      assert.equal(settings.deferIndexes, false);
      const offWatch = watchIndexes(off);
      await testIndexer(off, market, {}, { sync: { ...SMALL_BATCHES, deferIndexes: settings.deferIndexes }, hooks: offWatch.hooks }).backfill();
      assert.deepEqual(await offWatch.during(), migrated, "deferring turned off");
      assert.throws(() => syncSettingsFromEnv({ INDEXER_DEFER_INDEXES: "maybe" }), /INDEXER_DEFER_INDEXES must be 1 or 0/);
    });
  });
}
