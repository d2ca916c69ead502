/**
 * Gas of the main marketplace calls on warm state (the contracts already hold listings, rentals,
 * credits and fees, as in production), measured on Hardhat's in-process chain. Prints a table, then
 * one JSON object of gas per call as the last line. Deterministic: the numbers in README.md come from here.
 *
 *   npm run bench:gas
 */
import hre from "hardhat";
import { gasScenario } from "./lib/gas-scenario.js";

const connection = await hre.network.getOrCreate();
const gas = await gasScenario(connection);

const BUDGETS: Record<string, number> = {
  createListing: 110_000,
  rent: 120_000,
  rentWithPermit: 170_000,
  accept: 40_000,
  settle: 80_000,
};
const rows = Object.entries(gas).map(([call, used]) => {
  const budget = BUDGETS[call];
  return {
    call,
    gas: used.toLocaleString("en-US"),
    budget: budget ? budget.toLocaleString("en-US") : "",
    status: budget ? (used <= budget ? "ok" : "OVER") : "",
  };
});
console.table(rows);
console.log(JSON.stringify(gas));
if (rows.some((r) => r.status === "OVER")) process.exitCode = 1;
