/** Reads straight from the chain (the source of truth for money): balances, credits, the chain clock. */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConfig } from "wagmi";
import { getBlock, readContract } from "wagmi/actions";
import { ftnsTokenAbi, marketplaceAbi } from "../../../generated/abis";
import { useServices } from "../app/services";

export function useFtnsBalance(address: Address | undefined) {
  const { config } = useServices();
  const wagmi = useConfig();
  return useQuery({
    queryKey: ["chain", "balance", address],
    enabled: Boolean(address),
    refetchInterval: 15_000,
    queryFn: () => readContract(wagmi, { address: config.token, abi: ftnsTokenAbi, functionName: "balanceOf", args: [address!], chainId: config.chainId }),
  });
}

/** What `address` can withdraw from the marketplace (released earnings, refunds). */
export function useCredit(address: Address | undefined) {
  const { config } = useServices();
  const wagmi = useConfig();
  return useQuery({
    queryKey: ["chain", "credit", address],
    enabled: Boolean(address),
    refetchInterval: 15_000,
    queryFn: () =>
      readContract(wagmi, { address: config.marketplace, abi: marketplaceAbi, functionName: "creditOf", args: [address!, config.token], chainId: config.chainId }),
  });
}

/** The latest block's time: what the contract will compare deadlines against. */
export function useChainNow(): number {
  const wagmi = useConfig();
  const { config } = useServices();
  const { data } = useQuery({
    queryKey: ["chain", "now"],
    refetchInterval: 5_000,
    queryFn: async () => Number((await getBlock(wagmi, { chainId: config.chainId })).timestamp),
  });
  return Math.max(data ?? 0, Math.floor(Date.now() / 1000));
}

export function useMarketSettings() {
  const { config } = useServices();
  const wagmi = useConfig();
  return useQuery({
    queryKey: ["chain", "settings"],
    staleTime: 60_000,
    queryFn: async () => {
      const read = <T,>(functionName: "feeBps" | "acceptanceTimeout" | "disputeTimeout" | "paused") =>
        readContract(wagmi, { address: config.marketplace, abi: marketplaceAbi, functionName, chainId: config.chainId }) as Promise<T>;
      const [feeBps, acceptanceTimeout, disputeTimeout, paused] = await Promise.all([
        read<number>("feeBps"),
        read<number>("acceptanceTimeout"),
        read<number>("disputeTimeout"),
        read<boolean>("paused"),
      ]);
      return { feeBps: Number(feeBps), acceptanceTimeout: Number(acceptanceTimeout), disputeTimeout: Number(disputeTimeout), paused };
    },
  });
}
