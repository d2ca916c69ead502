/**
 * Mints FTNS to an address with the minter account, for local and demo chains (the token has no public
 * mint). On the local Hardhat chain it also gives a fresh address some ETH for gas.
 *
 *   npm run faucet -- <address> [amount]       # amount in FTNS, default 1000
 */
import { exitQuietlyWhenStdoutCloses, runCli } from "./cli/run.js";

exitQuietlyWhenStdoutCloses();
process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
  program: "npm run faucet --",
  only: "faucet",
});
