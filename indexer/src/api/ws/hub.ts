/**
 * WebSocket fan-out at /ws. Clients subscribe to `resource:{id}`, `address:{0x…}` and `market`; the
 * hub learns of committed batches from the indexer's NOTIFY, reads the batch's events once, and
 * pushes each to the channels it concerns. A reorg is announced to every client so it can drop what
 * vanished. Limits: origin allow-list, maximum message size, subscriptions per connection, and a
 * ceiling on unsent bytes past which a slow client is closed instead of buffered for ever.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { getAddress, isAddress } from "viem";
import { WebSocket, WebSocketServer } from "ws";
import type { ApiDeps } from "../deps.js";
import { isEntityId } from "../schemas/common.js";
import type { CommitNotification } from "../notifications.js";
import { loadBatchEvents, loadEndingRentals, type FeedEvent } from "./feed.js";

export type WsHub = {
  onCommit(notification: CommitNotification): Promise<void>;
  /** Runs the near-end scan now (also runs on a timer and after every commit). */
  scanNearEnd(chainId?: number): Promise<void>;
  clientCount(): number;
  close(): Promise<void>;
};

type Client = {
  socket: WebSocket;
  chainId: number;
  channels: Set<string>;
  alive: boolean;
};

export const WS_CLOSE_TOO_SLOW = 4008;

/** Normalises a channel name, or says why it is not one. */
export function parseChannel(raw: unknown): { channel: string } | { error: string } {
  if (typeof raw !== "string" || raw.length > 64) return { error: "a channel is a short string" };
  if (raw === "market") return { channel: raw };
  const [kind, value, ...rest] = raw.split(":");
  if (rest.length === 0 && kind === "resource" && value && isEntityId(value)) return { channel: raw };
  if (rest.length === 0 && kind === "address" && value && isAddress(value, { strict: false })) {
    return { channel: `address:${getAddress(value)}` };
  }
  return { error: `unknown channel ${raw.slice(0, 64)}: use resource:{id}, address:{0x…} or market` };
}

