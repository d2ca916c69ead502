/**
 * The acid test of the mirror: index the chain again from scratch, into a scratch schema of the same
 * database, up to exactly the live checkpoint, and compare every derived table row for row. Used by
 * `npm run indexer:verify` and by the tests ("mirror equals a fresh index").
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import pino from "pino";

import type { ChainConfig, SyncSettings } from "./config/config.js";
import { readChainState } from "./db/chain-state.js";
import { diffMirrors, type MirrorDiff } from "./db/diff.js";
import { runMigrations } from "./db/migrate.js";
import { dropSchema } from "./db/open.js";
import type { Db } from "./db/types.js";
import { createIndexer, type CreateIndexerParameters } from "./indexer.js";

export type VerifyMirrorParameters = {
  /** The live mirror (its schema is the one compared). */
  db: Db;
  chains: ChainConfig[];
  logger?: Logger;
  sync?: Partial<SyncSettings>;
  createRpc?: CreateIndexerParameters["createRpc"];
  /** Scratch schema name (default: a random verify_… one, dropped afterwards). */
  scratchSchema?: string;
  keepScratch?: boolean;
  /** Re-runs when the live mirror moved during the comparison (default 3). */
  attempts?: number;
};

export type VerifyReport = MirrorDiff & {
  /** Live checkpoint per chain that both sides were compared at. */
  checkpoints: Record<number, number>;
  /** False when the live mirror kept moving during the comparison (stop the live indexer and run again). */
  settled: boolean;
};

async function liveCheckpoints(db: Db, chains: ChainConfig[]): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const chain of chains) {
    const state = await readChainState(db, chain.chainId);
    if (state) out[chain.chainId] = state.checkpointBlock;
  }
  return out;
}

export async function verifyMirror(parameters: VerifyMirrorParameters): Promise<VerifyReport> {
  const { db } = parameters;
  const logger = parameters.logger ?? pino({ level: "warn" });
  const scratchName = parameters.scratchSchema ?? `verify_${randomBytes(4).toString("hex")}`;
  const scratch = db.withSchema(scratchName);
  await dropSchema(db, scratchName);
  await runMigrations(scratch);

  // The scratch index must start where the live one did, for the same contract.
  const chains: ChainConfig[] = [];
  for (const chain of parameters.chains) {
    const state = await readChainState(db, chain.chainId);
    if (!state) continue;
    chains.push({ ...chain, marketplace: state.marketplace, startBlock: state.startBlock });
  }

  try {
    const indexer = createIndexer({
      db: scratch,
      chains,
      logger,
      sync: parameters.sync,
      createRpc: parameters.createRpc,
      progress: false,
      notifyChannel: "marketplace_verify",
    });
    for (let attempt = 1; ; attempt++) {
      const checkpoints = await liveCheckpoints(db, chains);
      await indexer.backfill({ toBlock: checkpoints });
      const scratchCheckpoints = await liveCheckpoints(scratch, chains);
      const diff = await diffMirrors(db, {
        left: db.schema,
        right: scratchName,
        chainIds: chains.map((c) => c.chainId),
      });
      const after = await liveCheckpoints(db, chains);
      const settled = chains.every(
        (c) => after[c.chainId] === checkpoints[c.chainId] && scratchCheckpoints[c.chainId] === checkpoints[c.chainId],
      );
      // A live checkpoint that went down (a rollback) would leave the scratch ahead: no point catching up.
      const wentBack = chains.some((c) => (after[c.chainId] ?? 0) < (checkpoints[c.chainId] ?? 0));
      if (settled || wentBack || attempt >= (parameters.attempts ?? 3)) {
        if (!settled) logger.warn({ checkpoints, after }, "the live mirror moved while it was being compared");
        await indexer.stop();
        return { ...diff, checkpoints, settled };
      }
    }
  } finally {
    if (!parameters.keepScratch) await dropSchema(db, scratchName);
  }
}
