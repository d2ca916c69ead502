import { z } from "zod/v4";
import { address, chainIdParam, dateRange, idParams } from "./common.js";

export const analyticsQuery = z
  .object({
    chainId: chainIdParam,
    metric: z.enum(["usage", "revenue", "trends"]).meta({ description: "usage: rentals and hours; revenue: volume, fees, payouts; trends: listings, providers, prices" }),
    time_range: dateRange.optional().meta({ description: "FROM..TO or a span back from now (24h, 7d, 30d); default 30d" }),
    aggregation: z.enum(["hourly", "daily", "monthly"]).default("daily"),
  })
  .strict();

export type AnalyticsQuery = z.infer<typeof analyticsQuery>;

export const providerAnalyticsParams = z.object({ address }).strict();
export const resourceAnalyticsParams = idParams;
export const entityAnalyticsQuery = z
  .object({
    chainId: chainIdParam,
    time_range: dateRange.optional(),
    aggregation: z.enum(["hourly", "daily", "monthly"]).default("daily"),
  })
  .strict();
