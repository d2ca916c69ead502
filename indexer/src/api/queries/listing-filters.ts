/**
 * Listing filters as SQL conditions (parameterised): on the wide listings rows for browsing, and the
 * part the narrow search copy (migrations 0105, 0111) can answer for text matches.
 */
import type { Sql } from "../lib/sql.js";
import type { ListingFilters } from "../schemas/listings.js";

/** WHERE clauses for the filters; `l` is the listings alias. */
export function listingWhere(sql: Sql, chainId: number, f: ListingFilters): string[] {
  return [`l.chain_id = ${sql.p(chainId)}`, ...labelConditions(sql, f, "l"), ...narrowConditions(sql, f, "l"), ...wideConditions(sql, f, "l")];
}

/** Category, resource type and location as column conditions (browsing reads listings by its indexes). */
function labelConditions(sql: Sql, f: ListingFilters, a: string): string[] {
  const where: string[] = [];
  if (f.categories?.length) where.push(`${a}.category = ANY(${sql.p(f.categories.map((c) => c.toLowerCase()))}::text[])`);
  if (f.resourceTypes?.length) where.push(`${a}.resource_type = ANY(${sql.p(f.resourceTypes.map((c) => c.toLowerCase()))}::text[])`);
  if (f.location) {
    const escaped = f.location.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    where.push(`lower(${a}.location) LIKE ${sql.p(`${escaped}%`)}`);
  }
  return where;
}

/** Conditions on the other columns the narrow search copy (migrations 0105, 0111) holds. */
export function narrowConditions(sql: Sql, f: ListingFilters, a: string): string[] {
  const where: string[] = [];
  if (f.priceMin !== undefined) where.push(`${a}.price_per_hour >= ${sql.p(f.priceMin)}::numeric`);
  if (f.priceMax !== undefined) where.push(`${a}.price_per_hour <= ${sql.p(f.priceMax)}::numeric`);
  if (f.active !== undefined) where.push(f.active ? `${a}.active` : `NOT ${a}.active`);
  return [...where, ...specConditions(sql, f, a)];
}

/** Conditions only the wide listings rows can answer. */
export function wideConditions(sql: Sql, f: ListingFilters, a: string): string[] {
  const where: string[] = [];
  if (f.provider) where.push(`${a}.provider = ${sql.p(f.provider.toLowerCase())}`);
  if (f.window?.to !== undefined) where.push(`${a}.available_from < to_timestamp(${sql.p(f.window.to)})`);
  if (f.window?.from !== undefined) {
    where.push(`(${a}.available_until IS NULL OR ${a}.available_until > to_timestamp(${sql.p(f.window.from)}))`);
  }
  if (f.minRating !== undefined && f.minRating > 0) {
    where.push(`${a}.rating_count > 0 AND ${a}.rating_sum >= ${sql.p(f.minRating)}::numeric * ${a}.rating_count`);
  }
  return where;
}

/** Specification filters: listings and the narrow copy both hold `specifications`. */
function specConditions(sql: Sql, f: ListingFilters, a: string): string[] {
  const where: string[] = [];
  for (const spec of f.specs) {
    if (spec.op === "=") {
      // Containment uses the GIN index on specifications; numbers match numbers, text matches text.
      where.push(`${a}.specifications @> jsonb_build_object(${sql.p(spec.key)}::text, ${typeof spec.value === "number" ? `${sql.p(spec.value)}::numeric` : `${sql.p(spec.value)}::text`})`);
    } else {
      const key = sql.p(spec.key);
      // A value that is not a number (in some provider's metadata) simply does not match.
      where.push(
        `(CASE WHEN jsonb_typeof(${a}.specifications -> ${key}::text) = 'number' THEN (${a}.specifications ->> ${key}::text)::numeric END) ${spec.op} ${sql.p(spec.value)}::numeric`,
      );
    }
  }
  return where;
}

export const hasWideConditions = (f: ListingFilters) =>
  f.provider !== undefined ||
  f.window?.from !== undefined ||
  f.window?.to !== undefined ||
  (f.minRating !== undefined && f.minRating > 0);
