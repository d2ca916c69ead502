/** Settings of the API server, with defaults for the local stack and a reader for the environment. */

export type ApiChain = {
  chainId: number;
  marketplace: `0x${string}`;
  token: `0x${string}`;
  /** JSON-RPC endpoint for the chain head in /marketplace/status (optional). */
  rpcUrl?: string;
};

export type ApiConfig = {
  /** Chains the API serves; the first is the default when a request names none. */
  chains: ApiChain[];
  /** Origins allowed by CORS and by the WebSocket origin check; "*" allows any. */
  corsOrigins: string[];
  /** Express `trust proxy` (hops or false) so req.ip is the client behind a load balancer. */
  trustProxy: number | boolean;
  maxBodyBytes: number;
  rateLimit: { windowMs: number; maxPerIp: number; redisUrl?: string };
  cache: { maxEntries: number; ttlMs: number };
  siwe: {
    /** The RFC 3986 authority the message must name (the web app's host). */
    domain: string;
    /** Scheme+authority the message URI must start with. */
    uri: string;
    nonceTtlSeconds: number;
    sessionTtlSeconds: number;
  };
  apiKeys: { defaultQuotaPerWindow: number; maxKeysPerAddress: number };
  ws: {
    maxPayloadBytes: number;
    maxSubscriptions: number;
    /** A client whose unsent backlog grows past this is closed, not buffered for ever. */
    maxBufferedBytes: number;
    /** Tell an address this long before its running rental ends. */
    nearEndSeconds: number;
    /** How often the near-end scan runs. */
    nearEndScanMs: number;
    pingIntervalMs: number;
  };
  /** Channel on which the indexer NOTIFYs committed batches. */
  notifyChannel: string;
};

export const defaultApiConfig: ApiConfig = {
  chains: [],
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  trustProxy: false,
  maxBodyBytes: 64 * 1024,
  rateLimit: { windowMs: 60_000, maxPerIp: 600 },
  cache: { maxEntries: 5_000, ttlMs: 60_000 },
  siwe: {
    domain: "localhost:5173",
    uri: "http://localhost:5173",
    nonceTtlSeconds: 300,
    sessionTtlSeconds: 24 * 3600,
  },
  apiKeys: { defaultQuotaPerWindow: 6_000, maxKeysPerAddress: 10 },
  ws: {
    maxPayloadBytes: 4 * 1024,
    maxSubscriptions: 50,
    maxBufferedBytes: 1024 * 1024,
    nearEndSeconds: 15 * 60,
    nearEndScanMs: 30_000,
    pingIntervalMs: 30_000,
  },
  notifyChannel: "marketplace_commits",
};

export type ApiConfigInput = Partial<Omit<ApiConfig, "rateLimit" | "cache" | "siwe" | "apiKeys" | "ws">> & {
  rateLimit?: Partial<ApiConfig["rateLimit"]>;
  cache?: Partial<ApiConfig["cache"]>;
  siwe?: Partial<ApiConfig["siwe"]>;
  apiKeys?: Partial<ApiConfig["apiKeys"]>;
  ws?: Partial<ApiConfig["ws"]>;
};

export function resolveApiConfig(input: ApiConfigInput = {}): ApiConfig {
  const d = defaultApiConfig;
  return {
    ...d,
    ...input,
    rateLimit: { ...d.rateLimit, ...input.rateLimit },
    cache: { ...d.cache, ...input.cache },
    siwe: { ...d.siwe, ...input.siwe },
    apiKeys: { ...d.apiKeys, ...input.apiKeys },
    ws: { ...d.ws, ...input.ws },
  };
}

const int = (value: string | undefined) => (value === undefined || value === "" ? undefined : Number.parseInt(value, 10));

/** Reads API_* variables; anything unset keeps its default. */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv, chains: ApiChain[]): ApiConfig {
  const strip = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return resolveApiConfig({
    chains,
    ...(env.API_CORS_ORIGINS ? { corsOrigins: env.API_CORS_ORIGINS.split(",").map((s) => s.trim()) } : {}),
    ...(env.API_TRUST_PROXY ? { trustProxy: env.API_TRUST_PROXY === "true" ? true : Number(env.API_TRUST_PROXY) } : {}),
    rateLimit: strip({
      windowMs: int(env.API_RATE_LIMIT_WINDOW_MS),
      maxPerIp: int(env.API_RATE_LIMIT_PER_IP),
      redisUrl: env.REDIS_URL || undefined,
    }),
    siwe: strip({
      domain: env.API_SIWE_DOMAIN,
      uri: env.API_SIWE_URI,
      nonceTtlSeconds: int(env.API_SIWE_NONCE_TTL),
    }),
    ws: strip({ nearEndSeconds: int(env.API_NEAR_END_SECONDS) }),
  });
}
