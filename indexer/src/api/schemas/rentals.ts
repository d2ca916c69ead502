/** Query schemas of the rental history. */
import { z } from "zod/v4";
import { RENTAL_STATUSES } from "../queries/rentals.js";
import { address, chainIdParam, cursor, dateRange, entityId, limit, listParam, idParams } from "./common.js";

export const listTransactionsQuery = z
  .object({
    chainId: chainIdParam,
    user_id: address.optional().meta({ description: "Wallet address whose rentals to list" }),
    role: z.enum(["consumer", "provider", "any"]).default("any").meta({ description: "user_id as consumer, provider or either (default)" }),
    status: listParam(z.enum(RENTAL_STATUSES), 8).optional().meta({ description: `Status, repeatable or comma-separated: ${RENTAL_STATUSES.join(", ")}` }),
    listing: entityId.optional().meta({ description: "Listing id" }),
    date_range: dateRange.optional().meta({ description: "Requested within FROM..TO (ISO or unix seconds) or 7d / 24h" }),
    sort: z.enum(["newest", "oldest"]).default("newest"),
    limit,
    cursor,
    format: z.enum(["json", "csv"]).optional().meta({ description: "csv for a billing export of every match (also Accept: text/csv)" }),
  })
  .strict();

export type ListTransactionsQuery = z.infer<typeof listTransactionsQuery>;

export const transactionParams = idParams;
export const transactionDetailQuery = z.object({ chainId: chainIdParam }).strict();
