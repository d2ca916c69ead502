/**
 * Crash safety: a batch that dies half-written leaves nothing behind, and a restart carries on from
 * the last checkpoint with no gap and no duplicate — whether the failure is injected after k rows of
 * a batch, the process is killed with SIGKILL, or the database server drops the connections.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import pg from "pg";

import { FatalError, InjectedFailureError, openDatabase, runMigrations, verifyMirror, type Db } from "../../indexer/src/index.js";
import { compareWithContract, countLogs } from "./support/check.js";
import { dbKinds, dropServerSchema, openTestDatabase, withApplicationName, type TestDatabase } from "./support/db.js";
import { chainOf, quietLogger, testIndexer } from "./support/indexer.js";
import { startPgProxy } from "./support/pg-proxy.js";
import { deployMarket, type Market } from "./support/market.js";
import { repoRoot, startNode, type TestNode } from "./support/node.js";
import { runScenario } from "./support/scenario.js";

let node: TestNode;
let market: Market;

before(async () => {
  node = await startNode();
  market = await deployMarket(node);
  await runScenario(market, { seed: 11, steps: 120 });
});
after(async () => {
  await node?.stop();
});

/**
 * Small batches, so a run has many of them to fail in; one range fetched ahead, so ranges never
 * arrive together and merge (the batch a failure is injected into is then the same on every run).
 */
const SMALL = { targetBatchEvents: 40, initialBlockRange: 8, maxBlockRange: 16, prefetch: 1 };

async function assertConsistent(db: Db) {
  const chain = (await db.query("SELECT checkpoint_block, events_indexed FROM chains")).rows[0];
  const raw = (await db.query("SELECT count(*)::int AS n, coalesce(max(block_number), -1)::int AS top FROM raw_events")).rows[0];
  assert.ok(chain && raw);
  assert.ok((raw.top as number) <= (chain.checkpoint_block as number), "no event above the checkpoint");
  assert.equal(Number(chain.events_indexed), raw.n);
  const checkpoint = chain.checkpoint_block as number;
  const logs =
    checkpoint < market.startBlock
      ? []
      : await node.rpc<unknown[]>("eth_getLogs", [
          { address: market.marketplace, fromBlock: `0x${market.startBlock.toString(16)}`, toBlock: `0x${checkpoint.toString(16)}` },
        ]);
  assert.equal(raw.n, logs.length, "exactly the logs up to the checkpoint");
}

async function assertComplete(db: Db) {
  assert.deepEqual(await compareWithContract(db, market), []);
  const raw = (await db.query("SELECT count(*)::int AS n FROM raw_events")).rows[0]?.n;
  assert.equal(raw, await countLogs(market, market.startBlock));
  const report = await verifyMirror({ db, chains: [chainOf(market)], logger: quietLogger });
  assert.ok(report.equal, JSON.stringify(report.tables.filter((t) => t.onlyLeft || t.onlyRight), null, 1));
}

