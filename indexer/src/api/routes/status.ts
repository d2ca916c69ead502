/** GET /marketplace/status: indexed block against chain head, per chain, so clients can show lag. */
import { z } from "zod/v4";
import type { ApiDeps } from "../deps.js";
import { chainStatus } from "../queries/status.js";
import type { ApiRouter } from "../router.js";

export function statusRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.add({
    method: "get",
    path: "/marketplace/status",
    tag: "marketplace",
    summary: "Indexed block vs chain head per chain",
    responses: {
      200: {
        description: "sync state",
        schema: z.object({
          chains: z.array(
            z.object({
              chainId: z.number(),
              indexedBlock: z.number(),
              headBlock: z.number().nullable(),
              lagBlocks: z.number().nullable(),
              eventsIndexed: z.number(),
            }),
          ),
        }),
      },
    },
    handler: async () => ({ chains: await chainStatus(deps), time: new Date().toISOString() }),
  });
}
