/**
 * Listing reads: keyset pages for every sort, totals, and one listing's full picture. Filters become
 * SQL in listing-filters.ts, text matches are read as text-scan.ts plans them, facets and relevance
 * ranking have modules of their own.
 */
import type { ApiChain } from "../config.js";
import type { ApiDb } from "../deps.js";
import { decodeCursor, encodeCursor, filterFingerprint } from "../lib/cursor.js";
import { amount, checksum, iso } from "../lib/format.js";
import { Sql } from "../lib/sql.js";
import type { ListingFilters, ListingSort } from "../schemas/listings.js";
import { listingWhere } from "./listing-filters.js";
import { estimateMatches, limited, readPlan, textScan, unindexed, type ReadPlan, type TextQuery } from "./text-scan.js";

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

/** Counts above this are estimated by the planner instead of counted (`totalExact: false`). */
export const COUNT_CAP = 1000;

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
export async function plannerRows(db: ApiDb, query: string, params: unknown[]): Promise<number> {
  const plan = await db.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${query}`, params);
  const raw = plan.rows[0]?.["QUERY PLAN"];
  const json = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan?: { "Plan Rows"?: number } }[];
  return Math.round(Number(json?.[0]?.Plan?.["Plan Rows"] ?? 0));
}

/** FROM and WHERE of the match set: the narrow copy for a text match, listings for browsing. */
export function matchSet(sql: Sql, chainId: number, filters: ListingFilters, text?: TextQuery, plan: ReadPlan = "planner"): { from: string; where: string[]; a: string; plan: ReadPlan } {
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
