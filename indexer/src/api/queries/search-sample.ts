/**
 * A sample of the narrow search copy held in memory, to estimate how many listings a text query and
 * its filters match before choosing how to read them.
 *
 * The planner estimates a word AND a filter as if they were independent; they rarely are: "nvidia"
 * is in a seventh of the listings and "data-processing" in over a quarter, but never both. Under a
 * LIMIT the planner then expects matches every few rows and reads the whole table in order to find
 * none; the opposite mistake (a combination it thinks rare that is common) builds a bitmap of tens
 * of thousands of rows to return twenty. Counting the combination in a sample of a few ten thousand
 * listings tells the two apart for the cost of a few bitmap operations in memory.
 */
import type { ListingFilters, SpecFilter } from "../schemas/listings.js";

/** A text query as the lexemes the index holds: exact lexemes, prefixes, AND and OR. */
export type QueryTree = { term: string; prefix: boolean } | { and: QueryTree[] } | { or: QueryTree[] };

export type MatchEstimate = {
  /** Listings of the chain estimated to match. */
  matches: number;
  /** Share of the chain's listings that match (0..1). */
  density: number;
  /** The chain's listings. */
  listings: number;
  /** Share of the listings (0..1) within the filters' price range, whatever their words and labels. */
  priceShare: number;
};

export type MatchSample = {
  /** Listings sampled. */
  readonly size: number;
  estimate(tree: QueryTree, filters: ListingFilters): MatchEstimate;
  /** Share of the listings (0..1) within the filters' price range, whatever their words and labels. */
  priceShare(filters: ListingFilters): number;
};

export type SampleRow = { lexemes: string[]; price: number; active: boolean; specifications?: Record<string, unknown> | null };

/**
 * `rows` were drawn from `total` listings. Each lexeme keeps the sorted positions of the rows that
 * hold it (filter tokens `~c:`, `~t:`, `~l:` included, as migration 0106 writes them).
 */
export function buildMatchSample(rows: SampleRow[], total: number): MatchSample {
  const postings = new Map<string, number[]>();
  rows.forEach((row, i) => {
    for (const lexeme of row.lexemes) {
      const list = postings.get(lexeme);
      if (list) list.push(i);
      else postings.set(lexeme, [i]);
    }
  });
  const lexemes = [...postings.keys()].sort();
  const price = Float64Array.from(rows, (r) => r.price);
  const active = Uint8Array.from(rows, (r) => (r.active ? 1 : 0));
  const specifications = rows.map((r) => r.specifications ?? null);
  const n = rows.length;

  const mark = (mask: Uint8Array, lexeme: string) => {
    for (const i of postings.get(lexeme) ?? []) mask[i] = 1;
  };
  const withPrefix = (prefix: string, mask: Uint8Array) => {
    let lo = 0;
    let hi = lexemes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((lexemes[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < lexemes.length && (lexemes[i] as string).startsWith(prefix); i++) mark(mask, lexemes[i] as string);
  };
  const evaluate = (tree: QueryTree): Uint8Array => {
    if ("term" in tree) {
      const mask = new Uint8Array(n);
      if (tree.prefix) withPrefix(tree.term, mask);
      else mark(mask, tree.term);
      return mask;
    }
    const parts = ("and" in tree ? tree.and : tree.or).map(evaluate);
    const out = parts[0] ?? new Uint8Array(n);
    for (const part of parts.slice(1)) for (let i = 0; i < n; i++) out[i] = "and" in tree ? (out[i] as number) & (part[i] as number) : (out[i] as number) | (part[i] as number);
    return out;
  };

  // Prices as floats: an estimate, so the rounding of 78-digit numbers does not matter.
  const range = (f: ListingFilters) => [f.priceMin === undefined ? -Infinity : Number(f.priceMin), f.priceMax === undefined ? Infinity : Number(f.priceMax)];

  return {
    size: n,
    priceShare(filters) {
      const [min, max] = range(filters) as [number, number];
      let within = 0;
      for (const p of price) if (p >= min && p <= max) within++;
      return n === 0 ? 1 : within / n;
    },
    estimate(tree, filters) {
      const labels = labelTree(filters);
      const mask = evaluate(labels ? { and: [tree, labels] } : tree);
      const [min, max] = range(filters) as [number, number];
      let hits = 0;
      let priced = 0;
      for (let i = 0; i < n; i++) {
        const inRange = (price[i] as number) >= min && (price[i] as number) <= max;
        if (inRange) priced++;
        if (!mask[i]) continue;
        if (!inRange) continue;
        if (filters.active !== undefined && (active[i] === 1) !== filters.active) continue;
        if (filters.specs.length > 0 && !filters.specs.every((spec) => specMatches(specifications[i] ?? null, spec))) continue;
        hits++;
      }
      const density = n === 0 ? 0 : hits / n;
      return { matches: Math.round(density * total), density, listings: total, priceShare: n === 0 ? 1 : priced / n };
    },
  };
}

/** The label filters as the tokens migration 0106 writes (the same as listings.ts `filterTokens`). */
function labelTree(f: ListingFilters): QueryTree | null {
  const parts: QueryTree[] = [];
  if (f.categories?.length) parts.push({ or: f.categories.map((c) => ({ term: `~c:${c.toLowerCase()}`, prefix: false })) });
  if (f.resourceTypes?.length) parts.push({ or: f.resourceTypes.map((c) => ({ term: `~t:${c.toLowerCase()}`, prefix: false })) });
  if (f.location) parts.push({ term: `~l:${f.location.toLowerCase()}`, prefix: true });
  return parts.length ? { and: parts } : null;
}

/**
 * Whether specifications pass a spec filter, as listings.ts `specConditions` tests them in SQL: a
 * number compares with a number, text equals text, anything else does not match. (Containment of a
 * value in a JSON array is left out: an estimate.)
 */
function specMatches(specs: Record<string, unknown> | null, spec: SpecFilter): boolean {
  const value = specs?.[spec.key];
  if (spec.op === "=") return value === spec.value;
  if (typeof value !== "number" || typeof spec.value !== "number") return false;
  switch (spec.op) {
    case ">=":
      return value >= spec.value;
    case "<=":
      return value <= spec.value;
    case ">":
      return value > spec.value;
    case "<":
      return value < spec.value;
  }
}
