/**
 * Branch coverage of contracts/ for the mocha suite.
 *
 * `hardhat test --coverage` reports lines and statements only (EDR has no branch data yet), so this
 * measures branches itself: it copies the project to a temporary directory, wraps every branch
 * condition in contracts/ in a probe that logs which way it went (through the console.log precompile,
 * so view and pure code can be probed too), runs the mocha suite there and counts the arms taken.
 *
 * - branches: both arms of every `if` and every `?:`;
 * - conditions: both outcomes of every operand of `&&` / `||` (stricter, reported separately).
 *
 *   npx tsx test/contracts/helpers/branch-coverage.ts [--min 95] [--root <project dir>] [--keep]
 *
 * Exits non-zero when the tests fail or branch coverage is below --min percent.
 * Mocha loads this file with the other helpers; it only runs when invoked directly.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import solc from "solc";

interface Probe {
  id: number;
  file: string;
  line: number;
  kind: "if" | "ternary" | "condition";
  snippet: string;
}

interface Edit {
  pos: number;
  text: string;
  /** Sort key among edits at the same position: suffixes before prefixes, inner before outer. */
  rank: number;
}

interface AstNode {
  nodeType?: string;
  src?: string;
  operator?: string;
  condition?: AstNode;
  leftExpression?: AstNode;
  rightExpression?: AstNode;
  [key: string]: unknown;
}

/** Top-level paths not copied: installed or generated, or state of other runs. */
const SKIP = new Set([
  "node_modules",
  "artifacts",
  "cache",
  "coverage",
  ".git",
  "types",
  ".data",
  "ignition/deployments",
]);
const LOGICAL = new Set(["&&", "||"]);

function range(node: AstNode): [number, number] {
  const [start, length] = node.src!.split(":").map(Number);
  return [start, start + length];
}

function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (node !== null && typeof node === "object") {
    const n = node as AstNode;
    if (typeof n.nodeType === "string") visit(n);
    for (const value of Object.values(n)) walk(value, visit);
  }
}

function parse(file: string, content: string): AstNode {
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { [file]: { content } },
        settings: { stopAfter: "parsing", outputSelection: { "*": { "": ["ast"] } } },
      }),
    ),
  );
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((e: { message: string }) => e.message).join("; ")}`);
  return output.sources[file].ast;
}

/** Leaf operands of a chain of && / ||: each one decides a short-circuit branch. */
function logicalOperands(node: AstNode, out: AstNode[] = []): AstNode[] {
  for (const side of [node.leftExpression!, node.rightExpression!]) {
    if (side.nodeType === "BinaryOperation" && LOGICAL.has(side.operator!)) logicalOperands(side, out);
    else out.push(side);
  }
  return out;
}

/** Returns the instrumented source and registers one probe per branch point. */
function instrument(file: string, source: Buffer, fileIndex: number, probes: Probe[]): Buffer {
  const text = source.toString("utf8");
  const ast = parse(file, text);
  const probe = `__branchProbe${fileIndex}`;
  const edits: Edit[] = [];
  const wrap = (node: AstNode, kind: Probe["kind"]) => {
    const [start, end] = range(node);
    const id = probes.length;
    const line = source.subarray(0, start).toString("utf8").split("\n").length;
    const snippet = source.subarray(start, end).toString("utf8").replace(/\s+/g, " ");
    probes.push({ id, file, line, kind, snippet });
    edits.push({ pos: start, text: `${probe}(`, rank: 1e9 - (end - start) });
    edits.push({ pos: end, text: `, ${id})`, rank: -1e9 + (end - start) });
  };
  walk(ast, (node) => {
    if (node.nodeType === "IfStatement") wrap(node.condition!, "if");
    if (node.nodeType === "Conditional") wrap(node.condition!, "ternary");
  });
  const chains: AstNode[] = [];
  const links = new Set<AstNode>();
  walk(ast, (node) => {
    if (node.nodeType !== "BinaryOperation" || !LOGICAL.has(node.operator!)) return;
    chains.push(node);
    for (const side of [node.leftExpression!, node.rightExpression!]) {
      if (side.nodeType === "BinaryOperation" && LOGICAL.has(side.operator!)) links.add(side);
    }
  });
  // One probe per operand: nested links of a chain are reached from the top of the chain.
  for (const chain of chains) {
    if (!links.has(chain)) for (const operand of logicalOperands(chain)) wrap(operand, "condition");
  }
  if (edits.length === 0) return source;

  edits.sort((a, b) => a.pos - b.pos || a.rank - b.rank);
  const parts: Buffer[] = [];
  let cursor = 0;
  for (const edit of edits) {
    parts.push(source.subarray(cursor, edit.pos), Buffer.from(edit.text));
    cursor = edit.pos;
  }
  parts.push(source.subarray(cursor));
  // A pure probe: the console precompile is called through a view pointer cast to pure, as
  // hardhat/console.sol does, so branches inside pure library code can be probed as well.
  parts.push(
    Buffer.from(`
