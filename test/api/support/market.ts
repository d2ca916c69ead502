/**
 * Deploys FTNS + Marketplace on a test node from the compiled artifacts (ABIs from generated/abis.ts)
 * and drives it from the node's unlocked accounts, one mined block per transaction.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeDeployData,
  type Hex,
  http,
  maxUint256,
  type PublicClient,
  type WalletClient,
} from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis.js";
import { repoRoot, type TestNode } from "./node.js";

export const HOUR = 3600;
export const UNIT = 10n ** 18n;

export type Market = {
  chainId: number;
  startBlock: number;
  token: Address;
  marketplace: Address;
  accounts: Address[];
  publicClient: PublicClient;
  wallet: WalletClient;
  node: TestNode;
  /** Sends a marketplace call from `from`, waits for it, returns the receipt's tx hash and block. */
  send(from: Address, functionName: string, args: readonly unknown[]): Promise<{ hash: Hex; blockNumber: bigint }>;
  /** Moves chain time forward and mines one block (never hardhat_mine: its blocks break ancestry). */
  advance(seconds: number): Promise<void>;
  now(): Promise<number>;
};

async function bytecode(contract: string): Promise<Hex> {
  const file = path.join(repoRoot, "artifacts", "contracts", `${contract}.sol`, `${contract}.json`);
  return JSON.parse(await readFile(file, "utf8")).bytecode as Hex;
}

export async function deployMarket(node: TestNode, options: { feeBps?: number } = {}): Promise<Market> {
  const chainId = Number(await node.rpc<string>("eth_chainId"));
  const chain = defineChain({
    id: chainId,
    name: "test",
    nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const transport = http(node.url, { batch: false });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const wallet = createWalletClient({ chain, transport });
  const accounts = (await node.rpc<Address[]>("eth_accounts")) as Address[];
  const admin = accounts[0] as Address;
  const startBlock = Number(await publicClient.getBlockNumber());

  const deploy = async (data: Hex) => {
    const hash = await wallet.sendTransaction({ account: admin, data, chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return receipt.contractAddress as Address;
  };
  const token = await deploy(
    encodeDeployData({ abi: ftnsTokenAbi, bytecode: await bytecode("FTNSToken"), args: [admin, 1_000_000_000n * UNIT] }),
  );
  const marketplace = await deploy(
    encodeDeployData({
      abi: marketplaceAbi,
      bytecode: await bytecode("Marketplace"),
      args: [admin, admin, token, options.feeBps ?? 250, 30 * 60, 7 * 24 * HOUR],
    }),
  );

  const waitFor = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return { hash, blockNumber: receipt.blockNumber };
  };

  // Every consumer gets tokens and approves the marketplace once.
  for (const consumer of accounts.slice(4, 14)) {
    await waitFor(await wallet.writeContract({ account: admin, chain, address: token, abi: ftnsTokenAbi, functionName: "mint", args: [consumer, 1_000_000n * UNIT] }));
    await waitFor(await wallet.writeContract({ account: consumer, chain, address: token, abi: ftnsTokenAbi, functionName: "approve", args: [marketplace, maxUint256] }));
  }

  return {
    chainId,
    startBlock,
    token,
    marketplace,
    accounts,
    publicClient,
    wallet,
    node,
    async send(from, functionName, args) {
      const hash = await wallet.writeContract({
        account: from,
        chain,
        address: marketplace,
        abi: marketplaceAbi,
        functionName: functionName as any,
        args: args as any,
      });
      return waitFor(hash);
    },
    async advance(seconds) {
      await node.rpc("evm_increaseTime", [seconds]);
      await node.rpc("evm_mine");
    },
    async now() {
      const block = await publicClient.getBlock();
      return Number(block.timestamp);
    },
  };
}
