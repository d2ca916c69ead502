/**
 *   npm run indexer                    migrate, backfill, then follow the head (Ctrl-C stops cleanly)
 *   npm run indexer -- --reindex       drop the mirror's tables and rebuild them from the chain
 *   npm run indexer -- --once          migrate and backfill, then exit
 *   npm run indexer:verify             re-index into a scratch schema and diff it against the mirror
 *
 * Configuration comes from the environment: see indexer/README.md or src/config/config.ts.
 */
import { parseArgs } from "node:util";
import pino from "pino";

import { loadConfig } from "./config/config.js";
import { formatDiff } from "./db/diff.js";
import { loggedDbRetry, withDbRetry } from "./db/errors.js";
import { resetSchema, runMigrations } from "./db/migrate.js";
import { openDatabase } from "./db/open.js";
import { errorMessage, IndexerError } from "./errors.js";
import { createIndexer } from "./indexer.js";
import { createChainRpc } from "./sync/rpc.js";
import { verifyMirror } from "./verify.js";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      reindex: { type: "boolean", default: false },
      once: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("usage: indexer [run|verify] [--reindex] [--once]");
    return 0;
  }
  const command = positionals[0] ?? "run";
  if (command !== "run" && command !== "verify") {
    console.error(`unknown command ${command}: use run or verify`);
    return 2;
  }

  const config = await loadConfig({ probeChainId: (url) => createChainRpc({ url, retry: { baseDelayMs: 200, maxDelayMs: 2000, maxAttempts: 5, maxTransientAttempts: 5 } }).getChainId() });
  const logger = pino({ level: config.logLevel });
  // A database that is not up yet (or restarting) is waited for, as an outage during indexing is.
  const waitingFor = (context: string) => loggedDbRetry(context, config.sync.retry, logger);
  const db = await withDbRetry(
    () =>
      openDatabase({
        ...config.database,
        onError: (error) => logger.warn({ err: errorMessage(error) }, "database connection error"),
      }),
    waitingFor("opening the database"),
  );
  logger.info(
    { db: db.kind, schema: db.schema, chains: config.chains.map((c) => ({ chainId: c.chainId, rpc: c.rpcUrl, marketplace: c.marketplace, startBlock: c.startBlock })) },
    "indexer starting",
  );

  try {
    if (values.reindex) {
      logger.warn({ schema: db.schema }, "dropping the mirror for a full re-index");
      await resetSchema(db);
    }
    const applied = await withDbRetry(() => runMigrations(db, { notifyChannel: config.notifyChannel }), waitingFor("migrating"));
    if (applied.length > 0) logger.info({ applied }, "migrations applied");

    if (command === "verify") {
      const report = await verifyMirror({ db, chains: config.chains, logger, sync: config.sync });
      const text = formatDiff(report);
      if (report.equal && report.settled) {
        console.log(`mirror verified at ${JSON.stringify(report.checkpoints)}: every derived table equals a fresh index`);
        return 0;
      }
      console.error(report.settled ? text : `${text}\n(the live mirror moved during the comparison: stop the indexer and run verify again)`);
      return 1;
    }

    const indexer = createIndexer({ db, chains: config.chains, logger, sync: config.sync, notifyChannel: config.notifyChannel });
    const stop = () => {
      logger.info("stopping");
      void indexer.stop();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await indexer.backfill();
    if (!values.once) {
      logger.info("following the head");
      await indexer.follow();
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The indexer's own errors say what happened; anything else is a bug, and its stack helps.
    console.error(error instanceof IndexerError ? `indexer stopped: ${error.message}` : error);
    process.exit(1);
  },
);
