/**
 * Deploys token + marketplace with Ignition and records the addresses and the deploy block (the
 * indexer's start block) in generated/deployments.json, keyed by chain id.
 *
 *   npx hardhat run scripts/deploy.ts --network localhost
 *   IGNITION_PARAMETERS=ignition/parameters/mainnet.example.json npx hardhat run scripts/deploy.ts --network target
 *
 * Parameters use Ignition's JSON form: bigints as "123n" strings.
 */
import { readFile } from "node:fs/promises";
import hre from "hardhat";
import MarketplaceModule from "../ignition/modules/Marketplace.js";
import { recordDeployment } from "./lib/deployments.js";

/** Ignition writes bigints as "<digits>n"; JSON.parse alone would hand the module strings. */
function parseParameters(text: string) {
  return JSON.parse(text, (_key, value) =>
    typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  );
}

/** First block at which `address` has code: the indexer needs nothing older. Binary search, O(log n) calls. */
async function deployBlockOf(provider: { getCode(a: string, b?: number): Promise<string>; getBlockNumber(): Promise<number> }, address: string) {
  let high = await provider.getBlockNumber();
  if ((await provider.getCode(address, high)) === "0x") {
    throw new Error(
      `no contract at ${address} on this chain although Ignition's journal lists it: the journal under ` +
        "ignition/deployments/ belongs to an earlier chain. Remove that chain's folder and deploy again.",
    );
  }
  let low = 0;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await provider.getCode(address, mid)) === "0x") low = mid + 1;
    else high = mid;
  }
  return low;
}

const { ethers, ignition } = await hre.network.getOrCreate();
const chainId = Number((await ethers.provider.getNetwork()).chainId);
const parametersFile = process.env.IGNITION_PARAMETERS;
const parameters = parametersFile ? parseParameters(await readFile(parametersFile, "utf8")) : undefined;

const { token, marketplace } = await ignition.deploy(MarketplaceModule, { parameters, displayUi: false });
const marketplaceAddress = await marketplace.getAddress();
const deployment = {
  chainId,
  marketplace: marketplaceAddress,
  token: await token.getAddress(),
  startBlock: await deployBlockOf(ethers.provider, marketplaceAddress),
};
await recordDeployment(deployment);
console.log(JSON.stringify(deployment));