export function createWsHub({ httpServer, deps }: { httpServer: Server; deps: ApiDeps }): WsHub {
  const { config, metrics, logger } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.ws.maxPayloadBytes, clientTracking: false });
  const clients = new Set<Client>();
  const byChannel = new Map<string, Set<Client>>();
  // Near-end notices already sent, keyed by chain, rental and end (an extension earns a new notice).
  const noticed = new Set<string>();
  const allowAnyOrigin = config.corsOrigins.includes("*");
  const allowedOrigins = new Set(config.corsOrigins);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/ws") return;
    const origin = req.headers.origin;
    // Browsers always send Origin; a page from a foreign site must not ride a user's connection.
    if (origin && !allowAnyOrigin && !allowedOrigins.has(origin)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\norigin not allowed\n");
      metrics.wsDropped.inc({ reason: "origin" });
      return;
    }
    const chainParam = url.searchParams.get("chainId");
    const chain = chainParam === null ? config.chains[0] : config.chains.find((c) => String(c.chainId) === chainParam);
    if (!chain) {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunknown chain\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, chain.chainId));
  };
  httpServer.on("upgrade", onUpgrade);

  function send(client: Client, message: object, type: string): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (client.socket.bufferedAmount > config.ws.maxBufferedBytes) {
      metrics.wsDropped.inc({ reason: "slow" });
      client.socket.close(WS_CLOSE_TOO_SLOW, "too slow: messages were piling up");
      // A peer that does not read will not read the close frame either.
      setTimeout(() => client.socket.terminate(), 1000).unref();
      return;
    }
    client.socket.send(JSON.stringify(message));
    metrics.wsMessages.inc({ type });
  }

  function subscribe(client: Client, channels: string[]): void {
    const added: string[] = [];
    for (const raw of channels) {
      const parsed = parseChannel(raw);
      if ("error" in parsed) {
        send(client, { type: "error", error: parsed.error }, "error");
        continue;
      }
      if (client.channels.has(parsed.channel)) continue;
      if (client.channels.size >= config.ws.maxSubscriptions) {
        send(client, { type: "error", error: `at most ${config.ws.maxSubscriptions} subscriptions per connection` }, "error");
        break;
      }
      client.channels.add(parsed.channel);
      let set = byChannel.get(parsed.channel);
      if (!set) byChannel.set(parsed.channel, (set = new Set()));
      set.add(client);
      added.push(parsed.channel);
    }
    send(client, { type: "subscribed", channels: added, total: client.channels.size }, "control");
  }

  function unsubscribe(client: Client, channels: string[]): void {
    const removed: string[] = [];
    for (const raw of channels) {
      const parsed = parseChannel(raw);
      if ("error" in parsed || !client.channels.delete(parsed.channel)) continue;
      byChannel.get(parsed.channel)?.delete(client);
      if (byChannel.get(parsed.channel)?.size === 0) byChannel.delete(parsed.channel);
      removed.push(parsed.channel);
    }
    send(client, { type: "unsubscribed", channels: removed, total: client.channels.size }, "control");
  }

  function detach(client: Client): void {
    if (!clients.delete(client)) return;
    for (const channel of client.channels) {
      byChannel.get(channel)?.delete(client);
      if (byChannel.get(channel)?.size === 0) byChannel.delete(channel);
    }
    metrics.wsClients.set(clients.size);
  }

  function attach(socket: WebSocket, chainId: number): void {
    const client: Client = { socket, chainId, channels: new Set(), alive: true };
    clients.add(client);
    metrics.wsClients.set(clients.size);
    socket.on("pong", () => (client.alive = true));
    socket.on("close", () => detach(client));
    socket.on("error", () => detach(client));
    socket.on("message", (data, isBinary) => {
      if (isBinary) return send(client, { type: "error", error: "send JSON text frames" }, "error");
      let message: { op?: unknown; channels?: unknown; id?: unknown };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return send(client, { type: "error", error: "not JSON" }, "error");
      }
      const channels = Array.isArray(message?.channels) ? message.channels.slice(0, config.ws.maxSubscriptions + 1) : [];
      switch (message?.op) {
        case "subscribe":
          return subscribe(client, channels);
        case "unsubscribe":
          return unsubscribe(client, channels);
        case "ping":
          return send(client, { type: "pong", id: typeof message.id === "string" ? message.id.slice(0, 64) : undefined }, "control");
        default:
          return send(client, { type: "error", error: "op must be subscribe, unsubscribe or ping" }, "error");
      }
    });
    send(client, { type: "welcome", chainId, maxSubscriptions: config.ws.maxSubscriptions }, "control");
  }

  function deliver(chainId: number, event: FeedEvent): void {
    const targets = new Set<Client>();
    for (const channel of event.channels) for (const c of byChannel.get(channel) ?? []) if (c.chainId === chainId) targets.add(c);
    for (const client of targets) {
      const channels = event.channels.filter((ch) => client.channels.has(ch));
      send(client, { type: "event", chainId, channels, ...event.message }, "event");
    }
  }

  // Batches are delivered one after another, so a client sees a rental's transitions in block order.
  let queue: Promise<void> = Promise.resolve();

  async function handleCommit(n: CommitNotification): Promise<void> {
    if (n.kind === "reorg") {
      for (const client of clients) {
        if (client.chainId !== n.chainId) continue;
        send(client, { type: "rollback", chainId: n.chainId, fromBlock: n.fromBlock, toBlock: n.toBlock }, "rollback");
      }
      // Rollback done: forget near-end notices, the rentals they were about may be gone.
      for (const key of noticed) if (key.startsWith(`${n.chainId}:`)) noticed.delete(key);
      return;
    }
    // Recomputed rollups carry no event to deliver.
    if (n.kind === "rollups") return;
    if (byChannel.size > 0) {
      const events = await loadBatchEvents(deps, n.chainId, n.fromBlock, n.toBlock);
      for (const event of events) deliver(n.chainId, event);
    }
    await scanNearEnd(n.chainId);
  }

  async function scanNearEnd(chainId?: number): Promise<void> {
    const chains = chainId === undefined ? config.chains.map((c) => c.chainId) : [chainId];
    for (const id of chains) {
      const watching = [...byChannel.keys()].some((ch) => ch.startsWith("address:"));
      if (!watching) continue;
      const ending = await loadEndingRentals(deps, id, config.ws.nearEndSeconds);
      for (const rental of ending) {
        const key = `${id}:${rental.rentalId}:${rental.endsAt}`;
        if (noticed.has(key)) continue;
        noticed.add(key);
        deliver(id, {
          channels: [`address:${rental.consumer}`, `address:${rental.provider}`],
          message: {
            event: "RentalEndingSoon",
            rentalId: rental.rentalId,
            listingId: rental.listingId,
            endsAt: rental.endsAt,
            secondsLeft: rental.secondsLeft,
            blockNumber: rental.blockNumber,
            txHash: null,
          },
        });
      }
    }
  }

  const scanTimer = setInterval(() => {
    queue = queue.then(() => scanNearEnd()).catch((err) => logger.warn({ err: String(err) }, "near-end scan failed"));
  }, config.ws.nearEndScanMs);
  scanTimer.unref();

  const pingTimer = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        metrics.wsDropped.inc({ reason: "unresponsive" });
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }, config.ws.pingIntervalMs);
  pingTimer.unref();

  return {
    onCommit(notification) {
      const next = queue.then(() => handleCommit(notification));
      queue = next.catch((err) => logger.error({ err }, "live update delivery failed"));
      return next;
    },
    scanNearEnd(chainId) {
      const next = queue.then(() => scanNearEnd(chainId));
      queue = next.catch(() => {});
      return next;
    },
    clientCount: () => clients.size,
    async close() {
      clearInterval(scanTimer);
      clearInterval(pingTimer);
      httpServer.off("upgrade", onUpgrade);
      for (const client of clients) client.socket.terminate();
      clients.clear();
      byChannel.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
