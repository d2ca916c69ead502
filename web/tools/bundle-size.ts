/**
 * Prints what a first visit downloads: the entry chunk and every chunk it imports statically (routes
 * load later), gzip-sized, and fails when the JavaScript passes the budget.
 *
 *   node --import tsx web/tools/bundle-size.ts [--budget-kb 300]
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

type ManifestChunk = { file: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[]; css?: string[] };

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");
const budgetArg = process.argv.indexOf("--budget-kb");
const budgetKb = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 300;

const manifest = JSON.parse(await readFile(path.join(dist, ".vite", "manifest.json"), "utf8")) as Record<string, ManifestChunk>;
const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry);
if (!entryKey) throw new Error("no entry chunk in the build manifest: run the build first");

/** The entry and its static imports, transitively: what the browser fetches before the first render. */
const initial = new Set<string>();
const css = new Set<string>();
const visit = (key: string) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const file of chunk.css ?? []) css.add(file);
  for (const imported of chunk.imports ?? []) visit(imported);
};
visit(entryKey);

const sizes = async (files: Iterable<string>) =>
  Promise.all(
    [...files].map(async (file) => {
      const bytes = await readFile(path.join(dist, file));
      return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }),
  );
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

const js = (await sizes(initial)).sort((a, b) => b.gzip - a.gzip);
const styles = await sizes(css);
const lazy = Object.values(manifest).filter((c) => c.file.endsWith(".js") && !initial.has(c.file));
const lazyJs = await sizes(lazy.map((c) => c.file));

console.log("initial JavaScript (entry + static imports):");
for (const s of js) console.log(`  ${s.file.padEnd(44)} ${kb(s.raw).padStart(10)}  gzip ${kb(s.gzip).padStart(9)}`);
const jsGzip = js.reduce((a, s) => a + s.gzip, 0);
const cssGzip = styles.reduce((a, s) => a + s.gzip, 0);
console.log(`  total initial JS: ${kb(jsGzip)} gzip (budget ${budgetKb} KB); CSS ${kb(cssGzip)} gzip`);
console.log(`  loaded on demand: ${lazyJs.length} chunks, ${kb(lazyJs.reduce((a, s) => a + s.gzip, 0))} gzip`);
if (jsGzip > budgetKb * 1024) {
  console.error(`initial JavaScript is ${kb(jsGzip)} gzip, over the ${budgetKb} KB budget`);
  process.exit(1);
}
