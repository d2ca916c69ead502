/**
 * Command-line access to the marketplace: list, show, create, rent, accept, release, settle, rate,
 * withdraw, balance and the rest. `npm run cli -- help` lists them.
 */
import { exitQuietlyWhenStdoutCloses, runCli } from "./cli/run.js";

exitQuietlyWhenStdoutCloses();
process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
});
