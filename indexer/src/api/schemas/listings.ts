/**
 * Listing filters, shared by GET /marketplace/resources (query string) and POST /marketplace/search
 * (JSON body), normalised into one `ListingFilters` the query builder understands.
 */
import { z } from "zod/v4";
import { address, booleanParam, chainIdParam, cursor, dateRange, limit, listParam, MAX_UINT96, tokenAmount, idParams } from "./common.js";

export type SpecOp = ">=" | "<=" | ">" | "<" | "=";
export type SpecFilter = { key: string; op: SpecOp; value: number | string };

export type ListingFilters = {
  categories?: string[];
  resourceTypes?: string[];
  location?: string;
  provider?: string;
  priceMin?: bigint;
  priceMax?: bigint;
  /** Availability window the listing must overlap (unix seconds). */
  window?: { from?: number; to?: number };
  /** undefined = active and inactive. */
  active?: boolean;
  minRating?: number;
  specs: SpecFilter[];
};

export const LISTING_SORTS = [
  "relevance",
  "price_asc",
  "price_desc",
  "rating",
  "newest",
  "oldest",
  "popularity",
  "availability",
] as const;
export type ListingSort = (typeof LISTING_SORTS)[number];

const SORT_ALIASES: Record<string, ListingSort> = { price: "price_asc", "-price": "price_desc", "-rating": "rating", "-created": "newest" };

export const sortParam = (defaultSort: ListingSort) =>
  z
    .enum([...LISTING_SORTS, ...(Object.keys(SORT_ALIASES) as ["price"])])
    .transform((value): ListingSort => SORT_ALIASES[value] ?? (value as ListingSort))
    .default(defaultSort)
    .meta({ description: `One of ${LISTING_SORTS.join(", ")} (also price, -price)` });

const label = z.string().trim().min(1).max(64).regex(/^[\w .,()/+-]+$/u, "letters, digits and . , ( ) / + - only");
const specKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "a specification key: lower-case letters, digits, _");

/** `memory_gb>=16`, `gpu=A100`, `gpu_count>1`. */
export const specExpression = z
  .string()
  .max(80)
  .transform((value, ctx) => {
    const match = /^([a-z][a-z0-9_]{0,39})(>=|<=|>|<|=|:)(.{1,40})$/.exec(value.trim());
    if (!match) {
      ctx.addIssue({ code: "custom", message: "a spec filter is KEY OP VALUE with OP one of >= <= > < = (e.g. memory_gb>=16)" });
      return z.NEVER;
    }
    const [, key, rawOp, rawValue] = match as unknown as [string, string, string, string];
    const op = (rawOp === ":" ? "=" : rawOp) as SpecOp;
    const numeric = /^-?[0-9]{1,15}(\.[0-9]{1,6})?$/.test(rawValue);
    if (op !== "=" && !numeric) {
      ctx.addIssue({ code: "custom", message: `${key}${op} needs a number` });
      return z.NEVER;
    }
    return { key, op, value: numeric ? Number(rawValue) : rawValue } satisfies SpecFilter;
  });

const activeParam = z.enum(["true", "false", "any"]).default("true").meta({ description: "true (default), false, or any" });
const rating = z.union([z.string(), z.number()]).transform(Number).pipe(z.number().min(0).max(5));

/** GET /marketplace/resources query string. */
export const listResourcesQuery = z
  .object({
    chainId: chainIdParam,
    category: listParam(label).optional().meta({ description: "Category, repeatable or comma-separated (gpu, cpu, ai-service, …)" }),
    resource_type: listParam(label).optional(),
    location: label.optional().meta({ description: "Location prefix, case-insensitive (eu-west matches 'eu-west (Frankfurt, DE)')" }),
    provider: address.optional(),
    price_min: tokenAmount(MAX_UINT96).optional().meta({ description: "Minimum price per hour, token base units" }),
    price_max: tokenAmount(MAX_UINT96).optional(),
    availability: dateRange.optional().meta({ description: "Window FROM..TO the listing's availability must overlap" }),
    active: activeParam,
    min_rating: rating.optional(),
    spec: listParam(specExpression, 10)
      .optional()
      .meta({ description: "Specification filters KEY OP VALUE, repeatable or comma-separated: memory_gb>=16, gpu=A100" }),
    sort: sortParam("newest").refine((s) => s !== "relevance", "relevance needs a text query: use POST /marketplace/search"),
    limit,
    cursor,
    include_total: booleanParam.default(true).meta({ description: "Count all matches (default true)" }),
  })
  .strict();

export type ListResourcesQuery = z.infer<typeof listResourcesQuery>;

// Spec aliases accepted as min_X / max_X in search filters, as the seed API names them.
const SPEC_ALIASES: Record<string, string> = { memory: "ram_gb", ram: "ram_gb", gpu_memory: "gpu_memory_gb", vram: "gpu_memory_gb", storage: "capacity_tb", cpus: "vcpus" };

