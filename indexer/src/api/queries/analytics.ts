/**
 * Time series and per-entity analytics, all from block times, all from rollups the indexer's triggers
 * keep, so their cost follows the number of buckets asked for, not the size of the market: market
 * series from the hourly market rollup (migrations 0101, 0104), a provider from its per-status
 * rollup and a listing from its per-hour rollup (migration 0107).
 */
import type { ApiChain } from "../config.js";
import type { ApiDb } from "../deps.js";
import { amount, type Amount, checksum, decimalString, formatUnits, iso } from "../lib/format.js";

export type Aggregation = "hourly" | "daily" | "monthly";
const TRUNC: Record<Aggregation, string> = { hourly: "hour", daily: "day", monthly: "month" };
const BUCKET_TEXT = (expr: string) => `to_char(${expr}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

export type Range = { from: number; to: number };

/**
 * amount() for many values of one token: the token's checksum (a keccak hash) is computed once, not
 * once per value, which dominated a series of thousands of hourly buckets.
 */
function moneyOf(token: unknown, chain: ApiChain): (value: unknown) => Amount {
  const base = amount("0", token, chain);
  return (value) => {
    const text = decimalString(value);
    return { ...base, amount: text, formatted: base.decimals === null ? null : formatUnits(text, base.decimals) };
  };
}

export const MAX_BUCKETS = 2000;

/**
 * A time range with defaults (last 30 days) and a cap on buckets, so that no query can ask for
 * millions: a longer range keeps its most recent 2,000 buckets (hourly: 83 days; daily: 5 years).
 * Hourly trends over half a year were a 4.8 MB answer that took longer to read than any chart needs.
 */
export function resolveRange(range: { from?: number; to?: number } | undefined, aggregation: Aggregation, now: number): Range {
  const to = range?.to ?? now;
  const from = range?.from ?? to - 30 * 86400;
  const width = { hourly: 3600, daily: 86400, monthly: 28 * 86400 }[aggregation];
  return { from: Math.max(from, to - width * MAX_BUCKETS), to };
}

type StatsRow = {
  bucket: string;
  requested: number;
  accepted: number;
  completed: number;
  disputes: number;
  hours: number;
  volume: string;
  released: string;
  fees: string;
  refunded: string;
  listings_created: number;
};

/**
 * Buckets are grouped and ordered as timestamps and only then formatted: grouping or sorting
 * thousands of formatted strings (collated text) cost more than the sums themselves.
 */
async function rollupSeries(db: ApiDb, chainId: number, range: Range, aggregation: Aggregation): Promise<StatsRow[]> {
  const trunc = TRUNC[aggregation];
  const { rows } = await db.query<StatsRow>(
    `SELECT ${BUCKET_TEXT("b")} AS bucket, requested, accepted, completed, disputes, hours, volume, released, fees, refunded, listings_created
     FROM (SELECT date_trunc('${trunc}', bucket) AS b,
                  sum(requested)::bigint AS requested, sum(accepted)::bigint AS accepted, sum(completed)::bigint AS completed,
                  sum(disputes)::bigint AS disputes, sum(hours)::bigint AS hours, sum(volume)::text AS volume,
                  sum(released)::text AS released, sum(fees)::text AS fees, sum(refunded)::text AS refunded,
                  sum(listings_created)::bigint AS listings_created
           FROM api_hourly_stats
           WHERE chain_id = $1 AND bucket >= date_trunc('${trunc}', to_timestamp($2) AT TIME ZONE 'UTC') AND bucket <= to_timestamp($3) AT TIME ZONE 'UTC'
           GROUP BY 1) s
     ORDER BY b`,
    [chainId, range.from, range.to],
  );
  return rows;
}

export async function marketSeries(db: ApiDb, chain: ApiChain, metric: "usage" | "revenue" | "trends", range: Range, aggregation: Aggregation) {
  // The trend queries run together with the market rollup rather than after it.
  const [rows, trends] = await Promise.all([
    rollupSeries(db, chain.chainId, range, aggregation),
    metric === "trends" ? trendQueries(db, chain, range, aggregation) : undefined,
  ]);
  const sum = (key: keyof StatsRow) => rows.reduce((acc, r) => acc + BigInt(String(r[key] ?? 0)), 0n).toString();
  const meta = { metric, aggregation, from: iso(new Date(range.from * 1000)), to: iso(new Date(range.to * 1000)), chainId: chain.chainId };

  if (metric === "usage") {
    return {
      ...meta,
      series: rows.map((r) => ({
        bucket: r.bucket,
        rentalsRequested: Number(r.requested),
        rentalsStarted: Number(r.accepted),
        rentalsCompleted: Number(r.completed),
        disputesOpened: Number(r.disputes),
        hoursRented: Number(r.hours),
      })),
      totals: { rentalsRequested: Number(sum("requested")), rentalsStarted: Number(sum("accepted")), rentalsCompleted: Number(sum("completed")), disputesOpened: Number(sum("disputes")), hoursRented: Number(sum("hours")) },
    };
  }
  if (metric === "revenue") {
    const money = moneyOf(chain.token, chain);
    return {
      ...meta,
      series: rows.map((r) => ({
        bucket: r.bucket,
        volume: money(r.volume),
        released: money(r.released),
        fees: money(r.fees),
        providerEarnings: money((BigInt(r.released) - BigInt(r.fees)).toString()),
        refunded: money(r.refunded),
      })),
      totals: {
        volume: money(sum("volume")),
        released: money(sum("released")),
        fees: money(sum("fees")),
        providerEarnings: money((BigInt(sum("released")) - BigInt(sum("fees"))).toString()),
        refunded: money(sum("refunded")),
      },
    };
  }
  // trends: listings created, active listings, new providers and average price per category per bucket,
  // all from rollups (migrations 0101 and 0104), so their cost does not grow with the market.
  const [providers, prices, active, activeBefore] = trends as Awaited<ReturnType<typeof trendQueries>>;
  type TrendBucket = {
    bucket: string;
    listingsCreated: number;
    activeListings: number;
    newProviders: number;
    averagePricePerCategory: Record<string, { average: ReturnType<typeof amount>; rentals: number }>;
  };
  const buckets = new Map<string, TrendBucket>();
  const inRange = new Set(rows.map((r) => r.bucket));
  for (const p of providers.rows) inRange.add(p.bucket);
  for (const p of prices.rows) inRange.add(p.bucket);
  const before = Number(activeBefore.rows[0]?.active ?? 0);
  let activeNow = before;
  const activeAt = new Map<string, number>();
  for (const a of active.rows) {
    activeNow = before + Number(a.active);
    activeAt.set(a.bucket, activeNow);
  }
  const at = (bucket: string) => {
    let entry = buckets.get(bucket);
    if (!entry) buckets.set(bucket, (entry = { bucket, listingsCreated: 0, activeListings: 0, newProviders: 0, averagePricePerCategory: {} }));
    return entry;
  };
  for (const bucket of inRange) at(bucket);
  for (const r of rows) at(r.bucket).listingsCreated = Number(r.listings_created);
  for (const p of providers.rows) at(p.bucket).newProviders = Number(p.n);
  const money = moneyOf(chain.token, chain);
  for (const p of prices.rows) {
    at(p.bucket).averagePricePerCategory[p.category || "uncategorised"] = { average: money(p.avg_price), rentals: Number(p.n) };
  }
  // Plain comparison: ISO timestamps sort as strings, and localeCompare is costly over thousands.
  const series = [...buckets.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
  // Buckets without a change carry the count of the last bucket that had one.
  let running = before;
  const changes = [...activeAt.entries()];
  let i = 0;
  for (const entry of series) {
    while (i < changes.length && (changes[i]?.[0] as string) <= entry.bucket) running = changes[i++]?.[1] as number;
    entry.activeListings = running;
  }
  return {
    ...meta,
    series,
    totals: { listingsCreated: Number(sum("listings_created")), newProviders: providers.rows.reduce((a, p) => a + Number(p.n), 0), activeListingsNow: activeNow },
  };
}

/** The trend figures besides listings created: new providers, average price per category, active listings. */
function trendQueries(db: ApiDb, chain: ApiChain, range: Range, aggregation: Aggregation) {
  const trunc = TRUNC[aggregation];
  return Promise.all([
    db.query<{ bucket: string; n: number }>(
      `SELECT ${BUCKET_TEXT("b")} AS bucket, n
       FROM (SELECT date_trunc('${trunc}', first_time AT TIME ZONE 'UTC') AS b, count(*)::bigint AS n
             FROM api_providers WHERE chain_id = $1 AND first_time BETWEEN to_timestamp($2) AND to_timestamp($3) GROUP BY 1) s
       ORDER BY b`,
      [chain.chainId, range.from, range.to],
    ),
    db.query<{ bucket: string; category: string; avg_price: string; n: number }>(
      `SELECT ${BUCKET_TEXT("b")} AS bucket, category, avg_price, n
       FROM (SELECT date_trunc('${trunc}', bucket) AS b, category,
                    trunc(sum(price_sum) / sum(rentals))::text AS avg_price, sum(rentals)::bigint AS n
             FROM api_category_prices
             WHERE chain_id = $1 AND bucket >= date_trunc('${trunc}', to_timestamp($2) AT TIME ZONE 'UTC') AND bucket <= to_timestamp($3) AT TIME ZONE 'UTC'
             GROUP BY 1, 2) s
       ORDER BY b, category COLLATE "C"`,
      [chain.chainId, range.from, range.to],
    ),
    // Active listings at the end of each bucket: the running sum of activations minus deactivations,
    // from the range's first bucket to the last bucket with a change (whose count is the count now);
    // what came before the range is summed once, not returned.
    db.query<{ bucket: string; active: string }>(
      `SELECT ${BUCKET_TEXT("b")} AS bucket, (sum(delta) OVER (ORDER BY b))::text AS active
       FROM (SELECT date_trunc('${trunc}', bucket) AS b, sum(active_delta) AS delta FROM api_hourly_stats
             WHERE chain_id = $1 AND bucket >= date_trunc('${trunc}', to_timestamp($2) AT TIME ZONE 'UTC') GROUP BY 1) d
       ORDER BY b`,
      [chain.chainId, range.from],
    ),
    db.query<{ active: string }>(
      `SELECT coalesce(sum(active_delta), 0)::text AS active FROM api_hourly_stats
       WHERE chain_id = $1 AND bucket < date_trunc('${trunc}', to_timestamp($2) AT TIME ZONE 'UTC')`,
      [chain.chainId, range.from],
    ),
  ]);
}

export async function providerAnalytics(db: ApiDb, chain: ApiChain, provider: string) {
  const who = provider.toLowerCase();
  const [listings, rentals, longest, earnings] = await Promise.all([
    db.query<{ n: number; active: number; rating_sum: number; rating_count: number }>(
      `SELECT count(*)::bigint AS n, count(*) FILTER (WHERE active)::bigint AS active,
              coalesce(sum(rating_sum), 0)::bigint AS rating_sum, coalesce(sum(rating_count), 0)::bigint AS rating_count
       FROM listings WHERE chain_id = $1 AND provider = $2`,
      [chain.chainId, who],
    ),
    // Rows that fell to zero as rentals moved on to another status stay in the rollup; skip them.
    db.query<{ status: string; n: number; released: string; fees: string; disputed: number; accepted: number; accept_seconds: string }>(
      `SELECT status, rentals AS n, released::text AS released, fees::text AS fees, disputed, accepted, accept_seconds::text AS accept_seconds
       FROM api_provider_rentals WHERE chain_id = $1 AND provider = $2 AND rentals > 0`,
      [chain.chainId, who],
    ),
    db.query<{ max_s: string }>("SELECT max_seconds::text AS max_s FROM api_provider_acceptance WHERE chain_id = $1 AND provider = $2", [chain.chainId, who]),
    db.query<{ token: string; earned: string; fees: string; credit: string; withdrawn: string }>(
      `SELECT token, provider_earned::text AS earned, provider_fees::text AS fees, credit::text AS credit, withdrawn::text AS withdrawn
       FROM accounts WHERE chain_id = $1 AND address = $2 ORDER BY token`,
      [chain.chainId, who],
    ),
  ]);
  const byStatus: Record<string, number> = {};
  let released = 0n;
  let fees = 0n;
  let disputes = 0;
  let accepted = 0;
  let acceptSeconds = 0;
  for (const r of rentals.rows.sort((a, b) => a.status.localeCompare(b.status))) {
    byStatus[r.status] = Number(r.n);
    released += BigInt(r.released);
    fees += BigInt(r.fees);
    disputes += Number(r.disputed);
    accepted += Number(r.accepted);
    acceptSeconds += Number(r.accept_seconds);
  }
  const count = (s: string) => byStatus[s] ?? 0;
  // Of the requests the provider answered or let lapse, the share that ran to completion.
  const decided = count("completed") + count("resolved") + count("rejected") + count("expired");
  const l = listings.rows[0];
  const ratingCount = Number(l?.rating_count ?? 0);
  const maxSeconds = longest.rows[0]?.max_s;
  return {
    address: checksum(who),
    chainId: chain.chainId,
    listings: { total: Number(l?.n ?? 0), active: Number(l?.active ?? 0) },
    rentals: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
    earnings: {
      fromRentals: amount((released - fees).toString(), chain.token, chain),
      feesPaid: amount(fees.toString(), chain.token, chain),
      byToken: earnings.rows.map((e) => ({
        earned: amount(e.earned, e.token, chain),
        fees: amount(e.fees, e.token, chain),
        withdrawable: amount(e.credit, e.token, chain),
        withdrawn: amount(e.withdrawn, e.token, chain),
      })),
    },
    completionRate: decided > 0 ? Math.round((count("completed") / decided) * 10_000) / 10_000 : null,
    acceptance: {
      accepted,
      averageSeconds: accepted > 0 ? Math.round(acceptSeconds / accepted) : null,
      maxSeconds: maxSeconds === undefined || accepted === 0 ? null : Math.round(Number(maxSeconds)),
    },
    disputes,
    rating: { average: ratingCount > 0 ? Math.round((Number(l?.rating_sum) / ratingCount) * 100) / 100 : null, count: ratingCount },
  };
}

export async function resourceAnalytics(db: ApiDb, chain: ApiChain, listingId: string, range: Range, aggregation: Aggregation) {
  const trunc = TRUNC[aggregation];
  const [listing, series] = await Promise.all([
    db.query<{ capacity: number; token: string; total_volume: string; total_earnings: string; total_fees: string; rating_sum: number; rating_count: number }>(
    `SELECT capacity, token, total_volume::text AS total_volume, total_earnings::text AS total_earnings, total_fees::text AS total_fees,
            rating_sum, rating_count FROM listings WHERE chain_id = $1 AND listing_id = $2`,
      [chain.chainId, listingId],
    ),
    // Whole buckets, as the market series: from the one holding `from` to the one holding `to`.
    db.query<{
    bucket: string;
    requested: number;
    started: number;
    hours: number;
    volume: string;
    released: string;
    fees: string;
    ratings: number;
    rating_sum: number;
  }>(
    `SELECT ${BUCKET_TEXT("b")} AS bucket, requested, started, hours, volume, released, fees, ratings, rating_sum
     FROM (SELECT date_trunc('${trunc}', bucket) AS b,
                  sum(requested)::bigint AS requested, sum(started)::bigint AS started, sum(hours)::bigint AS hours,
                  sum(volume)::text AS volume, sum(released)::text AS released, sum(fees)::text AS fees,
                  sum(ratings)::bigint AS ratings, sum(rating_sum)::bigint AS rating_sum
           FROM api_listing_hourly
           WHERE chain_id = $1 AND listing_id = $2
             AND bucket >= date_trunc('${trunc}', to_timestamp($3) AT TIME ZONE 'UTC') AND bucket <= to_timestamp($4) AT TIME ZONE 'UTC'
           GROUP BY 1) s
     ORDER BY b`,
      [chain.chainId, listingId, range.from, range.to],
    ),
  ]);
  const l = listing.rows[0];
  if (!l) return undefined;
  const width = { hourly: 3600, daily: 86400, monthly: 30 * 86400 }[aggregation];
  const capacityHours = (Number(l.capacity) * width) / 3600;
  const money = moneyOf(l.token, chain);
  const ratingCount = Number(l.rating_count);
  return {
    listingId,
    chainId: chain.chainId,
    aggregation,
    from: iso(new Date(range.from * 1000)),
    to: iso(new Date(range.to * 1000)),
    capacity: Number(l.capacity),
    totals: {
      volume: money(l.total_volume),
      earnings: money(l.total_earnings),
      fees: money(l.total_fees),
      rating: { average: ratingCount > 0 ? Math.round((Number(l.rating_sum) / ratingCount) * 100) / 100 : null, count: ratingCount },
    },
    series: series.rows.map((s) => {
      const rated = Number(s.ratings);
      return {
        bucket: s.bucket,
        rentalsRequested: Number(s.requested),
        rentalsStarted: Number(s.started),
        hoursBooked: Number(s.hours),
        // Hours booked in the bucket against what the capacity could serve in it.
        utilisation: capacityHours > 0 ? Math.round((Number(s.hours) / capacityHours) * 10_000) / 10_000 : 0,
        volume: money(s.volume),
        revenue: money((BigInt(s.released) - BigInt(s.fees)).toString()),
        fees: money(s.fees),
        rating: rated > 0 ? { average: Math.round((Number(s.rating_sum) / rated) * 100) / 100, count: rated } : null,
      };
    }),
  };
}
