/** Small text-layout helpers for readable terminal output. */
import { formatFtns } from "../lib/ftns.js";

export type Column<T> = { header: string; value: (row: T) => string; align?: "left" | "right"; max?: number };

/** A plain-text table: a header, then one line per row, columns padded to fit. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  const cells = rows.map((row) => columns.map((c) => truncate(c.value(row), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i].align === "right" ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}

/** "key: value" lines with the keys aligned. */
export function fields(entries: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `  ${`${key}:`.padEnd(width + 1)} ${value}`);
}

export function truncate(text: string, max?: number): string {
  if (!max || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

export const ftns = (units: bigint) => `${formatFtns(units)} FTNS`;

/** "0x1234…abcd". */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** An average rating "4.6 (12)" from the on-chain sum and count, in integers. */
export function rating(sum: bigint | number, count: bigint | number): string {
  const n = BigInt(count);
  if (n === 0n) return "—";
  const tenths = (BigInt(sum) * 10n * 2n + n) / (2n * n);
  return `${tenths / 10n}.${tenths % 10n} (${n})`;
}
