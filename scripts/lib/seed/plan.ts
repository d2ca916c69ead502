/**
 * The demo market as a plan: who lists what, who rents what, and every call each party makes, at which
 * moment of a simulated history of several months. Pure: no chain access, only the PRNG, so the same
 * scale gives the same plan, and the plan can be checked against the chain afterwards.
 *
 * Times are seconds relative to the start of the seed. Rental calls happen on whole minutes and
 * listing maintenance (price, status, metadata) half a minute later, so no block mixes a price change
 * with a rent on it. At most one rent and one listing creation share a block, so ids follow the plan's
 * order whatever order the node puts a block's transactions in.
 */
import { Prng } from "../prng.js";
import { makeOffer, providerProfile, type Category, type Offer, type ProviderProfile } from "./catalog.js";

export type SeedScale = {
  name: string;
  providers: number;
  /** How many of the providers list everything in one createListings call. */
  bulkProviders: number;
  consumers: number;
  days: number;
  rentals: number;
  seed: string;
};

export const SCALES = {
  full: { name: "full", providers: 56, bulkProviders: 8, consumers: 64, days: 120, rentals: 640, seed: "prsm-demo-1" },
  small: { name: "small", providers: 8, bulkProviders: 2, consumers: 8, days: 24, rentals: 64, seed: "prsm-demo-1" },
} as const satisfies Record<string, SeedScale>;

/** The deployment's settings the plan must respect (read from the chain). */
export type MarketSettings = { feeBps: number; acceptanceTimeout: number; disputeTimeout: number };

/** How a rental's story ends (or where it stands when the seed stops). */
export const FATES = [
  "settled",
  "terminated",
  "rejected",
  "cancelled",
  "expired",
  "resolvedByArbiter",
  "resolvedByDefault",
  "requested",
  "active",
  "disputed",
] as const;
export type Fate = (typeof FATES)[number];

/** The on-chain RentalStatus each fate leaves behind. */
export const FATE_STATUS: Record<Fate, string> = {
  settled: "Completed",
  terminated: "Completed",
  rejected: "Rejected",
  cancelled: "Cancelled",
  expired: "Expired",
  resolvedByArbiter: "Resolved",
  resolvedByDefault: "Resolved",
  requested: "Requested",
  active: "Active",
  disputed: "Disputed",
};

const FATE_WEIGHTS: Record<Fate, number> = {
  settled: 34,
  terminated: 11,
  rejected: 7,
  cancelled: 7,
  expired: 6,
  resolvedByArbiter: 5,
  resolvedByDefault: 4,
  requested: 5,
  active: 13,
  disputed: 3,
};

export type PlannedListing = {
  /** 1-based creation order within this seed: on-chain id = listings before the seed + seq. */
  seq: number;
  provider: number;
  profile: ProviderProfile;
  offer: Offer;
  metadata: string;
  createdAt: number;
  bulk: boolean;
  /** Relative times; 0 = no bound. */
  availableFrom: number;
  availableUntil: number;
  prices: { at: number; price: bigint }[];
  inactive: { from: number; until: number }[];
  popularity: number;
  /** -1, 0 or 1: nudges its ratings. */
  quality: number;
  occupancy: { from: number; until: number }[];
};

export type PlannedRental = {
  /** 1-based order of the rent calls: on-chain id = rentals before the seed + seq. */
  seq: number;
  listing: PlannedListing;
  consumer: number;
  permit: boolean;
  fate: Fate;
  hours: number;
  extraHours: number;
  rentAt: number;
  pricePerHour: bigint;
  /** Everything escrowed, extension included. */
  amount: bigint;
  score?: number;
};

type Base = { at: number; from: number };
type RentalCall =
  | "accept"
  | "reject"
  | "cancel"
  | "refundExpired"
  | "release"
  | "terminate"
  | "settle"
  | "openDispute"
  | "resolveExpiredDispute";

