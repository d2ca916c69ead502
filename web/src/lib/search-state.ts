/**
 * A search as URL parameters, so it can be shared and survives a reload, and the same search as the
 * API's POST /marketplace/search body. Prices in the URL are decimal FTNS; in the body, base units.
 */
import { parseAmount } from "./format";

export const SORTS = [
  { value: "relevance", label: "Best match" },
  { value: "newest", label: "Newest" },
  { value: "price_asc", label: "Price: low to high" },
  { value: "price_desc", label: "Price: high to low" },
  { value: "rating", label: "Best rated" },
  { value: "popularity", label: "Most rented" },
  { value: "availability", label: "Most free capacity" },
] as const;

export type Sort = (typeof SORTS)[number]["value"];

export type SpecFilter = { key: string; op: ">=" | "<=" | "=" | ">" | "<"; value: string };

export type SearchState = {
  q: string;
  categories: string[];
  types: string[];
  location: string;
  priceMin: string;
  priceMax: string;
  minRating: number;
  specs: SpecFilter[];
  sort: Sort;
  includeInactive: boolean;
};

export const emptySearch: SearchState = {
  q: "",
  categories: [],
  types: [],
  location: "",
  priceMin: "",
  priceMax: "",
  minRating: 0,
  specs: [],
  sort: "relevance",
  includeInactive: false,
};

const SPEC = /^([a-z][a-z0-9_]{0,39})(>=|<=|>|<|=)(.{1,40})$/;

export function parseSpec(text: string): SpecFilter | undefined {
  const match = SPEC.exec(text.trim());
  if (!match) return undefined;
  return { key: match[1]!, op: match[2] as SpecFilter["op"], value: match[3]!.trim() };
}

export const specToText = (spec: SpecFilter) => `${spec.key}${spec.op}${spec.value}`;

const list = (params: URLSearchParams, key: string) =>
  params
    .getAll(key)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);

export function searchFromParams(params: URLSearchParams): SearchState {
  const sort = params.get("sort");
  const rating = Number(params.get("rating") ?? 0);
  return {
    q: params.get("q") ?? "",
    categories: list(params, "category"),
    types: list(params, "type"),
    location: params.get("location") ?? "",
    priceMin: params.get("min") ?? "",
    priceMax: params.get("max") ?? "",
    minRating: Number.isFinite(rating) && rating >= 0 && rating <= 5 ? rating : 0,
    specs: params.getAll("spec").map(parseSpec).filter((s): s is SpecFilter => s !== undefined),
    sort: SORTS.some((s) => s.value === sort) ? (sort as Sort) : emptySearch.sort,
    includeInactive: params.get("inactive") === "1",
  };
}

export function searchToParams(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set("q", state.q.trim());
  if (state.categories.length) params.set("category", state.categories.join(","));
  if (state.types.length) params.set("type", state.types.join(","));
  if (state.location.trim()) params.set("location", state.location.trim());
  if (state.priceMin.trim()) params.set("min", state.priceMin.trim());
  if (state.priceMax.trim()) params.set("max", state.priceMax.trim());
  if (state.minRating > 0) params.set("rating", String(state.minRating));
  for (const spec of state.specs) params.append("spec", specToText(spec));
  if (state.sort !== emptySearch.sort) params.set("sort", state.sort);
  if (state.includeInactive) params.set("inactive", "1");
  return params;
}

type SpecCondition = string | number | { gte?: number; lte?: number; gt?: number; lt?: number; eq?: number | string };

/** The POST /marketplace/search body for a state (without cursor and limit). */
export function searchBody(state: SearchState): { query?: string; filters: Record<string, unknown>; sort: Sort; facets: boolean } {
  const filters: Record<string, unknown> = {};
  if (state.categories.length) filters.category = state.categories;
  if (state.types.length) filters.resource_type = state.types;
  if (state.location.trim()) filters.location = state.location.trim();
  const min = parseAmount(state.priceMin);
  const max = parseAmount(state.priceMax);
  if (state.priceMin.trim() && min !== undefined) filters.price_min = min.toString();
  if (state.priceMax.trim() && max !== undefined) filters.price_max = max.toString();
  if (state.minRating > 0) filters.min_rating = state.minRating;
  if (state.includeInactive) filters.active = "any";
  if (state.specs.length) {
    const specs: Record<string, SpecCondition> = {};
    for (const spec of state.specs) {
      const numeric = /^-?\d+(\.\d+)?$/.test(spec.value) ? Number(spec.value) : undefined;
      if (spec.op === "=") {
        specs[spec.key] = numeric ?? spec.value;
        continue;
      }
      if (numeric === undefined) continue;
      const key = { ">=": "gte", "<=": "lte", ">": "gt", "<": "lt" }[spec.op] as "gte" | "lte" | "gt" | "lt";
      const existing = specs[spec.key];
      specs[spec.key] = { ...(typeof existing === "object" ? existing : {}), [key]: numeric };
    }
    filters.specs = specs;
  }
  return { ...(state.q.trim() ? { query: state.q.trim() } : {}), filters, sort: state.sort, facets: true };
}

/** Problems with what was typed, per field, before any request is made. */
export function searchProblems(state: SearchState): Partial<Record<"priceMin" | "priceMax", string>> {
  const problems: Partial<Record<"priceMin" | "priceMax", string>> = {};
  const min = state.priceMin.trim() ? parseAmount(state.priceMin) : 0n;
  const max = state.priceMax.trim() ? parseAmount(state.priceMax) : undefined;
  if (min === undefined) problems.priceMin = "Enter a number of FTNS, like 1.5";
  if (state.priceMax.trim() && max === undefined) problems.priceMax = "Enter a number of FTNS, like 10";
  if (min !== undefined && max !== undefined && max < min) problems.priceMax = "The maximum is below the minimum";
  return problems;
}
