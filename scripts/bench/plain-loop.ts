/**
 * The yardstick the indexer's rates are set against: a plain viem loop that fetches the marketplace's
 * logs in fixed block ranges and inserts one row per log plus a checkpoint, one transaction per range,
 * into a fresh PGlite data directory. No decoding, no derived rows, no reorg bookkeeping: what the
 * machine does at best for the same chain, so that the mirror's rate can be read as a share of it
 * rather than against a figure taken on other hardware.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createPublicClient, http, type Address } from "viem";

export type PlainLoopParameters = {
  rpcUrl: string;
  address: string;
  fromBlock: number;
  toBlock: number;
  /** Blocks per eth_getLogs call (the generated chain holds ~240 logs a block). */
  rangeBlocks?: number;
};

export type PlainLoopResult = { events: number; seconds: number; eventsPerSecond: number };

export async function runPlainLoop(p: PlainLoopParameters): Promise<PlainLoopResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "plain-loop-"));
  const db = await PGlite.create(dir);
  try {
    await db.exec(
      "CREATE TABLE logs (block_number bigint, log_index integer, tx_hash text, topics text, data text, PRIMARY KEY (block_number, log_index));" +
        "CREATE TABLE checkpoint (block_number bigint); INSERT INTO checkpoint VALUES (0);",
    );
    const client = createPublicClient({
      // viem's own retries, as any plain loop has them: the node may close an idle keep-alive socket
      // between the indexer's run and this one, and the first request then fails on it.
      transport: http(p.rpcUrl, { retryCount: 3, timeout: 120_000, maxResponseBodySize: 128 * 1024 * 1024 }),
    });
    const rangeBlocks = p.rangeBlocks ?? 20;
    const started = performance.now();
    let events = 0;
    for (let from = p.fromBlock; from <= p.toBlock; from += rangeBlocks) {
      const to = Math.min(p.toBlock, from + rangeBlocks - 1);
      const logs = await client.getLogs({ address: p.address as Address, fromBlock: BigInt(from), toBlock: BigInt(to) });
      await db.transaction(async (tx) => {
        if (logs.length > 0) {
          await tx.query(
            "INSERT INTO logs SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[])",
            [
              logs.map((l) => Number(l.blockNumber)),
              logs.map((l) => l.logIndex),
              logs.map((l) => l.transactionHash),
              logs.map((l) => l.topics.join(",")),
              logs.map((l) => l.data),
            ],
          );
        }
        await tx.query("UPDATE checkpoint SET block_number = $1", [to]);
      });
      events += logs.length;
    }
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds, eventsPerSecond: Math.round(events / seconds) };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