export type Action = Base &
  (
    | { kind: "mint"; to: number; amount: bigint }
    | { kind: "approve" }
    | { kind: "createListings"; listings: PlannedListing[] }
    | { kind: "updatePrice"; listing: PlannedListing; price: bigint }
    | { kind: "setListingActive"; listing: PlannedListing; active: boolean }
    | { kind: "updateMetadata"; listing: PlannedListing; metadata: string }
    | { kind: "rent"; rental: PlannedRental }
    | { kind: RentalCall; rental: PlannedRental }
    | { kind: "extend"; rental: PlannedRental; extraHours: number; maxPrice: bigint }
    | { kind: "resolveDispute"; rental: PlannedRental; toProvider: bigint }
    | { kind: "rate"; rental: PlannedRental; score: number }
    | { kind: "withdraw" }
    | { kind: "withdrawFees" }
  );

export type SeedPlan = {
  scale: SeedScale;
  settings: MarketSettings;
  admin: number;
  providers: number[];
  consumers: number[];
  /** FTNS units minted to each consumer at the start. */
  mintPerConsumer: bigint;
  listings: PlannedListing[];
  rentals: PlannedRental[];
  /** Sorted by time; same-time actions are independent of each other. */
  actions: Action[];
  /** Relative time of the last action. */
  endsAt: number;
};

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;
const MAX_HOURS = 24 * 365;
const FTNS = 10n ** 18n;
const CENT = 10n ** 16n;
/** Listing maintenance happens half a minute off the rental grid. */
const OFF_GRID = 30;

/** Account indices of the development mnemonic: #1 is a provider and #2 a consumer, easy to import. */
export const ADMIN_ACCOUNT = 0;
export const providerAccount = (i: number) => (i === 0 ? 1 : i + 2);
export const consumerAccount = (scale: SeedScale, j: number) => (j === 0 ? 2 : scale.providers + 1 + j);

function withCreation(draft: Omit<PlannedListing, "seq" | "createdAt">, at: number): Omit<PlannedListing, "seq"> {
  return { ...draft, createdAt: at, prices: [{ at, price: draft.offer.pricePerHour }] };
}

export function planSeed(scale: SeedScale, settings: MarketSettings): SeedPlan {
  return new Planner(scale, settings).plan();
}

/** One call of a rental's story, `off` seconds after its rent. */
type Step = { off: number; call: RentalStepCall };
type RentalAction = Extract<Action, { rental: PlannedRental }>;
type RentalStepCall = RentalAction extends infer A ? (A extends RentalAction ? Omit<A, "at" | "rental"> : never) : never;

class Planner {
  private readonly rng: Prng;
  private readonly end: number;
  private readonly providers: number[];
  private readonly consumers: number[];
  private readonly listings: PlannedListing[] = [];
  private readonly rentals: { rental: PlannedRental; steps: Step[]; close: number }[] = [];
  private readonly actions: Action[] = [];
  private readonly rentMinutes = new Set<number>();
  private readonly listingMinutes = new Set<number>();
  private readonly spent = new Map<number, bigint>();
  private readonly consumerWeight = new Map<number, number>();
  private readonly mintPerConsumer = 250_000n * FTNS;
  private readonly acceptWithinMin: number;

  constructor(
    private readonly scale: SeedScale,
    private readonly settings: MarketSettings,
  ) {
    this.rng = new Prng(`${scale.seed}/${scale.name}`);
    this.end = scale.days * DAY;
    this.providers = Array.from({ length: scale.providers }, (_, i) => providerAccount(i));
    this.consumers = Array.from({ length: scale.consumers }, (_, j) => consumerAccount(scale, j));
    // Accept with a margin under the timeout: block times run a few seconds behind the plan.
    this.acceptWithinMin = Math.max(1, Math.min(22, Math.floor(settings.acceptanceTimeout / MIN) - 5));
  }

  plan(): SeedPlan {
    this.planSetup();
    this.planListings();
    this.planListingMaintenance();
    this.planRentals();
    this.planWithdrawals();
    const actions = this.actions
      .map((action, order) => ({ action, order }))
      .sort((a, b) => a.action.at - b.action.at || a.order - b.order)
      .map(({ action }) => action);
    return {
      scale: this.scale,
      settings: this.settings,
      admin: ADMIN_ACCOUNT,
      providers: this.providers,
      consumers: this.consumers,
      mintPerConsumer: this.mintPerConsumer,
      listings: this.listings,
      rentals: this.rentals.map((r) => r.rental),
      actions,
      endsAt: actions.length ? actions[actions.length - 1].at : 0,
    };
  }

  /* ------------------------------------------------------------- setup */

