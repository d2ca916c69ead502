/**
 * Listing reads: filters to SQL (parameterised), keyset pages for every sort, totals, facets, and
 * one listing's full picture. Relevance comes from the mirror's weighted search_vector.
 */
import type { ApiChain } from "../config.js";
import type { ApiDb } from "../deps.js";
import { decodeCursor, encodeCursor, filterFingerprint } from "../lib/cursor.js";
import { amount, checksum, iso } from "../lib/format.js";
import { Sql } from "../lib/sql.js";
import type { ListingFilters, ListingSort } from "../schemas/listings.js";
import type { MatchEstimate, MatchSample, QueryTree } from "./search-sample.js";

export const LISTING_COLUMNS = `l.chain_id, l.listing_id, l.provider, l.token, l.price_per_hour::text AS price_per_hour,
  l.available_from, l.available_until, l.capacity, l.open_rentals, l.active, l.metadata_valid,
  l.title, l.description, l.category, l.resource_type, l.location, l.specifications,
  l.rating_sum, l.rating_count, l.quality_score::text AS quality_score, l.rental_count, l.completed_rentals,
  l.created_block, l.created_time, l.created_tx, l.updated_block, l.updated_time`;

export type ListingRow = {
  chain_id: number;
  listing_id: number;
  provider: string;
  token: string;
  price_per_hour: string;
  available_from: Date;
  available_until: Date | null;
  capacity: number;
  open_rentals: number;
  active: boolean;
  metadata_valid: boolean;
  title: string | null;
  description: string | null;
  category: string | null;
  resource_type: string | null;
  location: string | null;
  specifications: Record<string, unknown> | null;
  rating_sum: number;
  rating_count: number;
  quality_score: string;
  rental_count: number;
  completed_rentals: number;
  created_block: number;
  created_time: Date;
  created_tx: string;
  updated_block: number;
  updated_time: Date;
  rank?: number;
};

export function presentListing(row: ListingRow, chain: ApiChain) {
  const ratingCount = Number(row.rating_count);
  return {
    id: String(row.listing_id),
    chainId: Number(row.chain_id),
    provider: checksum(row.provider),
    title: row.title,
    description: row.description,
    category: row.category,
    resourceType: row.resource_type,
    location: row.location,
    specifications: row.specifications ?? {},
    metadataValid: row.metadata_valid,
    pricePerHour: amount(row.price_per_hour, row.token, chain),
    availability: { from: iso(row.available_from), until: iso(row.available_until) },
    capacity: Number(row.capacity),
    openRentals: Number(row.open_rentals),
    active: row.active,
    rating: {
      average: ratingCount > 0 ? Math.round((Number(row.rating_sum) / ratingCount) * 100) / 100 : null,
      count: ratingCount,
      score: Number(row.quality_score),
    },
    popularity: { rentals: Number(row.rental_count), completed: Number(row.completed_rentals) },
    created: { block: Number(row.created_block), time: iso(row.created_time), txHash: row.created_tx },
    updated: { block: Number(row.updated_block), time: iso(row.updated_time) },
    ...(row.rank !== undefined ? { relevance: Number(row.rank) } : {}),
  };
}

export type PresentedListing = ReturnType<typeof presentListing>;

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
function narrowConditions(sql: Sql, f: ListingFilters, a: string): string[] {
  const where: string[] = [];
  if (f.priceMin !== undefined) where.push(`${a}.price_per_hour >= ${sql.p(f.priceMin)}::numeric`);
  if (f.priceMax !== undefined) where.push(`${a}.price_per_hour <= ${sql.p(f.priceMax)}::numeric`);
  if (f.active !== undefined) where.push(f.active ? `${a}.active` : `NOT ${a}.active`);
  return [...where, ...specConditions(sql, f, a)];
}

