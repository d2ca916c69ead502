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
  /** ...and within its categories too (priceShare when it names none): what a category's price index holds. */
  categoryPriceShare: number;
};

export type MatchSample = {
  /** Listings sampled. */
  readonly size: number;
  estimate(tree: QueryTree, filters: ListingFilters): MatchEstimate;
  /** Positions of the sampled rows that match, how many listings each stands for, and their labels and prices. */
  matching(
    tree: QueryTree,
    filters: ListingFilters,
  ): { positions: readonly number[]; scale: number; label(i: number, dim: SampleLabel): string | null; price(i: number): number };
  /** Share of the listings (0..1) within the filters' price range, whatever their words and labels. */
  priceShare(filters: ListingFilters): number;
};

export type SampleRow = {
  lexemes: string[];
  price: number;
  active: boolean;
  specifications?: Record<string, unknown> | null;
  /** The labels as stored (facets show them so; the tokens hold location lower-cased). */
  labels?: { category: string | null; resource_type: string | null; location: string | null };
};

/** The label dimensions a sample row carries (facets and label filters). */
export type SampleLabel = "category" | "resource_type" | "location";

/**
 * `rows` were drawn from `total` listings. Each lexeme keeps the sorted positions of the rows that
 * hold it (filter tokens `~c:`, `~t:`, `~l:` included, as migration 0106 writes them).
 *
 * The sample stays in memory for as long as the API runs, so it keeps typed arrays and interned
 * labels rather than the rows: 30,000 rows of 30 lexeme strings each are a million objects that
 * every full garbage collection of the API's heap would walk (a pause of 10-20 ms in a search).
 */