const availabilityBody = z
  .union([
    z.object({ from: z.union([z.string(), z.number()]).optional(), to: z.union([z.string(), z.number()]).optional() }).strict(),
    z.string(),
  ])
  .transform((value, ctx) => {
    const text = typeof value === "string" ? value : `${value.from ?? ""}..${value.to ?? ""}`;
    const parsed = dateRange.safeParse(text);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: parsed.error.issues[0]?.message ?? "bad availability window" });
      return z.NEVER;
    }
    return parsed.data;
  });

const numberFilter = z.number().finite().min(-1e15).max(1e15);

/** The `filters` object of POST /marketplace/search. */
export const searchFilters = z
  .object({
    category: z.union([label, z.array(label).max(20)]).optional(),
    resource_type: z.union([label, z.array(label).max(20)]).optional(),
    location: label.optional(),
    provider: address.optional(),
    price_min: tokenAmount(MAX_UINT96).optional(),
    price_max: tokenAmount(MAX_UINT96).optional(),
    availability: availabilityBody.optional(),
    active: z.union([z.boolean(), z.literal("any")]).optional(),
    min_rating: z.number().min(0).max(5).optional(),
    specs: z
      .record(specKey, z.union([z.string().max(40), numberFilter, z.object({ gte: numberFilter, lte: numberFilter, gt: numberFilter, lt: numberFilter, eq: z.union([numberFilter, z.string().max(40)]) }).partial().strict()]))
      .optional()
      .meta({ description: "Specification filters: {memory_gb: {gte: 16}, gpu: 'A100'}" }),
  })
  .catchall(numberFilter)
  .superRefine((value, ctx) => {
    const known = new Set(["category", "resource_type", "location", "provider", "price_min", "price_max", "availability", "active", "min_rating", "specs"]);
    for (const key of Object.keys(value)) {
      if (!known.has(key) && !/^(min|max)_[a-z][a-z0-9_]{0,39}$/.test(key)) {
        ctx.addIssue({ code: "custom", path: [key], message: `unknown filter ${key}: use min_<spec> / max_<spec> for specification bounds` });
      }
    }
  })
  .meta({ description: "Listing filters; min_<spec> / max_<spec> (e.g. min_memory, min_gpu_memory_gb) bound numeric specifications" });

export type SearchFiltersInput = z.infer<typeof searchFilters>;

const asList = (value: string | string[] | undefined) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

export function filtersFromQuery(q: ListResourcesQuery): ListingFilters {
  return {
    categories: q.category?.length ? q.category : undefined,
    resourceTypes: q.resource_type?.length ? q.resource_type : undefined,
    location: q.location,
    provider: q.provider,
    priceMin: q.price_min,
    priceMax: q.price_max,
    window: q.availability,
    active: q.active === "any" ? undefined : q.active === "true",
    minRating: q.min_rating,
    specs: q.spec ?? [],
  };
}

export function filtersFromSearch(f: SearchFiltersInput | undefined): ListingFilters {
  const specs: SpecFilter[] = [];
  if (f?.specs) {
    for (const [key, condition] of Object.entries(f.specs)) {
      if (typeof condition !== "object") specs.push({ key, op: "=", value: condition });
      else {
        if (condition.gte !== undefined) specs.push({ key, op: ">=", value: condition.gte });
        if (condition.lte !== undefined) specs.push({ key, op: "<=", value: condition.lte });
        if (condition.gt !== undefined) specs.push({ key, op: ">", value: condition.gt });
        if (condition.lt !== undefined) specs.push({ key, op: "<", value: condition.lt });
        if (condition.eq !== undefined) specs.push({ key, op: "=", value: condition.eq });
      }
    }
  }
  for (const [key, value] of Object.entries(f ?? {})) {
    const match = /^(min|max)_([a-z][a-z0-9_]*)$/.exec(key);
    if (!match || typeof value !== "number") continue;
    const spec = SPEC_ALIASES[match[2] as string] ?? (match[2] as string);
    specs.push({ key: spec, op: match[1] === "min" ? ">=" : "<=", value });
  }
  return {
    categories: asList(f?.category),
    resourceTypes: asList(f?.resource_type),
    location: f?.location,
    provider: f?.provider,
    priceMin: f?.price_min,
    priceMax: f?.price_max,
    window: f?.availability,
    active: f?.active === "any" ? undefined : (f?.active ?? true),
    minRating: f?.min_rating,
    specs,
  };
}

export const searchBody = z
  .object({
    query: z.string().max(200).optional().meta({ description: "Free text over title, description, category and specifications" }),
    filters: searchFilters.optional(),
    sort: sortParam("relevance"),
    limit: z.number().int().min(1).max(100).optional(),
    cursor: z.string().max(512).regex(/^[A-Za-z0-9_-]*$/).optional(),
    chainId: z.number().int().min(1).max(2 ** 31).optional(),
    facets: z.boolean().default(true).meta({ description: "Include facet counts (default true)" }),
  })
  .strict();

export type SearchBody = z.infer<typeof searchBody>;

export const resourceIdParams = idParams;
export const resourceDetailQuery = z.object({ chainId: chainIdParam }).strict();
