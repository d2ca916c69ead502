/** Wires the services, wagmi, TanStack Query and the router together. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useMemo } from "react";
import { RouterProvider } from "react-router";
import { WagmiProvider } from "wagmi";
import { createApiClient } from "../api/client";
import { createLiveFeed } from "../api/live";
import { type RuntimeConfig, wsUrl } from "../config/runtime";
import { createWagmiConfig } from "../config/wagmi";
import { createTxStore } from "../tx/store";
import { createRouter } from "./router";
import { type Services, ServicesContext } from "./services";

export function App({ config }: { config: RuntimeConfig }) {
  const { services, wagmi, queryClient, router } = useMemo(() => {
    const services: Services = {
      config,
      api: createApiClient(config.apiUrl, config.chainId),
      live: createLiveFeed(wsUrl(config)),
      txs: createTxStore(),
    };
    const queryClient = new QueryClient({
      defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: true } },
    });
    return { services, wagmi: createWagmiConfig(config), queryClient, router: createRouter() };
  }, [config]);

  return (
    <ServicesContext.Provider value={services}>
      <WagmiProvider config={wagmi}>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </WagmiProvider>
    </ServicesContext.Provider>
  );
}