export function buildMatchSample(rows: SampleRow[], total: number): MatchSample {
  const building = new Map<string, number[]>();
  rows.forEach((row, i) => {
    for (const lexeme of row.lexemes) {
      const list = building.get(lexeme);
      if (list) list.push(i);
      else building.set(lexeme, [i]);
    }
  });
  const postings = new Map<string, Int32Array>();
  for (const [lexeme, list] of building) postings.set(lexeme, Int32Array.from(list));
  const lexemes = [...postings.keys()].sort();
  const price = Float64Array.from(rows, (r) => r.price);
  const active = Uint8Array.from(rows, (r) => (r.active ? 1 : 0));
  const specifications = rows.map((r) => r.specifications ?? null);
  const n = rows.length;
  // Each row's labels as stored, interned, from the row's columns or else its tokens (which hold the
  // location lower-cased); a location filter compares lower-cased, as its token does.
  const token = (row: SampleRow, prefix: string) => row.lexemes.find((l) => l.startsWith(prefix))?.slice(prefix.length) ?? null;
  const labels = {
    category: internLabels(rows.map((r) => (r.labels ? r.labels.category : token(r, "~c:")))),
    resource_type: internLabels(rows.map((r) => (r.labels ? r.labels.resource_type : token(r, "~t:")))),
    location: internLabels(rows.map((r) => (r.labels ? r.labels.location : token(r, "~l:")))),
  };
  const lowerLocations = labels.location.values.map((v) => v.toLowerCase());
  // The prices in order, overall and per category, so a price range is counted by two binary searches.
  const sortedPrices = Float64Array.from(price).sort();
  const categoryPrices = new Map<string, Float64Array>();
  labels.category.values.forEach((value, id) => {
    const list: number[] = [];
    for (let i = 0; i < n; i++) if (labels.category.ids[i] === id) list.push(price[i] as number);
    categoryPrices.set(value, Float64Array.from(list).sort());
  });

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
  /** How many of the sorted `prices` lie within [min, max]. */
  const within = (prices: ArrayLike<number>, min: number, max: number) => bound(prices, max, true) - bound(prices, min, false);

  // A request estimates the same words under several filter sets (its own, each facet's, each plan's):
  // the positions of the words' matches and each filter set's result are kept for as long as the
  // request holds its tree.
  const wordHits = new WeakMap<QueryTree, Int32Array>();
  const scans = new WeakMap<QueryTree, Map<string, { hits: number[]; priced: number; categoryPriced: number }>>();
  const matchesOfWords = (tree: QueryTree) => {
    let positions = wordHits.get(tree);
    if (!positions) {
      const mask = evaluate(tree);
      const list: number[] = [];
      for (let i = 0; i < n; i++) if (mask[i]) list.push(i);
      wordHits.set(tree, (positions = Int32Array.from(list)));
    }
    return positions;
  };

  /** Positions of the rows that pass the words and every filter; rows within the price range (and the categories). */
  const scan = (tree: QueryTree, filters: ListingFilters) => {
    const key = JSON.stringify(filters, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    let byFilters = scans.get(tree);
    if (!byFilters) scans.set(tree, (byFilters = new Map()));
    const known = byFilters.get(key);
    if (known) return known;
    const categories = filters.categories?.length ? labelIds(labels.category.values, (v) => filters.categories?.some((c) => c.toLowerCase() === v) ?? false) : undefined;
    const types = filters.resourceTypes?.length ? labelIds(labels.resource_type.values, (v) => filters.resourceTypes?.some((c) => c.toLowerCase() === v) ?? false) : undefined;
    const place = filters.location?.toLowerCase();
    const places = place === undefined ? undefined : labelIds(lowerLocations, (v) => v.startsWith(place));
    const [min, max] = range(filters) as [number, number];
    const hits: number[] = [];
    for (const i of matchesOfWords(tree)) {
      const p = price[i] as number;
      if (p < min || p > max) continue;
      if (categories && !categories.has(labels.category.ids[i] as number)) continue;
      if (types && !types.has(labels.resource_type.ids[i] as number)) continue;
      if (places && !places.has(labels.location.ids[i] as number)) continue;
      if (filters.active !== undefined && (active[i] === 1) !== filters.active) continue;
      if (filters.specs.length > 0 && !filters.specs.every((spec) => specMatches(specifications[i] ?? null, spec))) continue;
      hits.push(i);
    }
    const priced = within(sortedPrices, min, max);
    const categoryPriced = categories
      ? [...categories].reduce((sum, id) => sum + within(categoryPrices.get(labels.category.values[id] as string) ?? [], min, max), 0)
      : priced;
    const result = { hits, priced, categoryPriced };
    byFilters.set(key, result);
    return result;
  };

  return {
    size: n,
    priceShare(filters) {
      const [min, max] = range(filters) as [number, number];
      return n === 0 ? 1 : within(sortedPrices, min, max) / n;
    },
    estimate(tree, filters) {
      const { hits, priced, categoryPriced } = scan(tree, filters);
      const density = n === 0 ? 0 : hits.length / n;
      return {
        matches: Math.round(density * total),
        density,
        listings: total,
        priceShare: n === 0 ? 1 : priced / n,
        categoryPriceShare: n === 0 ? 1 : categoryPriced / n,
      };
    },
    matching(tree, filters) {
      return {
        positions: scan(tree, filters).hits,
        scale: n === 0 ? 0 : total / n,
        label: (i, dim) => {
          const id = labels[dim].ids[i] as number;
          return id < 0 ? null : (labels[dim].values[id] as string);
        },
        price: (i) => price[i] as number,
      };
    },
  };
}

/** Distinct non-null values and, per row, the index of its value (-1 for null). */
function internLabels(values: (string | null)[]): { values: string[]; ids: Int32Array } {
  const index = new Map<string, number>();
  const ids = new Int32Array(values.length);
  values.forEach((value, i) => {
    if (value === null) {
      ids[i] = -1;
      return;
    }
    let id = index.get(value);
    if (id === undefined) index.set(value, (id = index.size));
    ids[i] = id;
  });
  return { values: [...index.keys()], ids };
}

/** Ids of the interned values that pass `test`. */
function labelIds(values: string[], test: (value: string) => boolean): Set<number> {
  const ids = new Set<number>();
  values.forEach((value, id) => {
    if (test(value)) ids.add(id);
  });
  return ids;
}

/** First position in the sorted `xs` whose value is above `x` (`after`), or not below it. */
function bound(xs: ArrayLike<number>, x: number, after: boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const value = xs[mid] as number;
    if (value < x || (after && value === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
