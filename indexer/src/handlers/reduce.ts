/**
 * Applies a batch of decoded events, in chain order, to the rows they touch. Pure: the rows come
 * in loaded, the changes go out; the database writes them back set-based (db/state-store.ts).
 * Listings, rentals and settings are held as whole rows; accounts and token totals only as deltas
 * added to what is stored, so they need no read.
 *
 * The arithmetic mirrors Marketplace.sol exactly (see the comments naming its internal functions):
 * this is what makes the mirror equal the contract's own views. A backfill into an empty mirror derives
 * the same rows per table instead, in SQL (migration 0114's mirror_derive, db/deferred-derivation.ts):
 * a rule changed here must change there too, and test/indexer/derivation.test.ts compares the two.
 */
import type { ArgValue, DecodedEvent, EventArgs } from "./decode.js";
import { parseMetadata } from "./metadata.js";
import type {
  AccountDelta,
  ListingMetadataColumns,
  ListingRow,
  PaymentTokenRow,
  PriceRow,
  RatingRow,
  RentalRow,
  RentalStatus,
  RentalTransition,
  SettingsRow,
  TokenTotalsDelta,
} from "./rows.js";

export type LoadedState = {
  listings: Map<number, ListingRow>;
  rentals: Map<number, RentalRow>;
  settings: SettingsRow | null;
};

export type BatchChanges = {
  listings: Map<number, ListingRow>;
  /** Listings created in this batch (inserted whole); the rest of dirtyListings are updated. */
  newListings: Set<number>;
  dirtyListings: Set<number>;
  /** Listings whose metadata columns must be (re)written, new ones included. */
  metadata: Map<number, ListingMetadataColumns>;
  rentals: Map<number, RentalRow>;
  dirtyRentals: Set<number>;
  accounts: Map<string, AccountDelta>;
  tokens: Map<string, TokenTotalsDelta>;
  paymentTokens: Map<string, PaymentTokenRow>;
  settings: SettingsRow | null;
  settingsDirty: boolean;
  prices: PriceRow[];
  ratings: RatingRow[];
  /** Events that referenced rows the mirror does not have (a start block set too late); kept raw only. */
  skipped: { event: DecodedEvent; reason: string }[];
};

const LISTING_EVENTS = new Set([
  "ListingCreated",
  "ListingPriceUpdated",
  "ListingAvailabilityUpdated",
  "ListingCapacityUpdated",
  "ListingMetadataUpdated",
  "ListingStatusChanged",
  "RentalRequested",
  "RentalRated",
]);
const SETTINGS_EVENTS = new Set([
  "FeeUpdated",
  "TreasuryUpdated",
  "AcceptanceTimeoutUpdated",
  "DisputeTimeoutUpdated",
  "Paused",
  "Unpaused",
]);

/** The listing and rental an event refers to, for raw_events' lookup columns and for loading. */
export function eventRefs(event: DecodedEvent): { listingId: number | null; rentalId: number | null } {
  const listingId = event.args.listingId === undefined ? null : toId(event.args.listingId);
  const rentalId = event.args.rentalId === undefined ? null : toId(event.args.rentalId);
  return { listingId, rentalId };
}

export type BatchKeys = { listingIds: Set<number>; rentalIds: Set<number>; needsSettings: boolean };

/** What must be loaded before applying `events`: rows they name directly (the rentals' listings come after). */
export function collectKeys(events: DecodedEvent[]): BatchKeys {
  const keys: BatchKeys = { listingIds: new Set(), rentalIds: new Set(), needsSettings: false };
  for (const event of events) {
    const { listingId, rentalId } = eventRefs(event);
    if (listingId !== null && LISTING_EVENTS.has(event.name)) keys.listingIds.add(listingId);
    if (rentalId !== null) keys.rentalIds.add(rentalId);
    if (SETTINGS_EVENTS.has(event.name)) keys.needsSettings = true;
  }
  return keys;
}

