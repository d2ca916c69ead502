/**
 * The benchmark scripts refuse bad command lines with one line and the usage (exit code 2), as the
 * CLI does, before starting anything.
 *
 *   npm run test:scripts
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { projectRoot } from "../../scripts/lib/project.js";

const STACK_TRACE = /^\s+at .+\(.*\)$|^\s+at file:/m;

function run(script: string, args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", script, ...args], { cwd: projectRoot, encoding: "utf8", timeout: 60_000 });
}

for (const [script, args, message] of [
  ["scripts/bench-index.ts", ["--db", "sqlite"], /--db must be pglite or postgres, not sqlite/],
  ["scripts/bench-index.ts", ["--events=0"], /--events must be a positive integer, not 0/],
  ["scripts/bench-index.ts", ["--rounds", "1.5"], /--rounds must be a positive integer, not 1.5/],
  ["scripts/bench-index.ts", ["--bogus"], /Unknown option '--bogus'/],
  ["scripts/bench-search.ts", ["--queries", "many"], /--queries must be a positive integer, not many/],
  ["scripts/bench-api.ts", ["--rate", "0"], /--rate must be a positive integer, not 0/],
  ["scripts/bench-analytics.ts", ["--db", "mysql"], /--db must be postgres or pglite, not mysql/],
] as const) {
  test(`${script} ${args.join(" ")}: one line and the usage, exit code 2`, () => {
    const result = run(script, [...args]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /^usage: npm run bench:/m);
    assert.doesNotMatch(result.stderr, STACK_TRACE);
    assert.equal(result.stdout, "");
  });
}
