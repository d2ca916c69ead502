/**
 * Gas of the main marketplace calls on warm state (the contracts already hold listings, rentals,
 * credits and fees, as in production), measured on Hardhat's in-process chain. Prints a table, then
 * one JSON object of gas per call as the last line. Gas is deterministic, so the table in README.md
 * is kept true by this script:
 *
 *   npm run bench:gas                 # print
 *   GAS_TABLE=write npm run bench:gas # rewrite the table in README.md
 *   GAS_TABLE=check npm run bench:gas # fail when README.md disagrees (CI)
 */
import { readFile, writeFile } from "node:fs/promises";
import hre from "hardhat";
import { gasScenario } from "./lib/gas-scenario.js";

const BUDGETS: Record<string, number> = {
  createListing: 110_000,
  rent: 120_000,
  rentWithPermit: 170_000,
  accept: 40_000,
  settle: 80_000,
};
const NOTES: Record<string, string> = {
  createListing: "512 B metadata, capacity 1, open window, FTNS",
  createListingWindowed: "512 B metadata, capacity 100, availability window",
  rent: "listing already has open rentals",
  rentWithPermit: "permit + rent in one transaction",
  release: "pro-rata part of a running rental",
  settle: "after the end, provider already credited before",
  terminate: "consumer ends early: provider share + refund",
};
const README = new URL("../README.md", import.meta.url);
const START = "<!-- gas-table:start -->";
const END = "<!-- gas-table:end -->";

const connection = await hre.network.getOrCreate();
const gas = await gasScenario(connection);

const fmt = (n: number) => n.toLocaleString("en-US");
const rows = Object.entries(gas).map(([call, used]) => {
  const budget = BUDGETS[call];
  return { call, gas: used, budget, over: budget !== undefined && used > budget };
});
const markdown = [
  "| call | gas | budget | scenario |",
  "| --- | ---: | ---: | --- |",
  ...rows.map((r) => `| \`${r.call}\` | ${fmt(r.gas)} | ${r.budget ? fmt(r.budget) : ""} | ${NOTES[r.call] ?? ""} |`),
].join("\n");

console.table(rows.map((r) => ({ call: r.call, gas: fmt(r.gas), budget: r.budget ? fmt(r.budget) : "", status: r.budget ? (r.over ? "OVER" : "ok") : "" })));

const mode = process.env.GAS_TABLE;
if (mode === "write" || mode === "check") {
  const readme = await readFile(README, "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
  const next = `${readme.slice(0, start + START.length)}\n${markdown}\n${readme.slice(end)}`;
  if (mode === "write") {
    await writeFile(README, next);
    console.log("README.md gas table updated");
  } else if (next !== readme) {
    console.error("README.md gas table is stale: run `GAS_TABLE=write npm run bench:gas` and commit it.");
    process.exitCode = 1;
  } else {
    console.log("README.md gas table matches");
  }
}
if (rows.some((r) => r.over)) {
  console.error(`over budget: ${rows.filter((r) => r.over).map((r) => r.call).join(", ")}`);
  process.exitCode = 1;
}
console.log(JSON.stringify(gas));
