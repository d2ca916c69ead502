/**
 * Errors the scripts show to people. Each carries the exit code the caller should use, so the entry
 * points print one clear line instead of a stack trace: 2 for bad input (with usage), 1 for everything
 * else that went wrong (chain unreachable, no deployment, a reverted call).
 */
export class ScriptError extends Error {
  readonly exitCode: number = 1;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line was wrong: unknown command, missing or malformed argument. */
export class UsageError extends ScriptError {
  override readonly exitCode = 2;
}

/** The node at the RPC URL did not answer. */
export class ChainUnreachableError extends ScriptError {}

/** generated/deployments.json has nothing (live) for the connected chain. */
export class DeploymentMissingError extends ScriptError {}

/** A contract call reverted; `message` says why in words, `errorName` and `args` are the decoded error. */
export class ContractRevertError extends ScriptError {
  constructor(
    message: string,
    readonly errorName: string,
    readonly args: readonly unknown[],
  ) {
    super(message);
  }
}

/**
 * Runs an entry point's main function and turns any error into an exit code and one message on stderr.
 * Unexpected errors (bugs) still show their message; their stack only with DEBUG=1.
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    process.exitCode = reportError(error, (line) => process.stderr.write(`${line}\n`));
  }
}

/** Writes `error` for a person and returns the exit code it deserves. */
export function reportError(error: unknown, write: (line: string) => void): number {
  if (error instanceof ScriptError) {
    write(`error: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: ${message}`);
  if (process.env.DEBUG && error instanceof Error && error.stack) write(error.stack);
  return 1;
}

/**
 * Reads a script's command line with `parse` (parseArgs and its checks, throwing on bad input); bad
 * input ends the process with one line and the usage, exit code 2, instead of a stack trace.
 */
export function parseCommandLine<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\nusage: ${usage}\n`);
    process.exit(2);
  }
}

/** Throws for the first of `names` given on the command line that is not a positive integer. */
export function requirePositiveIntegers(values: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = values[name];
    if (value !== undefined && !(Number.isSafeInteger(Number(value)) && Number(value) > 0)) {
      throw new Error(`--${name} must be a positive integer, not ${String(value)}`);
    }
  }
}
