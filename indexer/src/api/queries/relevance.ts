/**
 * Relevance-ranked search: a text match's candidates are read once from the narrow search copy with
 * their rank, and the page, the total and most facets all come from them.
 */
import type { ApiDb } from "../deps.js";
import { BadRequestError } from "../errors.js";
import { decodeCursor, encodeCursor, filterFingerprint } from "../lib/cursor.js";
import { Sql } from "../lib/sql.js";
import type { ListingFilters } from "../schemas/listings.js";
import { candidateFacets, FACET_DIMS, type FacetDim, type FacetRow, type Facets, type FacetSource, facetsFrom, matchesFilter, ownFilterFacets, sampledFacets, withoutOwnFilter } from "./facets.js";
import { COUNT_CAP, LISTING_COLUMNS, type ListingCount, type ListingPage, type ListingRow, plannerRows } from "./listings.js";
import type { MatchEstimate } from "./search-sample.js";
import { estimateMatches, limited, readPlan, textScan, type TextQuery } from "./text-scan.js";

/**
 * Matches ranked for a text query matching more than COUNT_CAP listings: a broad word costs what a
 * rare one does (the answer says `rankedWithin`).
 */
export const RANK_POOL = 500;

/**
 * ...fewer when the matches are sparse, so that collecting the pool reads about this many rows at
 * most: "gpu" with a location and a memory bound is one listing in 130, and a pool of 500 walked 65k
 * rows (over 20 ms at 1M listings) to rank what a pool of 200 ranks as well, since a broad word ranks
 * its matches nearly alike. Never under MIN_RANK_POOL, which fills the largest page twice over.
 */
const POOL_WALK_ROWS = 10_000;

export const MIN_RANK_POOL = 200;

/** The pool for a broad match of this density (see POOL_WALK_ROWS); RANK_POOL when unknown. */
export function rankPool(estimate: MatchEstimate | undefined): number {
  if (!estimate || estimate.density <= 0) return RANK_POOL;
  return Math.max(MIN_RANK_POOL, Math.min(RANK_POOL, Math.floor(POOL_WALK_ROWS * estimate.density)));
}

type Candidate = FacetSource & { listing_id: number; rank: number };

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
  // Later pages rank the same pool as the first, even if the sample's estimate moved in between.
  const pool = state ? cursorPool(state.k[2]) : rankPool(estimateMatches(p.filters, p.text));
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
  let read = await readCandidates(db, p.chainId, base, p.text, absorbed.length > 0 ? "all" : pool);
  let recount: Promise<{ rows: FacetRow[]; complete: boolean }> | undefined;
  if (absorbed.length > 0 && !read.complete) {
    // The estimate was wrong: the widened set is large. Read the answer's own matches instead.
    recount = ownFilterFacets(db, p.chainId, p.filters, p.text, absorbed.splice(0));
    read = await readCandidates(db, p.chainId, p.filters, p.text, pool);
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
    nextCursor: after.length > p.limit && last ? encodeCursor({ s: "relevance", f: fingerprint, k: [last.rank, String(last.listing_id), pool] }) : null,
    total,
    // A large set's facets are estimated from the sample, not counted over the pool: the pool is where
    // the scan happened to start, the sample spans the table. Not asked for, none are counted.
    facets:
      p.facets === false
        ? facetsFrom([], false)
        : facetsFrom([...ownCounted.rows, ...widenedCounts, ...((!exact && sampledFacets(p.text, p.filters, free)) || candidateFacets(rows, free))], exact && ownCounted.complete),
    rankedWithin: exact ? null : rows.length,
  };
}

/** The pool size a cursor carries; cursors from before it was carried rank RANK_POOL. */
function cursorPool(value: string | number | null | undefined): number {
  if (value === undefined) return RANK_POOL;
  if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_RANK_POOL || value > RANK_POOL) {
    throw new BadRequestError("not a cursor returned by this API");
  }
  return value;
}

/**
 * Candidates of a text match with their light columns and rank: every match when there are at most
 * COUNT_CAP (or `all` is asked), else the first `pool` the cheapest scan reaches. `complete` says
 * every match was read; `estimate` is the number of matches expected.
 */
async function readCandidates(
  db: ApiDb,
  chainId: number,
  filters: ListingFilters,
  text: TextQuery,
  pool: number | "all",
): Promise<{ rows: Candidate[]; complete: boolean; estimate: number }> {
  const sampled = estimateMatches(filters, text);
  const planned = new Sql();
  const probe = textScan(planned, chainId, filters, text);
  const estimate = sampled ? sampled.matches : await plannerRows(db, `SELECT 1 FROM ${probe.from} WHERE ${probe.where.join(" AND ")}`, planned.params);
  const take = pool === "all" || estimate <= COUNT_CAP ? COUNT_CAP + 1 : pool;
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