function toId(value: ArgValue): number | null {
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

const big = (value: ArgValue | undefined): bigint => (typeof value === "bigint" ? value : BigInt(value as number));
const num = (value: ArgValue | undefined): number => Number(value);
const str = (value: ArgValue | undefined): string => String(value);

function emptyAccount(address: string, token: string, event: DecodedEvent): AccountDelta {
  return {
    address,
    token,
    consumer_rentals: 0,
    consumer_paid: 0n,
    consumer_spent: 0n,
    consumer_refunded: 0n,
    provider_listings: 0,
    provider_rentals: 0,
    provider_earned: 0n,
    provider_fees: 0n,
    credit: 0n,
    withdrawn: 0n,
    first_block: event.blockNumber,
    first_time: event.blockTime,
    last_block: event.blockNumber,
    last_time: event.blockTime,
  };
}

function emptyTotals(token: string): TokenTotalsDelta {
  return { token, escrowed: 0n, accrued_fees: 0n, fees_withdrawn: 0n, volume: 0n, released: 0n, refunded: 0n, withdrawn: 0n };
}

export function applyEvents(events: DecodedEvent[], loaded: LoadedState): BatchChanges {
  const changes: BatchChanges = {
    listings: loaded.listings,
    newListings: new Set(),
    dirtyListings: new Set(),
    metadata: new Map(),
    rentals: loaded.rentals,
    dirtyRentals: new Set(),
    accounts: new Map(),
    tokens: new Map(),
    paymentTokens: new Map(),
    settings: loaded.settings,
    settingsDirty: false,
    prices: [],
    ratings: [],
    skipped: [],
  };

  const account = (address: string, token: string, event: DecodedEvent): AccountDelta => {
    const key = `${address}|${token}`;
    let delta = changes.accounts.get(key);
    if (!delta) {
      delta = emptyAccount(address, token, event);
      changes.accounts.set(key, delta);
    } else {
      delta.last_block = event.blockNumber;
      delta.last_time = event.blockTime;
    }
    return delta;
  };
  const totals = (token: string): TokenTotalsDelta => {
    let delta = changes.tokens.get(token);
    if (!delta) {
      delta = emptyTotals(token);
      changes.tokens.set(token, delta);
    }
    return delta;
  };
  const touchListing = (listing: ListingRow, event: DecodedEvent): void => {
    listing.updated_block = event.blockNumber;
    listing.updated_time = event.blockTime;
    listing.updated_tx = event.txHash;
    changes.dirtyListings.add(listing.listing_id);
  };
  const touchRental = (rental: RentalRow, event: DecodedEvent, transition?: RentalTransition): void => {
    rental.updated_block = event.blockNumber;
    rental.updated_time = event.blockTime;
    if (transition) {
      rental[`${transition}_block`] = event.blockNumber;
      rental[`${transition}_time`] = event.blockTime;
      rental[`${transition}_tx`] = event.txHash;
    }
    changes.dirtyRentals.add(rental.rental_id);
  };
  const skip = (event: DecodedEvent, reason: string): void => {
    changes.skipped.push({ event, reason });
  };

  /** _payProvider: `gross` leaves escrow, `gross - fee` is credited to the provider, `fee` to the protocol. */
  const payProvider = (rental: RentalRow, listing: ListingRow | undefined, gross: bigint, fee: bigint, event: DecodedEvent) => {
    rental.released += gross;
    rental.fees += fee;
    rental.escrow -= gross;
    const net = gross - fee;
    const provider = account(rental.provider, rental.token, event);
    provider.provider_earned += net;
    provider.provider_fees += fee;
    provider.credit += net;
    account(rental.consumer, rental.token, event).consumer_spent += gross;
    const t = totals(rental.token);
    t.escrowed -= gross;
    t.accrued_fees += fee;
    t.released += gross;
    if (listing) {
      listing.total_earnings += net;
      listing.total_fees += fee;
      touchListing(listing, event);
    }
  };
  /** _refundConsumer: `refund` leaves escrow to the consumer's credit and the rental frees its slot. */
  const refundConsumer = (rental: RentalRow, listing: ListingRow | undefined, refund: bigint, event: DecodedEvent) => {
    rental.refunded += refund;
    rental.escrow -= refund;
    const consumer = account(rental.consumer, rental.token, event);
    consumer.consumer_refunded += refund;
    consumer.credit += refund;
    const t = totals(rental.token);
    t.escrowed -= refund;
    t.refunded += refund;
    if (listing) {
      listing.open_rentals -= 1;
      touchListing(listing, event);
    }
  };
  const setStatus = (rental: RentalRow, status: RentalStatus) => {
    rental.status = status;
  };
  const settingsRow = (event: DecodedEvent): SettingsRow => {
    changes.settings ??= {
      fee_bps: null,
      treasury: null,
      acceptance_timeout: null,
      dispute_timeout: null,
      paused: false,
      updated_block: event.blockNumber,
      updated_time: event.blockTime,
      updated_tx: event.txHash,
    };
    const row = changes.settings;
    row.updated_block = event.blockNumber;
    row.updated_time = event.blockTime;
    row.updated_tx = event.txHash;
    changes.settingsDirty = true;
    return row;
  };

  for (const event of events) {
    const a: EventArgs = event.args;
    const { listingId, rentalId } = eventRefs(event);
    const listing = listingId === null ? undefined : changes.listings.get(listingId);
    const rental = rentalId === null ? undefined : changes.rentals.get(rentalId);
    const rentalListing = rental ? changes.listings.get(rental.listing_id) : undefined;

    switch (event.name) {
      case "ListingCreated": {
        if (listingId === null || listing) {
          skip(event, listing ? "listing exists already" : "listing id out of range");
          break;
        }
        const token = str(a.token);
        const provider = str(a.provider);
        const price = big(a.pricePerHour);
        const row: ListingRow = {
          listing_id: listingId,
          provider,
          token,
          price_per_hour: price,
          available_from: num(a.availableFrom),
          available_until: num(a.availableUntil) === 0 ? null : num(a.availableUntil),
          capacity: num(a.capacity),
          open_rentals: 0,
          active: true,
          rating_sum: 0,
          rating_count: 0,
          rental_count: 0,
          completed_rentals: 0,
          disputed_rentals: 0,
          total_volume: 0n,
          total_earnings: 0n,
          total_fees: 0n,
          created_block: event.blockNumber,
          created_time: event.blockTime,
          created_tx: event.txHash,
          updated_block: event.blockNumber,
          updated_time: event.blockTime,
          updated_tx: event.txHash,
        };
        changes.listings.set(listingId, row);
        changes.newListings.add(listingId);
        changes.dirtyListings.add(listingId);
        changes.metadata.set(listingId, metadataColumns(listingId, event));
        changes.prices.push(priceRow(listingId, event, null, price));
        account(provider, token, event).provider_listings += 1;
        break;
      }
      case "ListingPriceUpdated": {
        if (!listing) {
          skip(event, "unknown listing");
          break;
        }
        listing.price_per_hour = big(a.newPrice);
        changes.prices.push(priceRow(listing.listing_id, event, big(a.oldPrice), big(a.newPrice)));
        touchListing(listing, event);
        break;
      }
      case "ListingAvailabilityUpdated": {
        if (!listing) {
          skip(event, "unknown listing");
          break;
        }
        listing.available_from = num(a.availableFrom);
        listing.available_until = num(a.availableUntil) === 0 ? null : num(a.availableUntil);
        touchListing(listing, event);
        break;
      }
      case "ListingCapacityUpdated": {
        if (!listing) {
          skip(event, "unknown listing");
          break;
        }
        listing.capacity = num(a.capacity);
        touchListing(listing, event);
        break;
      }
      case "ListingMetadataUpdated": {
        if (!listing) {
          skip(event, "unknown listing");
          break;
        }
        changes.metadata.set(listing.listing_id, metadataColumns(listing.listing_id, event));
        touchListing(listing, event);
        break;
      }
      case "ListingStatusChanged": {
        if (!listing) {
          skip(event, "unknown listing");
          break;
        }
        listing.active = Boolean(a.active);
        touchListing(listing, event);
        break;
      }
      case "RentalRequested": {
        if (rentalId === null || rental || !listing) {
          skip(event, rental ? "rental exists already" : "unknown listing");
          break;
        }
        const amount = big(a.amount);
        const consumer = str(a.consumer);
        const row = newRental(rentalId, listing, consumer, event);
        row.hours_booked = num(a.hoursBooked);
        row.price_per_hour = big(a.pricePerHour);
        row.amount = amount;
        row.escrow = amount;
        row.fee_bps = num(a.feeBps);
        changes.rentals.set(rentalId, row);
        changes.dirtyRentals.add(rentalId);
        listing.open_rentals += 1;
        listing.rental_count += 1;
        listing.total_volume += amount;
        touchListing(listing, event);
        const c = account(consumer, listing.token, event);
        c.consumer_rentals += 1;
        c.consumer_paid += amount;
        account(listing.provider, listing.token, event).provider_rentals += 1;
        const t = totals(listing.token);
        t.escrowed += amount;
        t.volume += amount;
        break;
      }
      case "RentalAccepted": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        setStatus(rental, "active");
        rental.started_at = num(a.startedAt);
        rental.ends_at = num(a.endsAt);
        touchRental(rental, event, "accepted");
        break;
      }
      case "RentalRejected":
      case "RentalCancelled":
      case "RentalExpired": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        const transition = event.name === "RentalRejected" ? "rejected" : event.name === "RentalCancelled" ? "cancelled" : "expired";
        setStatus(rental, transition);
        if (event.name === "RentalExpired") rental.closed_by = str(a.caller);
        refundConsumer(rental, rentalListing, big(a.refund), event);
        touchRental(rental, event, transition);
        break;
      }
      case "RentalExtended": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        const extra = big(a.extraAmount);
        rental.hours_booked += num(a.extraHours);
        rental.amount += extra;
        rental.escrow += extra;
        rental.extensions += 1;
        rental.ends_at = num(a.endsAt);
        account(rental.consumer, rental.token, event).consumer_paid += extra;
        const t = totals(rental.token);
        t.escrowed += extra;
        t.volume += extra;
        if (rentalListing) {
          rentalListing.total_volume += extra;
          touchListing(rentalListing, event);
        }
        touchRental(rental, event, "extended");
        break;
      }
      case "PaymentReleased": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        payProvider(rental, rentalListing, big(a.gross), big(a.fee), event);
        touchRental(rental, event, "released");
        break;
      }
      case "RentalTerminated": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        setStatus(rental, "completed");
        payProvider(rental, rentalListing, big(a.gross), big(a.fee), event);
        refundConsumer(rental, rentalListing, big(a.refund), event);
        if (rentalListing) rentalListing.completed_rentals += 1;
        touchRental(rental, event, "terminated");
        break;
      }
      case "RentalSettled": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        setStatus(rental, "completed");
        rental.closed_by = str(a.caller);
        payProvider(rental, rentalListing, big(a.gross), big(a.fee), event);
        if (rentalListing) {
          rentalListing.open_rentals -= 1;
          rentalListing.completed_rentals += 1;
        }
        touchRental(rental, event, "settled");
        break;
      }
      case "DisputeOpened": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        setStatus(rental, "disputed");
        rental.dispute_opened_by = str(a.openedBy);
        rental.dispute_frozen = big(a.frozen);
        if (rentalListing) {
          rentalListing.disputed_rentals += 1;
          touchListing(rentalListing, event);
        }
        touchRental(rental, event, "disputed");
        break;
      }
      case "DisputeResolved": {
        if (!rental) {
          skip(event, "unknown rental");
          break;
        }
        setStatus(rental, "resolved");
        rental.resolver = str(a.resolver);
        rental.resolved_by_default = Boolean(a.byDefault);
        rental.resolved_to_provider = big(a.toProvider);
        rental.resolved_to_consumer = big(a.toConsumer);
        // _resolve: pay the provider's share, then refund the rest (which frees the slot).
        payProvider(rental, rentalListing, big(a.toProvider), big(a.fee), event);
        refundConsumer(rental, rentalListing, big(a.toConsumer), event);
        touchRental(rental, event, "resolved");
        break;
      }
      case "RentalRated": {
        if (!rental || !listing) {
          skip(event, "unknown rental or listing");
          break;
        }
        const score = num(a.score);
        rental.rated = true;
        rental.rating = score;
        touchRental(rental, event);
        listing.rating_sum += score;
        listing.rating_count += 1;
        touchListing(listing, event);
        changes.ratings.push({
          rental_id: rental.rental_id,
          listing_id: listing.listing_id,
          consumer: str(a.consumer),
          provider: listing.provider,
          score,
          block_number: event.blockNumber,
          log_index: event.logIndex,
          block_time: event.blockTime,
          tx_hash: event.txHash,
        });
        break;
      }
      case "Withdrawn": {
        const amount = big(a.amount);
        const token = str(a.token);
        const acc = account(str(a.account), token, event);
        acc.credit -= amount;
        acc.withdrawn += amount;
        totals(token).withdrawn += amount;
        break;
      }
      case "FeesWithdrawn": {
        const amount = big(a.amount);
        const t = totals(str(a.token));
        t.accrued_fees -= amount;
        t.fees_withdrawn += amount;
        break;
      }
      case "PaymentTokenSet": {
        const token = str(a.token);
        changes.paymentTokens.set(token, {
          token,
          token_index: num(a.index),
          allowed: Boolean(a.allowed),
          updated_block: event.blockNumber,
          updated_time: event.blockTime,
          updated_tx: event.txHash,
        });
        break;
      }
      case "FeeUpdated":
        settingsRow(event).fee_bps = num(a.newFeeBps);
        break;
      case "TreasuryUpdated":
        settingsRow(event).treasury = str(a.newTreasury);
        break;
      case "AcceptanceTimeoutUpdated":
        settingsRow(event).acceptance_timeout = num(a.newTimeout);
        break;
      case "DisputeTimeoutUpdated":
        settingsRow(event).dispute_timeout = num(a.newTimeout);
        break;
      case "Paused":
        settingsRow(event).paused = true;
        break;
      case "Unpaused":
        settingsRow(event).paused = false;
        break;
      default:
        // Role changes and anything unknown live in raw_events only.
        break;
    }
  }
  return changes;
}

