/** What every page shares, created once at start-up and handed down explicitly (no module singletons). */
import { createContext, useContext } from "react";
import type { ApiClient } from "../api/client";
import type { LiveFeed } from "../api/live";
import type { RuntimeConfig } from "../config/runtime";
import type { TxStore } from "../tx/store";

export type Services = {
  config: RuntimeConfig;
  api: ApiClient;
  live: LiveFeed;
  txs: TxStore;
};

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices outside ServicesContext");
  return services;
}
