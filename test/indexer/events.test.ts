/**
 * Every event type lands in the right rows with the right values: after a long pseudo-random
 * sequence of calls (indexed partly by backfill, partly live while following), the mirror agrees
 * with the contract's own views, holds exactly the logs the node has, and equals a fresh index.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { marketplaceEventNames, verifyMirror } from "../../indexer/src/index.js";
import { compareWithContract, countLogs } from "./support/check.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, testIndexer, waitForBlock } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { runScenario } from "./support/scenario.js";

const STEPS = Number(process.env.INDEXER_TEST_STEPS ?? 260);
const ADMIN_ONLY = new Set(["RoleGranted", "RoleRevoked", "RoleAdminChanged"]);

let node: TestNode;
let market: Market;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 1, steps: STEPS });
});
after(async () => {
  await node?.stop();
});

for (const kind of dbKinds()) {
  describe(`every event, mirrored (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(kind);
    });
    after(async () => {
      await database?.close();
    });

    it("agrees with the contract's views after backfill and live following", async () => {
      const db = await database.schema();
      const indexer = testIndexer(db, market, {}, { sync: { targetBatchEvents: 200, initialBlockRange: 20 } });
      await indexer.backfill();
      assert.equal(indexer.metrics.chains[0]?.indexedBlock, await node.blockNumber());

      const following = indexer.follow();
      const stats = await runScenario(market, { seed: kind === "pglite" ? 2 : 3, steps: Math.floor(STEPS / 2) });
      assert.ok(stats.sent > STEPS / 4, `only ${stats.sent} calls went through`);
      await waitForBlock(indexer, await node.blockNumber(), 30_000, following);
      await indexer.stop();
      await following;

      const diffs = await compareWithContract(db, market);
      assert.deepEqual(diffs, []);

      const stored = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_events WHERE chain_id = $1", [market.chainId]);
      assert.equal(stored.rows[0]?.n, await countLogs(market, market.startBlock));
      const names = new Set(
        (await db.query<{ event_name: string }>("SELECT DISTINCT event_name FROM raw_events")).rows.map((r) => r.event_name),
      );
      const missing = [...marketplaceEventNames].filter((name) => !ADMIN_ONLY.has(name) && !names.has(name));
      assert.deepEqual(missing, [], "the scenario should reach every marketplace event");
      assert.ok(!names.has("Unknown"));

      const chain = (await db.query("SELECT * FROM chains")).rows[0];
      assert.equal(chain?.checkpoint_block, await node.blockNumber());
      assert.equal(Number(chain?.events_indexed), stored.rows[0]?.n);

      const report = await verifyMirror({ db, chains: [chainOf(market)], logger: quietLogger });
      assert.ok(report.equal, JSON.stringify(report.tables.filter((t) => t.onlyLeft || t.onlyRight), null, 1));
    });

    it("keeps price history, ratings, transitions and per-address totals consistent with the rows", async () => {
      const db = await database.schema();
      // Small batches rewrite listings many times; a maintenance check every 40 events cleans up after them.
      const indexer = testIndexer(db, market, {}, { sync: { targetBatchEvents: 40, initialBlockRange: 5, vacuumEveryEvents: 40 } });
      await indexer.backfill();
      await indexer.stop(); // waits for a running maintenance pass

      // PGlite has no autovacuum: the indexer vacuums (autovacuum's thresholds) and analyzes what it rewrote.
      const listingsStats = await db.query<{ live: number; dead: number; analyzed: boolean }>(
        "SELECT n_live_tup::int AS live, n_dead_tup::int AS dead, last_analyze IS NOT NULL AS analyzed " +
          "FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'listings'",
      );
      const listingsStat = listingsStats.rows[0];
      if (kind === "pglite" && listingsStat) {
        assert.ok(listingsStat.analyzed, "listings were never analyzed");
        assert.ok(listingsStat.dead <= 50 + 0.2 * listingsStat.live, `${listingsStat.dead} dead listing rows left`);
      }

      // Price history: one row at creation plus one per update, the last one equal to the price.
      const prices = await db.query(
        "SELECT l.listing_id, l.price_per_hour, p.new_price, c.n FROM listings l " +
          "JOIN LATERAL (SELECT new_price FROM listing_prices p WHERE p.chain_id = l.chain_id AND p.listing_id = l.listing_id ORDER BY block_number DESC, log_index DESC LIMIT 1) p ON true " +
          "JOIN LATERAL (SELECT count(*)::int AS n FROM listing_prices p WHERE p.chain_id = l.chain_id AND p.listing_id = l.listing_id) c ON true",
      );
      const updates = await db.query<{ listing_id: number; n: number }>(
        "SELECT listing_id, count(*)::int AS n FROM raw_events WHERE event_name = 'ListingPriceUpdated' GROUP BY 1",
      );
      const updateCount = new Map(updates.rows.map((r) => [r.listing_id, r.n]));
      for (const row of prices.rows) {
        assert.equal(row.new_price, row.price_per_hour);
        assert.equal(row.n, 1 + (updateCount.get(row.listing_id as number) ?? 0));
      }

      // Ratings: one row per RentalRated, matching the listing sums.
      const ratingSums = await db.query(
        "SELECT l.listing_id, l.rating_sum, l.rating_count, coalesce(sum(r.score), 0)::int AS s, count(r.*)::int AS c " +
          "FROM listings l LEFT JOIN ratings r USING (chain_id, listing_id) GROUP BY 1, 2, 3",
      );
      for (const row of ratingSums.rows) {
        assert.equal(row.rating_sum, row.s);
        assert.equal(row.rating_count, row.c);
      }

      // Every transition of a rental is in rental_transitions, and each final state has its stamp.
      const transitions = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM rental_transitions");
      const rentalEvents = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_events WHERE rental_id IS NOT NULL");
      assert.equal(transitions.rows[0]?.n, rentalEvents.rows[0]?.n);
      const stamps = await db.query(
        "SELECT status, count(*)::int AS n, count(*) FILTER (WHERE CASE status " +
          "WHEN 'rejected' THEN rejected_tx WHEN 'cancelled' THEN cancelled_tx WHEN 'expired' THEN expired_tx " +
          "WHEN 'resolved' THEN resolved_tx WHEN 'disputed' THEN disputed_tx WHEN 'active' THEN accepted_tx " +
          "WHEN 'completed' THEN coalesce(settled_tx, terminated_tx) ELSE requested_tx END IS NOT NULL)::int AS stamped " +
          "FROM rentals GROUP BY status",
      );
      assert.ok(stamps.rows.length >= 6, `rentals in only ${stamps.rows.length} states`);
      for (const row of stamps.rows) assert.equal(row.stamped, row.n, `rentals ${row.status} without their transition`);

      // Per-address totals add up to the per-token totals and the rentals.
      const sums = await db.query(
        "SELECT a.token, sum(a.consumer_paid) AS paid, sum(a.provider_earned + a.provider_fees) AS gross, " +
          "sum(a.consumer_refunded) AS refunded, sum(a.consumer_spent) AS spent FROM accounts a GROUP BY a.token",
      );
      const rentalSums = new Map(
        (
          await db.query(
            "SELECT token, sum(amount) AS amount, sum(released) AS released, sum(refunded) AS refunded, sum(escrow) AS escrow FROM rentals GROUP BY token",
          )
        ).rows.map((r) => [r.token, r]),
      );
      const totals = new Map((await db.query("SELECT * FROM token_totals")).rows.map((r) => [r.token, r]));
      for (const row of sums.rows) {
        const rentals = rentalSums.get(row.token);
        const total = totals.get(row.token);
        assert.ok(rentals && total);
        assert.equal(row.paid, rentals.amount);
        assert.equal(row.gross, rentals.released);
        assert.equal(row.spent, rentals.released);
        assert.equal(row.refunded, rentals.refunded);
        assert.equal(total.escrowed, rentals.escrow);
        assert.equal(total.volume, rentals.amount);
      }
      // Invalid metadata was indexed, flagged, and kept verbatim.
      const invalid = await db.query("SELECT metadata, metadata_error, title FROM listings WHERE NOT metadata_valid");
      assert.ok(invalid.rows.length > 0);
      for (const row of invalid.rows) {
        assert.ok(row.metadata_error);
        assert.equal(row.title, null);
      }
      // Full-text search finds listings by title words.
      const search = await db.query("SELECT count(*)::int AS n FROM listings WHERE search_vector @@ plainto_tsquery('english', 'inference endpoint')");
      assert.ok((search.rows[0]?.n as number) > 0);
    });
  });
}
