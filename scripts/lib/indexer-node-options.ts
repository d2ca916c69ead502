/**
 * How `npm run indexer` starts Node: the options its package.json script passes before `--import`
 * (a bounded V8 heap). The benchmark runs the indexer with them, and the tests check them.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "./local-node.js";

/** The options an npm script passes to `node` before `--import`. */
export function scriptNodeOptions(script: string): string[] {
  const words = script.trim().split(/\s+/);
  if (words[0] !== "node") throw new Error(`not a node command: ${script}`);
  const options: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith("--") || word === "--import") break;
    options.push(word);
  }
  return options;
}

/** The Node options of `npm run indexer`, read from package.json. */
export async function indexerNodeOptions(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const script = manifest.scripts.indexer;
  if (!script) throw new Error("package.json has no indexer script");
  return scriptNodeOptions(script);
}