/** Conditions only the wide listings rows can answer. */
function wideConditions(sql: Sql, f: ListingFilters, a: string): string[] {
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

const hasWideConditions = (f: ListingFilters) =>
  f.provider !== undefined ||
  f.window?.from !== undefined ||
  f.window?.to !== undefined ||
  (f.minRating !== undefined && f.minRating > 0);

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
 *   walked in price order through the price index, the match written so that GIN cannot serve it.
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

function readPlan(estimate: MatchEstimate | undefined, limit: number, f: ListingFilters): ReadPlan {
  if (!estimate) return "planner";
  if (estimate.density === 0) return "bitmap";
  const budget = (f.location ? PREFIX_WALK_SHARE : WALK_SHARE) * estimate.listings;
  const walked = limit / estimate.density;
  if (walked <= budget) return "walk";
  const priced = f.priceMin !== undefined || f.priceMax !== undefined;
  return priced && walked * estimate.priceShare <= PRICE_WALK_SHARE * estimate.listings ? "price" : "bitmap";
}

/** `condition` as one no index can serve (the planner estimates it like the condition itself). */
const unindexed = (condition: string) => `(${condition}) IS TRUE`;

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
function limited(select: string, limit: string, plan: ReadPlan, order = ""): string {
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

type SortSpec = { keys: { expr: string; cast: string; column: string }[]; dir: "ASC" | "DESC" };

const SORTS: Record<Exclude<ListingSort, "relevance">, SortSpec> = {
  price_asc: { keys: [{ expr: "l.price_per_hour", cast: "numeric", column: "price_per_hour" }], dir: "ASC" },
  price_desc: { keys: [{ expr: "l.price_per_hour", cast: "numeric", column: "price_per_hour" }], dir: "DESC" },
  rating: { keys: [{ expr: "l.quality_score", cast: "numeric", column: "quality_score" }], dir: "DESC" },
  newest: { keys: [], dir: "DESC" },
  oldest: { keys: [], dir: "ASC" },
  popularity: { keys: [{ expr: "l.rental_count", cast: "bigint", column: "rental_count" }], dir: "DESC" },
  availability: { keys: [{ expr: "(l.capacity - l.open_rentals)", cast: "bigint", column: "free_capacity" }], dir: "DESC" },
};

export type ListingPage = { items: ListingRow[]; nextCursor: string | null };

export type PageParameters = {
  chainId: number;
  filters: ListingFilters;
  sort: ListingSort;
  limit: number;
  cursor?: string;
  /** Prepared full-text query (search only). */
  text?: TextQuery;
};

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

/** Counts above this are estimated by the planner instead of counted (`totalExact: false`). */
export const COUNT_CAP = 1000;
/**
 * Matches ranked for a text query matching more than COUNT_CAP listings: a broad word costs what a
 * rare one does (the answer says `rankedWithin`).
 */
export const RANK_POOL = 500;

/** One keyset page. Ties on the sort key are broken by listing id, so pages never overlap or skip. */
export async function listingPage(db: ApiDb, p: PageParameters): Promise<ListingPage> {
  if (p.sort === "relevance") throw new Error("relevance pages come from relevancePage");
  const sql = new Sql();
  const fingerprint = filterFingerprint({ f: p.filters, t: p.text?.tsquery ?? null, c: p.chainId });
  const state = decodeCursor(p.cursor, p.sort, fingerprint);
  const spec = SORTS[p.sort];
  const keyColumns = spec.keys.map((k) => k.column);
  // A text match sorted by price or age is ordered on the narrow copy, and only the page's rows are
  // read in full; the other sorts are on counters only the wide rows hold.
  const narrowSort = p.text !== undefined && spec.keys.every((k) => k.column === "price_per_hour");
  const keyExprs = spec.keys.map((k) => (narrowSort ? k.expr.replace(/^l\./, "s.") : k.expr));
  const id = p.text ? "s.listing_id" : "l.listing_id";
  let from = "listings l";
  let where: string[];
  // Price order: a dense match walks the price index, a sparse one is read by a bitmap and sorted.
  const plan = narrowSort ? readPlan(estimateMatches(p.filters, p.text), p.limit + 1, p.filters) : "planner";
  if (p.text) ({ from, where } = textScan(sql, p.chainId, p.filters, p.text, !narrowSort, plan));
  else where = listingWhere(sql, p.chainId, p.filters);
  if (state) {
    const right = [...spec.keys.map((k, i) => `${sql.p(state.k[i])}::${k.cast}`), `${sql.p(state.k[spec.keys.length])}::bigint`].join(", ");
    const after = `(${[...keyExprs, id].join(", ")}) ${spec.dir === "ASC" ? ">" : "<"} (${right})`;
    where.push(plan === "bitmap" ? unindexed(after) : after);
  }
  const order = [...keyExprs.map((e) => `${e} ${spec.dir}`), `${id} ${spec.dir}`].join(", ");
  const limitParam = sql.p(p.limit + 1);
  let query: string;
  if (narrowSort) {
    const keys = keyExprs.map((e, i) => `, ${e} AS k${i}`).join("");
    const outerOrder = [...keyExprs.map((_, i) => `m.k${i} ${spec.dir}`), `m.listing_id ${spec.dir}`].join(", ");
    const matches =
      plan === "bitmap"
        ? limited(`SELECT s.listing_id${keys} FROM ${from} WHERE ${where.join(" AND ")}`, limitParam, plan, `ORDER BY ${outerOrder.replaceAll("m.", "")}`)
        : `SELECT s.listing_id${keys} FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${limitParam}`;
    query = `SELECT ${LISTING_COLUMNS}
      FROM (${matches}) m
      JOIN listings l ON l.chain_id = ${sql.p(p.chainId)} AND l.listing_id = m.listing_id
      ORDER BY ${outerOrder}`;
  } else {
    let select = LISTING_COLUMNS;
    for (const k of spec.keys) if (k.column === "free_capacity") select += `, ${k.expr} AS free_capacity`;
    query = `SELECT ${select} FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${limitParam}`;
  }
  const { rows } = await db.query<ListingRow & Record<string, unknown>>(query, sql.params);
  const items = rows.slice(0, p.limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > p.limit && last
      ? encodeCursor({
          s: p.sort,
          f: fingerprint,
          k: [...keyColumns.map((c) => String(last[c])), String(last.listing_id)],
        })
      : null;
  return { items, nextCursor };
}

export type ListingCount = { total: number; exact: boolean };

/** The planner's row estimate for a query: planning only, nothing is read. */
async function plannerRows(db: ApiDb, query: string, params: unknown[]): Promise<number> {
  const plan = await db.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${query}`, params);
  const raw = plan.rows[0]?.["QUERY PLAN"];
  const json = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan?: { "Plan Rows"?: number } }[];
  return Math.round(Number(json?.[0]?.Plan?.["Plan Rows"] ?? 0));
}

/** FROM and WHERE of the match set: the narrow copy for a text match, listings for browsing. */
function matchSet(sql: Sql, chainId: number, filters: ListingFilters, text?: TextQuery, plan: ReadPlan = "planner"): { from: string; where: string[]; a: string; plan: ReadPlan } {
  if (text) return { ...textScan(sql, chainId, filters, text, false, plan), a: "s" };
  return { from: "listings l", where: listingWhere(sql, chainId, filters), a: "l", plan: "planner" };
}

/**
 * Exact when the match set is small, estimated when it is large: the planner's estimate decides
 * first (cheap), and counting stops at COUNT_CAP, so no request scans a million rows for a total.
 */
export async function countListings(db: ApiDb, chainId: number, filters: ListingFilters, text?: TextQuery): Promise<ListingCount> {
  const sql = new Sql();
  const sampled = estimateMatches(filters, text);
  const plan = readPlan(sampled, COUNT_CAP + 1, filters);
  const { from, where } = matchSet(sql, chainId, filters, text, plan);
  const inner = `SELECT 1 FROM ${from} WHERE ${where.join(" AND ")}`;
  const estimate = sampled ? sampled.matches : await plannerRows(db, inner, sql.params);
  if (estimate > COUNT_CAP) return { total: estimate, exact: false };
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM (${limited(inner, String(COUNT_CAP + 1), plan)}) c`, sql.params);
  const counted = Number(rows[0]?.n ?? 0);
  if (counted <= COUNT_CAP) return { total: counted, exact: true };
  return { total: Math.max(COUNT_CAP + 1, estimate), exact: false };
}

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

/** Facets of a match set larger than COUNT_CAP are counted over this many matches (flagged inexact). */
export const FACET_SAMPLE = 300;

type FacetDim = "category" | "resource_type" | "location" | "price";
const FACET_DIMS: FacetDim[] = ["category", "resource_type", "location", "price"];

/**
 * A dimension's counts ignore that dimension's own filter (as faceted search does): with category=gpu,
 * the category facet still shows how many matches every other category has, so a visitor can widen
 * or switch the choice. These are the filters without the dimension's own.
 */
function withoutOwnFilter(dim: FacetDim, f: ListingFilters): ListingFilters | null {
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

type FacetRow = { dim: FacetDim; value: string | null; n: number };

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
function facetsFrom(rows: FacetRow[], exact: boolean): Facets {
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
 * Counts of the dimensions that have a filter of their own, each over the matches without it (one
 * scan per such dimension, in parallel where the database allows). Each reads at most FACET_SAMPLE
 * matches: the widened set is larger than the answer's, and this scan is paid once per such filter.
 */
async function ownFilterFacets(
  db: ApiDb,
  chainId: number,
  filters: ListingFilters,
  text: TextQuery | undefined,
  dims: FacetDim[] = FACET_DIMS,
): Promise<{ rows: FacetRow[]; complete: boolean }> {
  const counted = await Promise.all(
    dims.flatMap((dim) => {
      const widened = withoutOwnFilter(dim, filters);
      return widened ? [facetCounts(db, chainId, widened, text, [dim], FACET_SAMPLE)] : [];
    }),
  );
  return { rows: counted.flatMap((c) => c.rows), complete: counted.every((c) => c.complete) };
}

export async function listingFacets(db: ApiDb, chainId: number, filters: ListingFilters, text?: TextQuery, exactSet = true): Promise<Facets> {
  const free = FACET_DIMS.filter((dim) => withoutOwnFilter(dim, filters) === null);
  // A large set is sampled: the first matches the cheapest scan reaches.
  const [own, rest] = await Promise.all([
    ownFilterFacets(db, chainId, filters, text),
    free.length ? facetCounts(db, chainId, filters, text, free, exactSet ? COUNT_CAP : FACET_SAMPLE) : { rows: [], complete: true },
  ]);
  return facetsFrom([...own.rows, ...rest.rows], own.complete && rest.complete);
}

type Candidate = { listing_id: number; category: string | null; resource_type: string | null; location: string | null; price: string; rank: number };

export type RelevancePage = ListingPage & { total: ListingCount; facets: Facets; rankedWithin: number | null };

/**
 * Relevance-ranked search in one pass over the matches: the candidates' light columns and rank are
 * read once from the narrow copy (every match when there are at most COUNT_CAP, else the first
 * RANK_POOL the cheapest scan reaches), and the total, the keyset page and the facets of dimensions
 * without a filter of their own all come from them; only the page's rows are then read in full.
 */
export async function relevancePage(
  db: ApiDb,
  p: { chainId: number; filters: ListingFilters; text: TextQuery; limit: number; cursor?: string; facets?: boolean },
): Promise<RelevancePage> {
  const fingerprint = filterFingerprint({ f: p.filters, t: p.text.tsquery, c: p.chainId });
  const state = decodeCursor(p.cursor, "relevance", fingerprint);
  const own = p.facets === false ? [] : FACET_DIMS.filter((dim) => withoutOwnFilter(dim, p.filters) !== null);
  // Dimensions whose widened match set is small are counted from the candidates themselves: the
  // candidates are read without those filters (at most COUNT_CAP of them), and the filters applied here.
  let base = p.filters;
  const absorbed: FacetDim[] = [];
  for (const dim of own) {
    const widened = withoutOwnFilter(dim, base) as ListingFilters;
    const estimate = estimateMatches(widened, p.text);
    if (estimate && estimate.matches <= COUNT_CAP) {
      base = widened;
      absorbed.push(dim);
    }
  }
  const counting = ownFilterFacets(db, p.chainId, p.filters, p.text, own.filter((d) => !absorbed.includes(d)));
  let read = await readCandidates(db, p.chainId, base, p.text, absorbed.length > 0);
  let recount: Promise<{ rows: FacetRow[]; complete: boolean }> | undefined;
  if (absorbed.length > 0 && !read.complete) {
    // The estimate was wrong: the widened set is large. Read the answer's own matches instead.
    recount = ownFilterFacets(db, p.chainId, p.filters, p.text, absorbed.splice(0));
    read = await readCandidates(db, p.chainId, p.filters, p.text, false);
  }
  const passes = (r: Candidate, dims: FacetDim[]) => dims.every((dim) => matchesFilter(dim, r, p.filters));
  const counted = await Promise.all([counting, recount ?? { rows: [], complete: true }]);
  const ownCounted = { rows: counted.flatMap((c) => c.rows), complete: counted.every((c) => c.complete) };
  const rows = read.rows.filter((r) => passes(r, absorbed));
  const exact = read.complete && rows.length <= COUNT_CAP;
  const total: ListingCount = exact ? { total: rows.length, exact } : { total: Math.max(read.estimate, rows.length), exact };
  const ranked = rows
    .map((r) => ({ ...r, rank: Number(r.rank), listing_id: Number(r.listing_id) }))
    .sort((a, b) => b.rank - a.rank || b.listing_id - a.listing_id);
  const after = state
    ? ranked.filter((r) => r.rank < Number(state.k[0]) || (r.rank === Number(state.k[0]) && r.listing_id < Number(state.k[1])))
    : ranked;
  const page = after.slice(0, p.limit);
  const full = page.length
    ? await db.query<ListingRow>(`SELECT ${LISTING_COLUMNS} FROM listings l WHERE l.chain_id = $1 AND l.listing_id = ANY($2::bigint[])`, [
        p.chainId,
        page.map((r) => r.listing_id),
      ])
    : { rows: [] as ListingRow[] };
  const byId = new Map(full.rows.map((r) => [Number(r.listing_id), r]));
  const items = page.flatMap((c) => {
    const row = byId.get(c.listing_id);
    return row ? [{ ...row, rank: c.rank }] : [];
  });
  const last = page[page.length - 1];
  const free = FACET_DIMS.filter((dim) => withoutOwnFilter(dim, p.filters) === null);
  // An absorbed dimension counts the candidates that pass every absorbed filter but its own.
  const widenedCounts = absorbed.flatMap((dim) => candidateFacets(read.rows.filter((r) => passes(r, absorbed.filter((d) => d !== dim))), [dim]));
  return {
    items,
    nextCursor: after.length > p.limit && last ? encodeCursor({ s: "relevance", f: fingerprint, k: [last.rank, String(last.listing_id)] }) : null,
    total,
    facets: facetsFrom([...ownCounted.rows, ...widenedCounts, ...candidateFacets(rows, free)], exact && ownCounted.complete),
    rankedWithin: exact ? null : rows.length,
  };
}

/**
 * Candidates of a text match with their light columns and rank: every match when there are at most
 * COUNT_CAP (or `all` is asked), else the first RANK_POOL the cheapest scan reaches. `complete` says
 * every match was read; `estimate` is the number of matches expected.
 */
async function readCandidates(
  db: ApiDb,
  chainId: number,
  filters: ListingFilters,
  text: TextQuery,
  all: boolean,
): Promise<{ rows: Candidate[]; complete: boolean; estimate: number }> {
  const sampled = estimateMatches(filters, text);
  const planned = new Sql();
  const probe = textScan(planned, chainId, filters, text);
  const estimate = sampled ? sampled.matches : await plannerRows(db, `SELECT 1 FROM ${probe.from} WHERE ${probe.where.join(" AND ")}`, planned.params);
  const take = all || estimate <= COUNT_CAP ? COUNT_CAP + 1 : RANK_POOL;
  const sql = new Sql();
  const scan = textScan(sql, chainId, filters, text, false, readPlan(sampled, take, filters));
  const { rows } = await db.query<Candidate>(
    limited(
      `SELECT s.listing_id, s.category, s.resource_type, s.location, s.price_per_hour::text AS price,
              ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', s.search_vector, ${scan.words}, 1)::float8 AS rank
       FROM ${scan.from} WHERE ${scan.where.join(" AND ")}`,
      String(take),
      scan.plan,
    ),
    sql.params,
  );
  // Fewer rows than asked for are all the matches there are.
  return { rows, complete: rows.length < take, estimate };
}

/** Whether a candidate passes the filter of one facet dimension (as the SQL conditions would). */
function matchesFilter(dim: FacetDim, r: Candidate, f: ListingFilters): boolean {
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
function candidateFacets(rows: Candidate[], dims: FacetDim[]): FacetRow[] {
  const out: FacetRow[] = [];
  const pickers: Record<FacetDim, (r: Candidate) => string | null> = {
    category: (r) => r.category,
    resource_type: (r) => r.resource_type,
    location: (r) => r.location,
    price: (r) => {
      const value = BigInt(r.price);
      return (PRICE_BUCKETS.find((b) => b.max === null || value < b.max) as (typeof PRICE_BUCKETS)[number]).key;
    },
  };
  for (const dim of dims) {
    const counts = new Map<string | null, number>();
    for (const r of rows) {
      const value = pickers[dim](r);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    for (const [value, n] of counts) out.push({ dim, value, n });
  }
  return out;
}

function priceBuckets(): Facets["price"] {
  let lower = 0n;
  return PRICE_BUCKETS.map((b) => {
    const entry = { bucket: b.key, label: b.label, min: lower.toString(), max: b.max === null ? null : b.max.toString(), count: 0 };
    if (b.max !== null) lower = b.max;
    return entry;
  });
}

export async function listingDetail(db: ApiDb, chain: ApiChain, listingId: string) {
  const id = listingId;
  const { rows } = await db.query<ListingRow & { metadata: string; metadata_hash: string; metadata_error: string | null; total_volume: string; total_earnings: string; total_fees: string; disputed_rentals: number; updated_tx: string }>(
    `SELECT ${LISTING_COLUMNS}, l.metadata, l.metadata_hash, l.metadata_error, l.total_volume::text AS total_volume,
            l.total_earnings::text AS total_earnings, l.total_fees::text AS total_fees, l.disputed_rentals, l.updated_tx
     FROM listings l WHERE l.chain_id = $1 AND l.listing_id = $2`,
    [chain.chainId, id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const [prices, ratings, rentals, events] = await Promise.all([
    db.query<{ block_number: number; block_time: Date; tx_hash: string; old_price: string | null; new_price: string }>(
      `SELECT block_number, block_time, tx_hash, old_price::text AS old_price, new_price::text AS new_price
       FROM listing_prices WHERE chain_id = $1 AND listing_id = $2 ORDER BY block_number, log_index`,
      [chain.chainId, id],
    ),
    db.query<{ score: number; n: number }>(
      "SELECT score, count(*)::bigint AS n FROM ratings WHERE chain_id = $1 AND listing_id = $2 GROUP BY score",
      [chain.chainId, id],
    ),
    db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::bigint AS n FROM rentals WHERE chain_id = $1 AND listing_id = $2 GROUP BY status",
      [chain.chainId, id],
    ),
    db.query<{ event_name: string; block_number: number; block_time: Date; tx_hash: string; log_index: number }>(
      `SELECT event_name, block_number, block_time, tx_hash, log_index FROM raw_events
       WHERE chain_id = $1 AND listing_id = $2 AND rental_id IS NULL ORDER BY block_number, log_index`,
      [chain.chainId, id],
    ),
  ]);
  const byStatus = Object.fromEntries(rentals.rows.map((r) => [r.status, Number(r.n)]));
  const activeNow = byStatus.active ?? 0;
  const distribution = Object.fromEntries([1, 2, 3, 4, 5].map((s) => [String(s), 0]));
  for (const r of ratings.rows) distribution[String(r.score)] = Number(r.n);
  const base = presentListing(row, chain);
  return {
    ...base,
    metadata: { raw: row.metadata, hash: row.metadata_hash, valid: row.metadata_valid, error: row.metadata_error },
    priceHistory: prices.rows.map((p) => ({
      blockNumber: Number(p.block_number),
      time: iso(p.block_time),
      txHash: p.tx_hash,
      oldPrice: p.old_price === null ? null : amount(p.old_price, row.token, chain),
      newPrice: amount(p.new_price, row.token, chain),
    })),
    ratingSummary: { ...base.rating, distribution },
    utilisation: {
      capacity: Number(row.capacity),
      openRentals: Number(row.open_rentals),
      activeRentals: activeNow,
      requestedRentals: byStatus.requested ?? 0,
      disputedRentals: byStatus.disputed ?? 0,
      ratio: Number(row.capacity) > 0 ? Math.round((activeNow / Number(row.capacity)) * 10_000) / 10_000 : 0,
    },
    rentalsByStatus: byStatus,
    totals: {
      volume: amount(row.total_volume, row.token, chain),
      earnings: amount(row.total_earnings, row.token, chain),
      fees: amount(row.total_fees, row.token, chain),
      disputes: Number(row.disputed_rentals),
    },
    transactions: events.rows.map((e) => ({
      event: e.event_name,
      blockNumber: Number(e.block_number),
      logIndex: Number(e.log_index),
      time: iso(e.block_time),
      txHash: e.tx_hash,
    })),
  };
}
