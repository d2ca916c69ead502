/**
 * Deferred rollups: a backfill into an empty mirror writes with the API's rollup triggers off and ends
 * with every rollup equal to what the triggers build batch by batch (a backfill with deferring turned
 * off), and the triggers back on; an interrupted one leaves the record for the restart (or a
 * migration) to finish.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import type { CommitNotification, Db } from "../../indexer/src/index.js";
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
  await runScenario(market, { seed: 11, steps: 60 });
});
after(async () => {
  await node?.stop();
});

/**
 * The rollups 0113's api_rollups_rebuild() recomputes, each with the order to sort its rows by. The
 * triggers leave a provider's status row at zero rentals when its last rental moves on; a recount has
 * no such row, and to the API (which sums them) it is the same.
 */
const ROLLUPS: Record<string, { order: string; where?: string }> = {
  api_hourly_stats: { order: "chain_id, bucket" },
  api_providers: { order: "chain_id, provider" },
  api_category_prices: { order: "chain_id, bucket, category" },
  api_listing_hourly: { order: "chain_id, listing_id, bucket" },
  api_provider_rentals: { order: "chain_id, provider, status", where: "rentals <> 0" },
  api_provider_acceptance: { order: "chain_id, provider" },
  api_listing_search: { order: "chain_id, listing_id" },
};

async function rollups(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, { order, where }] of Object.entries(ROLLUPS)) {
    const { rows } = await db.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM ${table} t ${where ? `WHERE ${where}` : ""} ORDER BY ${order}`,
    );
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/** Table by table, so a difference names its rollup. */
async function assertRollups(db: Db, expected: Record<string, string[]>): Promise<void> {
  const actual = await rollups(db);
  for (const table of Object.keys(ROLLUPS)) assert.deepEqual(actual[table], expected[table], table);
}

async function disabledTriggers(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT c.relname || '.' || t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid " +
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled = 'D' ORDER BY 1",
    [db.schema],
  );
  return rows.map((r) => r.name);
}

async function deferredCount(db: Db): Promise<number> {
  return (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM deferred_rollups")).rows[0]?.n ?? -1;
}

for (const kind of dbKinds()) {
  describe(`deferred rollups (${kind})`, () => {
    let database: TestDatabase;
    let expected: Record<string, string[]>;
    before(async () => {
      database = await openTestDatabase(kind);
      const incremental = await database.schema("rollup_ref");
      await testIndexer(incremental, market, {}, { sync: { ...SMALL_BATCHES, deferIndexes: false } }).backfill();
      expected = await rollups(incremental);
      for (const [table, rows] of Object.entries(expected)) {
        if (table !== "api_provider_acceptance") assert.ok(rows.length > 0, `the scenario fills ${table}`);
      }
    });
    after(async () => {
      await database?.close();
    });

    it("a backfill into an empty mirror writes without the rollup triggers and ends with the rollups they would have kept", async () => {
      const db = await database.schema();
      let during: Promise<[string[], number]> | undefined;
      const indexer = testIndexer(db, market, {}, {
        sync: SMALL_BATCHES,
        hooks: {
          onSync: (event) => {
            if (event.kind === "block") during ??= Promise.all([disabledTriggers(db), db.query<{ n: number }>("SELECT count(*)::int AS n FROM api_hourly_stats").then((r) => r.rows[0]!.n)]);
          },
        },
      });
      await indexer.backfill();
      assert.ok(during, "a batch was committed");
      const [off, hourlyRows] = await during;
      assert.ok(off.includes("raw_events.api_hourly_insert") && off.includes("rentals.api_provider_rentals_update"), `off during the backfill: ${off.join(", ")}`);
      assert.equal(hourlyRows, 0, "the hourly rollup was not kept batch by batch");

      assert.deepEqual(await disabledTriggers(db), [], "every trigger is back on");
      assert.equal(await deferredCount(db), 0);
      await assertRollups(db, expected);
    });

    it("an interrupted backfill leaves the triggers recorded, and the restart computes the rollups", async () => {
      const db = await database.schema();
      await backfillFailingAt(db, market, 3);
      assert.ok((await deferredCount(db)) > 0, "the record survives the failure");
      assert.ok((await disabledTriggers(db)).length > 0);

      await testIndexer(db, market, {}, { sync: SMALL_BATCHES }).backfill();
      assert.deepEqual(await disabledTriggers(db), []);
      assert.equal(await deferredCount(db), 0);
      await assertRollups(db, expected);
    });

    it("a pending migration computes deferred rollups before it runs, and tells the indexer's channel", async () => {
      const db = await database.schema();
      await backfillFailingAt(db, market, 2);
      assert.ok((await deferredCount(db)) > 0);
      const heard: CommitNotification[] = [];
      const channel = `rollups_${db.schema}`;
      const unlisten = await db.listen(channel, (payload) => heard.push(JSON.parse(payload) as CommitNotification));
      try {
        assert.deepEqual(await migrateWithOneMore(db, "test_noop", "SELECT 1;", channel), ["9999_test_noop"]);
        // A server delivers it on the listening connection shortly after the commit.
        for (const deadline = Date.now() + 5_000; heard.length === 0 && Date.now() < deadline; ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await unlisten();
      }
      assert.deepEqual(
        heard.map((n) => ({ kind: n.kind, schema: n.schema, chainId: n.chainId })),
        [{ kind: "rollups", schema: db.schema, chainId: market.chainId }],
      );
      assert.equal(await deferredCount(db), 0);
      assert.deepEqual(await disabledTriggers(db), []);
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM api_hourly_stats");
      assert.ok(rows[0]!.n > 0, "the rollups of the rows written so far were computed");
    });
  });
}
