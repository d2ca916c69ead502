/**
 * Facet counts of a match set: category, resource type, location and price buckets, each dimension
 * counted without its own filter, exactly on small sets and over a sample of large ones.
 */
import type { ApiDb } from "../deps.js";
import { Sql } from "../lib/sql.js";
import type { ListingFilters } from "../schemas/listings.js";
import { COUNT_CAP, matchSet } from "./listings.js";
import { estimateMatches, limited, readPlan, type TextQuery } from "./text-scan.js";

/** The labels and price of a listing, all that facets count. */
export type FacetSource = { category: string | null; resource_type: string | null; location: string | null; price: string };

/** Price buckets for facets, in whole tokens (18 decimals). */
export const PRICE_BUCKETS = [
  { key: "lt_1", label: "< 1", max: 10n ** 18n },
  { key: "1_2", label: "1 – 2", max: 2n * 10n ** 18n },
  { key: "2_5", label: "2 – 5", max: 5n * 10n ** 18n },
  { key: "5_10", label: "5 – 10", max: 10n * 10n ** 18n },
  { key: "10_20", label: "10 – 20", max: 20n * 10n ** 18n },
  { key: "gte_20", label: "≥ 20", max: null },
] as const;

type FacetValue = { value: string | null; count: number };

export type Facets = {
  category: FacetValue[];
  resourceType: FacetValue[];
  location: FacetValue[];
  price: { bucket: string; label: string; min: string; max: string | null; count: number }[];
  /** Every dimension counted over its whole match set (not a sample of it). */
  exact: boolean;
};

/**
 * Facets of a match set larger than COUNT_CAP come from the in-memory sample (sampledFacets); before
 * the sample is loaded, they are counted over this many matches (flagged inexact either way).
 */
export const FACET_SAMPLE = 300;

export type FacetDim = "category" | "resource_type" | "location" | "price";

export const FACET_DIMS: FacetDim[] = ["category", "resource_type", "location", "price"];

/**
 * A dimension's counts ignore that dimension's own filter (as faceted search does): with category=gpu,
 * the category facet still shows how many matches every other category has, so a visitor can widen
 * or switch the choice. These are the filters without the dimension's own.
 */
export function withoutOwnFilter(dim: FacetDim, f: ListingFilters): ListingFilters | null {
  switch (dim) {
    case "category":
      return f.categories?.length ? { ...f, categories: undefined } : null;
    case "resource_type":
      return f.resourceTypes?.length ? { ...f, resourceTypes: undefined } : null;
    case "location":
      return f.location ? { ...f, location: undefined } : null;
    case "price":
      return f.priceMin !== undefined || f.priceMax !== undefined ? { ...f, priceMin: undefined, priceMax: undefined } : null;
  }
}

export type FacetRow = { dim: FacetDim; value: string | null; n: number };

/**
 * Counts of `dims` over the match set of `filters`: at most `sample` matches (the first the cheapest
 * scan reaches); `complete` says the sample held every match.
 */
async function facetCounts(
  db: ApiDb,
  chainId: number,
  filters: ListingFilters,
  text: TextQuery | undefined,
  dims: FacetDim[],
  sample: number,
): Promise<{ rows: FacetRow[]; complete: boolean }> {
  const sql = new Sql();
  const { from, where, a, plan } = matchSet(sql, chainId, filters, text, readPlan(estimateMatches(filters, text), sample + 1, filters));
  const bucketCase = `CASE ${PRICE_BUCKETS.filter((b) => b.max !== null)
    .map((b) => `WHEN ${a}.price_per_hour < ${sql.p(b.max)}::numeric THEN '${b.key}'`)
    .join(" ")} ELSE 'gte_20' END`;
  const source = limited(`SELECT ${a}.category, ${a}.resource_type, ${a}.location, ${bucketCase} AS bucket FROM ${from} WHERE ${where.join(" AND ")}`, String(sample + 1), plan);
  const columns: Record<FacetDim, string> = { category: "category", resource_type: "resource_type", location: "location", price: "bucket" };
  // The empty grouping set counts the matches read: fewer than sample + 1 means all of them.
  const { rows } = await db.query<{ dim: FacetDim | null; value: string | null; n: number }>(
    `SELECT CASE ${dims.map((d) => `WHEN GROUPING(${columns[d]}) = 0 THEN '${d}'`).join(" ")} END AS dim,
            COALESCE(${dims.map((d) => columns[d]).join(", ")}) AS value, count(*)::bigint AS n
     FROM (${source}) m
     GROUP BY GROUPING SETS (${dims.map((d) => `(${columns[d]})`).join(", ")}, ())`,
    sql.params,
  );
  const matches = Number(rows.find((r) => r.dim === null)?.n ?? 0);
  return {
    rows: rows.flatMap((r) => (r.dim === null ? [] : [{ dim: r.dim, value: r.value, n: Number(r.n) }])),
    complete: matches <= sample,
  };
}

/** Facets from counted rows: the 50 most frequent values of each dimension, every price bucket. */
export function facetsFrom(rows: FacetRow[], exact: boolean): Facets {
  const pick = (dim: FacetDim) =>
    rows
      .filter((r) => r.dim === dim)
      .sort((a, b) => b.n - a.n || String(a.value).localeCompare(String(b.value)))
      .slice(0, 50)
      .map((r) => ({ value: r.value, count: r.n }));
  const priceCounts = new Map(rows.filter((r) => r.dim === "price").map((r) => [r.value, r.n]));
  const price = priceBuckets();
  for (const b of price) b.count = priceCounts.get(b.bucket) ?? 0;
  return { category: pick("category"), resourceType: pick("resource_type"), location: pick("location"), price, exact };
}

