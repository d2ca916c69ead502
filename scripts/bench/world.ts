/**
 * Deploys what the benchmark drives: FTNS, the marketplace (same constructor settings as the Ignition
 * module), and driver contracts that each play one marketplace party: providers, consumers and a
 * keeper (anyone-may-call paths plus arbitration). Each driver is deployed from its own account, so
 * transactions come from many senders as on a real chain.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Abi, type Address, encodeDeployData, encodeFunctionData, type Hex, keccak256, toHex } from "viem";
import { ftnsTokenAbi, marketplaceAbi } from "../../generated/abis.js";
import { repoRoot } from "../lib/local-node.js";
import type { Rpc } from "../lib/raw-rpc.js";

export type Artifact = { abi: Abi; bytecode: Hex };

/**
 * Bytecode comes from the Hardhat build (the benchmark compiles first). ABIs of the marketplace and the
 * token come from generated/abis.ts like everywhere else; the drivers exist only here.
 */
export async function readArtifact(sourceName: string, contractName: string): Promise<Artifact> {
  const file = path.join(repoRoot, "artifacts", sourceName, `${contractName}.json`);
  const json = JSON.parse(await readFile(file, "utf8"));
  return { abi: json.abi, bytecode: json.bytecode };
}

export type Actor = { address: Address; owner: Address };

export type BenchWorld = {
  chainId: number;
  /** Block of the first deployment: no marketplace event is older. */
  startBlock: number;
  admin: Address;
  treasury: Address;
  token: Address;
  marketplace: Address;
  providers: Actor[];
  consumers: Actor[];
  keeper: Actor;
  abis: { provider: Abi; consumer: Abi; keeper: Abi };
  /** Marketplace events the deployment itself emitted (settings, roles). */
  deployEvents: number;
};

export type DeployWorldParameters = {
  rpc: Rpc;
  providers?: number;
  consumers?: number;
  /** FTNS minted to each consumer driver (token units). */
  fundsPerConsumer: bigint;
};

const MARKETPLACE_SETTINGS = { feeBps: 250, acceptanceTimeout: 30 * 60, disputeTimeout: 7 * 24 * 3600 };
/** Shortest dispute timeout the contract allows; set so a round of the scenario spans a day and a half, not a week. */
export const DISPUTE_TIMEOUT = 24 * 3600;
export const ACCEPTANCE_TIMEOUT = MARKETPLACE_SETTINGS.acceptanceTimeout;
const DEPLOY_GAS = 6_000_000n;

type Receipt = { status: Hex; contractAddress: Address | null; blockNumber: Hex; transactionHash: Hex };

async function transact(
  rpc: Rpc,
  from: Address,
  to: Address | undefined,
  data: Hex,
  gas = 1_000_000n
): Promise<Receipt> {
  const hash = await rpc<Hex>("eth_sendTransaction", [{ from, to, data, gas: toHex(gas) }]);
  const receipt = await rpc<Receipt | null>("eth_getTransactionReceipt", [hash]);
  if (!receipt) throw new Error(`transaction ${hash} was not mined: the node must automine while deploying`);
  if (receipt.status !== "0x1") throw new Error(`transaction ${hash} from ${from} to ${to ?? "(create)"} reverted`);
  return receipt;
}

async function deploy(
  rpc: Rpc,
  from: Address,
  artifact: Artifact,
  args: readonly unknown[]
): Promise<Receipt & { contractAddress: Address }> {
  const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args });
  const receipt = await transact(rpc, from, undefined, data, DEPLOY_GAS);
  return receipt as Receipt & { contractAddress: Address };
}

export async function deployBenchWorld({
  rpc,
  providers = 6,
  consumers = 10,
  fundsPerConsumer,
}: DeployWorldParameters): Promise<BenchWorld> {
  const accounts = await rpc<Address[]>("eth_accounts");
  // Account 0 administers, the last one is the treasury, one account per driver in between.
  if (accounts.length < providers + consumers + 3) {
    throw new Error(`${providers + consumers + 3} accounts needed, the node has ${accounts.length}`);
  }
  const [admin] = accounts;
  const treasury = accounts[accounts.length - 1];
  const chainId = Number(await rpc<Hex>("eth_chainId"));
  await rpc("evm_setAutomine", [true]);

  const [tokenArtifact, marketArtifact, providerArtifact, consumerArtifact, keeperArtifact] = await Promise.all([
    readArtifact("contracts/FTNSToken.sol", "FTNSToken"),
    readArtifact("contracts/Marketplace.sol", "Marketplace"),
    readArtifact("test/mocks/bench/BenchProvider.sol", "BenchProvider"),
    readArtifact("test/mocks/bench/BenchConsumer.sol", "BenchConsumer"),
    readArtifact("test/mocks/bench/BenchKeeper.sol", "BenchKeeper"),
  ]);

  const tokenReceipt = await deploy(rpc, admin, tokenArtifact, [admin, 1_000_000_000n * 10n ** 18n]);
  const startBlock = Number(tokenReceipt.blockNumber);
  const token = tokenReceipt.contractAddress;
  const { feeBps, acceptanceTimeout, disputeTimeout } = MARKETPLACE_SETTINGS;
  const marketplace = (
    await deploy(rpc, admin, marketArtifact, [admin, treasury, token, feeBps, acceptanceTimeout, disputeTimeout])
  ).contractAddress;
  await transact(
    rpc,
    admin,
    marketplace,
    encodeFunctionData({ abi: marketplaceAbi, functionName: "setDisputeTimeout", args: [DISPUTE_TIMEOUT] })
  );

  const providerActors: Actor[] = [];
  for (let i = 0; i < providers; i++) {
    const owner = accounts[1 + i];
    providerActors.push({
      owner,
      address: (await deploy(rpc, owner, providerArtifact, [marketplace])).contractAddress,
    });
  }
  const consumerActors: Actor[] = [];
  for (let i = 0; i < consumers; i++) {
    const owner = accounts[1 + providers + i];
    const address = (await deploy(rpc, owner, consumerArtifact, [marketplace, token])).contractAddress;
    consumerActors.push({ owner, address });
    await transact(
      rpc,
      admin,
      token,
      encodeFunctionData({ abi: ftnsTokenAbi, functionName: "mint", args: [address, fundsPerConsumer] })
    );
  }
  const keeperOwner = accounts[1 + providers + consumers];
  const keeper = {
    owner: keeperOwner,
    address: (await deploy(rpc, keeperOwner, keeperArtifact, [marketplace])).contractAddress,
  };
  await transact(
    rpc,
    admin,
    marketplace,
    encodeFunctionData({
      abi: marketplaceAbi,
      functionName: "grantRole",
      args: [keccak256(toHex("ARBITER_ROLE")), keeper.address],
    })
  );

  const deployLogs = await rpc<unknown[]>("eth_getLogs", [
    { address: marketplace, fromBlock: toHex(startBlock), toBlock: "latest" },
  ]);

  return {
    chainId,
    startBlock,
    admin,
    treasury,
    token,
    marketplace,
    providers: providerActors,
    consumers: consumerActors,
    keeper,
    abis: { provider: providerArtifact.abi, consumer: consumerArtifact.abi, keeper: keeperArtifact.abi },
    deployEvents: deployLogs.length,
  };
}