/** A pool may hand out one connection the server killed before it noticed: the checks retry once. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!/terminat|Connection/i.test((error as Error).message)) throw error;
    return fn();
  }
}

for (const kind of dbKinds()) {
  describe(`crash safety (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(kind);
    });
    after(async () => {
      await database?.close();
    });

    for (const { batch, rows } of [
      { batch: 1, rows: 1 },
      { batch: 4, rows: 25 },
      { batch: 7, rows: 5 },
    ]) {
      it(`a failure after ${rows} row(s) of batch ${batch} leaves no trace, and a restart completes the mirror`, async () => {
        const db = await database.schema();
        let batches = 0;
        let lastFrom = -1;
        let failedAt: { fromBlock: number; stage: string } | undefined;
        const crashing = testIndexer(db, market, {}, {
          sync: SMALL,
          hooks: {
            onBatchWrite: ({ fromBlock, stage, rowsWritten }) => {
              if (fromBlock !== lastFrom) {
                lastFrom = fromBlock;
                batches++;
              }
              if (batches === batch && rowsWritten >= rows && !failedAt) {
                failedAt = { fromBlock, stage };
                throw new InjectedFailureError(`injected failure in ${stage}`);
              }
            },
          },
        });
        await assert.rejects(crashing.backfill(), InjectedFailureError);
        assert.ok(failedAt, "the failure was injected");
        const chain = (await db.query("SELECT checkpoint_block FROM chains")).rows[0];
        assert.equal(chain?.checkpoint_block, failedAt.fromBlock - 1, "the checkpoint stays before the failed batch");
        await assertConsistent(db);

        const restarted = testIndexer(db, market, {}, { sync: SMALL });
        await restarted.backfill();
        await assertComplete(db);
      });
    }

    it("stops with a clear fatal error, changing nothing, when a batch's events are already stored above the checkpoint", async () => {
      const db = await database.schema();
      // Finality of one block: the batches below the head keep no undo images, so the raw events are the first write.
      const shallow = { finalityDepth: 1 };
      await testIndexer(db, market, shallow, { sync: SMALL }).backfill();
      // The checkpoint moved back under stored events, as a bad restore or a second writer would leave it.
      const { rows } = await db.query<{ top: number; n: number }>(
        "SELECT max(block_number)::int AS top, (SELECT count(*)::int FROM raw_events) AS n FROM raw_events " +
          "WHERE block_number < (SELECT checkpoint_block - 1 FROM chains)",
      );
      const before = rows[0] as { top: number; n: number };
      await db.query("UPDATE chains SET checkpoint_block = $1, checkpoint_hash = NULL", [before.top - 1]);

      await assert.rejects(
        testIndexer(db, market, shallow, { sync: SMALL }).backfill(),
        (error: Error) =>
          error instanceof FatalError &&
          new RegExp(`events in blocks ${before.top}-\\d+ were already stored above the checkpoint.*--reindex`).test(error.message),
      );
      const after = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_events")).rows[0];
      assert.equal(after?.n, before.n, "no event added or lost");
      assert.equal((await db.query("SELECT checkpoint_block FROM chains")).rows[0]?.checkpoint_block, before.top - 1);
    });

    it("a statement failing while the ones after it are already sent fails the batch whole, and a restart completes the mirror", async () => {
      const db = await database.schema();
      // No write hook: the batch's statements go out without waiting for each other. The real
      // database fails the first rentals write from the fourth batch on.
      let batches = 0;
      let failed = false;
      const failing: Db = {
        ...db,
        transaction: (fn) =>
          db.transaction((tx) => {
            batches++;
            return fn({
              exec: (sql) => tx.exec(sql),
              query: (sql, params) => {
                if (batches >= 4 && !failed && sql.startsWith("INSERT INTO rentals")) {
                  failed = true;
                  return tx.query("SELECT 1 / 0");
                }
                return tx.query(sql, params);
              },
            });
          }),
      };
      const crashing = testIndexer(failing, market, {}, { sync: SMALL });
      await assert.rejects(crashing.backfill(), /division by zero/);
      assert.ok(failed, "the failure was injected");
      const chain = (await db.query("SELECT checkpoint_block FROM chains")).rows[0] as { checkpoint_block: number };
      assert.ok(chain.checkpoint_block > market.startBlock, "earlier batches committed");
      await assertConsistent(db);

      await testIndexer(db, market, {}, { sync: SMALL }).backfill();
      await assertComplete(db);
    });

    it("survives SIGKILL of the indexer process mid-backfill and resumes without gap or duplicate", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "indexer-kill-"));
      const schema = `kill_${Date.now().toString(36)}`;
      const env = {
        ...process.env,
        RPC_URL: node.url,
        CHAIN_ID: String(market.chainId),
        MARKETPLACE_ADDRESS: market.marketplace,
        START_BLOCK: String(market.startBlock),
        PGLITE_DIR: dir,
        DATABASE_SCHEMA: schema,
        DATABASE_URL: kind === "postgres" ? process.env.DATABASE_URL : "",
        INDEXER_BATCH_EVENTS: "20",
        INDEXER_MAX_BLOCK_RANGE: "6",
        INDEXER_PREFETCH: "1",
        LOG_LEVEL: "debug",
      };
      const cli = path.join(repoRoot, "indexer", "src", "cli.ts");
      const runCli = (killAfterBatches?: number) =>
        new Promise<{ code: number | null; signal: string | null; batches: number; output: string }>((resolve) => {
          const child = spawn(process.execPath, ["--import", "tsx", cli, "--once"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
          let batches = 0;
          let output = "";
          child.stdout.on("data", (chunk: Buffer) => {
            const text = chunk.toString();
            output += text;
            batches += text.split("batch committed").length - 1;
            if (killAfterBatches !== undefined && batches >= killAfterBatches) child.kill("SIGKILL");
          });
          child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
          child.on("exit", (code, signal) => resolve({ code, signal, batches, output }));
        });
      try {
        const killed = await runCli(5);
        assert.equal(killed.signal, "SIGKILL", killed.output.slice(-2000));
        const finished = await runCli();
        assert.equal(finished.code, 0, finished.output.slice(-3000));
        assert.ok(finished.batches > 0, "the restart had work left to do");

        const db = await openDatabase(kind === "postgres" ? { url: process.env.DATABASE_URL, schema } : { dataDir: dir, schema });
        try {
          await assertConsistent(db);
          await assertComplete(db);
        } finally {
          if (kind === "postgres") await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await db.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    if (kind === "postgres") {
      it("starts through a database restart: connections die as they open, and the backfill waits them out", async () => {
        const proxy = await startPgProxy(process.env.DATABASE_URL as string);
        const schema = `indexer_restart_${Date.now().toString(36)}`;
        const db = await openDatabase({ url: proxy.url, schema });
        try {
          await runMigrations(db);
          // Every connection is gone, and the next three new ones die as they are handed over: the very
          // first statement of the backfill (registering the chain) meets the outage.
          proxy.dropAll();
          proxy.killNextAtReady(3);
          await testIndexer(db, market, {}, { sync: SMALL }).backfill();
          assert.equal(proxy.killed, 3);
          await assertComplete(db);
        } finally {
          await db.close();
          await proxy.close();
          // Straight to the server: a failed run may have left the proxy with connections still to kill.
          await dropServerSchema(schema);
        }
      });
    }

    // Without deferred indexes the outage hits batches (their retries are counted); with them, it also
    // hits dropping the indexes at the start and building them at the end, which retry on their own.
    for (const deferIndexes of kind === "postgres" ? [false, true] : []) {
      const what = deferIndexes ? "while indexes are deferred and built" : "while batches are written";
      it(`pauses through a database outage (connections killed by the server) ${what}, and resumes without loss`, async () => {
        // A client of its own, under a name nothing else uses, so only its connections are killed.
        const name = `indexer_outage_${Date.now().toString(36)}`;
        const schema = `${name}_s`;
        const db = await openDatabase({ url: withApplicationName(process.env.DATABASE_URL as string, name), schema });
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        try {
          await runMigrations(db);
          const indexCount = async () =>
            (await admin.query("SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1", [schema])).rows[0].n as number;
          const migratedIndexes = await indexCount();
          let killed = 0;
          const retry = { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 50 };
          const indexer = testIndexer(db, market, {}, { sync: { ...SMALL, deferIndexes, retry } });
          const running = indexer.backfill();
          let done = false;
          running.finally(() => (done = true)).catch(() => undefined);
          const batchRetries = () => indexer.metrics.chains[0]?.dbRetries ?? 0;
          // Kill every connection of that client, again and again, while the backfill runs.
          for (let round = 0; round < 200 && !done && (deferIndexes || batchRetries() < 3); round++) {
            await new Promise((r) => setTimeout(r, 15));
            const result = await admin.query(
              "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1",
              [name],
            );
            killed += result.rows[0].n as number;
          }
          await running.finally(() => indexer.stop());
          assert.ok(killed > 0, "connections were killed");
          if (!deferIndexes) assert.ok(batchRetries() > 0, "batches failed and were retried");
          await withRetries(() => assertComplete(db));
          assert.equal(await indexCount(), migratedIndexes, "every index is in place");
        } finally {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await admin.end();
          await db.close();
        }
      });
    }
  });
}
