/** Market time series, and analytics of one provider or one listing. */
import type { ApiDeps } from "../deps.js";
import { NotFoundError } from "../errors.js";
import { marketSeries, providerAnalytics, resolveRange, resourceAnalytics } from "../queries/analytics.js";
import type { ApiRouter } from "../router.js";
import { analyticsQuery, entityAnalyticsQuery, providerAnalyticsParams, resourceAnalyticsParams } from "../schemas/analytics.js";

export function analyticsRoutes(router: ApiRouter, deps: ApiDeps): void {
  /** "Now" for default ranges: the last indexed block's time when the chain runs ahead of the wall clock. */
  async function now(chainId: number): Promise<number> {
    const { rows } = await deps.db.query<{ t: Date | null }>("SELECT checkpoint_time AS t FROM chains WHERE chain_id = $1", [chainId]);
    const indexed = rows[0]?.t ? Math.floor(new Date(rows[0].t).getTime() / 1000) : 0;
    return Math.max(Math.floor(Date.now() / 1000), indexed);
  }

  router.add({
    method: "get",
    path: "/marketplace/analytics",
    tag: "analytics",
    summary: "Market time series from block times: usage (rentals, hours), revenue (volume, fees, payouts), trends (listings, providers, prices)",
    query: analyticsQuery,
    handler: async ({ query }) => {
      const chain = deps.chain(query.chainId);
      const key = JSON.stringify({ ...query, chainId: chain.chainId, now: query.time_range?.to === undefined ? Math.floor(Date.now() / 60_000) : 0 });
      return deps.cache.get("analytics", key, chain.chainId, async () => {
        const range = resolveRange(query.time_range, query.aggregation, await now(chain.chainId));
        return marketSeries(deps.db, chain, query.metric, range, query.aggregation);
      });
    },
  });

  router.add({
    method: "get",
    path: "/marketplace/analytics/provider/{address}",
    tag: "analytics",
    summary: "A provider's earnings, completion rate, acceptance latency, disputes and rating",
    params: providerAnalyticsParams,
    query: entityAnalyticsQuery,
    handler: async ({ params, query }) => {
      const chain = deps.chain(query.chainId);
      return deps.cache.get("analytics-provider", `${chain.chainId}:${params.address}`, chain.chainId, () =>
        providerAnalytics(deps.db, chain, params.address),
      );
    },
  });

  router.add({
    method: "get",
    path: "/marketplace/analytics/resource/{id}",
    tag: "analytics",
    summary: "A listing's utilisation, revenue and rating over time",
    params: resourceAnalyticsParams,
    query: entityAnalyticsQuery,
    handler: async ({ params, query }) => {
      const chain = deps.chain(query.chainId);
      const key = JSON.stringify({ ...query, id: params.id, chainId: chain.chainId, now: query.time_range?.to === undefined ? Math.floor(Date.now() / 60_000) : 0 });
      const result = await deps.cache.get("analytics-resource", key, chain.chainId, async () => {
        const range = resolveRange(query.time_range, query.aggregation, await now(chain.chainId));
        return resourceAnalytics(deps.db, chain, params.id, range, query.aggregation);
      });
      if (!result) throw new NotFoundError(`listing ${params.id} does not exist on chain ${chain.chainId}`);
      return result;
    },
  });
}
