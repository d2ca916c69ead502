/**
 * Write endpoints answer with the unsigned transaction (`to`, `data`, `value`, `chainId`) for the
 * caller's wallet to sign: the API never holds a key. Before encoding, the request is checked the way
 * the contract would check it, against the mirror, so a call that would revert is refused with a 422
 * whose `reason` is the contract's custom error name.
 */
import { encodeFunctionData, type Hex, toBytes } from "viem";
import { marketplaceAbi } from "../../../../generated/abis.js";
import type { ApiChain } from "../config.js";
import type { ApiDeps } from "../deps.js";
import { BadRequestError, ForbiddenError, NotFoundError, UnprocessableError } from "../errors.js";
import type { ApiRouter } from "../router.js";
import { MAX_UINT96 } from "../schemas/common.js";
import { resourceIdParams } from "../schemas/listings.js";
import { createResourceBody, createTransactionBody, deleteResourceQuery, updateResourceBody } from "../schemas/writes.js";

const MAX_HOURS = 24 * 365;
const MAX_METADATA_BYTES = 4096;
const MAX_UINT16 = 65_535;
const MAX_UINT40 = 2 ** 40 - 1;
const HOUR = 3600;

type UnsignedTx = { to: `0x${string}`; data: Hex; value: "0"; chainId: number; from: `0x${string}`; function: string; args: unknown[] };

const jsonArgs = (args: readonly unknown[]) => JSON.parse(JSON.stringify(args, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));

function unsigned(chain: ApiChain, from: `0x${string}`, functionName: string, args: readonly unknown[]): UnsignedTx {
  const data = encodeFunctionData({ abi: marketplaceAbi, functionName: functionName as any, args: args as any });
  return { to: chain.marketplace, data, value: "0", chainId: chain.chainId, from, function: functionName, args: jsonArgs(args) };
}

type ListingState = {
  provider: string;
  token: string;
  price_per_hour: string;
  available_from: Date;
  available_until: Date | null;
  capacity: number;
  open_rentals: number;
  active: boolean;
};

type RentalState = {
  rental_id: number;
  listing_id: number;
  consumer: string;
  provider: string;
  status: string;
  rated: boolean;
  requested_time: Date;
  started_at: Date | null;
  ends_at: Date | null;
  dispute_opened_by: string | null;
  released: string;
  amount: string;
};

