/**
 * Deploys token + marketplace with Ignition and records the addresses and the deploy block (the
 * indexer's start block) in generated/deployments.json, keyed by chain id.
 *
 *   npx hardhat run scripts/deploy.ts --network localhost
 *   IGNITION_PARAMETERS=ignition/parameters/mainnet.json npx hardhat run scripts/deploy.ts --network <name>
 */
import { readFile } from "node:fs/promises";
import hre from "hardhat";
import MarketplaceModule from "../ignition/modules/Marketplace.js";
import { recordDeployment } from "./lib/deployments.js";

const connection = await hre.network.getOrCreate();
const { ethers, ignition } = connection;
const chainId = Number((await ethers.provider.getNetwork()).chainId);
// Nothing of ours exists before this block, so it is a safe start for the indexer.
const startBlock = await ethers.provider.getBlockNumber();
const parametersFile = process.env.IGNITION_PARAMETERS;
const parameters = parametersFile ? JSON.parse(await readFile(parametersFile, "utf8")) : undefined;

const { token, marketplace } = await ignition.deploy(MarketplaceModule, { parameters, displayUi: false });
const deployment = {
  chainId,
  marketplace: await marketplace.getAddress(),
  token: await token.getAddress(),
  startBlock,
};
await recordDeployment(deployment);
console.log(JSON.stringify(deployment));
