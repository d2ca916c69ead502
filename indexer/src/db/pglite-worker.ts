/**
 * PGlite's Postgres, run in a worker thread (see pglite.ts for why). Statements arrive as messages
 * and run one at a time, in order; a transaction is held open between its `begin` and its `commit`
 * or `rollback` with PGlite's own `transaction`, so its semantics (a COMMIT that turns into a
 * ROLLBACK is an error) are PGlite's.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types, type Transaction } from "@electric-sql/pglite";

import { InOrder } from "./in-order.js";
import type { WorkerData, WorkerReply, WorkerRequest } from "./pglite-protocol.js";

const port = parentPort;
if (!port) throw new Error("pglite-worker.ts runs as a worker thread");
const { dataDir, startParams } = workerData as WorkerData;

/** The open transaction: its handle, and how to end it. */
let open: { tx: Transaction; end: (commit: boolean) => void; done: Promise<unknown> } | undefined;
const unlisteners = new Map<string, () => Promise<void>>();

function serialiseError(error: unknown): WorkerReply & { ok: false } {
  const e = error instanceof Error ? error : new Error(String(error));
  const props: Record<string, unknown> = {};
  // PGlite's DatabaseError carries the SQLSTATE (code), detail, hint, position and the like as own fields.
  for (const [key, value] of Object.entries(e)) {
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) props[key] = value;
  }
  return { id: 0, ok: false, error: { name: e.name, message: e.message, props } };
}

async function handle(pg: PGlite, request: WorkerRequest): Promise<unknown> {
  const target = open?.tx ?? pg;
  switch (request.op) {
    case "query": {
      const result = await target.query(request.sql, request.params);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    }
    case "exec":
      await target.exec(request.sql);
      return undefined;
    case "begin": {
      if (open) throw new Error("a transaction is already open");
      let started!: () => void;
      const ready = new Promise<void>((resolve) => (started = resolve));
      const done = pg.transaction(
        (tx) =>
          new Promise<void>((resolve, reject) => {
            open = { tx, end: (commit) => (commit ? resolve() : reject(new RollbackRequested())), done };
            started();
          }),
      );
      // Observed by commit or rollback; a failed BEGIN surfaces here instead.
      done.catch(() => undefined);
      await Promise.race([ready, done]);
      return undefined;
    }
    case "commit":
    case "rollback": {
      const ending = open;
      if (!ending) throw new Error(`${request.op} without a transaction`);
      open = undefined;
      ending.end(request.op === "commit");
      try {
        await ending.done;
      } catch (error) {
        if (!(error instanceof RollbackRequested)) throw error;
      }
      return undefined;
    }
    case "listen": {
      if (!unlisteners.has(request.channel)) {
        const channel = request.channel;
        unlisteners.set(channel, await pg.listen(channel, (payload) => port?.postMessage({ channel, payload })));
      }
      return undefined;
    }
    case "unlisten": {
      const unlisten = unlisteners.get(request.channel);
      unlisteners.delete(request.channel);
      await unlisten?.();
      return undefined;
    }
    case "close":
      await pg.close();
      return undefined;
  }
}

class RollbackRequested extends Error {}

try {
  const pg = await PGlite.create({
    dataDir,
    startParams,
    // Same shapes as the node-postgres client: int8 as number, numeric as string.
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  // One statement at a time, in the order sent: each waits for the one before.
  const queue = new InOrder();
  port.on("message", (request: WorkerRequest) => {
    void queue.run(async () => {
      let reply: WorkerReply;
      try {
        reply = { id: request.id, ok: true, result: await handle(pg, request) };
      } catch (error) {
        reply = { ...serialiseError(error), id: request.id };
      }
      port.postMessage(reply);
      if (request.op === "close") port.close();
    });
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: serialiseError(error).error });
}
