/** Every resource's routes, in one place so the OpenAPI document lists them all. */
import type { ApiDeps } from "../deps.js";
import type { ApiRouter } from "../router.js";
import { accountRoutes } from "./account.js";
import { authRoutes } from "./auth.js";
import { resourceRoutes } from "./resources.js";
import { statusRoutes } from "./status.js";

export function registerRoutes(router: ApiRouter, deps: ApiDeps, hooks: { onKeyRevoked: (id: string) => void }): void {
  statusRoutes(router, deps);
  resourceRoutes(router, deps);
  authRoutes(router, deps);
  accountRoutes(router, deps, hooks.onKeyRevoked);
}
