/**
 * Creates a PGlite data directory in a short-lived child process. Creating a cluster (initdb) grows
 * PGlite's WebAssembly memory to several hundred megabytes, and WebAssembly memory is never given back:
 * done in the indexer's own process, that peak would stay resident for as long as it runs. Opening an
 * existing directory costs a fraction of it.
 */
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A directory holds a cluster once initdb has written its version file. */
export async function hasCluster(dataDir: string): Promise<boolean> {
  try {
    await access(path.join(dataDir, "PG_VERSION"));
    return true;
  } catch {
    return false;
  }
}

export async function createClusterInChild(dataDir: string, startParams: string[]): Promise<void> {
  const pglite = pathToFileURL(createRequire(import.meta.url).resolve("@electric-sql/pglite")).href;
  const script =
    `const { PGlite } = await import(${JSON.stringify(pglite)});` +
    `const [dataDir, params] = [process.argv[1], JSON.parse(process.argv[2])];` +
    `const pg = await PGlite.create({ dataDir, startParams: params });` +
    `await pg.close();`;
  try {
    await run(process.execPath, ["--input-type=module", "-e", script, dataDir, JSON.stringify(startParams)], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`could not create the PGlite database in ${dataDir}${stderr ? `: ${stderr.split("\n").slice(-3).join(" ")}` : ""}`, {
      cause: error,
    });
  }
}
