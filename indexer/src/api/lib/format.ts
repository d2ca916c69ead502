/** Presenting mirror rows: checksummed addresses, exact decimal amounts with their token, ISO times. */
import { getAddress } from "viem";
import type { ApiChain } from "../config.js";

export type Amount = { amount: string; token: `0x${string}`; symbol: string | null; decimals: number | null; formatted: string | null };

export const checksum = (value: unknown): `0x${string}` | null =>
  typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? getAddress(value) : null;

export const iso = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

export const unix = (value: unknown): number | null => {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : Math.floor(date.getTime() / 1000);
};

/** Base units as a decimal string: never through a float. */
export function decimalString(value: unknown): string {
  if (value === null || value === undefined) return "0";
  if (typeof value === "bigint") return value.toString();
  const text = String(value);
  return /^-?[0-9]+$/.test(text) ? text : BigInt(text.split(".")[0] ?? "0").toString();
}

export function formatUnits(amount: string, decimals: number): string {
  const negative = amount.startsWith("-");
  const digits = (negative ? amount.slice(1) : amount).padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** An amount with its token; decimals and symbol are known for the chain's default token (FTNS). */
export function amount(value: unknown, token: unknown, chain: ApiChain): Amount {
  const tokenAddress = (checksum(token) ?? chain.token) as `0x${string}`;
  const known = tokenAddress.toLowerCase() === chain.token.toLowerCase();
  const text = decimalString(value);
  return {
    amount: text,
    token: tokenAddress,
    symbol: known ? "FTNS" : null,
    decimals: known ? 18 : null,
    formatted: known ? formatUnits(text, 18) : null,
  };
}
