/**
 * Reorgs on a real node: evm_snapshot, index, evm_revert, mine different transactions. Within the
 * finality depth the mirror rolls back, re-indexes and ends equal to a fresh index of the final chain
 * (and to the contract's views), and listeners hear a `reorg` notification. Beyond it the indexer
 * stops with a clear message instead of diverging.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { DeepReorgError, verifyMirror, type CommitNotification, type Db } from "../../indexer/src/index.js";
import { compareWithContract } from "./support/check.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, testIndexer, waitForBlock } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { runScenario } from "./support/scenario.js";

let node: TestNode;
let market: Market;
let seed = 100;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 7, steps: 60 });
});
after(async () => {
  await node?.stop();
});

async function listen(db: Db): Promise<{ notes: CommitNotification[]; stop: () => Promise<void> }> {
  const notes: CommitNotification[] = [];
  const stop = await db.listen("marketplace_commits", (payload) => {
    const note = JSON.parse(payload) as CommitNotification;
    if (note.schema === db.schema) notes.push(note);
  });
  return { notes, stop };
}

async function expectFreshIndexEqual(db: Db) {
  const diffs = await compareWithContract(db, market);
  assert.deepEqual(diffs, []);
  const report = await verifyMirror({ db, chains: [chainOf(market)], logger: quietLogger });
  assert.ok(report.equal, JSON.stringify(report.tables.filter((t) => t.onlyLeft || t.onlyRight), null, 1));
}

for (const kind of dbKinds()) {
  describe(`reorgs (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(kind);
    });
    after(async () => {
      await database?.close();
    });

    it("rolls back a shallow reorg to a longer chain and ends equal to a fresh index", async () => {
      const db = await database.schema();
      const { notes, stop } = await listen(db);
      const indexer = testIndexer(db, market);
      await indexer.backfill();
      const following = indexer.follow();

      const snapshot = await node.rpc<string>("evm_snapshot");
      const forkPoint = await node.blockNumber();
      await runScenario(market, { seed: seed++, steps: 25 });
      const oldHead = await node.blockNumber();
      await waitForBlock(indexer, oldHead, 20_000, following);
      const before = (await db.query("SELECT count(*)::int AS n FROM raw_events")).rows[0]?.n as number;

      assert.equal(await node.rpc("evm_revert", [snapshot]), true);
      await runScenario(market, { seed: seed++, steps: 40 });
      const newHead = await node.blockNumber();
      assert.ok(newHead > oldHead, "the new branch should be longer");
      await waitForBlock(indexer, newHead, 20_000, following);
      // The last block seen may have been indexed before the switch was noticed: wait for the rollback itself.
      for (let i = 0; i < 200 && indexer.metrics.chains[0]?.reorgs === 0; i++) await new Promise((r) => setTimeout(r, 25));
      await waitForBlock(indexer, newHead, 20_000, following);
      await indexer.stop();
      await following;
      await new Promise((r) => setTimeout(r, 50));
      await stop();

      assert.ok((indexer.metrics.chains[0]?.reorgs ?? 0) >= 1, "a reorg should have been handled");
      const reorg = notes.find((n) => n.kind === "reorg");
      assert.ok(reorg, "listeners are told of the rollback");
      assert.ok(reorg.fromBlock <= forkPoint + 1 && reorg.fromBlock > forkPoint - 64, `rolled back from ${reorg.fromBlock}`);
      assert.ok(before > 0);
      const chain = (await db.query("SELECT checkpoint_block, checkpoint_hash FROM chains")).rows[0];
      const head = await node.rpc<{ hash: string }>("eth_getBlockByNumber", [`0x${newHead.toString(16)}`, false]);
      assert.equal(chain?.checkpoint_block, newHead);
      assert.equal(chain?.checkpoint_hash, head.hash);
      await expectFreshIndexEqual(db);
    });

    it("notices a reorg to a chain of the same height, and a rewind to a shorter one", async () => {
      const db = await database.schema();
      const indexer = testIndexer(db, market);
      await indexer.backfill();
      const following = indexer.follow();

      // Same height: revert, then exactly as many blocks as before.
      const snapshot = await node.rpc<string>("evm_snapshot");
      const base = await node.blockNumber();
      for (let i = 0; i < 4; i++) await node.advance(60);
      await waitForBlock(indexer, base + 4, 20_000, following);
      const oldHash = (await db.query("SELECT checkpoint_hash FROM chains")).rows[0]?.checkpoint_hash;
      await node.rpc("evm_revert", [snapshot]);
      await runScenario(market, { seed: seed++, steps: 30 });
      while ((await node.blockNumber()) < base + 4) await node.advance(1);
      const height = await node.blockNumber();
      for (let i = 0; i < 400; i++) {
        const row = (await db.query("SELECT checkpoint_block, checkpoint_hash FROM chains")).rows[0];
        if (row?.checkpoint_block === height && row.checkpoint_hash !== oldHash) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const tip = await node.rpc<{ hash: string }>("eth_getBlockByNumber", [`0x${height.toString(16)}`, false]);
      assert.equal((await db.query("SELECT checkpoint_hash FROM chains")).rows[0]?.checkpoint_hash, tip.hash);

      // Rewind: the chain loses blocks and nothing replaces them.
      const rewind = await node.rpc<string>("evm_snapshot");
      const rewindBase = await node.blockNumber();
      await runScenario(market, { seed: seed++, steps: 15 });
      await waitForBlock(indexer, await node.blockNumber(), 20_000, following);
      await node.rpc("evm_revert", [rewind]);
      for (let i = 0; i < 400 && indexer.metrics.chains[0]?.indexedBlock !== rewindBase; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      await indexer.stop();
      await following;
      assert.equal(indexer.metrics.chains[0]?.indexedBlock, rewindBase);
      assert.ok((indexer.metrics.chains[0]?.reorgs ?? 0) >= 2);
      await expectFreshIndexEqual(db);
    });

    it("stops with a clear fatal error on a reorg deeper than the finality depth, leaving the mirror as it was", async () => {
      const db = await database.schema();
      const indexer = testIndexer(db, market, { finalityDepth: 3 });
      await indexer.backfill();
      const following = indexer.follow();
      following.catch(() => undefined);

      const snapshot = await node.rpc<string>("evm_snapshot");
      for (let i = 0; i < 6; i++) await node.advance(30);
      await waitForBlock(indexer, await node.blockNumber(), 20_000, following);
      const stored = (await db.query("SELECT checkpoint_block, checkpoint_hash, events_indexed FROM chains")).rows[0];

      await node.rpc("evm_revert", [snapshot]);
      await runScenario(market, { seed: seed++, steps: 20 });
      for (let i = 0; i < 8; i++) await node.advance(45);

      await assert.rejects(following, (error: Error) => {
        assert.ok(error instanceof DeepReorgError, `${error.name}: ${error.message}`);
        assert.match(error.message, /deeper than the finality depth \(3 blocks\)/);
        assert.match(error.message, /--reindex/);
        return true;
      });
      assert.equal(indexer.metrics.chains[0]?.phase, "failed");
      const after = (await db.query("SELECT checkpoint_block, checkpoint_hash, events_indexed FROM chains")).rows[0];
      assert.deepEqual(after, stored);
    });
  });
}
