/** GET /marketplace/recommendations: personalised picks, each saying why. */
import { z } from "zod/v4";
import type { ApiDeps } from "../deps.js";
import { recommend } from "../queries/recommendations.js";
import type { ApiRouter } from "../router.js";
import { address, chainIdParam, intParam, listParam } from "../schemas/common.js";

const query = z
  .object({
    chainId: chainIdParam,
    user_id: address.meta({ description: "The wallet to recommend for" }),
    count: intParam(1, 50).default(10).meta({ description: "How many, 1..50 (default 10)" }),
    categories: listParam(z.string().trim().min(1).max(64).regex(/^[\w .-]+$/), 20).optional().meta({ description: "Only these categories" }),
  })
  .strict();

export function recommendationRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.add({
    method: "get",
    path: "/marketplace/recommendations",
    tag: "marketplace",
    summary: "Recommendations for an address: collaborative, content-based, then popular and well rated; each with its reason",
    query,
    handler: async ({ query: q }) => {
      const chain = deps.chain(q.chainId);
      const key = JSON.stringify({ ...q, chainId: chain.chainId });
      return deps.cache.get("recommendations", key, chain.chainId, async () => ({
        userId: q.user_id,
        items: await recommend(deps.db, chain, { chainId: chain.chainId, user: q.user_id, count: q.count, categories: q.categories }),
      }));
    },
  });
}