/**
 * Facets of a text match's large set from the in-memory sample of the narrow copy (search-sample.ts):
 * its matching listings counted per value and scaled to the listings they stand for. No query runs,
 * and the sample is spread over the whole table, where the first matches a scan reaches are the
 * oldest listings. Undefined when there is no sample (yet) or it holds no match.
 */
export function sampledFacets(text: TextQuery | undefined, filters: ListingFilters, dims: FacetDim[]): FacetRow[] | undefined {
  if (!text?.sample || !text.tree) return undefined;
  const match = text.sample.matching(text.tree, filters);
  if (match.positions.length === 0) return undefined;
  return tally(match.positions, dims, (i, dim) => (dim === "price" ? sampleBucket(match.price(i)) : match.label(i, dim)), match.scale);
}

/** Per dimension, how many `items` have each value, each item standing for `scale` listings. */
function tally<T>(items: Iterable<T>, dims: FacetDim[], valueOf: (item: T, dim: FacetDim) => string | null, scale = 1): FacetRow[] {
  return dims.flatMap((dim) => {
    const counts = new Map<string | null, number>();
    for (const item of items) {
      const value = valueOf(item, dim);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return [...counts].map(([value, n]) => ({ dim, value, n: Math.round(n * scale) }));
  });
}

/** The facet bucket of a sampled (float) price. */
function sampleBucket(price: number): string {
  let b = 0;
  while (price >= (SAMPLE_EDGES[b] as number)) b++;
  return (PRICE_BUCKETS[b] as (typeof PRICE_BUCKETS)[number]).key;
}

/** Upper edges of the price buckets as floats, as sampled prices are: an estimate needs no exact arithmetic. */
const SAMPLE_EDGES = PRICE_BUCKETS.map((b) => (b.max === null ? Infinity : Number(b.max)));

/** A text match with these filters is estimated to hold more than COUNT_CAP listings. */
const large = (filters: ListingFilters, text: TextQuery | undefined) => (estimateMatches(filters, text)?.matches ?? 0) > COUNT_CAP;

/**
 * Counts of the dimensions that have a filter of their own, each over the matches without it: from
 * the sample when that set is large, else by a scan per dimension (in parallel where the database
 * allows) reading at most FACET_SAMPLE matches.
 */
export async function ownFilterFacets(
  db: ApiDb,
  chainId: number,
  filters: ListingFilters,
  text: TextQuery | undefined,
  dims: FacetDim[] = FACET_DIMS,
): Promise<{ rows: FacetRow[]; complete: boolean }> {
  const counted = await Promise.all(
    dims.flatMap((dim) => {
      const widened = withoutOwnFilter(dim, filters);
      if (!widened) return [];
      const sampled = large(widened, text) ? sampledFacets(text, widened, [dim]) : undefined;
      return [sampled ? { rows: sampled, complete: false } : facetCounts(db, chainId, widened, text, [dim], FACET_SAMPLE)];
    }),
  );
  return { rows: counted.flatMap((c) => c.rows), complete: counted.every((c) => c.complete) };
}

export async function listingFacets(db: ApiDb, chainId: number, filters: ListingFilters, text?: TextQuery, exactSet = true): Promise<Facets> {
  const free = FACET_DIMS.filter((dim) => withoutOwnFilter(dim, filters) === null);
  const sampled = !exactSet && free.length ? sampledFacets(text, filters, free) : undefined;
  const [own, rest] = await Promise.all([
    ownFilterFacets(db, chainId, filters, text),
    sampled
      ? { rows: sampled, complete: false }
      : free.length
        ? facetCounts(db, chainId, filters, text, free, exactSet ? COUNT_CAP : FACET_SAMPLE)
        : { rows: [], complete: true },
  ]);
  return facetsFrom([...own.rows, ...rest.rows], own.complete && rest.complete);
}

/** Whether a candidate passes the filter of one facet dimension (as the SQL conditions would). */
export function matchesFilter(dim: FacetDim, r: FacetSource, f: ListingFilters): boolean {
  switch (dim) {
    case "category":
      return !f.categories?.length || f.categories.some((c) => c.toLowerCase() === r.category);
    case "resource_type":
      return !f.resourceTypes?.length || f.resourceTypes.some((c) => c.toLowerCase() === r.resource_type);
    case "location":
      return !f.location || (r.location ?? "").toLowerCase().startsWith(f.location.toLowerCase());
    case "price": {
      const price = BigInt(r.price);
      return (f.priceMin === undefined || price >= f.priceMin) && (f.priceMax === undefined || price <= f.priceMax);
    }
  }
}

/** Facet counts of candidate rows, computed here rather than by another scan. */
export function candidateFacets(rows: FacetSource[], dims: FacetDim[]): FacetRow[] {
  return tally(rows, dims, (r, dim) => {
    if (dim !== "price") return r[dim];
    const value = BigInt(r.price);
    return (PRICE_BUCKETS.find((b) => b.max === null || value < b.max) as (typeof PRICE_BUCKETS)[number]).key;
  });
}

function priceBuckets(): Facets["price"] {
  let lower = 0n;
  return PRICE_BUCKETS.map((b) => {
    const entry = { bucket: b.key, label: b.label, min: lower.toString(), max: b.max === null ? null : b.max.toString(), count: 0 };
    if (b.max !== null) lower = b.max;
    return entry;
  });
}
