/**
 * Personalised recommendations, each with the reason it was chosen:
 *  1. collaborative — listings rented by people who rented what you rented, ranked by how many;
 *  2. content-based — listings like your history: same category and type, close in price and specs;
 *  3. popularity and rating — for a newcomer, or to fill the list.
 * Never the user's own listings, never inactive ones, never what the user already rented.
 */
import type { ApiChain } from "../config.js";
import type { ApiDb } from "../deps.js";
import { LISTING_COLUMNS, type ListingRow, presentListing } from "./listings.js";

export type Recommendation = ReturnType<typeof presentListing> & {
  reason: { kind: "collaborative" | "content" | "popular"; text: string; score: number };
};

type Params = { chainId: number; user: string; count: number; categories?: string[] };

export async function recommend(db: ApiDb, chain: ApiChain, p: Params): Promise<Recommendation[]> {
  const user = p.user.toLowerCase();
  const cats = p.categories?.length ? p.categories.map((c) => c.toLowerCase()) : null;
  const picked = new Map<number, Recommendation>();
  const add = (row: ListingRow, reason: Recommendation["reason"]) => {
    if (picked.size >= p.count || picked.has(Number(row.listing_id))) return;
    picked.set(Number(row.listing_id), { ...presentListing(row, chain), reason });
  };
  const eligible = `l.active AND l.provider <> $2 AND ($3::text[] IS NULL OR l.category = ANY($3::text[]))
    AND NOT EXISTS (SELECT 1 FROM rentals mine WHERE mine.chain_id = l.chain_id AND mine.listing_id = l.listing_id AND mine.consumer = $2)`;

  const history = await db.query<{ listing_id: number; category: string | null; resource_type: string | null; price: string; title: string | null; specifications: Record<string, unknown> | null }>(
    `SELECT DISTINCT ON (r.listing_id) r.listing_id, l.category, l.resource_type, r.price_per_hour::text AS price, l.title, l.specifications
     FROM rentals r JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
     WHERE r.chain_id = $1 AND r.consumer = $2 ORDER BY r.listing_id, r.rental_id DESC LIMIT 200`,
    [p.chainId, user],
  );

  if (history.rows.length > 0) {
    // 1. Co-rentals: other consumers of my listings, and what else they rented.
    const co = await db.query<ListingRow & { peers: number; via: number }>(
      `WITH mine AS (SELECT DISTINCT listing_id FROM rentals WHERE chain_id = $1 AND consumer = $2),
            peers AS (SELECT DISTINCT r.consumer, r.listing_id AS via FROM rentals r JOIN mine m ON m.listing_id = r.listing_id
                      WHERE r.chain_id = $1 AND r.consumer <> $2),
            co AS (SELECT r.listing_id, count(DISTINCT r.consumer)::bigint AS peers, min(p.via) AS via
                   FROM rentals r JOIN peers p ON p.consumer = r.consumer
                   WHERE r.chain_id = $1 AND r.listing_id NOT IN (SELECT listing_id FROM mine)
                   GROUP BY r.listing_id)
       SELECT ${LISTING_COLUMNS}, co.peers, co.via FROM co JOIN listings l ON l.chain_id = $1 AND l.listing_id = co.listing_id
       WHERE ${eligible} ORDER BY co.peers DESC, l.quality_score DESC, l.listing_id LIMIT $4`,
      [p.chainId, user, cats, p.count],
    );
    const titles = new Map(history.rows.map((h) => [Number(h.listing_id), h.title]));
    for (const row of co.rows) {
      const via = titles.get(Number(row.via)) ?? `listing ${row.via}`;
      add(row, {
        kind: "collaborative",
        text: `${row.peers} ${Number(row.peers) === 1 ? "person" : "people"} who rented ${via} also rented this`,
        score: Number(row.peers),
      });
    }

    // 2. Like my history: category and type, price and numeric specs close to what I rented.
    if (picked.size < p.count) {
      const categories = [...new Set(history.rows.map((h) => h.category).filter((c): c is string => !!c))];
      const candidates = await db.query<ListingRow>(
        `SELECT ${LISTING_COLUMNS} FROM listings l
         WHERE l.chain_id = $1 AND ${eligible} AND l.category = ANY($4::text[])
         ORDER BY l.quality_score DESC, l.rental_count DESC, l.listing_id LIMIT 200`,
        [p.chainId, user, cats, categories],
      );
      const scored = candidates.rows
        .map((row) => {
          let best = { score: 0, like: history.rows[0] };
          for (const h of history.rows) {
            let score = h.category === row.category ? 1 : 0;
            if (h.resource_type && h.resource_type === row.resource_type) score += 0.5;
            const ratio = Number(BigInt(row.price_per_hour) * 1000n / (BigInt(h.price) || 1n)) / 1000;
            score += Math.max(0, 0.5 - Math.abs(Math.log(Math.max(ratio, 1e-6))) / 2);
            score += specSimilarity(h.specifications, row.specifications) * 0.5;
            if (score > best.score) best = { score, like: h };
          }
          return { row, ...best };
        })
        .sort((a, b) => b.score - a.score || Number(b.row.quality_score) - Number(a.row.quality_score) || Number(a.row.listing_id) - Number(b.row.listing_id));
      for (const c of scored) {
        add(c.row, {
          kind: "content",
          text: `similar to ${c.like?.title ?? `listing ${c.like?.listing_id}`} you rented: ${c.row.category}${c.row.resource_type ? `, ${c.row.resource_type}` : ""}`,
          score: Math.round(c.score * 1000) / 1000,
        });
      }
    }
  }

  // 3. Popular and well rated, for newcomers and to fill the list.
  if (picked.size < p.count) {
    const popular = await db.query<ListingRow>(
      `SELECT ${LISTING_COLUMNS} FROM listings l WHERE l.chain_id = $1 AND ${eligible}
       ORDER BY l.rental_count DESC, l.quality_score DESC, l.listing_id LIMIT $4`,
      [p.chainId, user, cats, p.count + picked.size],
    );
    for (const row of popular.rows) {
      const avg = Number(row.rating_count) > 0 ? (Number(row.rating_sum) / Number(row.rating_count)).toFixed(1) : null;
      add(row, {
        kind: "popular",
        text: `popular: ${row.rental_count} rentals${avg ? `, rated ${avg}/5` : ""}`,
        score: Number(row.rental_count),
      });
    }
  }
  return [...picked.values()];
}

/** Share of numeric specifications two listings have in common, weighted by how close the values are. */
function specSimilarity(a: Record<string, unknown> | null, b: Record<string, unknown> | null): number {
  if (!a || !b) return 0;
  let shared = 0;
  let total = 0;
  for (const [key, value] of Object.entries(a)) {
    const other = b[key];
    if (typeof value === "number" && typeof other === "number") {
      total++;
      const high = Math.max(Math.abs(value), Math.abs(other)) || 1;
      shared += 1 - Math.min(1, Math.abs(value - other) / high);
    } else if (typeof value === "string" && typeof other === "string") {
      total++;
      if (value.toLowerCase() === other.toLowerCase()) shared += 1;
    }
  }
  return total > 0 ? shared / total : 0;
}
