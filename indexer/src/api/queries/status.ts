/** Sync state per chain: what the mirror holds against the chain head. */
import type { ApiDeps } from "../deps.js";
import { checksum, iso } from "../lib/format.js";

type ChainRow = {
  chain_id: number;
  marketplace: string;
  start_block: number;
  checkpoint_block: number;
  checkpoint_time: Date | null;
  head_block: number | null;
  events_indexed: number;
  updated_at: Date;
};

export async function chainStatus(deps: ApiDeps) {
  const { rows } = await deps.db.query<ChainRow>(
    `SELECT chain_id, marketplace, start_block, checkpoint_block, checkpoint_time, head_block, events_indexed, updated_at
     FROM chains ORDER BY chain_id`,
  );
  return rows.map((r) => {
    const head = r.head_block === null ? null : Number(r.head_block);
    const indexed = Number(r.checkpoint_block);
    return {
      chainId: Number(r.chain_id),
      marketplace: checksum(r.marketplace),
      startBlock: Number(r.start_block),
      indexedBlock: indexed,
      indexedBlockTime: iso(r.checkpoint_time),
      headBlock: head,
      lagBlocks: head === null ? null : Math.max(0, head - indexed),
      lagSeconds: r.checkpoint_time ? Math.max(0, Math.round((Date.now() - new Date(r.checkpoint_time).getTime()) / 1000)) : null,
      eventsIndexed: Number(r.events_indexed),
      updatedAt: iso(r.updated_at),
      served: deps.config.chains.some((c) => c.chainId === Number(r.chain_id)),
    };
  });
}

export async function refreshIndexerGauges(deps: ApiDeps): Promise<void> {
  for (const chain of await chainStatus(deps)) {
    const labels = { chain_id: String(chain.chainId) };
    deps.metrics.indexedBlock.set(labels, chain.indexedBlock);
    deps.metrics.eventsIndexed.set(labels, chain.eventsIndexed);
    if (chain.lagBlocks !== null) deps.metrics.headLag.set(labels, chain.lagBlocks);
  }
}
