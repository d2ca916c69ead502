/** Liveness, readiness and Prometheus metrics. */
import { z } from "zod/v4";
import type { ApiDeps } from "../deps.js";
import { ServiceUnavailableError } from "../errors.js";
import type { ApiRouter } from "../router.js";
import { refreshIndexerGauges } from "../queries/status.js";

export function healthRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.add({
    method: "get",
    path: "/healthz",
    tag: "meta",
    summary: "Liveness: the process answers",
    responses: { 200: { description: "alive", schema: z.object({ status: z.literal("ok") }) } },
    handler: () => ({ status: "ok" }),
  });

  router.add({
    method: "get",
    path: "/readyz",
    tag: "meta",
    summary: "Readiness: the database answers and holds the schema",
    responses: { 200: { description: "ready" }, 503: { description: "not ready" } },
    handler: async () => {
      try {
        const { rows } = await deps.db.query<{ ready: boolean }>(
          "SELECT to_regclass('listings') IS NOT NULL AND to_regclass('api_siwe_nonces') IS NOT NULL AS ready",
        );
        if (!rows[0]?.ready) throw new ServiceUnavailableError("the database schema is not migrated yet");
        return { status: "ready" };
      } catch (error) {
        if (error instanceof ServiceUnavailableError) throw error;
        throw new ServiceUnavailableError("the database does not answer");
      }
    },
  });

  router.add({
    method: "get",
    path: "/metrics",
    tag: "meta",
    summary: "Prometheus metrics",
    responses: { 200: { description: "text exposition format", contentType: "text/plain" } },
    handler: async ({ res }) => {
      await refreshIndexerGauges(deps).catch((err) => deps.logger.warn({ err: String(err) }, "indexer gauges not refreshed"));
      res.setHeader("Content-Type", deps.metrics.registry.contentType);
      res.send(await deps.metrics.registry.metrics());
      return undefined;
    },
  });
}