  private planSetup(): void {
    for (const [j, consumer] of this.consumers.entries()) {
      this.actions.push({ at: MIN, from: ADMIN_ACCOUNT, kind: "mint", to: consumer, amount: this.mintPerConsumer });
      // A quarter of the consumers never approve: they rent with a permit signature.
      if (!this.isPermitConsumer(consumer)) this.actions.push({ at: 2 * MIN, from: consumer, kind: "approve" });
      // A few heavy renters and a long tail; the demo consumer (#2) is one of the heavy ones.
      this.consumerWeight.set(consumer, j === 0 ? 12 : this.rng.weighted([[1, 5], [3, 4], [6, 2], [10, 1]] as const));
    }
  }

  private isPermitConsumer(account: number): boolean {
    return this.consumers.indexOf(account) % 4 === 3;
  }

  /* ---------------------------------------------------------- listings */

  private planListings(): void {
    const earlyCount = Math.ceil(this.scale.providers * 0.6);
    const creations: { at: number; listings: Omit<PlannedListing, "seq">[] }[] = [];
    for (const [i, provider] of this.providers.entries()) {
      const profile = providerProfile(this.rng, i);
      // Most providers are there from the start; the rest join over the months (new providers over time).
      const joinAt = i < earlyCount ? this.rng.int(5, 2 * 24 * 60) * MIN : this.rng.int(2 * 24 * 60, Math.floor((this.end * 0.7) / MIN)) * MIN;
      const bulk = i >= 1 && i <= this.scale.bulkProviders; // #1 stays a plain provider for the demo
      const count = bulk ? this.rng.int(3, 6) : 1 + Number(this.rng.chance(0.45)) + Number(this.rng.chance(0.15));
      const offers = Array.from({ length: count }, () => this.makeListing(provider, profile, bulk));
      if (bulk) {
        const at = this.freeMinute(this.listingMinutes, joinAt);
        creations.push({ at, listings: offers.map((l) => withCreation(l, at)) });
      } else {
        let at = joinAt;
        for (const listing of offers) {
          at = this.freeMinute(this.listingMinutes, at);
          creations.push({ at, listings: [withCreation(listing, at)] });
          at += this.rng.int(10, 48 * 60) * MIN;
        }
      }
    }
    creations.sort((a, b) => a.at - b.at);
    for (const creation of creations) {
      const listings = creation.listings.map((draft) => {
        const listing: PlannedListing = { ...draft, seq: this.listings.length + 1 };
        this.addWindow(listing);
        this.listings.push(listing);
        return listing;
      });
      this.actions.push({ at: creation.at, from: listings[0].provider, kind: "createListings", listings });
    }
  }

  private makeListing(provider: number, profile: ProviderProfile, bulk: boolean): Omit<PlannedListing, "seq" | "createdAt"> {
    const offer = makeOffer(this.rng, profile);
    return {
      provider,
      profile,
      offer,
      metadata: JSON.stringify(offer.metadata),
      bulk,
      availableFrom: 0,
      availableUntil: 0,
      prices: [],
      inactive: [],
      popularity: this.rng.weighted([[1, 3], [2, 4], [4, 3], [8, 2], [14, 1]] as const),
      quality: this.rng.weighted([[-1, 2], [0, 6], [1, 3]] as const),
      occupancy: [],
    };
  }

  /** Gives a fifth of the listings an availability window, some of which closes before the seed ends. */
  private addWindow(listing: PlannedListing): void {
    if (!this.rng.chance(0.2)) return;
    listing.availableFrom = listing.createdAt + this.rng.int(0, 72) * HOUR;
    listing.availableUntil = listing.availableFrom + this.rng.int(20, 150) * DAY;
  }

  private freeMinute(used: Set<number>, at: number): number {
    let minute = Math.ceil(at / MIN) * MIN;
    while (used.has(minute)) minute += MIN;
    used.add(minute);
    return minute;
  }

