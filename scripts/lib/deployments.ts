import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type Deployment = {
  chainId: number;
  marketplace: string;
  token: string;
  /** Block to start indexing from: no event of ours is older. */
  startBlock: number;
};

export const deploymentsFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "generated",
  "deployments.json",
);

export async function readDeployments(): Promise<Record<string, Deployment>> {
  try {
    return JSON.parse(await readFile(deploymentsFile, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

export async function recordDeployment(deployment: Deployment): Promise<void> {
  const all = await readDeployments();
  all[String(deployment.chainId)] = deployment;
  await writeFile(deploymentsFile, `${JSON.stringify(all, null, 2)}\n`);
}
