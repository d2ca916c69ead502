/**
 * How a text match is read from the narrow search copy: the words and label filters as one tsquery
 * over its GIN index, and the read plan (walk, price walk or bitmap) chosen from the in-memory
 * sample's estimate of how many listings match.
 */
import type { Sql } from "../lib/sql.js";
import type { ListingFilters } from "../schemas/listings.js";
import { hasWideConditions, narrowConditions, wideConditions } from "./listing-filters.js";
import type { MatchEstimate, MatchSample, QueryTree } from "./search-sample.js";

/** A lexeme of a tsquery, quoted verbatim (no stemming). */
export const quoteLexeme = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/**
 * The category, resource type and location filters as a tsquery over the filter tokens migration 0106
 * puts into the narrow copy's search vector: ANDed with the words, one GIN scan answers both.
 */
export function filterTokens(f: ListingFilters): string | null {
  const parts: string[] = [];
  const anyOf = (prefix: string, values: string[]) => `(${values.map((v) => quoteLexeme(`${prefix}${v.toLowerCase()}`)).join(" | ")})`;
  if (f.categories?.length) parts.push(anyOf("~c:", f.categories));
  if (f.resourceTypes?.length) parts.push(anyOf("~t:", f.resourceTypes));
  if (f.location) parts.push(`${quoteLexeme(`~l:${f.location.toLowerCase()}`)}:*`);
  return parts.length ? parts.join(" & ") : null;
}

export type TextQuery = {
  /** The whole query as shown (and as identified in cursors and cache keys). */
  tsquery: string;
  /**
   * Its words for to_tsquery('english', …), null when every word is spelled out as lexemes; when
   * undefined, `tsquery` is read by to_tsquery.
   */
  parsed?: string | null;
  /** Words spelled out as the indexed lexemes they stand for, in tsquery syntax (cast, not stemmed). */
  lexemes?: string | null;
  /** The same query as indexed lexemes, and a sample to estimate its matches with (when loaded). */
  tree?: QueryTree;
  sample?: MatchSample;
};

export type TextScan = {
  /** `api_listing_search s`, joined to `listings l` when a filter needs the wide row. */
  from: string;
  where: string[];
  /** The words' tsquery alone (for ranking), as an SQL expression. */
  words: string;
  plan: ReadPlan;
};

/**
 * How a text match is read, chosen from the sample's estimate (search-sample.ts) instead of the
 * planner's, which takes a word and a filter for independent:
 * - `walk`: matches are dense, so reading rows in table (or price) order under the LIMIT meets
 *   enough of them soon; the match is written so that the GIN index cannot serve it, or the planner
 *   would build a bitmap of every match to return a page.
 * - `bitmap`: matches are sparse (or none), so only the GIN lookup is cheap: the scan sits behind an
 *   `OFFSET 0` fence, planned as if all matches were wanted (a bitmap), and its other conditions are
 *   written so that no btree index joins the bitmap (a price range is hundreds of thousands of rows)
 *   unless the price range is narrow.
 *   The LIMIT outside still stops reading the heap early.
 * - `price`: matches are sparse, but dense within a narrow price range: the rows of that range are
 *   walked in price order through the price index (of the one category filtered on, if there is one),
 *   the match written so that GIN cannot serve it.
 * - `planner`: no estimate (the sample is still loading): the planner decides.
 * Both rewrites are plain SQL, so they behave the same on PGlite and Postgres and cost no round trip.
 */
export type ReadPlan = "walk" | "price" | "bitmap" | "planner";

/**
 * A walk reads about limit / density rows; up to this share of the table it is cheaper than a GIN
 * bitmap, whose cost grows with the posting lists of every word and filter token, so with the
 * table's size too (1M listings: 40k rows walked in about 20 ms against 25 ms for the bitmap of two
 * terms that each hold a seventh of the listings, 50 ms for a word and a location prefix).
 */
const WALK_SHARE = 0.04;

/**
 * ...and up to this share when the filters hold a location: its token is a prefix, which GIN answers
 * by gathering every listing of the matching locations into a bitmap first (1M listings: 50-60 ms for
 * a word and a location prefix, against 14 ms to walk 39k rows and 23 ms for 68k).
 */
const PREFIX_WALK_SHARE = 0.1;

/** A price range holding at most this share of the listings is read through the price index. */
const SELECTIVE_PRICE = 0.05;

/**
 * A walk in price order reads its rows through the price index, at random in the table (about 1.6 µs
 * a row against 0.35 µs in table order at 1M listings), up to this share of the table. It replaces a
 * walk too long or a bitmap of broad terms: "infrence" (infer) with category data-processing and a
 * price range that each hold 7% of the listings: 43 ms to walk the table, 7 ms the price range; a
 * word, a prefix and a category: 230 ms by the bitmap, 16 ms walking 10k rows of the price range.
 */
