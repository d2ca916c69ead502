/**
 * RPC faults through a local proxy (support/rpc-proxy.ts) in front of a real node: HTTP 5xx and
 * dropped connections, 429 with Retry-After, eth_getLogs refused for too large a block range or too
 * many results, slow answers and timeouts. In each mode the indexer backfills and then follows new
 * blocks through the faulty connection, and must end with a mirror equal to a fresh index of the final
 * chain taken through a clean connection (and to the contract's own views). Each mode also checks
 * that its faults really reached the indexer, so a run that bypassed them cannot pass.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { formatDiff, verifyMirror, type SyncSettings } from "../../indexer/src/index.js";
import { compareWithContract } from "./support/check.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, testIndexer, waitForBlock } from "./support/indexer.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { type JournalEntry, type RpcProxy, startRpcProxy } from "./support/rpc-proxy.js";
import { runScenario } from "./support/scenario.js";

let node: TestNode;
let market: Market;
let proxy: RpcProxy;
let seed = 300;
/** Backoff short enough for a test, with room for every injected failure. */
const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 200, maxAttempts: 50 };

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 31, steps: 160 });
  proxy = await startRpcProxy({ upstream: node.url });
});
after(async () => {
  await proxy?.close();
  await node?.stop();
});

/** Span of each eth_getLogs the node answered (not refused by a limit), from the proxy's journal. */
function answeredLogSpans(journal: JournalEntry[]): number[] {
  const spans: number[] = [];
  for (const entry of journal) {
    if (entry.outcome !== "forwarded") continue;
    entry.calls.forEach((call, i) => {
      if (call.method !== "eth_getLogs" || entry.refused?.[i]) return;
      const [filter] = JSON.parse(call.params) as [{ fromBlock: string; toBlock: string }];
      spans.push(Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock)) + 1);
    });
  }
  return spans;
}

/** For every request answered 429, how long until the same request came back. */
function retryDelaysAfter429(journal: JournalEntry[]): number[] {
  const key = (e: JournalEntry) => JSON.stringify(e.calls);
  return journal.flatMap((entry, i) => {
    if (entry.outcome !== "rate-limit") return [];
    const again = journal.slice(i + 1).find((later) => key(later) === key(entry));
    return again ? [again.at - entry.at] : [Number.POSITIVE_INFINITY];
  });
}

const stats = (p: RpcProxy) =>
  JSON.stringify({ requests: p.stats.requests, faults: p.stats.faults, upstreamErrors: p.stats.upstreamErrors });

type Mode = {
  name: string;
  /** Faults to switch on (the proxy is cleared before each mode). */
  arm(proxy: RpcProxy): void;
  sync?: Partial<SyncSettings>;
  /** Checks on what the proxy saw, after the run. */
  check(proxy: RpcProxy): void;
  /** How many failed requests the indexer should have counted. */
  expectedRpcErrors(proxy: RpcProxy): { min: number; max: number };
};

/** Each fault the proxy answered with is one failed call for the indexer (single, unbatched requests). */
const injected = (p: RpcProxy) => {
  const { "http-error": errors, "rate-limit": limited, drop, "log-limit": refused } = p.stats.faults;
  const n = errors + limited + drop + refused;
  return { min: n, max: n };
};

