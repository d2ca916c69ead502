import {
  createPublicClient,
  defineChain,
  getAddress,
  http,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
} from "viem";
import { readDeployments } from "./deployments.js";
import { ChainUnreachableError, DeploymentMissingError } from "./errors.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

export function rpcUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.RPC_URL || DEFAULT_RPC_URL;
}

/** Addresses of our contracts on the connected chain, as recorded by scripts/deploy.ts. */
export type LiveDeployment = {
  chainId: number;
  marketplace: Address;
  token: Address;
  startBlock: bigint;
};

export type ChainConnection = {
  rpcUrl: string;
  chain: Chain;
  client: PublicClient<Transport, Chain>;
  deployment: LiveDeployment;
};

/**
 * Connects to the node at `rpcUrl` and finds our deployment for its chain id in
 * generated/deployments.json. Fails with a clear message when the node does not answer, when no
 * deployment is recorded, or when the recorded address holds no code (a fresh local node that kept an
 * old deployments.json).
 */
export async function connectToMarketplace(rpcUrl: string): Promise<ChainConnection> {
  const chainId = await fetchChainId(rpcUrl);
  const chain = localChain(chainId, rpcUrl);
  // Batching lets many reads issued together (listing tables, summaries) share one HTTP request.
  const client = createPublicClient({ chain, transport: http(rpcUrl, { batch: { batchSize: 500 } }) });
  const recorded = (await readDeployments())[String(chainId)];
  if (!recorded) {
    throw new DeploymentMissingError(
      `no deployment for chain ${chainId}: run the deploy first (npm run deploy:local for the local node)`,
    );
  }
  const deployment: LiveDeployment = {
    chainId,
    marketplace: getAddress(recorded.marketplace),
    token: getAddress(recorded.token),
    startBlock: BigInt(recorded.startBlock),
  };
  const code = await client.getCode({ address: deployment.marketplace });
  if (!code || code === "0x") {
    throw new DeploymentMissingError(
      `no deployment for chain ${chainId}: generated/deployments.json names ${deployment.marketplace}, ` +
        `but the node has no contract there (restarted node?): run the deploy first (npm run deploy:local)`,
    );
  }
  return { rpcUrl, chain, client, deployment };
}

/** A viem chain for whatever node we are pointed at; only the id and URL matter to the scripts. */
export function localChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Hardhat" : `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** eth_chainId with a message a person can act on when nothing answers. */
export async function fetchChainId(rpcUrl: string): Promise<number> {
  let response: Response;
  try {
    response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ChainUnreachableError(
      `cannot reach a node at ${rpcUrl} (${describeFetchFailure(error)}): start one with \`npm start\` or set RPC_URL`,
      { cause: error },
    );
  }
  const body = (await response.json().catch(() => undefined)) as { result?: string } | undefined;
  if (!response.ok || typeof body?.result !== "string") {
    throw new ChainUnreachableError(`${rpcUrl} did not answer eth_chainId like an Ethereum node (HTTP ${response.status})`);
  }
  return Number(BigInt(body.result));
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
