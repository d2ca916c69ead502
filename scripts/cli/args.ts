/**
 * Checks and converts command-line values. Every failure is a UsageError naming the argument and what
 * was given, so the user sees what to fix, never a stack trace.
 */
import { isAddress, getAddress, type Address } from "viem";
import { UsageError } from "../lib/errors.js";
import { parseFtns } from "../lib/ftns.js";
import type { CommandInput } from "./command.js";

const INTEGER = /^\d+$/;

/** A positive integer id (listing, rental). */
export function parseId(text: string | undefined, name: string): bigint {
  if (text === undefined) throw new UsageError(`missing ${name}`);
  if (!INTEGER.test(text) || BigInt(text) === 0n) throw new UsageError(`${name} must be a positive whole number, got "${text}"`);
  return BigInt(text);
}

export function parseInteger(text: string | undefined, name: string, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`missing ${name}`);
  if (!INTEGER.test(text)) throw new UsageError(`${name} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${text}`);
  return value;
}

export function parseAmount(text: string | undefined, name: string): bigint {
  if (text === undefined) throw new UsageError(`missing ${name}`);
  return parseFtns(text, name);
}

export function parseAddress(text: string | undefined, name: string): Address {
  if (text === undefined) throw new UsageError(`missing ${name}`);
  if (!isAddress(text, { strict: false })) throw new UsageError(`${name} must be an address (0x and 40 hex digits), got "${text}"`);
  return getAddress(text);
}

/** A time as ISO 8601 ("2026-12-01", "2026-12-01T08:00Z") or unix seconds. */
export function parseTime(text: string, name: string): number {
  if (INTEGER.test(text)) return Number(text);
  const millis = Date.parse(text);
  if (Number.isNaN(millis)) throw new UsageError(`${name} must be a date like 2026-12-01T08:00Z or unix seconds, got "${text}"`);
  return Math.floor(millis / 1000);
}

export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.options[name];
  return typeof value === "string" ? value : undefined;
}

export function requiredOption(input: CommandInput, name: string): string {
  const value = stringOption(input, name);
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

export function flag(input: CommandInput, name: string): boolean {
  return input.options[name] === true;
}

export function listOption(input: CommandInput, name: string): string[] {
  const value = input.options[name];
  return Array.isArray(value) ? value : [];
}