  /** Price changes (for price history), a few deactivations and metadata edits. */
  private planListingMaintenance(): void {
    for (const listing of this.listings) {
      const first = listing.createdAt + DAY;
      if (first >= this.end - 2 * DAY) continue;
      if (this.rng.chance(0.35)) {
        const times = Array.from({ length: this.rng.int(1, 3) }, () => this.offGrid(this.rng.int(first, this.end - HOUR)));
        for (const at of [...new Set(times)].sort((a, b) => a - b)) {
          const old = listing.prices[listing.prices.length - 1].price;
          const changed = (old * BigInt(this.rng.int(85, 118))) / 100n;
          const price = changed / CENT > 0n ? (changed / CENT) * CENT : CENT;
          if (price === old) continue;
          listing.prices.push({ at, price });
          this.actions.push({ at, from: listing.provider, kind: "updatePrice", listing, price });
        }
      }
      if (this.rng.chance(0.1) && listing.createdAt + 5 * DAY < this.end - 2 * DAY) {
        const from = this.offGrid(this.rng.int(Math.max(listing.createdAt + 5 * DAY, Math.floor(this.end * 0.4)), this.end - 2 * DAY));
        const back = this.rng.chance(0.5) ? this.offGrid(from + this.rng.int(1, 10) * DAY) : Infinity;
        const until = back < this.end - HOUR ? back : Infinity;
        listing.inactive.push({ from, until });
        this.actions.push({ at: from, from: listing.provider, kind: "setListingActive", listing, active: false });
        if (until !== Infinity) this.actions.push({ at: until, from: listing.provider, kind: "setListingActive", listing, active: true });
      }
      if (this.rng.chance(0.08)) {
        const at = this.offGrid(this.rng.int(first, this.end - HOUR));
        const metadata = JSON.stringify({
          ...listing.offer.metadata,
          description: `${listing.offer.metadata.description} Update: uplink upgraded to 100 Gbps at no extra cost.`,
        });
        this.actions.push({ at, from: listing.provider, kind: "updateMetadata", listing, metadata });
      }
    }
  }

  private offGrid(at: number): number {
    return Math.floor(at / MIN) * MIN + OFF_GRID;
  }

  /* ----------------------------------------------------------- rentals */

  private planRentals(): void {
    const fates = this.fateList();
    // Rentals still open at the end compete for the capacity of the last days: place them first.
    const openAtEnd = new Set<Fate>(["requested", "active", "disputed"]);
    const ordered = [...fates.filter((f) => openAtEnd.has(f)), ...fates.filter((f) => !openAtEnd.has(f))];
    for (const fate of ordered) {
      for (let attempt = 0; attempt < 60; attempt++) {
        if (this.tryPlaceRental(fate)) break;
      }
    }
    this.rentals.sort((a, b) => a.rental.rentAt - b.rental.rentAt);
    for (const [i, planned] of this.rentals.entries()) {
      planned.rental.seq = i + 1;
      for (const step of planned.steps) {
        this.actions.push({ ...step.call, rental: planned.rental, at: planned.rental.rentAt + step.off } as RentalAction);
      }
    }
  }

  private fateList(): Fate[] {
    const total = FATES.reduce((sum, fate) => sum + FATE_WEIGHTS[fate], 0);
    const minimum = this.scale.rentals >= 100 ? 3 : 2;
    const fates = FATES.flatMap((fate) => {
      const count = Math.max(minimum, Math.round((this.scale.rentals * FATE_WEIGHTS[fate]) / total));
      return Array.from({ length: count }, () => fate);
    });
    return this.rng.shuffle(fates);
  }

