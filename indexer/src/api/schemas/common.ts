/** Building blocks every route's schema is made of. Bounded everywhere: no input reaches SQL unchecked. */
import { getAddress, isAddress } from "viem";
import { z } from "zod/v4";

export const MAX_UINT96 = (1n << 96n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** A 0x address in any case; answered checksummed. */
export const address = z
  .string()
  .max(42)
  .transform((value, ctx) => {
    // Checked inside the transform: zod runs transforms even after a failed check.
    if (!/^0x[0-9a-fA-F]{40}$/.test(value) || !isAddress(value, { strict: false })) {
      ctx.addIssue({ code: "custom", message: "must be a 0x-prefixed 20-byte hex address" });
      return z.NEVER;
    }
    return getAddress(value);
  })
  .meta({ description: "EVM address (any case; answered checksummed)", example: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });

/** An on-chain id (listing or rental): a positive integer, given as digits. */
const MAX_BIGINT = (1n << 63n) - 1n;

/** True for a positive integer that fits the mirror's BIGINT ids. */
export const isEntityId = (text: string) => /^[1-9][0-9]{0,18}$/.test(text) && BigInt(text) <= MAX_BIGINT;

export const entityId = z
  .union([z.string().max(20), z.number()])
  .transform((value, ctx) => {
    const text = String(value);
    if (!isEntityId(text)) {
      ctx.addIssue({ code: "custom", message: "must be a positive integer id" });
      return z.NEVER;
    }
    return text;
  })
  .meta({ description: "On-chain id (positive integer)" });

/** A token amount in base units, as an exact decimal string (no floats for money). */
export function tokenAmount(max = MAX_UINT256) {
  return z
    .union([z.string().max(100), z.number().int().nonnegative()])
    .transform((value, ctx) => {
      const text = String(value);
      if (!/^(0|[1-9][0-9]{0,77})$/.test(text)) {
        ctx.addIssue({ code: "custom", message: "must be a non-negative integer in token base units" });
        return z.NEVER;
      }
      const amount = BigInt(text);
      if (amount > max) {
        ctx.addIssue({ code: "custom", message: `must be at most ${max}` });
        return z.NEVER;
      }
      return amount;
    })
    .meta({ description: "Amount in token base units, as a decimal string", example: "1000000000000000000" });
}

/** An integer query parameter with explicit bounds (query strings arrive as text). */
export function intParam(min: number, max: number) {
  return z
    .union([z.string().max(20), z.number()])
    .transform((value, ctx) => {
      const text = String(value).trim();
      const n = /^-?[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be an integer in ${min}..${max}` });
        return z.NEVER;
      }
      return n;
    });
}

export const limit = intParam(1, 100).optional().meta({ description: "Page size, 1..100 (default 20)" });

export const cursor = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-]*$/, "not a cursor returned by this API")
  .optional()
  .meta({ description: "Opaque cursor from a previous page's `next_cursor`" });

export const booleanParam = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

/** ISO date-time or unix seconds. */
export const timestamp = z
  .union([z.string().max(40), z.number()])
  .transform((value, ctx) => {
    const text = String(value);
    const ms = /^[0-9]{1,11}$/.test(text) ? Number(text) * 1000 : Date.parse(text);
    if (!Number.isFinite(ms) || ms < 0 || ms > 8_640_000_000_000) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date-time or unix seconds" });
      return z.NEVER;
    }
    return Math.floor(ms / 1000);
  });

/** `date_range=FROM..TO` (either side may be empty), `7d`/`24h`/`30m` back from now, or two timestamps. */
export const dateRange = z
  .string()
  .max(100)
  .transform((value, ctx) => {
    const relative = /^([1-9][0-9]{0,4})([mhdw])$/.exec(value);
    const now = Math.floor(Date.now() / 1000);
    if (relative) {
      const unit = { m: 60, h: 3600, d: 86400, w: 604800 }[relative[2] as "m" | "h" | "d" | "w"];
      return { from: now - Number(relative[1]) * unit, to: undefined as number | undefined };
    }
    const [fromText, toText, ...rest] = value.split("..");
    if (toText === undefined || rest.length > 0) {
      ctx.addIssue({ code: "custom", message: "use FROM..TO (ISO dates or unix seconds) or 7d / 24h" });
      return z.NEVER;
    }
    const parse = (text: string) => {
      if (text === "") return undefined;
      const parsed = timestamp.safeParse(text);
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: `bad date in range: ${text.slice(0, 40)}` });
        return undefined;
      }
      return parsed.data;
    };
    const from = parse(fromText ?? "");
    const to = parse(toText);
    if (from !== undefined && to !== undefined && to < from) {
      ctx.addIssue({ code: "custom", message: "date range ends before it starts" });
    }
    return { from, to };
  })
  .meta({ description: "FROM..TO (ISO 8601 or unix seconds, either side optional) or a span back from now: 30m, 24h, 7d, 4w" });

export type DateRange = { from?: number; to?: number };

/** Query values may repeat (`?a=1&a=2`) or be comma-separated (`?a=1,2`); both give a list. */
export function listParam<T extends z.ZodType<unknown, string>>(item: T, maxItems = 20) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(item).max(maxItems));
}

export const chainIdParam = intParam(1, 2 ** 31).optional().meta({ description: "Chain id (default: the API's first chain)" });

/** Path parameters `{id}` of listings and rentals. */
export const idParams = z.object({ id: entityId }).strict();
