/**
 * Bodies of the write endpoints. Only types and shapes are checked here (400); what the contract
 * would refuse (zero price, zero hours, inactive listing, full capacity, …) is checked against the
 * mirror afterwards and answered 422 with the contract's error name as `reason`.
 */
import { z } from "zod/v4";
import { address, chainIdParam, entityId, tokenAmount } from "./common.js";

const uint = (max: number) => z.number().int().min(0).max(max);
const timeField = z
  .union([z.number().int().min(0).max(2 ** 40 - 1), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Math.floor(Date.parse(v) / 1000)))
  .meta({ description: "Unix seconds or ISO 8601; 0 = no bound" });

export const metadataInput = z.union([
  z.string().max(8192),
  z
    .object({
      title: z.string().max(200),
      description: z.string().max(4000).optional(),
      category: z.string().max(64),
      resource_type: z.string().max(64).optional(),
      location: z.string().max(128).optional(),
      specifications: z.record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean(), z.array(z.union([z.string().max(64), z.number()])).max(32)])).optional(),
    })
    .strict(),
]);

export const createResourceBody = z
  .object({
    chainId: z.number().int().min(1).max(2 ** 31).optional(),
    from: address.meta({ description: "The provider's wallet (the signer)" }),
    token: address.optional().meta({ description: "Payment token (default: the chain's FTNS)" }),
    price_per_hour: tokenAmount().meta({ description: "Price per hour in token base units" }),
    available_from: timeField.optional(),
    available_until: timeField.optional(),
    capacity: uint(2 ** 20).default(1),
    metadata: metadataInput,
  })
  .strict();

export const updateResourceBody = z
  .object({
    chainId: z.number().int().min(1).max(2 ** 31).optional(),
    from: address,
    price_per_hour: tokenAmount().optional(),
    available_from: timeField.optional(),
    available_until: timeField.optional(),
    capacity: uint(2 ** 20).optional(),
    metadata: metadataInput.optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const deleteResourceQuery = z.object({ chainId: chainIdParam, from: address }).strict();

export const WRITE_ACTIONS = [
  "rent",
  "accept",
  "reject",
  "cancel",
  "refundExpired",
  "extend",
  "release",
  "terminate",
  "settle",
  "openDispute",
  "rate",
] as const;

export const createTransactionBody = z
  .object({
    chainId: z.number().int().min(1).max(2 ** 31).optional(),
    action: z.enum(WRITE_ACTIONS).default("rent"),
    from: address.meta({ description: "The signer's wallet" }),
    listing_id: entityId.optional(),
    rental_id: entityId.optional(),
    hours: uint(2 ** 32 - 1).optional().meta({ description: "Hours to rent or to extend by" }),
    max_price_per_hour: tokenAmount().optional().meta({ description: "Price guard (default: the current price)" }),
    score: uint(255).optional().meta({ description: "Rating 1..5 (action rate)" }),
  })
  .strict();

