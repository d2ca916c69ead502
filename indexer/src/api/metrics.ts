/** Prometheus metrics of the API, on a registry of its own so several servers in one process never clash. */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export function createApiMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "marketplace_api_" });
  return {
    registry,
    httpDuration: new Histogram({
      name: "marketplace_api_http_request_duration_seconds",
      help: "HTTP request latency by route and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheHits: new Counter({
      name: "marketplace_api_cache_hits_total",
      help: "Cache lookups answered from memory",
      labelNames: ["namespace"] as const,
      registers: [registry],
    }),
    cacheMisses: new Counter({
      name: "marketplace_api_cache_misses_total",
      help: "Cache lookups that went to the database",
      labelNames: ["namespace"] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "marketplace_api_rate_limited_total",
      help: "Requests refused with 429",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    wsClients: new Gauge({
      name: "marketplace_api_ws_clients",
      help: "Open WebSocket connections",
      registers: [registry],
    }),
    wsMessages: new Counter({
      name: "marketplace_api_ws_messages_sent_total",
      help: "WebSocket messages pushed to clients",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    wsDropped: new Counter({
      name: "marketplace_api_ws_dropped_clients_total",
      help: "WebSocket clients closed for being too slow or misbehaving",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    commitsSeen: new Counter({
      name: "marketplace_api_commit_notifications_total",
      help: "Indexer commit notifications received",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    indexedBlock: new Gauge({
      name: "marketplace_api_indexed_block",
      help: "Last block the mirror holds, per chain",
      labelNames: ["chain_id"] as const,
      registers: [registry],
    }),
    headLag: new Gauge({
      name: "marketplace_api_indexer_head_lag_blocks",
      help: "Chain head minus indexed block, per chain (when the head is known)",
      labelNames: ["chain_id"] as const,
      registers: [registry],
    }),
    eventsIndexed: new Gauge({
      name: "marketplace_api_events_indexed",
      help: "Raw events held by the mirror, per chain",
      labelNames: ["chain_id"] as const,
      registers: [registry],
    }),
  };
}
