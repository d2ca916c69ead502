/**
 * The database client both databases are reached through (db/types.ts): the behaviour the indexer
 * relies on — SQLSTATE codes on errors, all-or-nothing transactions, NOTIFY on commit only,
 * statements sent without waiting kept in order — the same on PGlite (in its worker thread) and on a
 * Postgres server.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { classifyDbError } from "../../indexer/src/db/errors.js";
import { DatabaseUnavailableError, FatalError, openDatabase, type Db } from "../../indexer/src/index.js";
import { dbKinds, openTestDatabase, type TestDatabase } from "./support/db.js";
import { startPgProxy } from "./support/pg-proxy.js";

for (const kind of dbKinds()) {
  describe(`database client (${kind})`, () => {
    let database: TestDatabase;
    let db: Db;
    before(async () => {
      database = await openTestDatabase(kind);
      db = await database.schema("client");
      await db.exec("CREATE TABLE items (n integer PRIMARY KEY, label text NOT NULL)");
    });
    after(async () => {
      await database?.close();
    });

    it("reports errors with their SQLSTATE, which tells a broken statement from an outage", async () => {
      const error = await db.query("SELECT 1 / 0").then(
        () => assert.fail("division by zero succeeded"),
        (e: unknown) => e as Error & { code?: string },
      );
      assert.equal(error.code, "22012");
      assert.match(error.message, /division by zero/);
      assert.ok(classifyDbError(error, "a test") instanceof FatalError);
      assert.ok(classifyDbError(Object.assign(new Error("terminating connection"), { code: "57P01" }), "a test") instanceof DatabaseUnavailableError);
    });

    it("asks for no notices, in statements and in transactions alike", async () => {
      // A NOTICE per listing with a long word in its metadata once filled PGlite's worker (see NOTICE_SETTING).
      const direct = await db.query<{ client_min_messages: string }>("SHOW client_min_messages");
      const inTransaction = await db.transaction((tx) => tx.query<{ client_min_messages: string }>("SHOW client_min_messages"));
      assert.deepEqual([direct.rows[0], inTransaction.rows[0]], [{ client_min_messages: "warning" }, { client_min_messages: "warning" }]);
    });

    it("commits a transaction whole or not at all, and tells listeners only of what committed", async () => {
      const heard: string[] = [];
      const unlisten = await db.listen("client_test", (payload) => heard.push(payload));
      await db.transaction(async (tx) => {
        await tx.query("INSERT INTO items VALUES (1, 'one')");
        await tx.query("SELECT pg_notify('client_test', 'committed')");
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO items VALUES (2, 'two')");
          await tx.query("SELECT pg_notify('client_test', 'thrown')");
          throw new Error("the caller gives up");
        }),
        /the caller gives up/,
      );
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO items VALUES (3, 'three')");
          await tx.query("SELECT pg_notify('client_test', 'failed')");
          await tx.query("INSERT INTO items VALUES (1, 'again')");
        }),
        (error: Error & { code?: string }) => error.code === "23505",
      );
      const rows = (await db.query<{ n: number }>("SELECT n FROM items ORDER BY n")).rows;
      assert.deepEqual(rows.map((r) => r.n), [1]);
      // A notification travels asynchronously on a server: give it a moment.
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(heard, ["committed"]);
      await unlisten();
      await db.query("SELECT pg_notify('client_test', 'after unlisten')");
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(heard, ["committed"]);
    });

    it("runs each view's statements in its own schema when views send without waiting for each other", async () => {
      const other = await database.schema("client_other");
      await other.exec("CREATE TABLE items (n integer PRIMARY KEY, label text NOT NULL)");
      await other.query("INSERT INTO items VALUES (-1, 'other')");
      const reads = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? db : other).query<{ n: number }>("SELECT min(n) AS n FROM items"));
      const answers = (await Promise.all(reads)).map((r) => r.rows[0]?.n);
      const own = (await db.query<{ n: number }>("SELECT min(n) AS n FROM items")).rows[0]?.n;
      assert.deepEqual(answers, Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? own : -1)));
    });

    it("never reports a commit of a transaction in which a statement failed, even if the caller went on", async () => {
      // Postgres answers COMMIT of an aborted transaction with a rollback, not an error.
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO items VALUES (4, 'four')");
          await tx.query("SELECT 1 / 0").catch(() => undefined);
        }),
      );
      // Statements still queued behind the failure are rolled back with it, not run after the ROLLBACK.
      await assert.rejects(
        db.transaction(async (tx) => {
          const failing = tx.query("SELECT 1 / 0");
          const queued = [5, 6, 7].map((n) => tx.query("INSERT INTO items VALUES ($1, 'queued')", [n]).catch(() => undefined));
          await failing;
          await Promise.all(queued);
        }),
        /division by zero/,
      );
      const rows = (await db.query<{ n: number }>("SELECT n FROM items WHERE n BETWEEN 4 AND 7")).rows;
      assert.deepEqual(rows, []);
    });

    it("runs statements sent without waiting in the order they were sent", async () => {
      await db.transaction(async (tx) => {
        const sent = Array.from({ length: 40 }, (_, i) =>
          tx.query("INSERT INTO items VALUES ($1, (SELECT count(*)::text FROM items))", [100 + i]),
        );
        await Promise.all(sent);
      });
      const rows = (await db.query<{ n: number; label: string }>("SELECT n, label FROM items WHERE n >= 100 ORDER BY n")).rows;
      // Each insert saw exactly the rows of the ones sent before it (plus the one committed earlier).
      assert.deepEqual(
        rows.map((r) => Number(r.label)),
        rows.map((_, i) => 1 + i),
      );
    });

    if (kind === "postgres") {
      it("keeps its schema when the URL carries connection options of its own, and applies those too", async () => {
        const url = new URL(process.env.DATABASE_URL as string);
        url.searchParams.set("options", "-c statement_timeout=4321");
        const other = await openDatabase({ url: url.toString(), schema: db.schema });
        try {
          // Without the search path the view would read another schema's `items` or none at all.
          const { rows } = await other.query<{ schema: string; timeout: string; items: number }>(
            "SELECT current_schema() AS schema, current_setting('statement_timeout') AS timeout, (SELECT count(*)::int FROM items) AS items",
          );
          assert.deepEqual(rows[0], { schema: db.schema, timeout: "4321ms", items: (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]?.n });
        } finally {
          await other.close();
        }
      });
    }

    if (kind === "postgres") {
      it("turns a connection the server kills as it is handed over into a retryable failure, not a crash", async () => {
        const proxy = await startPgProxy(process.env.DATABASE_URL as string);
        const other = await openDatabase({ url: proxy.url, schema: db.schema });
        try {
          // The pool's one connection is held, so the next transaction needs a new one: that one dies.
          let letGo = () => undefined as void;
          const held = other.transaction(() => new Promise<void>((resolve) => (letGo = resolve)));
          proxy.killNextAtReady(1);
          const error = await other.transaction((tx) => tx.query("SELECT 1")).then(
            () => assert.fail("a transaction on a killed connection succeeded"),
            (e: unknown) => e,
          );
          letGo();
          await held;
          assert.equal(proxy.killed, 1);
          assert.ok(classifyDbError(error, "a test") instanceof DatabaseUnavailableError, String(error));
          const { rows } = await other.transaction((tx) => tx.query<{ n: number }>("SELECT count(*)::int AS n FROM items"));
          assert.equal(rows[0]?.n, (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]?.n);
        } finally {
          await other.close();
          await proxy.close();
        }
      });
    }

    if (kind === "pglite") {
      it("runs PGlite off the indexer's thread: timers fire while a long statement runs", async () => {
        let ticks = 0;
        const timer = setInterval(() => ticks++, 5);
        const started = performance.now();
        try {
          await db.query("SELECT count(*) FROM generate_series(1, 3000000) g, LATERAL (SELECT md5(g::text)) h");
        } finally {
          clearInterval(timer);
        }
        const ms = performance.now() - started;
        assert.ok(ms > 100, `the statement took ${ms.toFixed(0)} ms: too short to tell`);
        // On the calling thread the event loop would stand still for the whole statement.
        assert.ok(ticks >= 5, `${ticks} timer ticks during a ${ms.toFixed(0)} ms statement`);
      });

      it("rejects statements on a closed database, and opening a broken data directory fails with the reason", async () => {
        const other = await openDatabase({ dataDir: "memory://" });
        await other.close();
        await assert.rejects(other.query("SELECT 1"), /closed/);
        const broken = await mkdtemp(path.join(tmpdir(), "broken-pglite-"));
        try {
          await writeFile(path.join(broken, "PG_VERSION"), "not a cluster\n");
          await assert.rejects(openDatabase({ dataDir: broken }), /could not open the PGlite database/);
        } finally {
          await rm(broken, { recursive: true, force: true });
        }
      });
    }
  });
}
