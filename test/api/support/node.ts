/**
 * A Hardhat node in a child process on a free port: the real EVM the API's fixture history runs on,
 * reachable over HTTP like any RPC endpoint the indexer follows.
 */
import { repoRoot, startLocalNode } from "../../../scripts/lib/local-node.js";
import type { Rpc } from "../../../scripts/lib/raw-rpc.js";

export { repoRoot };

export type TestNode = {
  url: string;
  rpc: Rpc;
  stop(): Promise<void>;
};

export async function startNode(timeoutMs = 60_000): Promise<TestNode> {
  const { url, rpc, stop } = await startLocalNode({ timeoutMs });
  return { url, rpc, stop };
}