const modes: Mode[] = [
  {
    name: "HTTP 500/503 errors and dropped connections",
    arm(p) {
      p.inject({ fault: { kind: "http-error", status: 500 }, every: 3 });
      p.inject({ fault: { kind: "http-error", status: 503 }, every: 7 });
      p.inject({ fault: { kind: "drop" }, every: 5, times: 4 });
    },
    check(p) {
      assert.ok(p.stats.faults["http-error"] >= 5, `only ${p.stats.faults["http-error"]} HTTP errors: ${stats(p)}`);
      assert.ok(p.stats.faults.drop >= 2, `only ${p.stats.faults.drop} connections dropped: ${stats(p)}`);
    },
    // Headers go out in JSON-RPC batches that may carry the calls of two concurrent ranges, so one
    // failed HTTP request can fail two calls (and a call split over two requests fails once).
    expectedRpcErrors: (p) => ({ min: 1, max: 2 * injected(p).max }),
  },
  {
    name: "429 with Retry-After: 1",
    arm(p) {
      p.inject({ fault: { kind: "rate-limit", retryAfterSeconds: 1 }, methods: ["eth_getLogs"], times: 3 });
    },
    check(p) {
      const delays = retryDelaysAfter429(p.journal);
      assert.equal(delays.length, 3, "three requests should have been rate limited");
      // Timers may fire a few milliseconds early; an indexer ignoring Retry-After comes back within ~100 ms.
      for (const delay of delays) assert.ok(delay >= 950, `retried ${delay} ms after a 429 asking for 1 s`);
    },
    expectedRpcErrors: injected,
  },
  {
    name: "eth_getLogs block range above 4 refused",
    arm(p) {
      p.limitLogs({ maxBlockRange: 4 });
    },
    check(p) {
      assert.ok(p.stats.faults["log-limit"] >= 1, "no range was refused");
      const spans = answeredLogSpans(p.journal);
      assert.ok(spans.length > 0 && spans.every((s) => s <= 4), `answered spans: ${spans.join(",")}`);
    },
    expectedRpcErrors: injected,
  },
  {
    name: "eth_getLogs with more than 12 results refused",
    arm(p) {
      p.limitLogs({ maxResults: 12 });
    },
    check(p) {
      assert.ok(p.stats.faults["log-limit"] >= 1, "no result set was refused");
    },
    expectedRpcErrors: injected,
  },
  {
    name: "slow answers, and some slower than the RPC timeout",
    sync: { rpcTimeoutMs: 1_000 },
    arm(p) {
      p.inject({ fault: { kind: "delay", ms: 2_500 }, times: 2, methods: ["eth_getLogs"] });
      p.inject({ fault: { kind: "delay", ms: 5, jitterMs: 120 } });
    },
    check(p) {
      // Two requests waited longer than the indexer's timeout, every other one a little.
      assert.ok(p.stats.faults.delay >= 10, `only ${p.stats.faults.delay} requests delayed: ${stats(p)}`);
    },
    // The two long delays time out; the short ones should not (slack for stalls of a loaded machine,
    // where test files run side by side).
    expectedRpcErrors: () => ({ min: 2, max: 5 }),
  },
];

for (const kind of dbKinds()) {
  describe(`indexer through RPC faults (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(kind);
    });
    after(async () => {
      await database?.close();
    });

    for (const mode of modes) {
      it(`${mode.name}: backfills, follows and ends equal to a fresh index`, async () => {
        const db = await database.schema("faults");
        proxy.clear();
        proxy.resetStats();
        mode.arm(proxy);
        const indexer = testIndexer(db, market, { rpcUrl: proxy.url }, { sync: { retry: FAST_RETRY, ...mode.sync } });
        try {
          await indexer.backfill();
          // New blocks arrive while the indexer follows through the same faulty connection.
          const following = indexer.follow();
          await runScenario(market, { seed: seed++, steps: 12 });
          await waitForBlock(indexer, await node.blockNumber(), 30_000, following);
          await indexer.stop();
          await following;
        } finally {
          await indexer.stop();
          proxy.clear();
        }
        mode.check(proxy);
        // The indexer saw the failures as failed RPC calls (its /metrics counter), and nothing else failed.
        const { rpcErrors } = indexer.metrics.chains[0];
        const expected = mode.expectedRpcErrors(proxy);
        assert.ok(
          rpcErrors >= expected.min && rpcErrors <= expected.max,
          `indexer counted ${rpcErrors} RPC errors, expected ${expected.min}..${expected.max}: ${stats(proxy)}`
        );

        assert.deepEqual(await compareWithContract(db, market), []);
        const report = await verifyMirror({ db, chains: [chainOf(market)], logger: quietLogger });
        assert.ok(report.settled, "the mirror moved while it was compared");
        assert.ok(report.equal, formatDiff(report));
      });
    }
  });
}
