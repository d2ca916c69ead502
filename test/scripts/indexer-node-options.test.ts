/**
 * The indexer runs with a bounded V8 heap (package.json's `indexer` script), and the benchmark runs it
 * with the same options: both read from the script, so a typo or a dropped flag shows up here.
 *
 *   npm run test:scripts
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { indexerNodeOptions, scriptNodeOptions } from "../../scripts/lib/indexer-node-options.js";

test("the Node options of a script are the flags before --import", () => {
  assert.deepEqual(scriptNodeOptions("node --a=1 --b --import tsx x.ts --c"), ["--a=1", "--b"]);
  assert.deepEqual(scriptNodeOptions("node --import tsx x.ts"), []);
  assert.deepEqual(scriptNodeOptions("node x.js --max-old-space-size=1"), []);
  assert.throws(() => scriptNodeOptions("tsx x.ts"), /not a node command/);
});

test("npm run indexer bounds the V8 heap, and Node accepts its options", async () => {
  const options = await indexerNodeOptions();
  const probe = spawnSync(
    process.execPath,
    [...options, "-e", "console.log(require('node:v8').getHeapStatistics().heap_size_limit)"],
    { encoding: "utf8" },
  );
  assert.equal(probe.status, 0, probe.stderr);
  const limitMB = Number(probe.stdout.trim()) / 1048576;
  // Old space plus the young generation: far below what V8 allows itself by default on a machine this size.
  assert.ok(limitMB > 200 && limitMB < 400, `heap limit ${limitMB.toFixed(0)} MB`);
});
