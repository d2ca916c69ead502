/**
 * The command line as a user runs it: `indexer --once` fills a PGlite directory from the node,
 * `indexer verify` passes on it, fails (exit 1, differences listed) once a derived row is tampered
 * with, and passes again after `--reindex` rebuilt the mirror. On a Postgres server that is not up
 * yet, it waits for it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { openDatabase } from "../../indexer/src/index.js";
import { freePort } from "../../scripts/lib/local-node.js";
import { countLogs } from "./support/check.js";
import { runIndexerCli } from "./support/cli.js";
import { dropServerSchema } from "./support/db.js";
import { startPgProxy, type PgProxy } from "./support/pg-proxy.js";
import { deployMarket, type Market } from "./support/market.js";
import { startNode, type TestNode } from "./support/node.js";
import { runScenario } from "./support/scenario.js";

let node: TestNode;
let market: Market;
let dir: string;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 33, steps: 40 });
  dir = await mkdtemp(path.join(tmpdir(), "indexer-cli-"));
});
after(async () => {
  await node?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return runIndexerCli({ node, market, dir }, ...args);
}

describe("indexer command line (pglite)", () => {
  it("indexes, verifies, and catches a tampered row", async () => {
    const indexed = await cli("--once");
    assert.equal(indexed.code, 0, indexed.stderr);

    const clean = await cli("verify");
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /every derived table equals a fresh index/);

    const db = await openDatabase({ dataDir: dir });
    const head = (await db.query<{ n: number }>("SELECT checkpoint_block AS n FROM chains")).rows[0]?.n;
    assert.equal(head, await node.blockNumber());
    await db.query("UPDATE listings SET price_per_hour = price_per_hour + 1 WHERE listing_id = 1");
    await db.query("DELETE FROM raw_events WHERE ctid IN (SELECT ctid FROM raw_events WHERE event_name = 'RentalAccepted' LIMIT 1)");
    await db.close();

    const tampered = await cli("verify");
    assert.equal(tampered.code, 1, tampered.stdout + tampered.stderr);
    assert.match(tampered.stderr, /listings: 1 row\(s\) only in public, 1 row\(s\) only in verify_/);
    assert.match(tampered.stderr, /raw_events: 0 row\(s\) only in public, 1 row\(s\) only in verify_/);
    assert.match(tampered.stderr, /"event_name":"RentalAccepted"/);
  });

  // --reindex drops the mirror and re-applies every migration, so each must be re-runnable on the
  // latest schema; 0101 re-creates api_hourly_contribution with the return type that 0104 replaced.
  it("rebuilds a tampered mirror with --reindex", async () => {
    const rebuilt = await cli("--reindex", "--once");
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const again = await cli("verify");
    assert.equal(again.code, 0, again.stderr);
  });
});

describe("indexer command line (postgres)", { skip: !process.env.DATABASE_URL && "DATABASE_URL is not set" }, () => {
  it("waits for a database that is not up yet, then indexes", async () => {
    const port = await freePort();
    const url = new URL(process.env.DATABASE_URL as string);
    url.hostname = "127.0.0.1";
    url.port = String(port);
    const schema = `indexer_cli_${Date.now().toString(36)}`;
    let proxy: PgProxy | undefined;
    let heardWait = () => undefined as void;
    const waiting = new Promise<void>((resolve) => (heardWait = resolve));
    const run = runIndexerCli(
      {
        node,
        market,
        dir,
        env: { DATABASE_URL: url.toString(), DATABASE_SCHEMA: schema },
        onOutput: (text) => {
          if (text.includes("database unavailable while opening the database")) heardWait();
        },
      },
      "--once",
    );
    try {
      // The database comes up only once the indexer has said it is waiting for it.
      const early = await Promise.race([waiting.then(() => undefined), run]);
      assert.equal(early, undefined, `the indexer ended before the database was up: ${JSON.stringify(early)}`);
      proxy = await startPgProxy(process.env.DATABASE_URL as string, { port });
      const result = await run;
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
      const db = await openDatabase({ url: process.env.DATABASE_URL as string, schema });
      try {
        const raw = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_events")).rows[0]?.n;
        assert.equal(raw, await countLogs(market, market.startBlock));
      } finally {
        await db.close();
      }
    } finally {
      await run;
      await proxy?.close();
      await dropServerSchema(schema);
    }
  });
});
