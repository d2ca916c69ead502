/**
 * A TCP proxy in front of a Postgres server that can kill a connection the moment it is ready: it
 * forwards the server's startup answers up to ReadyForQuery and, in the same packet, a FATAL 57P01
 * ("terminating connection due to administrator command"), then hangs up. That is what a client
 * sees when its backend is terminated just as it starts; with pg_terminate_backend the timing is
 * luck, here it is every time.
 *
 *   const proxy = await startPgProxy(process.env.DATABASE_URL);
 *   proxy.killNextAtReady(1);   // the next new connection dies as it is handed over
 *   proxy.url                    // DATABASE_URL, through the proxy
 *   proxy.dropAll()              // hang up every open connection, as a restarting server does
 *   proxy.killed                 // how many were killed, so a test can check it happened
 */
import { createConnection, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export type PgProxy = {
  url: string;
  readonly killed: number;
  killNextAtReady(count: number): void;
  dropAll(): void;
  close(): Promise<void>;
};

const READY_FOR_QUERY = 0x5a; // 'Z'

/** An ErrorResponse message: severity, SQLSTATE and text fields, each NUL-terminated, then a NUL. */
function fatalMessage(code: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`, "utf8");
  const header = Buffer.alloc(5);
  header.write("E", 0, "latin1");
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** Listens on `port` (default: any free one). */
export async function startPgProxy(databaseUrl: string, options: { port?: number } = {}): Promise<PgProxy> {
  const upstream = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let toKill = 0;
  let killed = 0;

  const server = createServer((client) => {
    const backend = createConnection({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    sockets.add(client).add(backend);
    for (const s of [client, backend]) {
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    const hangUp = () => client.destroy();
    client.on("close", () => backend.destroy());
    backend.on("close", hangUp);
    client.pipe(backend);
    if (toKill === 0) {
      backend.pipe(client);
      return;
    }
    toKill--;
    // Server messages are a type byte and a length that counts itself (the client sends no SSL request
    // unless asked, so the first byte from the server starts a message).
    let held = Buffer.alloc(0);
    backend.on("data", (chunk: Buffer) => {
      held = Buffer.concat([held, chunk]);
      for (let at = 0; at + 5 <= held.length; ) {
        const end = at + 1 + held.readInt32BE(at + 1);
        if (end > held.length) break;
        if (held[at] === READY_FOR_QUERY) {
          killed++;
          // end(), not destroy(): the client must read the last packet before the hang-up.
          backend.off("close", hangUp);
          client.end(Buffer.concat([held.subarray(0, end), fatalMessage("57P01", "terminating connection due to administrator command")]));
          backend.destroy();
          return;
        }
        at = end;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);

  return {
    url: url.toString(),
    get killed() {
      return killed;
    },
    killNextAtReady(count) {
      toKill = count;
    },
    dropAll() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
