/** Messages between the indexer and the PGlite worker thread (pglite-worker.ts). */

export type WorkerData = { dataDir: string | undefined; startParams: string[] };

export type WorkerRequest = { id: number } & (
  | { op: "query"; sql: string; params?: unknown[] }
  | { op: "exec"; sql: string }
  | { op: "begin" | "commit" | "rollback" | "close" }
  | { op: "listen" | "unlisten"; channel: string }
);

export type SerialisedError = { name: string; message: string; props: Record<string, unknown> };

export type WorkerReply = { id: number } & ({ ok: true; result: unknown } | { ok: false; error: SerialisedError });

/** Sent once the database is open (or could not be). */
export type WorkerReady = { ready: true } | { ready: false; error: SerialisedError };

/** A NOTIFY heard on a channel listened to. */
export type WorkerNotification = { channel: string; payload: string };
