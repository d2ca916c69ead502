/** The indexer's commit notification, as sent with NOTIFY after each committed batch. */

export type CommitNotification = {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  /**
   * `reorg`: rows from `fromBlock` on were rolled back (and possibly replaced); `rollups`: no row of the
   * mirror changed, the rollups the analytics read were recomputed (after a backfill deferred them).
   */
  kind: "block" | "reorg" | "rollups";
  /** Schema the batch was written to (several mirrors may share one database). */
  schema?: string;
};

export function parseCommitNotification(payload: string): CommitNotification | undefined {
  try {
    const raw = JSON.parse(payload) as Record<string, unknown>;
    const chainId = Number(raw.chainId);
    const fromBlock = Number(raw.fromBlock);
    const toBlock = Number(raw.toBlock ?? raw.fromBlock);
    const kind = raw.kind === "reorg" || raw.kind === "rollups" ? raw.kind : "block";
    if (!Number.isSafeInteger(chainId) || !Number.isSafeInteger(fromBlock) || !Number.isSafeInteger(toBlock)) return undefined;
    const schema = typeof raw.schema === "string" ? raw.schema : undefined;
    return { chainId, fromBlock, toBlock, kind, schema };
  } catch {
    return undefined;
  }
}
