/** The chain as the tests see it: read the contracts, act as other parties, move time, mine at will. */
import { type Address, createPublicClient, createWalletClient, defineChain, http, parseUnits, type Hex } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis.js";

export function chainClient(rpcUrl: string, chainId: number, marketplace: Address, token: Address) {
  const chain = defineChain({ id: chainId, name: "test", nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  const transport = http(rpcUrl, { batch: false });
  const client = createPublicClient({ chain, transport, pollingInterval: 50 });
  const wallet = createWalletClient({ chain, transport });
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = (await response.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };

  return {
    client,
    rpc,
    async accounts(): Promise<Address[]> {
      return rpc<Address[]>("eth_accounts");
    },
    balanceOf: (account: Address) => client.readContract({ address: token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [account] }),
    creditOf: (account: Address) => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "creditOf", args: [account, token] }),
    listing: (id: bigint) => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getListing", args: [id] }),
    rental: (id: bigint) => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "getRental", args: [id] }),
    listingCount: () => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "listingCount" }),
    rentalCount: () => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "rentalCount" }),
    feeBps: () => client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "feeBps" }),
    async mintFtns(from: Address, to: Address, amount: string): Promise<void> {
      const hash = await wallet.writeContract({ account: from, address: token, abi: ftnsTokenAbi, functionName: "mint", args: [to, parseUnits(amount, 18)], chain });
      await client.waitForTransactionReceipt({ hash });
    },
    /** A marketplace call from an unlocked account, outside the page (another party acting). */
    async send(from: Address, functionName: string, args: readonly unknown[], fees: { maxPriorityFeePerGas?: bigint; maxFeePerGas?: bigint; gas?: bigint } = {}): Promise<Hex> {
      return wallet.writeContract({ account: from, address: marketplace, abi: marketplaceAbi, functionName: functionName as never, args: args as never, chain, ...fees });
    },
    /** Moves chain time forward and mines a block (never hardhat_mine: its blocks break hash ancestry). */
    async advance(seconds: number): Promise<void> {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine");
    },
    setAutomine: (on: boolean) => rpc("evm_setAutomine", [on]),
    mine: () => rpc("evm_mine"),
    pendingCount: async () => Number(BigInt(await rpc<string>("eth_getBlockTransactionCountByNumber", ["pending"]))),
  };
}

export type ChainClient = ReturnType<typeof chainClient>;