function newRental(rentalId: number, listing: ListingRow, consumer: string, event: DecodedEvent): RentalRow {
  const none = { block: null, time: null, tx: null };
  const row: Record<string, unknown> = {
    rental_id: rentalId,
    listing_id: listing.listing_id,
    consumer,
    provider: listing.provider,
    token: listing.token,
    status: "requested",
    hours_booked: 0,
    price_per_hour: 0n,
    amount: 0n,
    fee_bps: 0,
    released: 0n,
    fees: 0n,
    refunded: 0n,
    escrow: 0n,
    extensions: 0,
    started_at: null,
    ends_at: null,
    dispute_opened_by: null,
    dispute_frozen: null,
    resolver: null,
    resolved_by_default: null,
    resolved_to_provider: null,
    resolved_to_consumer: null,
    closed_by: null,
    rated: false,
    rating: null,
    requested_block: event.blockNumber,
    requested_time: event.blockTime,
    requested_tx: event.txHash,
    updated_block: event.blockNumber,
    updated_time: event.blockTime,
  };
  for (const t of ["accepted", "rejected", "cancelled", "expired", "extended", "released", "terminated", "settled", "disputed", "resolved"]) {
    row[`${t}_block`] = none.block;
    row[`${t}_time`] = none.time;
    row[`${t}_tx`] = none.tx;
  }
  return row as RentalRow;
}

/** The metadata columns of a ListingCreated or ListingMetadataUpdated (also kept for a deferred derivation). */
export function metadataColumns(listingId: number, event: DecodedEvent): ListingMetadataColumns {
  const parsed = parseMetadata(str(event.args.metadata), event.rawBytes?.metadata);
  return {
    listing_id: listingId,
    metadata: parsed.raw,
    metadata_hash: parsed.hash,
    metadata_valid: parsed.valid,
    metadata_error: parsed.error,
    title: parsed.title,
    description: parsed.description,
    category: parsed.category,
    resource_type: parsed.resource_type,
    location: parsed.location,
    specifications: parsed.specifications,
  };
}

function priceRow(listingId: number, event: DecodedEvent, oldPrice: bigint | null, newPrice: bigint): PriceRow {
  return {
    listing_id: listingId,
    block_number: event.blockNumber,
    log_index: event.logIndex,
    block_time: event.blockTime,
    tx_hash: event.txHash,
    old_price: oldPrice,
    new_price: newPrice,
  };
}
