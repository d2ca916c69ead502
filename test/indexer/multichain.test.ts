/**
 * Several chains, one database, one indexer: rows are keyed by chain id and never mix. Two nodes with
 * different chain ids get their own histories; the mirror of each agrees with its contract and both
 * equal a fresh index.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { createIndexer, verifyMirror } from "../../indexer/src/index.js";
import { compareWithContract, countLogs } from "./support/check.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, waitForBlock } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { runScenario } from "./support/scenario.js";

const nodes: TestNode[] = [];
const markets: Market[] = [];

before(async () => {
  for (const chainId of [31337, 31338]) {
    const node = await startNode({ chainId });
    nodes.push(node);
    const market = await deployMarket(node);
    assert.equal(market.chainId, chainId);
    markets.push(market);
    await runScenario(market, { seed: chainId, steps: 50 });
  }
});
after(async () => {
  for (const node of nodes) await node.stop();
});

for (const kind of dbKinds()) {
  describe(`several chains in one database (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(kind);
    });
    after(async () => {
      await database?.close();
    });

    it("indexes each chain under its own id, backfill and live, and each equals its chain", async () => {
      const db = await database.schema();
      const chains = markets.map((m) => chainOf(m));
      const indexer = createIndexer({ db, chains, logger: quietLogger, progress: false });
      await indexer.backfill();
      const following = indexer.follow();
      await Promise.all(markets.map((m, i) => runScenario(m, { seed: 90 + i, steps: 15 })));
      for (const [i, node] of nodes.entries()) {
        const target = await node.blockNumber();
        const metrics = indexer.metrics.chains[i];
        for (let n = 0; n < 800 && (metrics?.indexedBlock ?? 0) < target; n++) await new Promise((r) => setTimeout(r, 25));
        assert.equal(metrics?.indexedBlock, target, `chain ${markets[i]?.chainId} caught up`);
      }
      await waitForBlock(indexer, 0, 1000, following);
      await indexer.stop();
      await following;

      const perChain = await db.query<{ chain_id: number; n: number }>(
        "SELECT chain_id, count(*)::int AS n FROM raw_events GROUP BY chain_id ORDER BY chain_id",
      );
      assert.deepEqual(
        perChain.rows.map((r) => [r.chain_id, r.n]),
        await Promise.all(markets.map(async (m) => [m.chainId, await countLogs(m, m.startBlock)])),
      );
      for (const market of markets) assert.deepEqual(await compareWithContract(db, market), [], `chain ${market.chainId}`);
      const report = await verifyMirror({ db, chains, logger: quietLogger });
      assert.ok(report.equal, JSON.stringify(report.tables.filter((t) => t.onlyLeft || t.onlyRight), null, 1));
      assert.deepEqual(Object.keys(report.checkpoints).map(Number).sort(), [31337, 31338]);
    });
  });
}