function ${probe}View(bytes memory payload) view {
    (bool ok, ) = address(0x000000000000000000636F6e736F6c652e6c6f67).staticcall(payload);
    ok;
}

function ${probe}(bool taken, uint256 id) pure returns (bool) {
    function(bytes memory) view viewFn = ${probe}View;
    function(bytes memory) pure pureFn;
    assembly ("memory-safe") {
        pureFn := viewFn
    }
    pureFn(abi.encodeWithSignature("log(string,uint256,bool)", "__branch", id, taken));
    return taken;
}
`),
  );
  return Buffer.concat(parts);
}

function solidityFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return solidityFiles(full);
    return name.endsWith(".sol") ? [full] : [];
  });
}

function pct(hit: number, total: number): string {
  return total === 0 ? "100.00" : ((100 * hit) / total).toFixed(2);
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const min = Number(option("--min") ?? 95);
  const root = path.resolve(option("--root") ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../../.."));
  const work = mkdtempSync(path.join(tmpdir(), "branch-coverage-"));

  cpSync(root, work, { recursive: true, filter: (src) => !SKIP.has(path.relative(root, src)) });
  symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"), "dir");

  const probes: Probe[] = [];
  const files = solidityFiles(path.join(work, "contracts"));
  files.forEach((full, index) => {
    const relative = path.relative(work, full);
    writeFileSync(full, instrument(relative, readFileSync(full), index, probes));
  });

  // Probes make the marketplace larger than the 24 KiB deployment limit; lift it for this run only.
  writeFileSync(
    path.join(work, "hardhat.branch-coverage.config.ts"),
    `import base from "./hardhat.config.js";
export default { ...base, networks: { ...base.networks, default: { type: "edr-simulated", allowUnlimitedContractSize: true } } };
`,
  );
  const run = spawnSync("npx", ["hardhat", "--config", "hardhat.branch-coverage.config.ts", "test", "mocha"], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  const summary = /(\d+) passing[\s\S]*?(?:(\d+) failing)?\s*$/m.exec(output);
  const taken = new Set<string>();
  for (const match of output.matchAll(/^__branch (\d+) (true|false)$/gm)) taken.add(`${match[1]}:${match[2]}`);

  console.log(`mocha: ${summary ? summary[0].split("\n")[0].trim() : "no summary"}; exit ${run.status}`);
  const byFile = new Map<string, { branches: [number, number]; conditions: [number, number] }>();
  const missed: string[] = [];
  for (const p of probes) {
    const entry = byFile.get(p.file) ?? { branches: [0, 0], conditions: [0, 0] };
    const bucket = p.kind === "condition" ? entry.conditions : entry.branches;
    for (const outcome of ["true", "false"]) {
      bucket[1] += 1;
      if (taken.has(`${p.id}:${outcome}`)) bucket[0] += 1;
      else missed.push(`  ${p.file}:${p.line} ${p.kind} \`${p.snippet}\` never ${outcome}`);
    }
    byFile.set(p.file, entry);
  }

  let [hit, total, condHit, condTotal] = [0, 0, 0, 0];
  console.log("\nFile                                | Branches           | Conditions (&&, ||)");
  for (const [file, { branches, conditions }] of [...byFile].sort()) {
    console.log(
      `${file.padEnd(36)}| ${`${branches[0]}/${branches[1]}`.padEnd(8)} ${pct(...branches).padStart(7)}% | ` +
        `${`${conditions[0]}/${conditions[1]}`.padEnd(8)} ${pct(...conditions).padStart(7)}%`,
    );
    [hit, total, condHit, condTotal] = [
      hit + branches[0],
      total + branches[1],
      condHit + conditions[0],
      condTotal + conditions[1],
    ];
  }
  console.log(
    `${"Total".padEnd(36)}| ${`${hit}/${total}`.padEnd(8)} ${pct(hit, total).padStart(7)}% | ` +
      `${`${condHit}/${condTotal}`.padEnd(8)} ${pct(condHit, condTotal).padStart(7)}%`,
  );
  if (missed.length > 0) console.log(`\nNot taken:\n${missed.join("\n")}`);

  if (args.includes("--keep")) console.log(`\nInstrumented copy kept at ${work}`);
  else rmSync(work, { recursive: true, force: true });

  if (run.status !== 0) {
    console.error(output.slice(-4000));
    process.exit(1);
  }
  if (Number(pct(hit, total)) < min) {
    console.error(`\nBranch coverage ${pct(hit, total)}% is below ${min}%`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
