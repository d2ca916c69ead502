/** The indexer's commit notification, as sent with NOTIFY after each committed batch. */

export type CommitNotification = {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  /** `reorg`: rows from `fromBlock` on were rolled back (and possibly replaced). */
  kind: "block" | "reorg";
};

export function parseCommitNotification(payload: string): CommitNotification | undefined {
  try {
    const raw = JSON.parse(payload) as Record<string, unknown>;
    const chainId = Number(raw.chainId);
    const fromBlock = Number(raw.fromBlock);
    const toBlock = Number(raw.toBlock ?? raw.fromBlock);
    const kind = raw.kind === "reorg" ? "reorg" : "block";
    if (!Number.isSafeInteger(chainId) || !Number.isSafeInteger(fromBlock) || !Number.isSafeInteger(toBlock)) return undefined;
    return { chainId, fromBlock, toBlock, kind };
  } catch {
    return undefined;
  }
}
