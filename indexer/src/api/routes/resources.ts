/** Listings: browse with filters, sorts and keyset pages; one listing in full; full-text search with facets. */
import { z } from "zod/v4";
import type { ApiDeps } from "../deps.js";
import { NotFoundError } from "../errors.js";
import { type Facets, listingFacets } from "../queries/facets.js";
import { countListings, type ListingCount, listingDetail, listingPage, type ListingRow, presentListing } from "../queries/listings.js";
import { relevancePage } from "../queries/relevance.js";
import { buildTextQuery, createVocabularyStore, queryWords, stemWords } from "../queries/search-text.js";
import type { TextQuery } from "../queries/text-scan.js";
import type { ApiRouter } from "../router.js";
import {
  filtersFromQuery,
  filtersFromSearch,
  listResourcesQuery,
  resourceDetailQuery,
  resourceIdParams,
  searchBody,
} from "../schemas/listings.js";

const cacheKey = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

const pageSchema = z.object({
  items: z.array(z.object({ id: z.string(), title: z.string().nullable() }).loose()),
  total: z.number().nullable(),
  nextCursor: z.string().nullable(),
});

export function resourceRoutes(router: ApiRouter, deps: ApiDeps): void {
  const vocabulary = createVocabularyStore(deps.db, (error) => deps.logger.warn({ err: String(error) }, "search vocabulary not loaded"));
  deps.commitListeners.add((n) => vocabulary.invalidate(n.chainId));
  // Built at start, so the first searches already tolerate typos.
  for (const chain of deps.config.chains) void vocabulary.ready(chain.chainId);

  router.add({
    method: "get",
    path: "/marketplace/resources",
    tag: "marketplace",
    summary: "Browse listings: filters, sorts, cursor pages and a total count",
    description:
      "Filters combine with AND. `spec` takes KEY OP VALUE expressions (memory_gb>=16, gpu=A100). " +
      "Pages are keyset-based: pass `next_cursor` back as `cursor` with the same filters and sort.",
    query: listResourcesQuery,
    responses: { 200: { description: "a page of listings", schema: pageSchema } },
    handler: async ({ query }) => {
      const chain = deps.chain(query.chainId);
      const filters = filtersFromQuery(query);
      const limit = query.limit ?? 20;
      const key = cacheKey({ ...query, chainId: chain.chainId });
      return deps.cache.get("resources", key, chain.chainId, async () => {
        const [page, total] = await Promise.all([
          listingPage(deps.db, { chainId: chain.chainId, filters, sort: query.sort, limit, cursor: query.cursor }),
          query.include_total
            ? deps.cache.get("resources-count", cacheKey({ f: filters, c: chain.chainId }), chain.chainId, () =>
                countListings(deps.db, chain.chainId, filters),
              )
            : Promise.resolve(null),
        ]);
        return {
          items: page.items.map((row) => presentListing(row, chain)),
          total: total?.total ?? null,
          totalExact: total?.exact ?? null,
          nextCursor: page.nextCursor,
          sort: query.sort,
          limit,
        };
      });
    },
  });

  router.add({
    method: "get",
    path: "/marketplace/resources/{id}",
    tag: "marketplace",
    summary: "One listing: metadata, specs, price history, rating summary, utilisation, tx hashes",
    params: resourceIdParams,
    query: resourceDetailQuery,
    handler: async ({ params, query }) => {
      const chain = deps.chain(query.chainId);
      const detail = await deps.cache.get("resource", `${chain.chainId}:${params.id}`, chain.chainId, () =>
        listingDetail(deps.db, chain, params.id),
      );
      if (!detail) throw new NotFoundError(`listing ${params.id} does not exist on chain ${chain.chainId}`);
      return detail;
    },
  });

  router.add({
    method: "post",
    path: "/marketplace/search",
    tag: "marketplace",
    summary: "Full-text search with filters, relevance ranking, prefix and typo tolerance, and facets",
    description:
      "`query` is matched against title (weighted most), category and type, description and location, and specifications. " +
      "Words match as prefixes; a word found nowhere is widened to close spellings. Facets count the whole match set.",
    body: searchBody,
    handler: async ({ body, req }) => {
      const chain = deps.chain(body.chainId);
      const filters = filtersFromSearch(body.filters);
      const limit = body.limit ?? 20;
      const key = cacheKey({ b: req.body, c: chain.chainId });
      return deps.cache.get("search", key, chain.chainId, async () => {
        let text: TextQuery | undefined;
        const words = queryWords(body.query ?? "");
        if (words.length > 0) {
          const stems = await stemWords(deps.db, words);
          text = buildTextQuery(words, stems, vocabulary.get(chain.chainId));
        }
        // No searchable word (empty, or only stop words): nothing to rank by, answer by recency.
        const sort = body.sort === "relevance" && !text ? "newest" : body.sort;
        const answer = (page: { items: ListingRow[]; nextCursor: string | null }, total: ListingCount, facets: Facets | undefined, rankedWithin: number | null) => ({
          query: body.query ?? "",
          interpretedAs: text?.tsquery ?? null,
          sort,
          items: page.items.map((row) => presentListing(row, chain)),
          total: total.total,
          totalExact: total.exact,
          ...(rankedWithin !== null ? { rankedWithin } : {}),
          nextCursor: page.nextCursor,
          ...(facets ? { facets: { ...facets, exact: facets.exact && total.exact } } : {}),
        });
        if (sort === "relevance" && text) {
          const ranked = await relevancePage(deps.db, { chainId: chain.chainId, filters, text, limit, cursor: body.cursor, facets: body.facets });
          return answer(ranked, ranked.total, body.facets ? ranked.facets : undefined, ranked.rankedWithin);
        }
        const total = await deps.cache.get("search-count", cacheKey({ f: filters, t: text?.tsquery, c: chain.chainId }), chain.chainId, () =>
          countListings(deps.db, chain.chainId, filters, text),
        );
        const [page, facets] = await Promise.all([
          listingPage(deps.db, { chainId: chain.chainId, filters, sort, limit, cursor: body.cursor, text }),
          body.facets
            ? deps.cache.get("facets", cacheKey({ f: filters, t: text?.tsquery, c: chain.chainId }), chain.chainId, () =>
                listingFacets(deps.db, chain.chainId, filters, text, total.exact),
              )
            : Promise.resolve(undefined),
        ]);
        return answer(page, total, facets, null);
      });
    },
  });
}
