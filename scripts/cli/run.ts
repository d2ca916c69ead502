/**
 * The command-line front: finds the command, parses its arguments strictly, runs it, and turns every
 * failure into one readable message and an exit code (2 for bad input, with the usage; 1 otherwise).
 */
import { parseArgs } from "node:util";
import { rpcUrlFromEnv } from "../lib/chain.js";
import { reportError, UsageError } from "../lib/errors.js";
import { parseInteger } from "./args.js";
import type { Command, CommandInput, OptionSpec } from "./command.js";
import { createCliContext } from "./context.js";
import accept from "./commands/accept.js";
import balance from "./commands/balance.js";
import cancel from "./commands/cancel.js";
import create from "./commands/create.js";
import dispute from "./commands/dispute.js";
import extend from "./commands/extend.js";
import faucet from "./commands/faucet.js";
import list from "./commands/list.js";
import rate from "./commands/rate.js";
import refund from "./commands/refund.js";
import reject from "./commands/reject.js";
import release from "./commands/release.js";
import rent from "./commands/rent.js";
import rental from "./commands/rental.js";
import settle from "./commands/settle.js";
import show from "./commands/show.js";
import terminate from "./commands/terminate.js";
import withdraw from "./commands/withdraw.js";

export const COMMANDS: readonly Command[] = [
  list, show, create, rent, extend, accept, reject, cancel, refund, release, terminate, settle, dispute, rate, withdraw, balance, rental, faucet,
];

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  account: { type: "string", value: "N", description: "sign with development account #N of the local chain (default: PRIVATE_KEY, else #0)" },
  rpc: { type: "string", value: "URL", description: "node to talk to (default: RPC_URL, else http://127.0.0.1:8545)" },
  help: { type: "boolean", description: "show this help" },
};

export type CliIo = {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** How the user invoked us, for usage lines: "npm run cli --". */
  program?: string;
  /** Run this one command with all of argv (a dedicated entry point such as the faucet). */
  only?: string;
};

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = io.program ?? "npm run cli --";
  let command: Command | undefined;
  const usage = (c: Command) => commandUsage(c, program, io.only === undefined);
  try {
    const [name, ...rest] = io.only === undefined ? argv : [io.only, ...argv];
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      for (const line of topic ? usage(topic) : globalUsage(program)) io.out(line);
      return 0;
    }
    command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const { input, global } = parseCommandLine(command, rest);
    if (global.help) {
      for (const line of usage(command)) io.out(line);
      return 0;
    }
    const ctx = createCliContext({
      rpcUrl: global.rpc ?? rpcUrlFromEnv(io.env),
      env: io.env,
      accountIndex: global.account === undefined ? undefined : parseInteger(global.account, "--account", 0, 1_000_000),
      out: (line = "") => io.out(line),
    });
    await command.run(input, ctx);
    return 0;
  } catch (error) {
    const code = reportError(error, io.err);
    if (error instanceof UsageError) {
      io.err("");
      for (const line of command ? usage(command) : globalUsage(program)) io.err(line);
    }
    return code;
  }
}

function parseCommandLine(command: Command, args: readonly string[]) {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple ?? false }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util reports unknown options and missing values with an ERR_PARSE_ARGS_* code and a readable message.
    if (!String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")) throw error;
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const global = {
    account: values.account as string | undefined,
    rpc: values.rpc as string | undefined,
    help: values.help === true,
  };
  const positionals: Record<string, string | undefined> = {};
  if (global.help) return { input: { positionals, options: values }, global };
  command.positionals.forEach((spec, i) => {
    const value = parsed.positionals[i];
    if (value === undefined && !spec.optional) throw new UsageError(`missing <${spec.name}>`);
    positionals[spec.name] = value;
  });
  const extra = parsed.positionals[command.positionals.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && values[name] === undefined) throw new UsageError(`missing --${name}`);
  }
  const input: CommandInput = { positionals, options: values };
  return { input, global };
}

function synopsis(command: Command, withName: boolean): string {
  const positionals = command.positionals.map((p) => (p.optional ? `[<${p.name}>]` : `<${p.name}>`));
  const options = Object.entries(command.options).map(([name, spec]) => {
    const text = `--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
    return spec.required ? text : `[${text}]`;
  });
  return [...(withName ? [command.name] : []), ...positionals, ...options].join(" ");
}

function commandUsage(command: Command, program: string, withName: boolean): string[] {
  const rows: [string, string][] = [
    ...command.positionals.map((p): [string, string] => [`<${p.name}>`, p.description]),
    ...Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([name, spec]): [string, string] => [
      `--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`,
      spec.description,
    ]),
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [`usage: ${program} ${synopsis(command, withName)}`, "", command.summary, "", ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)];
}

function globalUsage(program: string): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `usage: ${program} <command> [arguments] [--account N] [--rpc URL]`,
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `\`${program} <command> --help\` shows a command's arguments. Amounts are decimal FTNS (1.5), never rounded.`,
    "Signs with PRIVATE_KEY, or --account N (a development account of the local chain), else development account #0.",
  ];
}

/** `npm run cli -- list | head` closes stdout early: that is the reader being done, not an error. */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}
