/**
 * The Hardhat node the indexer tests talk to, as `hardhat node` would start it, plus one override:
 * contracts of any size deploy, so the tests also run against artifacts compiled for coverage.
 *
 *   node --import tsx test/indexer/support/node-server.ts <port> [chainId]
 */
import hre from "hardhat";

const port = Number(process.argv[2]);
const chainId = process.argv[3] ? Number(process.argv[3]) : undefined;
const server = await hre.network.createServer(
  { network: "node", override: { allowUnlimitedContractSize: true, ...(chainId ? { chainId } : {}) } },
  "127.0.0.1",
  port,
);
const { address, port: listening } = await server.listen();
console.log(`listening on http://${address}:${listening}`);
