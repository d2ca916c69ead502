/**
 * A Hardhat node in a child process on a free port (see node-server.ts): a real JSON-RPC endpoint,
 * so the indexer (and, in the fault tests, a proxy in front of it) talks HTTP exactly as it would to
 * any node.
 */
import path from "node:path";
import { repoRoot, startLocalNode } from "../../../scripts/lib/local-node.js";
import type { Rpc } from "../../../scripts/lib/raw-rpc.js";

export { repoRoot };

export type TestNode = {
  url: string;
  rpc: Rpc;
  /** Moves time forward and mines one block with proper parent hash (evm_mine, not hardhat_mine). */
  advance(seconds: number): Promise<void>;
  blockNumber(): Promise<number>;
  stop(): Promise<void>;
};

export async function startNode(options: { chainId?: number; timeoutMs?: number } = {}): Promise<TestNode> {
  const server = path.join(repoRoot, "test", "indexer", "support", "node-server.ts");
  const { url, rpc, stop } = await startLocalNode({
    timeoutMs: options.timeoutMs,
    args: (port) => ["--import", "tsx", server, String(port), ...(options.chainId ? [String(options.chainId)] : [])],
  });
  return {
    url,
    rpc,
    async advance(seconds) {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine");
    },
    async blockNumber() {
      return Number(await rpc<string>("eth_blockNumber"));
    },
    stop,
  };
}
