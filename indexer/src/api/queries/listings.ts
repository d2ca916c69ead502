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
  const where = [`l.chain_id = ${sql.p(chainId)}`];
  if (f.categories?.length) where.push(`l.category = ANY(${sql.p(f.categories.map((c) => c.toLowerCase()))}::text[])`);
  if (f.resourceTypes?.length) where.push(`l.resource_type = ANY(${sql.p(f.resourceTypes.map((c) => c.toLowerCase()))}::text[])`);
  if (f.location) {
    const escaped = f.location.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    where.push(`lower(l.location) LIKE ${sql.p(`${escaped}%`)}`);
  }
  if (f.provider) where.push(`l.provider = ${sql.p(f.provider.toLowerCase())}`);
  if (f.priceMin !== undefined) where.push(`l.price_per_hour >= ${sql.p(f.priceMin)}::numeric`);
  if (f.priceMax !== undefined) where.push(`l.price_per_hour <= ${sql.p(f.priceMax)}::numeric`);
  if (f.window?.to !== undefined) where.push(`l.available_from < to_timestamp(${sql.p(f.window.to)})`);
  if (f.window?.from !== undefined) {
    where.push(`(l.available_until IS NULL OR l.available_until > to_timestamp(${sql.p(f.window.from)}))`);
  }
  if (f.active !== undefined) where.push(f.active ? "l.active" : "NOT l.active");
  if (f.minRating !== undefined && f.minRating > 0) {
    where.push(`l.rating_count > 0 AND l.rating_sum >= ${sql.p(f.minRating)}::numeric * l.rating_count`);
  }
  for (const spec of f.specs) {
    if (spec.op === "=") {
      // Containment uses the GIN index on specifications; numbers match numbers, text matches text.
      where.push(`l.specifications @> jsonb_build_object(${sql.p(spec.key)}::text, ${typeof spec.value === "number" ? `${sql.p(spec.value)}::numeric` : `${sql.p(spec.value)}::text`})`);
    } else {
      const key = sql.p(spec.key);
      // A value that is not a number (in some provider's metadata) simply does not match.
      where.push(
        `(CASE WHEN jsonb_typeof(l.specifications -> ${key}::text) = 'number' THEN (l.specifications ->> ${key}::text)::numeric END) ${spec.op} ${sql.p(spec.value)}::numeric`,
      );
    }
  }
  return where;
}

/**
 * The table a text match reads: the narrow search copy kept by migration 0105 when every filter is on
 * a column it holds, else listings itself. Aliased `l` either way, so listingWhere applies unchanged.
 */
