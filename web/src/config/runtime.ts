/**
 * Where the app finds its chain, contracts and API. The local stack serves /config.json beside the
 * built app; without it (Vite dev server) the defaults of the local stack apply, with the addresses
 * recorded by the deploy in generated/deployments.json.
 */
import { getAddress, type Address } from "viem";
import deployments from "../../../generated/deployments.json";

export type RuntimeConfig = {
  chainId: number;
  chainName: string;
  rpcUrl: string;
  apiUrl: string;
  marketplace: Address;
  token: Address;
  /** Block explorer base URL for transaction links (none on a local chain). */
  explorerUrl: string | null;
};

type DeploymentEntry = { chainId: number; marketplace: string; token: string; startBlock: number };

export class RuntimeConfigError extends Error {
  override name = "RuntimeConfigError";
}

const isUrl = (value: unknown): value is string => typeof value === "string" && /^https?:\/\//.test(value);

/** Checks a config object field by field, so a broken config.json says what is wrong. */
export function parseRuntimeConfig(raw: unknown): RuntimeConfig {
  if (!raw || typeof raw !== "object") throw new RuntimeConfigError("config.json is not an object");
  const value = raw as Record<string, unknown>;
  const chainId = Number(value.chainId);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new RuntimeConfigError("config.json: chainId must be a positive integer");
  if (!isUrl(value.rpcUrl)) throw new RuntimeConfigError("config.json: rpcUrl must be an http(s) URL");
  if (!isUrl(value.apiUrl)) throw new RuntimeConfigError("config.json: apiUrl must be an http(s) URL");
  const address = (field: string) => {
    const text = value[field];
    if (typeof text !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(text)) throw new RuntimeConfigError(`config.json: ${field} must be an address`);
    return getAddress(text);
  };
  return {
    chainId,
    chainName: typeof value.chainName === "string" && value.chainName ? value.chainName : `Chain ${chainId}`,
    rpcUrl: value.rpcUrl,
    apiUrl: value.apiUrl.replace(/\/+$/, ""),
    marketplace: address("marketplace"),
    token: address("token"),
    explorerUrl: isUrl(value.explorerUrl) ? value.explorerUrl.replace(/\/+$/, "") : null,
  };
}

/** The local stack's defaults, for the Vite dev server (overridable with VITE_* variables). */
export function defaultRuntimeConfig(env: Record<string, string | undefined> = import.meta.env): RuntimeConfig {
  const chainId = Number(env.VITE_CHAIN_ID ?? 31337);
  const entry = (deployments as Record<string, DeploymentEntry>)[String(chainId)];
  if (!entry) throw new RuntimeConfigError(`no deployment for chain ${chainId} in generated/deployments.json: deploy first`);
  return parseRuntimeConfig({
    chainId,
    chainName: env.VITE_CHAIN_NAME ?? (chainId === 31337 ? "PRSM local" : undefined),
    rpcUrl: env.VITE_RPC_URL ?? "http://127.0.0.1:8545",
    apiUrl: env.VITE_API_URL ?? "http://127.0.0.1:8787",
    marketplace: entry.marketplace,
    token: entry.token,
    explorerUrl: env.VITE_EXPLORER_URL,
  });
}

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" }).catch(() => undefined);
  const type = response?.headers.get("content-type") ?? "";
  // The dev server answers unknown paths with index.html: only real JSON counts.
  if (response?.ok && type.includes("json")) return parseRuntimeConfig(await response.json());
  return defaultRuntimeConfig();
}

export const wsUrl = (config: RuntimeConfig) => `${config.apiUrl.replace(/^http/, "ws")}/ws?chainId=${config.chainId}`;