  private tryPlaceRental(fate: Fate): boolean {
    const rng = this.rng;
    const consumer = rng.weighted(this.consumers.map((c) => [c, this.consumerWeight.get(c) ?? 1] as const));
    const listing = rng.weighted(this.listings.map((l) => [l, l.popularity] as const));
    const permit = this.isPermitConsumer(consumer);
    const dispute = fate === "resolvedByArbiter" || fate === "resolvedByDefault" || fate === "disputed";
    let hours = rng.skewedInt(listing.offer.minHours, listing.offer.maxHours, 2.2);
    if (dispute) hours = Math.max(hours, 4);

    const earliest = Math.max(listing.createdAt + 10 * MIN, listing.availableFrom, HOUR);
    let t: number;
    if (fate === "requested") {
      t = this.end - rng.int(2, 25) * MIN;
    } else if (fate === "active") {
      t = this.end - rng.int(45, 4 * 24 * 60) * MIN;
    } else if (fate === "disputed") {
      t = this.end - rng.int(3 * 60, 6 * 24 * 60) * MIN;
    } else {
      t = 0; // placed once its length is known
    }

    const acceptOff = rng.int(1, this.acceptWithinMin) * MIN;
    if (fate === "active") {
      // Still running when the seed stops, often for days more.
      const remainingHours = Math.ceil((this.end + HOUR - (t + acceptOff)) / HOUR);
      hours = Math.min(MAX_HOURS, remainingHours + rng.skewedInt(1, 120, 1.8));
    }
    const steps: Step[] = [{ off: 0, call: { from: consumer, kind: "rent" } }];
    const duration = hours * HOUR;
    const endOff = acceptOff + duration;
    const provider = listing.provider;
    let extension: { off: number; extraHours: number } | undefined;
    let close: number;
    let rate: { after: number; fateKind: "good" | "mixed" | "bad" } | undefined;
    let award: number | undefined;

    const minutes = (seconds: number) => Math.floor(seconds / MIN) * MIN;
    const within = (lo: number, hi: number) => minutes(acceptOff + duration * (lo + rng.float() * (hi - lo)));
    const accept = () => steps.push({ off: acceptOff, call: { from: provider, kind: "accept" } });

    switch (fate) {
      case "settled": {
        accept();
        let lastOff = acceptOff;
        if (hours >= 6 && rng.chance(0.35)) {
          lastOff = within(0.25, 0.6);
          steps.push({ off: lastOff, call: { from: provider, kind: "release" } });
          if (hours >= 48 && rng.chance(0.5)) {
            const second = Math.max(lastOff + 20 * MIN, within(0.65, 0.85));
            if (second <= endOff - 20 * MIN) {
              lastOff = second;
              steps.push({ off: second, call: { from: provider, kind: "release" } });
            }
          }
        }
        let finalEnd = endOff;
        if (!permit && hours >= 2 && hours <= 96 && rng.chance(0.1)) {
          const off = Math.max(lastOff + 10 * MIN, within(0.3, 0.7));
          if (off <= endOff - 20 * MIN) {
            extension = { off, extraHours: rng.int(1, 24) };
            finalEnd += extension.extraHours * HOUR;
          }
        }
        const settleOff = finalEnd + rng.skewedInt(5, 36 * 60, 2.5) * MIN;
        const settler = rng.weighted([[consumer, 4], [provider, 5], [ADMIN_ACCOUNT, 1]] as const);
        steps.push({ off: settleOff, call: { from: settler, kind: "settle" } });
        close = settleOff;
        if (rng.chance(0.75)) rate = { after: settleOff, fateKind: "good" };
        break;
      }
      case "terminated": {
        accept();
        let lastOff = acceptOff;
        if (hours >= 6 && rng.chance(0.25)) {
          lastOff = within(0.15, 0.35);
          steps.push({ off: lastOff, call: { from: provider, kind: "release" } });
        }
        const off = Math.min(endOff - 20 * MIN, Math.max(lastOff + 20 * MIN, within(0.3, 0.85)));
        steps.push({ off, call: { from: consumer, kind: "terminate" } });
        close = off;
        if (rng.chance(0.6)) rate = { after: off, fateKind: "mixed" };
        break;
      }
      case "rejected":
        close = rng.int(2, this.acceptWithinMin + 2) * MIN;
        steps.push({ off: close, call: { from: provider, kind: "reject" } });
        break;
      case "cancelled":
        close = rng.int(1, 25) * MIN;
        steps.push({ off: close, call: { from: consumer, kind: "cancel" } });
        break;
      case "expired": {
        close = Math.ceil(this.settings.acceptanceTimeout / MIN) * MIN + rng.skewedInt(10, 3 * 24 * 60, 2) * MIN;
        const caller = rng.chance(0.65) ? consumer : ADMIN_ACCOUNT;
        steps.push({ off: close, call: { from: caller, kind: "refundExpired" } });
        break;
      }
      case "resolvedByArbiter":
      case "resolvedByDefault":
      case "disputed": {
        accept();
        const disputeOff = Math.min(endOff - 20 * MIN, Math.max(acceptOff + 20 * MIN, within(0.15, 0.7)));
        const opener = rng.chance(0.7) ? consumer : provider;
        steps.push({ off: disputeOff, call: { from: opener, kind: "openDispute" } });
        if (fate === "disputed") {
          close = Infinity;
          if (t + disputeOff > this.end - 10 * MIN) return false;
        } else if (fate === "resolvedByArbiter") {
          close = disputeOff + rng.int(2 * 60, 5 * 24 * 60) * MIN;
          award = rng.weighted([[0, 1], [25, 2], [40, 2], [50, 4], [60, 2], [75, 2], [100, 1]] as const);
          steps.push({ off: close, call: { from: ADMIN_ACCOUNT, kind: "resolveDispute", toProvider: 0n } });
          if (rng.chance(0.5)) rate = { after: close, fateKind: "bad" };
        } else {
          close = disputeOff + Math.ceil(this.settings.disputeTimeout / MIN) * MIN + rng.int(60, 2 * 24 * 60) * MIN;
          const caller = rng.weighted([[consumer, 5], [provider, 3], [ADMIN_ACCOUNT, 2]] as const);
          steps.push({ off: close, call: { from: caller, kind: "resolveExpiredDispute" } });
          if (rng.chance(0.5)) rate = { after: close, fateKind: "bad" };
        }
        break;
      }
      case "active": {
        accept();
        const releaseOff = minutes(acceptOff + (this.end - t - acceptOff) / 2);
        if (rng.chance(0.4) && releaseOff >= acceptOff + 20 * MIN) {
          steps.push({ off: releaseOff, call: { from: provider, kind: "release" } });
        }
        close = Infinity;
        break;
      }
      case "requested":
        close = Infinity;
        break;
    }

    // Place a finished story in time: later months are busier (a growing market).
    if (t === 0) {
      const lifetime = Math.max(close, ...steps.map((s) => s.off));
      const latest = this.end - 10 * MIN - lifetime;
      if (latest < earliest) return false;
      t = earliest + Math.floor((latest - earliest) * Math.pow(rng.float(), 0.8));
    }
    t = Math.ceil(t / MIN) * MIN;
    if (t < earliest || this.rentMinutes.has(t)) return false;
    if (steps.some((s) => t + s.off > this.end)) return false;

    // The listing must accept this rent at t: active, in its window, with a free slot until it closes.
    if (!this.isActive(listing, t)) return false;
    if (listing.availableUntil && t + duration + HOUR > listing.availableUntil) return false;
    const closeAt = close === Infinity ? Infinity : t + close;
    const overlapping = listing.occupancy.filter((o) => o.from <= closeAt && t <= o.until).length;
    if (overlapping >= listing.offer.capacity) return false;

    const pricePerHour = this.priceAt(listing, t);
    let amount = pricePerHour * BigInt(hours);
    let extraHours = 0;
    if (extension) {
      const at = t + extension.off;
      const newEnd = t + endOff + extension.extraHours * HOUR;
      const fits = this.isActive(listing, at) && (!listing.availableUntil || newEnd + HOUR <= listing.availableUntil);
      if (fits) {
        const price = this.priceAt(listing, at);
        extraHours = extension.extraHours;
        amount += price * BigInt(extraHours);
        steps.push({ off: extension.off, call: { from: consumer, kind: "extend", extraHours, maxPrice: price } });
      } else {
        // Without the extension the rental ends earlier: settle sooner, keep the same delay.
        const settle = steps.find((s) => s.call.kind === "settle");
        if (settle) settle.off -= extension.extraHours * HOUR;
        close -= extension.extraHours * HOUR;
        if (rate) rate.after = close;
      }
    }
    const spent = (this.spent.get(consumer) ?? 0n) + amount;
    if (spent > this.mintPerConsumer) return false;

    const rental: PlannedRental = { seq: 0, listing, consumer, permit, fate, hours, extraHours, rentAt: t, pricePerHour, amount };
    for (const step of steps) {
      // No release happens before a dispute, so the whole escrow is frozen and the split is exact.
      if (step.call.kind === "resolveDispute") step.call.toProvider = (amount * BigInt(award ?? 0)) / 100n;
    }
    if (rate) {
      const off = rate.after + rng.int(60, 3 * 24 * 60) * MIN;
      if (t + off <= this.end - 5 * MIN) {
        rental.score = this.score(rate.fateKind, listing.quality);
        steps.push({ off, call: { from: consumer, kind: "rate", score: rental.score } });
      }
    }

    this.rentMinutes.add(t);
    this.spent.set(consumer, spent);
    listing.occupancy.push({ from: t, until: closeAt });
    this.rentals.push({ rental, steps: steps.sort((a, b) => a.off - b.off), close: closeAt });
    return true;
  }