export function textSource(f: ListingFilters): string {
  const narrow =
    f.provider === undefined &&
    f.window?.from === undefined &&
    f.window?.to === undefined &&
    !(f.minRating !== undefined && f.minRating > 0) &&
    f.specs.length === 0;
  return narrow ? "api_listing_search l" : "listings l";
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

export type TextQuery = { tsquery: string };

/** Counts above this are estimated by the planner instead of counted (`totalExact: false`). */
export const COUNT_CAP = 1000;
/**
 * Matches ranked for a text query matching more than COUNT_CAP listings: a broad word costs what a
 * rare one does (the answer says `rankedWithin`).
 */
export const RANK_POOL = 500;

/** One keyset page. Ties on the sort key are broken by listing id, so pages never overlap or skip. */
export async function listingPage(db: ApiDb, p: PageParameters): Promise<ListingPage> {
  const sql = new Sql();
  const where = listingWhere(sql, p.chainId, p.filters);
  const fingerprint = filterFingerprint({ f: p.filters, t: p.text?.tsquery ?? null, c: p.chainId });
  const state = decodeCursor(p.cursor, p.sort, fingerprint);
  let select = LISTING_COLUMNS;
  let from = "listings l";
  let order: string;
  let keyColumns: string[];

  if (p.text) {
    from = `listings l, to_tsquery('english', ${sql.p(p.text.tsquery)}) q`;
    where.push("l.search_vector @@ q");
  }
  if (p.sort === "relevance") throw new Error("relevance pages come from relevancePage");
  const spec = SORTS[p.sort];
  keyColumns = spec.keys.map((k) => k.column);
  for (const k of spec.keys) if (k.column === "free_capacity") select += `, ${k.expr} AS free_capacity`;
  order = [...spec.keys.map((k) => `${k.expr} ${spec.dir}`), `l.listing_id ${spec.dir}`].join(", ");
  if (state) {
    const left = [...spec.keys.map((k) => k.expr), "l.listing_id"].join(", ");
    const right = [...spec.keys.map((k, i) => `${sql.p(state.k[i])}::${k.cast}`), `${sql.p(state.k[spec.keys.length])}::bigint`].join(", ");
    where.push(`(${left}) ${spec.dir === "ASC" ? ">" : "<"} (${right})`);
  }

  const limitParam = sql.p(p.limit + 1);
  const { rows } = await db.query<ListingRow & Record<string, unknown>>(
    `SELECT ${select} FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${limitParam}`,
    sql.params,
  );
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

/**
 * Exact when the match set is small, estimated when it is large: the planner's estimate decides
 * first (cheap), and counting stops at COUNT_CAP, so no request scans a million rows for a total.
 */
export async function countListings(db: ApiDb, chainId: number, filters: ListingFilters, text?: TextQuery): Promise<ListingCount> {
  const sql = new Sql();
  const where = listingWhere(sql, chainId, filters);
  if (text) where.push(`l.search_vector @@ to_tsquery('english', ${sql.p(text.tsquery)})`);
  const inner = `SELECT 1 FROM ${text ? textSource(filters) : "listings l"} WHERE ${where.join(" AND ")}`;
  const estimate = await plannerRows(db, inner, sql.params);
  if (estimate > COUNT_CAP) return { total: estimate, exact: false };
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM (${inner} LIMIT ${COUNT_CAP + 1}) s`, sql.params);
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

export type Facets = {
  category: { value: string | null; count: number }[];
  resourceType: { value: string | null; count: number }[];
  location: { value: string | null; count: number }[];
  price: { bucket: string; label: string; min: string; max: string | null; count: number }[];
};

/** Facets of a match set larger than COUNT_CAP are counted over this many matches (flagged inexact). */
export const FACET_SAMPLE = 300;

export async function listingFacets(db: ApiDb, chainId: number, filters: ListingFilters, text?: TextQuery, exactSet = true): Promise<Facets> {
  const sql = new Sql();
  const where = listingWhere(sql, chainId, filters);
  if (text) where.push(`l.search_vector @@ to_tsquery('english', ${sql.p(text.tsquery)})`);
  const bucketCase = `CASE ${PRICE_BUCKETS.filter((b) => b.max !== null)
    .map((b) => `WHEN l.price_per_hour < ${sql.p(b.max)}::numeric THEN '${b.key}'`)
    .join(" ")} ELSE 'gte_20' END`;
  // A large set is sampled: the first matches the cheapest scan reaches.
  const source = `SELECT l.category, l.resource_type, l.location, ${bucketCase} AS bucket FROM ${text ? textSource(filters) : "listings l"} WHERE ${where.join(" AND ")}
     LIMIT ${exactSet ? COUNT_CAP : FACET_SAMPLE}`;
  const { rows } = await db.query<{ dim: string; value: string | null; n: number }>(
    `SELECT CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(resource_type) = 0 THEN 'resource_type'
                 WHEN GROUPING(location) = 0 THEN 'location' ELSE 'price' END AS dim,
            COALESCE(category, resource_type, location, bucket) AS value, count(*)::bigint AS n
     FROM (${source}) m
     GROUP BY GROUPING SETS ((category), (resource_type), (location), (bucket))
     ORDER BY n DESC, value`,
    sql.params,
  );
  const pick = (dim: string) =>
    rows.filter((r) => r.dim === dim).slice(0, 50).map((r) => ({ value: r.value, count: Number(r.n) }));
  const priceCounts = new Map(rows.filter((r) => r.dim === "price").map((r) => [r.value, Number(r.n)]));
  let lower = 0n;
  const price = PRICE_BUCKETS.map((b) => {
    const entry = { bucket: b.key, label: b.label, min: lower.toString(), max: b.max === null ? null : b.max.toString(), count: priceCounts.get(b.key) ?? 0 };
    if (b.max !== null) lower = b.max;
    return entry;
  });
  return { category: pick("category"), resourceType: pick("resource_type"), location: pick("location"), price };
}

type Candidate = { listing_id: number; category: string | null; resource_type: string | null; location: string | null; price: string; rank: number };

export type RelevancePage = ListingPage & { total: ListingCount; facets: Facets; rankedWithin: number | null };

/**
 * Relevance-ranked search in one pass over the matches: the candidates' light columns and rank are
 * read once (every match when there are at most COUNT_CAP, else the first RANK_POOL the cheapest scan
 * reaches), and the total, the facets and the keyset page all come from them; only the page's rows
 * are then read in full.
 */
export async function relevancePage(
  db: ApiDb,
  p: { chainId: number; filters: ListingFilters; text: TextQuery; limit: number; cursor?: string },
): Promise<RelevancePage> {
  const sql = new Sql();
  const where = listingWhere(sql, p.chainId, p.filters);
  const query = sql.p(p.text.tsquery);
  where.push(`l.search_vector @@ to_tsquery('english', ${query})`);
  const fingerprint = filterFingerprint({ f: p.filters, t: p.text.tsquery, c: p.chainId });
  const state = decodeCursor(p.cursor, "relevance", fingerprint);
  const source = textSource(p.filters);
  const estimate = await plannerRows(db, `SELECT 1 FROM ${source} WHERE ${where.join(" AND ")}`, sql.params);
  const take = estimate <= COUNT_CAP ? COUNT_CAP + 1 : RANK_POOL;
  const { rows } = await db.query<Candidate>(
    `SELECT l.listing_id, l.category, l.resource_type, l.location, l.price_per_hour::text AS price,
            ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', l.search_vector, to_tsquery('english', ${query}), 1)::float8 AS rank
     FROM ${source} WHERE ${where.join(" AND ")} LIMIT ${take}`,
    sql.params,
  );
  const exact = take > COUNT_CAP && rows.length <= COUNT_CAP;
  const total: ListingCount = exact ? { total: rows.length, exact } : { total: Math.max(estimate, rows.length), exact };
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
  return {
    items,
    nextCursor: after.length > p.limit && last ? encodeCursor({ s: "relevance", f: fingerprint, k: [last.rank, String(last.listing_id)] }) : null,
    total,
    facets: facetsOf(rows),
    rankedWithin: exact ? null : rows.length,
  };
}

/** Facet counts of candidate rows, computed here rather than by another scan. */
function facetsOf(rows: Candidate[]): Facets {
  const count = (pick: (r: Candidate) => string | null) => {
    const counts = new Map<string | null, number>();
    for (const r of rows) counts.set(pick(r), (counts.get(pick(r)) ?? 0) + 1);
    return [...counts.entries()]
      .map(([value, n]) => ({ value, count: n }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)))
      .slice(0, 50);
  };
  const price = priceBuckets();
  for (const r of rows) {
    const value = BigInt(r.price);
    const bucket = price.find((b) => b.max === null || value < BigInt(b.max));
    if (bucket) bucket.count++;
  }
  return { category: count((r) => r.category), resourceType: count((r) => r.resource_type), location: count((r) => r.location), price };
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
