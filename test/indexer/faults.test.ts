/**
 * RPC faults through a proxy in front of the node: HTTP 500s, 429s with Retry-After, dropped
 * connections, slow answers, eth_getLogs refused above a block range or a result count, and getLogs
 * timeouts. The indexer retries, shrinks its ranges, honours Retry-After, and the mirror ends equal to
 * a fresh index made straight from the node.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { verifyMirror } from "../../indexer/src/index.js";
import { compareWithContract } from "./support/check.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, testIndexer, waitForBlock } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { startRpcProxy, type RpcProxy } from "./support/rpc-proxy.js";
import { runScenario } from "./support/scenario.js";

let node: TestNode;
let market: Market;
let seed = 500;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 21, steps: 150 });
});
after(async () => {
  await node?.stop();
});

for (const kind of dbKinds()) {
  describe(`RPC faults (${kind})`, () => {
    let database: TestDatabase;
    let proxy: RpcProxy;
    before(async () => {
      database = await openTestDatabase(kind);
      proxy = await startRpcProxy({ upstream: node.url, seed: kind === "pglite" ? 3 : 4 });
    });
    after(async () => {
      await proxy?.close();
      await database?.close();
    });

    it("backfills and follows through errors, 429s, drops, delays and log limits, ending equal to a fresh index", async () => {
      proxy.clear();
      proxy.resetStats();
      proxy.inject({ fault: { kind: "http-error", status: 503 }, probability: 0.08 });
      proxy.inject({ fault: { kind: "rate-limit", retryAfterSeconds: 0 }, probability: 0.05 });
      proxy.inject({ fault: { kind: "drop" }, probability: 0.04 });
      proxy.inject({ fault: { kind: "delay", ms: 5, jitterMs: 20 }, probability: 0.3 });
      proxy.limitLogs({ maxBlockRange: 9, maxResults: 30 });

      const db = await database.schema();
      const indexer = testIndexer(db, market, { rpcUrl: proxy.url }, { sync: { initialBlockRange: 500, targetBatchEvents: 500 } });
      await indexer.backfill();
      const following = indexer.follow();
      await runScenario(market, { seed: seed++, steps: 40 });
      await waitForBlock(indexer, await node.blockNumber(), 60_000, following);
      await indexer.stop();
      await following;

      const { faults } = proxy.stats;
      assert.ok(faults["http-error"] > 0 && faults["rate-limit"] > 0 && faults.drop > 0 && faults.delay > 0, JSON.stringify(faults));
      assert.ok(faults["log-limit"] > 0, "ranges were refused and split");
      assert.ok((indexer.metrics.chains[0]?.rpcErrors ?? 0) > 0);
      // Every eth_getLogs the node answered stayed within the limits.
      const answered = proxy.journal.filter((e) => e.outcome === "forwarded").flatMap((e) => e.calls.map((c, i) => ({ c, refused: e.refused?.[i] })));
      for (const { c, refused } of answered) {
        if (c.method !== "eth_getLogs" || refused) continue;
        const [filter] = JSON.parse(c.params) as [{ fromBlock: string; toBlock: string }];
        assert.ok(Number(filter.toBlock) - Number(filter.fromBlock) + 1 <= 9);
      }

      assert.deepEqual(await compareWithContract(db, market), []);
      // The fresh index goes straight to the node, without the proxy.
      const report = await verifyMirror({ db, chains: [chainOf(market)], logger: quietLogger });
      assert.ok(report.equal, JSON.stringify(report.tables.filter((t) => t.onlyLeft || t.onlyRight), null, 1));
    });

    it("waits as long as Retry-After asks", async () => {
      proxy.clear();
      proxy.resetStats();
      proxy.inject({ fault: { kind: "rate-limit", retryAfterSeconds: 1 }, times: 2, methods: ["eth_getLogs"] });
      const db = await database.schema();
      const indexer = testIndexer(db, market, { rpcUrl: proxy.url });
      await indexer.backfill();
      const limited = proxy.journal.filter((e) => e.outcome === "rate-limit");
      assert.equal(limited.length, 2);
      for (const entry of limited) {
        const params = entry.calls[0]?.params;
        const next = proxy.journal.find((e) => e.at >= entry.at && e !== entry && e.calls.some((c) => c.params === params));
        assert.ok(next, "the same call was repeated");
        assert.ok(next.at - entry.at >= 950, `retried after ${next.at - entry.at} ms, asked to wait 1000`);
      }
      assert.deepEqual(await compareWithContract(db, market), []);
    });

    it("shrinks the range when eth_getLogs times out", async () => {
      proxy.clear();
      proxy.resetStats();
      proxy.inject({ fault: { kind: "delay", ms: 600 }, times: 3, methods: ["eth_getLogs"] });
      const db = await database.schema();
      const indexer = testIndexer(db, market, { rpcUrl: proxy.url }, { sync: { rpcTimeoutMs: 300, initialBlockRange: 1000 } });
      await indexer.backfill();
      const ranges = proxy.journal
        .flatMap((e) => e.calls)
        .filter((c) => c.method === "eth_getLogs")
        .map((c) => {
          const [f] = JSON.parse(c.params) as [{ fromBlock: string; toBlock: string }];
          return Number(f.toBlock) - Number(f.fromBlock) + 1;
        });
      assert.ok(ranges.length > 3 && (ranges[3] as number) < (ranges[0] as number), `ranges asked: ${ranges.slice(0, 6).join(", ")}`);
      assert.deepEqual(await compareWithContract(db, market), []);
    });
  });
}
