/**
 * Compares the mirror with the contract's own view functions: every listing (getListing), every
 * rental (getRental), every credit (creditOf), per-token escrow and fees, settings and the payment
 * token list. Returns the differences, so one failing run shows all of them.
 */
import assert from "node:assert/strict";
import type { Address } from "viem";

import type { Db } from "../../../indexer/src/index.js";
import type { Market } from "./market.js";

const STATUS = ["none", "requested", "active", "disputed", "completed", "rejected", "cancelled", "expired", "resolved"];

type ListingView = {
  provider: Address;
  token: Address;
  pricePerHour: bigint;
  availableFrom: number;
  availableUntil: number;
  capacity: number;
  openRentals: number;
  active: boolean;
  ratingCount: number;
  ratingSum: bigint;
  metadataHash: string;
};
type RentalView = {
  consumer: Address;
  listingId: bigint;
  hoursBooked: number;
  amount: bigint;
  requestedAt: number;
  startedAt: number;
  status: number;
  feeBps: number;
  released: bigint;
  disputedAt: number;
  rated: boolean;
};

const epoch = (value: unknown): number => (value === null || value === undefined ? 0 : Math.floor(new Date(value as string).getTime() / 1000));

export async function compareWithContract(db: Db, market: Market): Promise<string[]> {
  const diffs: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (String(actual) !== String(expected)) diffs.push(`${what}: mirror ${String(actual)} != chain ${String(expected)}`);
  };
  const chainId = market.chainId;

  const listingCount = Number(await market.read<bigint>("listingCount"));
  const listings = new Map(
    (await db.query("SELECT * FROM listings WHERE chain_id = $1", [chainId])).rows.map((r) => [Number(r.listing_id), r]),
  );
  expect("listing rows", listings.size, listingCount);
  for (let id = 1; id <= listingCount; id++) {
    const view = await market.read<ListingView>("getListing", [BigInt(id)]);
    const row = listings.get(id);
    if (!row) {
      diffs.push(`listing ${id} missing`);
      continue;
    }
    expect(`listing ${id} provider`, row.provider, view.provider.toLowerCase());
    expect(`listing ${id} token`, row.token, view.token.toLowerCase());
    expect(`listing ${id} price`, row.price_per_hour, view.pricePerHour);
    expect(`listing ${id} availableFrom`, epoch(row.available_from), view.availableFrom);
    expect(`listing ${id} availableUntil`, epoch(row.available_until), view.availableUntil);
    expect(`listing ${id} capacity`, row.capacity, view.capacity);
    expect(`listing ${id} openRentals`, row.open_rentals, view.openRentals);
    expect(`listing ${id} active`, row.active, view.active);
    expect(`listing ${id} ratingCount`, row.rating_count, view.ratingCount);
    expect(`listing ${id} ratingSum`, row.rating_sum, view.ratingSum);
    expect(`listing ${id} metadataHash`, row.metadata_hash, view.metadataHash);
  }

  const rentalCount = Number(await market.read<bigint>("rentalCount"));
  const rentals = new Map(
    (await db.query("SELECT * FROM rentals WHERE chain_id = $1", [chainId])).rows.map((r) => [Number(r.rental_id), r]),
  );
  expect("rental rows", rentals.size, rentalCount);
  for (let id = 1; id <= rentalCount; id++) {
    const view = await market.read<RentalView>("getRental", [BigInt(id)]);
    const row = rentals.get(id);
    if (!row) {
      diffs.push(`rental ${id} missing`);
      continue;
    }
    expect(`rental ${id} consumer`, row.consumer, view.consumer.toLowerCase());
    expect(`rental ${id} listingId`, row.listing_id, view.listingId);
    expect(`rental ${id} hoursBooked`, row.hours_booked, view.hoursBooked);
    expect(`rental ${id} amount`, row.amount, view.amount);
    expect(`rental ${id} requestedAt`, epoch(row.requested_time), view.requestedAt);
    expect(`rental ${id} startedAt`, epoch(row.started_at), view.startedAt);
    expect(`rental ${id} status`, row.status, STATUS[view.status]);
    expect(`rental ${id} feeBps`, row.fee_bps, view.feeBps);
    expect(`rental ${id} released`, row.released, view.released);
    expect(`rental ${id} disputedAt`, epoch(row.disputed_time), view.disputedAt);
    expect(`rental ${id} rated`, row.rated, view.rated);
    // Money is conserved per rental: what came in went out, or is still held.
    expect(`rental ${id} amount = released + refunded + escrow`, BigInt(row.amount as string), BigInt(row.released as string) + BigInt(row.refunded as string) + BigInt(row.escrow as string));
  }

  const tokens = [market.token, market.token2];
  const credits = new Map(
    (await db.query("SELECT address, token, credit FROM accounts WHERE chain_id = $1", [chainId])).rows.map((r) => [`${r.address}|${r.token}`, r.credit]),
  );
  for (const account of market.accounts) {
    for (const token of tokens) {
      const onChain = await market.read<bigint>("creditOf", [account, token]);
      expect(`creditOf(${account}, ${token})`, credits.get(`${account.toLowerCase()}|${token.toLowerCase()}`) ?? "0", onChain);
    }
  }
  const totals = new Map(
    (await db.query("SELECT * FROM token_totals WHERE chain_id = $1", [chainId])).rows.map((r) => [r.token as string, r]),
  );
  for (const token of tokens) {
    const row = totals.get(token.toLowerCase());
    expect(`escrowed(${token})`, row?.escrowed ?? "0", await market.read<bigint>("escrowed", [token]));
    expect(`accruedFees(${token})`, row?.accrued_fees ?? "0", await market.read<bigint>("accruedFees", [token]));
  }

  const settings = (await db.query("SELECT * FROM settings WHERE chain_id = $1", [chainId])).rows[0];
  assert.ok(settings, "settings row missing");
  expect("feeBps", settings.fee_bps, await market.read<number>("feeBps"));
  expect("treasury", settings.treasury, (await market.read<string>("treasury")).toLowerCase());
  expect("acceptanceTimeout", settings.acceptance_timeout, await market.read<number>("acceptanceTimeout"));
  expect("disputeTimeout", settings.dispute_timeout, await market.read<number>("disputeTimeout"));
  expect("paused", settings.paused, await market.read<boolean>("paused"));

  const onChainTokens = await market.read<Address[]>("paymentTokens");
  const tokenRows = (await db.query("SELECT token, token_index, allowed FROM payment_tokens WHERE chain_id = $1 ORDER BY token_index", [chainId])).rows;
  expect("payment tokens", tokenRows.map((r) => r.token).join(","), onChainTokens.map((t) => t.toLowerCase()).join(","));
  for (const row of tokenRows) {
    expect(`isPaymentToken(${row.token})`, row.allowed, await market.read<boolean>("isPaymentToken", [row.token]));
  }
  return diffs;
}

/** Every log the marketplace emitted, counted by event name, straight from the node. */
export async function countLogs(market: Market, fromBlock: number): Promise<number> {
  const logs = await market.node.rpc<unknown[]>("eth_getLogs", [
    { address: market.marketplace, fromBlock: `0x${fromBlock.toString(16)}`, toBlock: "latest" },
  ]);
  return logs.length;
}
