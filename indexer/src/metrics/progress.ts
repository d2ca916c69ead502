/**
 * Backfill progress: a line rewritten in place on a terminal, structured log lines otherwise.
 */
import type { Logger } from "pino";

import type { ChainMetrics } from "./metrics.js";

export type ProgressParameters = {
  metrics: ChainMetrics[];
  logger: Logger;
  /** Where the TTY line goes; without a TTY, progress goes to the logger. */
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
};

export type ProgressSnapshot = {
  chainId: number;
  blocksDone: number;
  blocksTotal: number;
  events: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
};

function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function startProgress(parameters: ProgressParameters): { stop(): void } {
  const stream = parameters.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const interval = parameters.intervalMs ?? (tty ? 500 : 5000);
  const startedAt = Date.now();
  const startEvents = new Map(parameters.metrics.map((m) => [m.chainId, m.eventsIndexed]));

  const snapshot = (m: ChainMetrics): ProgressSnapshot => {
    const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
    const blocksTotal = Math.max(0, m.backfillTarget - m.startedFromBlock);
    const blocksDone = Math.min(blocksTotal, Math.max(0, m.indexedBlock - m.startedFromBlock));
    const events = m.eventsIndexed - (startEvents.get(m.chainId) ?? 0);
    const blocksPerSecond = blocksDone / seconds;
    return {
      chainId: m.chainId,
      blocksDone,
      blocksTotal,
      events,
      eventsPerSecond: Math.round(events / seconds),
      etaSeconds: blocksPerSecond > 0 ? (blocksTotal - blocksDone) / blocksPerSecond : null,
    };
  };

  const report = (final = false) => {
    const active = parameters.metrics.filter((m) => m.phase === "backfill" || final);
    if (active.length === 0) return;
    if (tty) {
      const line = active
        .map(snapshot)
        .map(
          (s) =>
            `chain ${s.chainId}: blocks ${s.blocksDone}/${s.blocksTotal} ` +
            `(${s.blocksTotal ? Math.floor((100 * s.blocksDone) / s.blocksTotal) : 100}%)  ` +
            `${s.events} events  ${s.eventsPerSecond} ev/s  ETA ${formatDuration(s.etaSeconds)}`,
        )
        .join("  |  ");
      stream.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    } else {
      for (const s of active.map(snapshot)) parameters.logger.info(s, "backfill progress");
    }
  };

  const timer = setInterval(() => report(), interval);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      report(true);
    },
  };
}
