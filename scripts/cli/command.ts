import type { CliContext } from "./context.js";

/** A command-line option of one command: `--name value` (string) or `--name` (boolean). */
export type OptionSpec = {
  type: "string" | "boolean";
  multiple?: boolean;
  /** Placeholder shown in usage, e.g. "FTNS" in `--price FTNS`. */
  value?: string;
  required?: boolean;
  description: string;
};

export type PositionalSpec = { name: string; description: string; optional?: boolean };

export type CommandInput = {
  positionals: Record<string, string | undefined>;
  options: Record<string, string | boolean | string[] | undefined>;
};

export type Command = {
  name: string;
  summary: string;
  positionals: PositionalSpec[];
  options: Record<string, OptionSpec>;
  run(input: CommandInput, ctx: CliContext): Promise<void>;
};

export function defineCommand(command: Command): Command {
  return command;
}

/** A command that takes one rental id and makes one marketplace call with it. */
export const rentalIdPositional: PositionalSpec = { name: "rentalId", description: "the rental's id" };