export function writeRoutes(router: ApiRouter, deps: ApiDeps): void {
  /** Chain time as the next block will see it: never behind the last indexed block. */
  async function chainNow(chainId: number): Promise<number> {
    const { rows } = await deps.db.query<{ t: Date | null }>("SELECT checkpoint_time AS t FROM chains WHERE chain_id = $1", [chainId]);
    const indexed = rows[0]?.t ? Math.floor(new Date(rows[0].t).getTime() / 1000) : 0;
    return Math.max(Math.floor(Date.now() / 1000), indexed);
  }

  async function settings(chainId: number) {
    const { rows } = await deps.db.query<{ paused: boolean; acceptance_timeout: number | null; fee_bps: number | null }>(
      "SELECT paused, acceptance_timeout, fee_bps FROM settings WHERE chain_id = $1",
      [chainId],
    );
    return { paused: rows[0]?.paused ?? false, acceptanceTimeout: Number(rows[0]?.acceptance_timeout ?? 1800) };
  }

  async function assertNotPaused(chainId: number) {
    if ((await settings(chainId)).paused) throw new UnprocessableError("Marketplace_Paused", "the marketplace is paused");
  }

  async function assertTokenAllowed(chain: ApiChain, token: string) {
    const { rows } = await deps.db.query<{ allowed: boolean }>("SELECT allowed FROM payment_tokens WHERE chain_id = $1 AND token = $2", [
      chain.chainId,
      token.toLowerCase(),
    ]);
    const allowed = rows[0]?.allowed ?? token.toLowerCase() === chain.token.toLowerCase();
    if (!allowed) throw new UnprocessableError("Marketplace_TokenNotAllowed", `token ${token} is not an allowed payment token`, { token });
  }

  async function loadListing(chainId: number, id: string): Promise<ListingState> {
    const { rows } = await deps.db.query<ListingState>(
      `SELECT provider, token, price_per_hour::text AS price_per_hour, available_from, available_until, capacity, open_rentals, active
       FROM listings WHERE chain_id = $1 AND listing_id = $2`,
      [chainId, id],
    );
    if (!rows[0]) throw new NotFoundError(`listing ${id} does not exist (Marketplace_ListingNotFound)`);
    return rows[0];
  }

  async function loadRental(chainId: number, id: string): Promise<RentalState> {
    const { rows } = await deps.db.query<RentalState>(
      `SELECT rental_id, listing_id, consumer, provider, status, rated, requested_time, started_at, ends_at, dispute_opened_by,
              released::text AS released, amount::text AS amount
       FROM rentals WHERE chain_id = $1 AND rental_id = $2`,
      [chainId, id],
    );
    if (!rows[0]) throw new NotFoundError(`rental ${id} does not exist (Marketplace_RentalNotFound)`);
    return rows[0];
  }

  const checkPrice = (price: bigint) => {
    if (price === 0n) throw new UnprocessableError("Marketplace_ZeroPrice", "the price per hour must be above zero");
    if (price > MAX_UINT96) throw new UnprocessableError("PriceOutOfRange", `the price per hour must fit in uint96 (at most ${MAX_UINT96})`);
  };
  const checkCapacity = (capacity: number) => {
    if (capacity === 0) throw new UnprocessableError("Marketplace_ZeroCapacity", "the capacity must be at least 1");
    if (capacity > MAX_UINT16) throw new UnprocessableError("CapacityOutOfRange", `the capacity must be at most ${MAX_UINT16}`);
  };
  const checkAvailability = (from: number, until: number, now: number) => {
    if (from > MAX_UINT40 || until > MAX_UINT40) throw new UnprocessableError("TimeOutOfRange", "availability times must fit in uint40");
    if (until !== 0 && (until <= from || until <= now)) {
      throw new UnprocessableError("Marketplace_InvalidAvailability", "the availability window must end after it starts and in the future", {
        availableFrom: from,
        availableUntil: until,
      });
    }
  };
  const metadataText = (metadata: string | object): string => {
    const text = typeof metadata === "string" ? metadata : JSON.stringify(metadata);
    const length = toBytes(text).length;
    if (length === 0 || length > MAX_METADATA_BYTES) {
      throw new UnprocessableError("Marketplace_InvalidMetadataLength", `metadata must be 1..${MAX_METADATA_BYTES} bytes of UTF-8 (got ${length})`, {
        length,
        max: MAX_METADATA_BYTES,
      });
    }
    return text;
  };
  const assertProvider = (listing: ListingState, from: string, id: string) => {
    if (listing.provider !== from.toLowerCase()) {
      throw new ForbiddenError(`only the provider of listing ${id} may change it (Marketplace_CallerNotProvider)`);
    }
  };

  router.add({
    method: "post",
    path: "/marketplace/resources",
    tag: "transactions",
    summary: "Unsigned createListing transaction, checked as the contract would",
    body: createResourceBody,
    handler: async ({ body, res }) => {
      const chain = deps.chain(body.chainId);
      const token = body.token ?? chain.token;
      await assertNotPaused(chain.chainId);
      await assertTokenAllowed(chain, token);
      checkPrice(body.price_per_hour);
      checkCapacity(body.capacity);
      const from = body.available_from ?? 0;
      const until = body.available_until ?? 0;
      checkAvailability(from, until, await chainNow(chain.chainId));
      const metadata = metadataText(body.metadata);
      res.status(200);
      return {
        transaction: unsigned(chain, body.from, "createListing", [
          { token, pricePerHour: body.price_per_hour, availableFrom: from, availableUntil: until, capacity: body.capacity, metadata },
        ]),
      };
    },
  });

  router.add({
    method: "put",
    path: "/marketplace/resources/{id}",
    tag: "transactions",
    summary: "Unsigned transactions changing a listing (one per changed field), checked as the contract would",
    params: resourceIdParams,
    body: updateResourceBody,
    handler: async ({ params, body }) => {
      const chain = deps.chain(body.chainId);
      const listing = await loadListing(chain.chainId, params.id);
      assertProvider(listing, body.from, params.id);
      const id = BigInt(params.id);
      const transactions: UnsignedTx[] = [];
      if (body.price_per_hour !== undefined) {
        checkPrice(body.price_per_hour);
        transactions.push(unsigned(chain, body.from, "updatePrice", [id, body.price_per_hour]));
      }
      if (body.available_from !== undefined || body.available_until !== undefined) {
        const from = body.available_from ?? Math.floor(new Date(listing.available_from).getTime() / 1000);
        const until = body.available_until ?? (listing.available_until ? Math.floor(new Date(listing.available_until).getTime() / 1000) : 0);
        checkAvailability(from, until, await chainNow(chain.chainId));
        transactions.push(unsigned(chain, body.from, "updateAvailability", [id, from, until]));
      }
      if (body.capacity !== undefined) {
        checkCapacity(body.capacity);
        transactions.push(unsigned(chain, body.from, "updateCapacity", [id, body.capacity]));
      }
      if (body.metadata !== undefined) transactions.push(unsigned(chain, body.from, "updateMetadata", [id, metadataText(body.metadata)]));
      if (body.active !== undefined) {
        if (body.active === listing.active) {
          throw new UnprocessableError("Marketplace_ListingStatusUnchanged", `listing ${params.id} is already ${body.active ? "active" : "inactive"}`);
        }
        transactions.push(unsigned(chain, body.from, "setListingActive", [id, body.active]));
      }
      if (transactions.length === 0) throw new BadRequestError("nothing to change: give at least one field besides from");
      return { transactions };
    },
  });

  router.add({
    method: "delete",
    path: "/marketplace/resources/{id}",
    tag: "transactions",
    summary: "Unsigned transaction deactivating a listing (open rentals are unaffected)",
    params: resourceIdParams,
    query: deleteResourceQuery,
    handler: async ({ params, query }) => {
      const chain = deps.chain(query.chainId);
      const listing = await loadListing(chain.chainId, params.id);
      assertProvider(listing, query.from, params.id);
      if (!listing.active) throw new UnprocessableError("Marketplace_ListingStatusUnchanged", `listing ${params.id} is already inactive`);
      return { transaction: unsigned(chain, query.from, "setListingActive", [BigInt(params.id), false]) };
    },
  });

  router.add({
    method: "post",
    path: "/marketplace/transactions",
    tag: "transactions",
    summary: "Unsigned rental transaction (rent by default; also accept, reject, cancel, extend, terminate, settle, …)",
    description:
      "For rent: listing_id, hours (1..8760) and optionally max_price_per_hour (default: the current price). The answer also says " +
      "how much the marketplace will pull (`escrow`), so the wallet can approve or sign a permit first.",
    body: createTransactionBody,
    handler: async ({ body }) => {
      const chain = deps.chain(body.chainId);
      const from = body.from;
      const me = from.toLowerCase();
      const now = await chainNow(chain.chainId);

      if (body.action === "rent") {
        if (!body.listing_id) throw new BadRequestError("listing_id is required to rent");
        if (body.hours === undefined) throw new BadRequestError("hours is required to rent");
        await assertNotPaused(chain.chainId);
        const listing = await loadListing(chain.chainId, body.listing_id);
        const id = body.listing_id;
        if (!listing.active) throw new UnprocessableError("Marketplace_ListingInactive", `listing ${id} is inactive`, { listingId: id });
        if (listing.provider === me) throw new UnprocessableError("Marketplace_SelfRental", `a provider cannot rent its own listing ${id}`);
        const price = BigInt(listing.price_per_hour);
        const max = body.max_price_per_hour ?? price;
        if (max > MAX_UINT96) throw new UnprocessableError("PriceOutOfRange", "max_price_per_hour must fit in uint96");
        if (price > max) {
          throw new UnprocessableError("Marketplace_PriceAboveMax", `the price per hour ${price} is above your maximum ${max}`, {
            price: price.toString(),
            max: max.toString(),
          });
        }
        if (body.hours === 0 || body.hours > MAX_HOURS) {
          throw new UnprocessableError("Marketplace_InvalidHours", `hours must be 1..${MAX_HOURS}`, { hours: body.hours, max: MAX_HOURS });
        }
        if (listing.open_rentals >= listing.capacity) {
          throw new UnprocessableError("Marketplace_CapacityFull", `listing ${id} has all ${listing.capacity} units taken`, { capacity: listing.capacity });
        }
        const start = now;
        const end = start + body.hours * HOUR;
        const availableFrom = Math.floor(new Date(listing.available_from).getTime() / 1000);
        const until = listing.available_until ? Math.floor(new Date(listing.available_until).getTime() / 1000) : 0;
        if (start < availableFrom || (until !== 0 && end > until)) {
          throw new UnprocessableError("Marketplace_OutsideAvailability", `listing ${id} is not available from ${start} to ${end}`, {
            start,
            end,
            availableFrom,
            availableUntil: until || null,
          });
        }
        await assertTokenAllowed(chain, listing.token);
        return {
          transaction: unsigned(chain, from, "rent", [BigInt(id), body.hours, max]),
          escrow: { amount: (price * BigInt(body.hours)).toString(), token: listing.token, spender: chain.marketplace },
        };
      }

      if (!body.rental_id) throw new BadRequestError(`rental_id is required for ${body.action}`);
      const rental = await loadRental(chain.chainId, body.rental_id);
      const id = BigInt(body.rental_id);
      const requireStatus = (...statuses: string[]) => {
        if (!statuses.includes(rental.status)) {
          throw new UnprocessableError("Marketplace_InvalidStatus", `rental ${id} is ${rental.status}; ${body.action} needs ${statuses.join(" or ")}`, {
            status: rental.status,
          });
        }
      };
      const requireConsumer = () => {
        if (rental.consumer !== me) throw new ForbiddenError(`only the consumer of rental ${id} may ${body.action} it (Marketplace_CallerNotConsumer)`);
      };
      const requireProvider = () => {
        if (rental.provider !== me) throw new ForbiddenError(`only the provider of rental ${id} may ${body.action} it (Marketplace_CallerNotProvider)`);
      };
      const endsAt = rental.ends_at ? Math.floor(new Date(rental.ends_at).getTime() / 1000) : 0;
      const requestedAt = Math.floor(new Date(rental.requested_time).getTime() / 1000);
      const { acceptanceTimeout } = await settings(chain.chainId);

      switch (body.action) {
        case "accept":
          await assertNotPaused(chain.chainId);
          requireStatus("requested");
          requireProvider();
          if (now > requestedAt + acceptanceTimeout) {
            throw new UnprocessableError("Marketplace_AcceptanceWindowClosed", `the acceptance window of rental ${id} has closed`);
          }
          break;
        case "reject":
          requireStatus("requested");
          requireProvider();
          break;
        case "cancel":
          requireStatus("requested");
          requireConsumer();
          break;
        case "refundExpired":
          requireStatus("requested");
          if (now <= requestedAt + acceptanceTimeout) {
            throw new UnprocessableError("Marketplace_AcceptanceWindowOpen", `rental ${id} may still be accepted until ${requestedAt + acceptanceTimeout}`);
          }
          break;
        case "extend": {
          await assertNotPaused(chain.chainId);
          requireStatus("active");
          requireConsumer();
          if (body.hours === undefined || body.hours === 0) throw new UnprocessableError("Marketplace_InvalidHours", "extend needs hours >= 1");
          if (now >= endsAt) throw new UnprocessableError("Marketplace_RentalEnded", `rental ${id} has already ended`);
          const listing = await loadListing(chain.chainId, String(rental.listing_id));
          if (!listing.active) throw new UnprocessableError("Marketplace_ListingInactive", `listing ${rental.listing_id} is inactive`);
          const price = BigInt(listing.price_per_hour);
          const max = body.max_price_per_hour ?? price;
          if (price > max) throw new UnprocessableError("Marketplace_PriceAboveMax", `the price per hour ${price} is above your maximum ${max}`);
          const until = listing.available_until ? Math.floor(new Date(listing.available_until).getTime() / 1000) : 0;
          if (until !== 0 && endsAt + body.hours * HOUR > until) {
            throw new UnprocessableError("Marketplace_OutsideAvailability", "the extension runs past the listing's availability");
          }
          return {
            transaction: unsigned(chain, from, "extend", [id, body.hours, max]),
            escrow: { amount: (price * BigInt(body.hours)).toString(), token: listing.token, spender: chain.marketplace },
          };
        }
        case "release":
          requireStatus("active");
          requireProvider();
          break;
        case "terminate":
          requireStatus("active");
          requireConsumer();
          if (now >= endsAt) throw new UnprocessableError("Marketplace_RentalEnded", `rental ${id} has already ended: settle it instead`);
          break;
        case "settle":
          requireStatus("active");
          if (now < endsAt) throw new UnprocessableError("Marketplace_RentalNotEnded", `rental ${id} runs until ${endsAt}`, { endsAt });
          break;
        case "openDispute":
          requireStatus("active");
          if (rental.consumer !== me && rental.provider !== me) {
            throw new ForbiddenError(`only a party of rental ${id} may dispute it (Marketplace_CallerNotParty)`);
          }
          break;
        case "rate":
          requireStatus("completed", "resolved");
          requireConsumer();
          if (rental.rated) throw new UnprocessableError("Marketplace_AlreadyRated", `rental ${id} was already rated`);
          if (body.score === undefined || body.score < 1 || body.score > 5) {
            throw new UnprocessableError("Marketplace_InvalidScore", "score must be 1..5", { score: body.score ?? null });
          }
          return { transaction: unsigned(chain, from, "rate", [id, body.score]) };
      }
      return { transaction: unsigned(chain, from, body.action, [id]) };
    },
  });
}
