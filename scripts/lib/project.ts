import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, whatever directory the script was started from. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Hardhat's command-line entry, run with this same Node binary (not through npx, whose wrapper would outlive a kill). */
export function hardhatCli(): string {
  const dir = path.join(projectRoot, "node_modules", "hardhat");
  const { bin } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { bin: { hardhat: string } };
  return path.join(dir, bin.hardhat);
}