const PRICE_WALK_SHARE = 0.015;

/** The sample's estimate of the matches of a text query with these filters, if there is a sample. */
export function estimateMatches(f: ListingFilters, text: TextQuery | undefined): MatchEstimate | undefined {
  return text?.sample && text.tree ? text.sample.estimate(text.tree, f) : undefined;
}

export function readPlan(estimate: MatchEstimate | undefined, limit: number, f: ListingFilters): ReadPlan {
  if (!estimate) return "planner";
  if (estimate.density === 0) return "bitmap";
  const budget = (f.location ? PREFIX_WALK_SHARE : WALK_SHARE) * estimate.listings;
  const walked = Math.min(limit / estimate.density, estimate.listings);
  if (walked <= budget) return "walk";
  const priced = f.priceMin !== undefined || f.priceMax !== undefined;
  // One category's price range is read through that category's price index: "infrence" with category
  // cpu under 1 FTNS/h has 815 matches among 36k listings of the word and the category, which a bitmap
  // reads in 40 ms at 1M listings, and among the 3.6k listings of the category's price range.
  const share = oneCategory(f) ? estimate.categoryPriceShare : estimate.priceShare;
  return priced && walked * share <= PRICE_WALK_SHARE * estimate.listings ? "price" : "bitmap";
}

/** The filters name exactly one category (whose price index then orders a price walk). */
const oneCategory = (f: ListingFilters) => f.categories?.length === 1;

/** `condition` as one no index can serve (the planner estimates it like the condition itself). */
export const unindexed = (condition: string) => `(${condition}) IS TRUE`;

/**
 * `condition` as one no index can serve and the planner knows nothing of (it takes half the rows for
 * matches): a price walk stays a walk in index order under the LIMIT, not a bitmap of the whole
 * price range read and sorted because the planner expects few matches.
 */
const opaque = (condition: string) => `CASE WHEN ${condition} THEN true END`;

/**
 * `select` (a SELECT without LIMIT) limited, fenced for a bitmap read, in price order for a price
 * walk (see ReadPlan; text scans only, alias `s`).
 */
export function limited(select: string, limit: string, plan: ReadPlan, order = ""): string {
  if (plan === "bitmap") return `SELECT * FROM (${select} OFFSET 0) m ${order} LIMIT ${limit}`;
  return `${select} ${order || (plan === "price" ? "ORDER BY s.price_per_hour" : "")} LIMIT ${limit}`;
}

/**
 * A text match reads the narrow search copy (alias `s`): the words and the label filters are one
 * tsquery over its GIN index, price, active and specifications are its columns; only filters on other
 * columns (provider, availability, rating) join the matches' listings rows by key.
 */
export function textScan(sql: Sql, chainId: number, f: ListingFilters, text: TextQuery, joinWide = false, plan: ReadPlan = "planner"): TextScan {
  const words = wordsQuery(sql, text);
  const tokens = filterTokens(f);
  const match = `s.search_vector @@ ${tokens ? `(${words} && ${sql.p(tokens)}::tsquery)` : words}`;
  const narrow = narrowConditions(sql, f, "s");
  const where = [
    `s.chain_id = ${sql.p(chainId)}`,
    ...(plan === "price" && oneCategory(f) ? [`s.category = ${sql.p((f.categories?.[0] as string).toLowerCase())}`] : []),
    plan === "walk" ? unindexed(match) : plan === "price" ? opaque(match) : match,
    // A narrow price range is worth its index beside the bitmap; a wide one is hundreds of thousands of entries.
    ...(plan === "bitmap" && (text.sample?.priceShare(f) ?? 1) > SELECTIVE_PRICE ? narrow.map(unindexed) : narrow),
  ];
  const wide = joinWide || hasWideConditions(f);
  if (wide) where.push(...wideConditions(sql, f, "l"));
  return {
    from: wide ? "api_listing_search s JOIN listings l ON l.chain_id = s.chain_id AND l.listing_id = s.listing_id" : "api_listing_search s",
    where,
    words,
    plan,
  };
}

/** The words' tsquery as an SQL expression: the parsed words ANDed with the spelled-out lexemes. */
function wordsQuery(sql: Sql, text: TextQuery): string {
  const parsed = text.parsed === undefined ? text.tsquery : text.parsed;
  const lexemes = text.lexemes ?? null;
  const parts = [...(parsed !== null ? [`to_tsquery('english', ${sql.p(parsed)})`] : []), ...(lexemes !== null ? [`${sql.p(lexemes)}::tsquery`] : [])];
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(" && ")})`;
}
