import { DeepReorgError } from "../errors.js";
import type { Queryable } from "../db/types.js";
import type { ChainRpc } from "./rpc.js";

export type StoredHash = { block_number: number; block_hash: string };

export type FindAncestorParameters = {
  /** The stored hashes of blocks `floor`..`top`, highest first (the caller retries the read through outages). */
  storedHashes: (floor: number, top: number) => Promise<StoredHash[]>;
  rpc: ChainRpc;
  chainId: number;
  startBlock: number;
  checkpoint: number;
  finalityDepth: number;
};

/**
 * Walks the stored block hashes down from the checkpoint, comparing each with the node's block of
 * the same number, and returns the highest block both agree on. Only the finality depth is searched:
 * a disagreement reaching below it stops the indexer rather than rewriting history it called final.
 */
export async function findCommonAncestor(p: FindAncestorParameters): Promise<number> {
  const floor = Math.max(p.startBlock - 1, p.checkpoint - p.finalityDepth);
  const rows = await p.storedHashes(floor, p.checkpoint);
  for (let i = 0; i < rows.length; i += 32) {
    const slice = rows.slice(i, i + 32);
    const canonical = await p.rpc.getBlocks(slice.map((r) => r.block_number));
    for (const row of slice) {
      if (canonical.get(row.block_number)?.hash === row.block_hash) return row.block_number;
    }
  }
  // Everything indexed so far lies within the finality depth and none of it survived: start over.
  if (floor === p.startBlock - 1) return p.startBlock - 1;
  throw new DeepReorgError(
    `reorg on chain ${p.chainId} deeper than the finality depth (${p.finalityDepth} blocks): none of the stored block hashes ` +
      `from block ${p.checkpoint} down to block ${floor} is on the node's chain any more. Stopping instead of diverging; ` +
      "investigate the node, then rebuild the mirror with --reindex.",
    { details: { chainId: p.chainId, checkpoint: p.checkpoint, floor, finalityDepth: p.finalityDepth } },
  );
}

/** The stored hashes of a chain's blocks `floor`..`top`, highest first. */
export async function readStoredHashes(db: Queryable, chainId: number, floor: number, top: number): Promise<StoredHash[]> {
  const { rows } = await db.query<StoredHash>(
    "SELECT block_number, block_hash FROM block_hashes WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 ORDER BY block_number DESC",
    [chainId, floor, top],
  );
  return rows;
}