  private isActive(listing: PlannedListing, at: number): boolean {
    return !listing.inactive.some((w) => w.from <= at && at <= w.until);
  }

  private priceAt(listing: PlannedListing, at: number): bigint {
    let price = listing.prices[0].price;
    for (const change of listing.prices) if (change.at <= at) price = change.price;
    return price;
  }

  /** Ratings lean positive for finished rentals, negative after disputes, and follow listing quality. */
  private score(kind: "good" | "mixed" | "bad", quality: number): number {
    const table = {
      good: [[5, 56], [4, 28], [3, 9], [2, 4], [1, 3]],
      mixed: [[5, 30], [4, 32], [3, 20], [2, 10], [1, 8]],
      bad: [[5, 6], [4, 12], [3, 22], [2, 28], [1, 32]],
    } as const;
    let score: number = this.rng.weighted(table[kind]);
    if (quality > 0 && score < 5 && this.rng.chance(0.3)) score += 1;
    if (quality < 0 && score > 1 && this.rng.chance(0.3)) score -= 1;
    return score;
  }

  /* -------------------------------------------------------- withdrawals */

  /**
   * Every month some providers and consumers pull their credits, and the fees go to the treasury. Only
   * accounts credited since their last withdrawal are planned, since withdrawing nothing reverts.
   */
  private planWithdrawals(): void {
    const credits = new Map<number, number[]>();
    const feeTimes: number[] = [];
    const credit = (account: number, at: number) => credits.set(account, [...(credits.get(account) ?? []), at]);
    for (const action of this.actions) {
      if (!("rental" in action)) continue;
      const { consumer, listing } = action.rental;
      const provider = listing.provider;
      switch (action.kind) {
        case "reject":
        case "cancel":
        case "refundExpired":
          credit(consumer, action.at);
          break;
        case "release":
        case "settle":
          credit(provider, action.at);
          feeTimes.push(action.at);
          break;
        case "terminate":
        case "resolveExpiredDispute":
          credit(provider, action.at);
          credit(consumer, action.at);
          feeTimes.push(action.at);
          break;
        case "resolveDispute":
          if (action.toProvider > 0n) {
            credit(provider, action.at);
            feeTimes.push(action.at);
          }
          if (action.toProvider < action.rental.amount) credit(consumer, action.at);
          break;
      }
    }
    const checkpoints: number[] = [];
    for (let at = 30 * DAY + 12 * HOUR; at < this.end - 2 * HOUR; at += 30 * DAY) checkpoints.push(this.offGrid(at));
    checkpoints.push(this.offGrid(this.end - 90 * MIN));
    const lastWithdrawal = new Map<number, number>();
    let lastFees = 0;
    for (const [k, at] of checkpoints.entries()) {
      for (const account of [...this.providers, ...this.consumers]) {
        const since = lastWithdrawal.get(account) ?? -1;
        const owed = (credits.get(account) ?? []).some((c) => c > since && c < at);
        const eager = this.providers.includes(account) ? 0.6 : 0.3;
        if (owed && this.rng.chance(eager)) {
          this.actions.push({ at, from: account, kind: "withdraw" });
          lastWithdrawal.set(account, at);
        }
      }
      const feesOwed = this.settings.feeBps > 0 && feeTimes.some((f) => f > lastFees && f < at);
      if (feesOwed && (k === 0 || k === checkpoints.length - 1)) {
        this.actions.push({ at, from: ADMIN_ACCOUNT, kind: "withdrawFees" });
        lastFees = at;
      }
    }
  }
}

export type FateCounts = Record<Fate, number>;

export function countFates(plan: SeedPlan): FateCounts {
  const counts = Object.fromEntries(FATES.map((f) => [f, 0])) as FateCounts;
  for (const rental of plan.rentals) counts[rental.fate] += 1;
  return counts;
}

/** The number of rentals the plan leaves in each on-chain status. */
export function expectedStatusCounts(plan: SeedPlan): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const rental of plan.rentals) {
    const status = FATE_STATUS[rental.fate];
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

export type { Category };
