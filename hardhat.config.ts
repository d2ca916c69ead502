import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

// The compiler comes from the pinned `solc` npm package, so builds work offline and are
// reproducible; keep SOLC_VERSION equal to the version in package.json.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.30";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 1000 },
      evmVersion: "cancun",
    },
  },
  paths: {
    // Mocks for attack tests compile with the sources but live under test/, not contracts/.
    sources: { solidity: ["contracts", "test/mocks"] },
    tests: { mocha: "test/contracts", solidity: "test/fuzz" },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      invariant: { runs: 64, depth: 40, failOnRevert: false },
    },
  },
  networks: {
    localhost: { type: "http", url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    // Any EVM chain: values come from the environment or the encrypted keystore
    // (`npx hardhat keystore set DEPLOYER_PRIVATE_KEY`), resolved only when this network is used.
    target: {
      type: "http",
      chainType: "generic",
      url: configVariable("TARGET_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
