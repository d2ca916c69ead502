/** Every resource's routes, in one place so the OpenAPI document lists them all. */
import type { ApiDeps } from "../deps.js";
import type { ApiRouter } from "../router.js";
import { accountRoutes } from "./account.js";
import { analyticsRoutes } from "./analytics.js";
import { authRoutes } from "./auth.js";
import { recommendationRoutes } from "./recommendations.js";
import { resourceRoutes } from "./resources.js";
import { statusRoutes } from "./status.js";
import { transactionRoutes } from "./transactions.js";
import { writeRoutes } from "./writes.js";

export function registerRoutes(router: ApiRouter, deps: ApiDeps, hooks: { onKeyRevoked: (id: string) => void }): void {
  statusRoutes(router, deps);
  resourceRoutes(router, deps);
  transactionRoutes(router, deps);
  writeRoutes(router, deps);
  recommendationRoutes(router, deps);
  analyticsRoutes(router, deps);
  authRoutes(router, deps);
  accountRoutes(router, deps, hooks.onKeyRevoked);
}
