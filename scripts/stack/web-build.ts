/** Builds the web app when its build is missing or older than its sources (or always, when asked). */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const webRoot = path.join(repoRoot, "web");
export const webDist = path.join(webRoot, "dist");
const MANIFEST = path.join(webDist, ".vite", "manifest.json");

async function newest(entry: string): Promise<number> {
  const info = await stat(entry).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const children = await readdir(entry);
  const times = await Promise.all(children.map((child) => newest(path.join(entry, child))));
  return Math.max(info.mtimeMs, ...times);
}

export async function webBuildIsStale(): Promise<boolean> {
  const built = (await stat(MANIFEST).catch(() => undefined))?.mtimeMs ?? 0;
  if (built === 0) return true;
  const sources = await Promise.all(
    [path.join(webRoot, "src"), path.join(webRoot, "index.html"), path.join(webRoot, "vite.config.ts"), path.join(repoRoot, "generated"), path.join(repoRoot, "package-lock.json")].map(newest),
  );
  return Math.max(...sources) > built;
}

export async function ensureWebBuild({ force = false, log = (_: string) => {} } = {}): Promise<{ built: boolean }> {
  if (!force && !(await webBuildIsStale())) return { built: false };
  log("building the web app (vite)");
  const { build } = await import("vite");
  await build({ configFile: path.join(webRoot, "vite.config.ts"), logLevel: "warn" });
  return { built: true };
}
