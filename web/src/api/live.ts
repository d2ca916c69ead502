/**
 * One WebSocket to the API's /ws feed for the whole page. Components subscribe to channels
 * (`market`, `resource:{id}`, `address:{0x…}`); channels are reference-counted, re-subscribed after a
 * reconnect, and the connection backs off while the API is away.
 */
import type { LiveMessage } from "./types";

export type LiveEvent = Extract<LiveMessage, { type: "event" }>;
export type LiveListener = (message: LiveMessage) => void;
export type LiveState = "connecting" | "open" | "closed";

export type LiveFeed = {
  /**
   * `onReady` runs whenever the server confirms the channel (again after each reconnect): from then
   * on no event is missed, so anything fetched before may be stale and should be fetched again.
   */
  subscribe(channel: string, listener: LiveListener, onReady?: () => void): () => void;
  /** Every message, whatever the channel (rollbacks, for instance). */
  onAny(listener: LiveListener): () => void;
  onState(listener: (state: LiveState) => void): () => void;
  state(): LiveState;
  close(): void;
};

export function createLiveFeed(url: string, createSocket: (url: string) => WebSocket = (u) => new WebSocket(u)): LiveFeed {
  const byChannel = new Map<string, Set<LiveListener>>();
  const readyListeners = new Map<string, Set<() => void>>();
  const confirmed = new Set<string>();
  const any = new Set<LiveListener>();
  const stateListeners = new Set<(state: LiveState) => void>();
  let socket: WebSocket | undefined;
  let state: LiveState = "closed";
  let retryMs = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setState = (next: LiveState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const send = (message: object) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  function connect() {
    if (closed) return;
    setState("connecting");
    const ws = createSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      setState("open");
      if (byChannel.size > 0) send({ op: "subscribe", channels: [...byChannel.keys()] });
    };
    ws.onmessage = (event) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      for (const listener of any) listener(message);
      if (message.type === "subscribed") {
        for (const channel of message.channels) {
          confirmed.add(channel);
          for (const ready of readyListeners.get(channel) ?? []) ready();
        }
      }
      if (message.type === "event") {
        const targets = new Set<LiveListener>();
        for (const channel of message.channels) for (const listener of byChannel.get(channel) ?? []) targets.add(listener);
        for (const listener of targets) listener(message);
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      confirmed.clear();
      setState("closed");
      if (closed) return;
      timer = setTimeout(() => {
        timer = undefined;
        connect();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 15_000);
    };
    ws.onerror = () => ws.close();
  }

  return {
    subscribe(channel, listener, onReady) {
      let set = byChannel.get(channel);
      if (!set) {
        byChannel.set(channel, (set = new Set()));
        send({ op: "subscribe", channels: [channel] });
      }
      set.add(listener);
      if (onReady) {
        if (!readyListeners.has(channel)) readyListeners.set(channel, new Set());
        readyListeners.get(channel)!.add(onReady);
        if (confirmed.has(channel)) onReady();
      }
      if (!socket && !closed && !timer) connect();
      return () => {
        if (onReady) readyListeners.get(channel)?.delete(onReady);
        const current = byChannel.get(channel);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) {
          byChannel.delete(channel);
          confirmed.delete(channel);
          send({ op: "unsubscribe", channels: [channel] });
        }
      };
    },
    onAny(listener) {
      any.add(listener);
      if (!socket && !closed && !timer) connect();
      return () => any.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    state: () => state,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    },
  };
}
