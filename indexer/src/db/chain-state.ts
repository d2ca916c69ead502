import { FatalError } from "../errors.js";
import type { Db, Queryable } from "./types.js";

export type ChainState = {
  chainId: number;
  marketplace: string;
  startBlock: number;
  checkpointBlock: number;
  checkpointHash: string | null;
  rollbackFloor: number;
  eventsIndexed: number;
};

const SELECT =
  "SELECT chain_id, marketplace, start_block, checkpoint_block, checkpoint_hash, rollback_floor, events_indexed FROM chains WHERE chain_id = $1";

function toState(row: Record<string, unknown>): ChainState {
  return {
    chainId: Number(row.chain_id),
    marketplace: String(row.marketplace),
    startBlock: Number(row.start_block),
    checkpointBlock: Number(row.checkpoint_block),
    checkpointHash: (row.checkpoint_hash as string | null) ?? null,
    rollbackFloor: Number(row.rollback_floor),
    eventsIndexed: Number(row.events_indexed),
  };
}

export async function readChainState(q: Queryable, chainId: number, forUpdate = false): Promise<ChainState | undefined> {
  const result = await q.query(forUpdate ? `${SELECT} FOR UPDATE` : SELECT, [chainId]);
  return result.rows[0] ? toState(result.rows[0]) : undefined;
}

/**
 * Registers the chain on first run (checkpoint just below the start block). On later runs the stored
 * marketplace must be the configured one: a mirror of another contract cannot be continued.
 */
export async function ensureChain(
  db: Db,
  chain: { chainId: number; marketplace: string; startBlock: number },
): Promise<ChainState> {
  const marketplace = chain.marketplace.toLowerCase();
  return db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO chains (chain_id, marketplace, start_block, checkpoint_block, rollback_floor) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (chain_id) DO NOTHING",
      [chain.chainId, marketplace, chain.startBlock, chain.startBlock - 1],
    );
    const state = (await readChainState(tx, chain.chainId)) as ChainState;
    if (state.marketplace !== marketplace) {
      throw new FatalError(
        `chain ${chain.chainId} in this database mirrors marketplace ${state.marketplace}, but the configuration says ${marketplace}: ` +
          "run with --reindex to rebuild the mirror for the new contract",
        { details: { chainId: chain.chainId } },
      );
    }
    return state;
  });
}
