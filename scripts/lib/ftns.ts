import { formatUnits, parseUnits } from "viem";
import { UsageError } from "./errors.js";

export const FTNS_DECIMALS = 18;
export const ONE_FTNS = 10n ** 18n;

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Parses a decimal FTNS amount ("1.5", "0.000000000000000001") into token units exactly. Refuses
 * anything that is not a plain non-negative decimal with at most 18 fractional digits, rather than
 * rounding it.
 */
export function parseFtns(text: string, what = "amount"): bigint {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) {
    throw new UsageError(`${what} must be a decimal number of FTNS like 1.5, got "${text}"`);
  }
  const fraction = trimmed.split(".")[1] ?? "";
  if (fraction.length > FTNS_DECIMALS) {
    throw new UsageError(`${what} has more than ${FTNS_DECIMALS} decimals: "${text}"`);
  }
  return parseUnits(trimmed, FTNS_DECIMALS);
}

/**
 * Token units as a decimal FTNS string: exact by default ("1234.5", which parseFtns reads back), or cut
 * (not rounded) to `maxDecimals` and grouped by thousands for overviews ("12,345.67").
 */
export function formatFtns(units: bigint, options: { maxDecimals?: number; grouped?: boolean } = {}): string {
  const { maxDecimals = FTNS_DECIMALS, grouped = false } = options;
  const [whole, full] = formatUnits(units, FTNS_DECIMALS).split(".");
  const fraction = full?.slice(0, maxDecimals).replace(/0+$/, "");
  const negative = whole.startsWith("-");
  const digits = negative ? whole.slice(1) : whole;
  const integer = grouped ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : digits;
  return `${negative ? "-" : ""}${integer}${fraction ? `.${fraction}` : ""}`;
}
