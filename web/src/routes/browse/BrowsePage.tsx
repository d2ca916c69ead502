/** Browse and search: free text, filters and facets, sort, pages; the whole search lives in the URL. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useServices } from "../../app/services";
import { EmptyState, ErrorNotice, Skeleton } from "../../components/bits";
import { useLiveChannels } from "../../hooks/useLive";
import { emptySearch, SORTS, searchBody, searchFromParams, searchToParams, type SearchState, type Sort } from "../../lib/search-state";
import { Filters } from "./Filters";
import { ListingCard } from "./ListingCard";

const PAGE = 24;

export function BrowsePage() {
  const { api } = useServices();
  const [params, setParams] = useSearchParams();
  const state = searchFromParams(params);
  const [text, setText] = useState(state.q);
  const [filtersOpen, setFiltersOpen] = useState(false);
  useEffect(() => setText(state.q), [state.q]);

  // New listings and price changes show up while the page is open.
  useLiveChannels(["market"]);

  const body = searchBody(state);
  const results = useInfiniteQuery({
    queryKey: ["api", "search", body],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.search({ ...body, limit: PAGE, cursor: pageParam }, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: (previous) => previous,
  });

  const update = (next: SearchState) => setParams(searchToParams(next), { replace: false });
  const first = results.data?.pages[0];
  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  const activeFilters =
    state.categories.length + state.types.length + state.specs.length + (state.location ? 1 : 0) + (state.priceMin || state.priceMax ? 1 : 0) + (state.minRating ? 1 : 0);

  return (
    <div className="page">
      <section className="hero">
        <h1>Rent compute by the hour</h1>
        <p className="muted">GPUs, inference APIs and data processing from independent providers. You pay into escrow; the provider is paid as the rental runs.</p>
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            update({ ...state, q: text });
          }}
        >
          <label htmlFor="search-q" className="sr-only">
            Search the market
          </label>
          <input id="search-q" type="search" placeholder="Try “A100 80GB”, “llama inference”, “eu-west”" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
          <button type="submit" className="btn btn--primary">
            Search
          </button>
        </form>
      </section>

      <div className="browse">
        <aside className={`browse__filters${filtersOpen ? " browse__filters--open" : ""}`} aria-label="Filters">
          <div className="browse__filters-head">
            <h2 className="h3">Filters</h2>
            {activeFilters > 0 ? (
              <button type="button" className="link-button" onClick={() => update({ ...emptySearch, q: state.q, sort: state.sort })}>
                Clear all
              </button>
            ) : null}
          </div>
          <Filters state={state} facets={first?.facets} onChange={update} />
        </aside>

        <section className="browse__results" aria-labelledby="results-heading" aria-busy={results.isPlaceholderData}>
          <div className="results-bar">
            <h2 id="results-heading" className="h3" aria-live="polite">
              {/* While a new search loads, the previous results stay on screen, but their count is not this search's. */}
              {first && !results.isPlaceholderData
                ? `${first.totalExact === false ? "About " : ""}${first.total.toLocaleString()} resource${first.total === 1 ? "" : "s"}`
                : "Searching…"}
              {state.q ? <span className="muted"> for “{state.q}”</span> : null}
            </h2>
            <div className="results-bar__tools">
              <button type="button" className="btn btn--small filters-toggle" aria-expanded={filtersOpen} onClick={() => setFiltersOpen(!filtersOpen)}>
                Filters{activeFilters ? ` (${activeFilters})` : ""}
              </button>
              <label className="sort">
                <span>Sort</span>
                <select value={state.sort === "relevance" && !state.q ? "newest" : state.sort} onChange={(e) => update({ ...state, sort: e.target.value as Sort })}>
                  {SORTS.filter((s) => s.value !== "relevance" || state.q).map((s) => (
                    <option key={s.value} value={s.value}>
                      {s.label}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          </div>

          {results.isError ? <ErrorNotice error={results.error} onRetry={() => void results.refetch()} /> : null}
          {results.isPending ? <Skeleton lines={5} /> : null}
          {first && items.length === 0 ? (
            activeFilters === 0 && !state.q && !state.includeInactive ? (
              <EmptyState title="No listings yet">
                <p>
                  The market is empty. <Link to="/provider?tab=new">List a resource</Link> to be the first.
                </p>
              </EmptyState>
            ) : (
              <EmptyState title="Nothing matches this search">
                <p>Remove a filter or try other words.</p>
              </EmptyState>
            )
          ) : null}
          <div className="grid" aria-busy={results.isFetching}>
            {items.map((listing) => (
              <ListingCard key={listing.id} listing={listing} />
            ))}
          </div>
          {results.hasNextPage ? (
            <div className="center">
              <button type="button" className="btn" disabled={results.isFetchingNextPage} onClick={() => void results.fetchNextPage()}>
                {results.isFetchingNextPage ? "Loading…" : "Show more"}
              </button>
            </div>
          ) : null}
        </section>
      </div>
    </div>
  );
}
