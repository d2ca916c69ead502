/**
 * wagmi for the one chain this deployment lives on: injected wallets only (EIP-6963 discovery plus
 * the legacy window.ethereum), reads over the chain's RPC.
 */
import { defineChain, type Chain } from "viem";
import { createConfig, http, injected } from "wagmi";
import type { RuntimeConfig } from "./runtime";

export function marketChain(config: RuntimeConfig): Chain {
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
    ...(config.explorerUrl ? { blockExplorers: { default: { name: "Explorer", url: config.explorerUrl } } } : {}),
  });
}

export function createWagmiConfig(config: RuntimeConfig) {
  const chain = marketChain(config);
  return createConfig({
    chains: [chain],
    connectors: [injected({ shimDisconnect: true })],
    multiInjectedProviderDiscovery: true,
    // A local chain mines on demand: poll fast so confirmations show within a second.
    pollingInterval: config.chainId === 31337 ? 500 : 4_000,
    transports: { [chain.id]: http(config.rpcUrl, { batch: { wait: 10 } }) },
  });
}

export type WagmiConfig = ReturnType<typeof createWagmiConfig>;
