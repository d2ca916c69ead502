/**
 * Seeds a mirror with N rentals and their listings through the indexer's own write path: the
 * decoded events a chain would emit, committed with commitBatch one window of chain time at a time,
 * so every derived row, trigger and rollup is written as a backfill writes it. A rental's lifecycle
 * spans windows (requested, accepted minutes later, settled when it ends, rated after), so its row
 * is loaded and rewritten several times, as on a real chain.
 *
 * The market: a few thousand providers of Zipf-distributed size (the largest with tens of thousands
 * of rentals, most with a few dozen), joining over the months; listings per provider in proportion;
 * rentals arriving at a rate that grows over the period; outcomes mixed as a live market mixes them
 * (settled, terminated early, extended, partly released, disputed and resolved, rejected,
 * cancelled, expired, still running at the end).
 *
 * Generation is deterministic, so an interrupted seed continues: batches up to the stored
 * checkpoint are generated again but not committed.
 */
import { ensureChain } from "../../indexer/src/db/chain-state.js";
import { commitBatch } from "../../indexer/src/db/commit.js";
import type { Db } from "../../indexer/src/db/types.js";
import type { DecodedEvent, EventArgs } from "../../indexer/src/handlers/decode.js";
import { listingMetadata } from "../bench/metadata.js";
import { createRandom, type Random } from "../bench/random.js";

export const ANALYTICS_CHAIN = {
  chainId: 434343,
  marketplace: "0x00000000000000000000000000000000000a7a11",
  token: "0x00000000000000000000000000000000000f7115",
};

const UNIT = 10n ** 18n;
const BLOCK_SECONDS = 12;
const HOUR = 3600;
const DAY = 86400;
/** The history ends here (2026-10-01T00:00:00Z) and runs `days` back from it. */
export const HISTORY_END = 1_790_812_800;
const FEE_BPS = 250;
const ACCEPTANCE_TIMEOUT = DAY;

export type MarketShape = {
  rentals: number;
  days: number;
  providers: number;
  /** Seconds of chain time per committed batch (a multiple of the block time). */
  windowSeconds: number;
};

export function marketShape(rentals: number, days = 180): MarketShape {
  const perDay = rentals / days;
  // About 12,000 events per batch: big enough that the per-statement cost is spread thin.
  const window = Math.max(BLOCK_SECONDS, Math.round((2500 / perDay) * DAY / BLOCK_SECONDS) * BLOCK_SECONDS);
  return { rentals, days, providers: Math.max(20, Math.round(rentals / 250)), windowSeconds: window };
}

type Provider = { address: string; joined: number; weight: number; listings: number[]; cumulativeListings: number[]; quickness: number };
type ListingPlan = { id: number; provider: Provider; created: number; price: bigint };
type Pending = { time: number; seq: number; name: string; args: EventArgs };

export type SeedProgress = { rentals: number; events: number; batches: number; totalBatches: number; skipped: boolean };

export type SeedResult = { rentals: number; listings: number; providers: number; events: number; seeded: boolean; lastBlock: number };

/** Weighted pick over a prefix [0, n) of a cumulative weight array. */
function pickPrefix(r: Random, cumulative: number[], n: number): number {
  const target = r.next() * (cumulative[n - 1] as number);
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulate(weights: number[]): number[] {
  let acc = 0;
  return weights.map((w) => (acc += w));
}

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const hash = (kind: number, n: number) => `0x${kind.toString(16).padStart(2, "0")}${n.toString(16).padStart(62, "0")}`;

/** Providers, their listings (ids in creation order) and the weights rentals are spread by. */
function planMarket(r: Random, shape: MarketShape, start: number) {
  const span = shape.days * DAY;
  const n = shape.providers;
  // Zipf sizes over a random order, except that the ten largest were there from the start.
  const ranks = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 10; i--) {
    const j = 10 + Math.floor(r.next() * (i - 9));
    [ranks[i], ranks[j]] = [ranks[j] as number, ranks[i] as number];
  }
  const providers: Provider[] = ranks.map((rank, i) => ({
    address: address(0x5000 + i),
    // Four in ten from the start, the rest joining evenly over the period.
    joined: i < 10 || r.chance(0.4) ? start + r.int(0, 6 * HOUR) : start + r.int(0, span - 7 * DAY),
    weight: 1 / (rank + 1) ** 0.95,
    listings: [],
    cumulativeListings: [],
    // Large providers answer in seconds to minutes, small ones in minutes to hours.
    quickness: rank < 50 ? r.int(20, 600) : r.int(300, 4 * HOUR),
  }));
  providers.sort((a, b) => a.joined - b.joined);
  const totalWeight = providers.reduce((a, p) => a + p.weight, 0);

  const plans: { provider: Provider; created: number }[] = [];
  for (const p of providers) {
    const expectedRentals = (shape.rentals * p.weight) / totalWeight;
    const count = Math.min(400, Math.max(1, Math.round(expectedRentals / 150))) + r.int(0, 2);
    for (let k = 0; k < count; k++) {
      // The first listing when joining, more over the following weeks.
      const created = k === 0 ? p.joined : p.joined + r.int(0, Math.min(30 * DAY, Math.max(HOUR, start + span - p.joined - HOUR)));
      plans.push({ provider: p, created });
    }
  }
  plans.sort((a, b) => a.created - b.created);
  const listings: ListingPlan[] = plans.map((plan, i) => ({ id: i + 1, provider: plan.provider, created: plan.created, price: 0n }));
  // Within a provider, listings are popular in Zipf order too (its first listing the busiest).
  for (const l of listings) {
    const p = l.provider;
    p.listings.push(l.id);
    p.cumulativeListings.push((p.cumulativeListings.at(-1) ?? 0) + 1 / p.listings.length);
  }
  return { providers, listings, cumulativeProviders: cumulate(providers.map((p) => p.weight)) };
}

/**
 * Seeds `shape.rentals` rentals into `db` (chain ANALYTICS_CHAIN), continuing from its checkpoint.
 * Returns at once when the checkpoint already covers the whole history.
 */
export async function seedRentals(
  db: Db,
  shape: MarketShape,
  onProgress?: (p: SeedProgress) => void,
): Promise<SeedResult> {
  const state = await ensureChain(db, { ...ANALYTICS_CHAIN, startBlock: 1 });
  const r = createRandom(20260401);
  const span = shape.days * DAY;
  const start = HISTORY_END - span;
  const blockOf = (t: number) => 1 + Math.floor((t - start) / BLOCK_SECONDS);
  const timeOf = (block: number) => start + (block - 1) * BLOCK_SECONDS;
  const totalBatches = Math.ceil(span / shape.windowSeconds);
  const lastBlock = blockOf(start + totalBatches * shape.windowSeconds) - 1;
  const { providers, listings, cumulativeProviders } = planMarket(r, shape, start);
  const consumers = Array.from({ length: Math.max(100, Math.round(shape.rentals / 40)) }, (_, i) => address(0x10_0000 + i));
  const result: SeedResult = { rentals: shape.rentals, listings: listings.length, providers: providers.length, events: 0, seeded: false, lastBlock };
  if (state.checkpointBlock >= lastBlock) return result;

  const buckets = new Map<number, Pending[]>();
  let seq = 0;
  const schedule = (time: number, name: string, args: EventArgs) => {
    if (time >= start + span) return; // after the end of the history: the rental stays where it is
    const b = Math.floor((time - start) / shape.windowSeconds);
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push({ time, seq: seq++, name, args });
  };

  let nextListing = 0;
  let rentalId = 0;
  let joinedProviders = 0;
  let txCounter = 0;
  // Arrivals grow linearly from half to one and a half times the mean rate: rental i arrives at the
  // point s of the period where the integral of the rate reaches i / N.
  const arrival = (i: number) => {
    const u = i / shape.rentals;
    return start + Math.floor(((-1 + Math.sqrt(1 + 8 * u)) / 2) * span);
  };

  /** A rental's whole life, its events scheduled at their times. */
  const planRental = (t: number) => {
    while (joinedProviders < providers.length && (providers[joinedProviders] as Provider).joined <= t) joinedProviders++;
    const provider = providers[pickPrefix(r, cumulativeProviders, Math.max(1, joinedProviders))] as Provider;
    // Only the provider's listings created by now.
    let open = provider.listings.length;
    while (open > 1 && (listings[(provider.listings[open - 1] as number) - 1] as ListingPlan).created > t) open--;
    const listing = listings[(provider.listings[pickPrefix(r, provider.cumulativeListings, open)] as number) - 1] as ListingPlan;
    if (listing.created > t) return; // the provider has nothing listed yet
    const id = BigInt(++rentalId);
    const consumer = consumers[Math.floor(r.next() ** 2 * consumers.length)] as string;
    const hours = r.chance(0.7) ? r.int(1, 8) : r.int(9, 72);
    const price = listing.price;
    const amount = price * BigInt(hours);
    schedule(t, "RentalRequested", { rentalId: id, listingId: BigInt(listing.id), consumer, hoursBooked: BigInt(hours), pricePerHour: price, amount, feeBps: FEE_BPS });
    const fee = (gross: bigint) => (gross * BigInt(FEE_BPS)) / 10_000n;
    const roll = r.next();
    if (roll < 0.05) {
      schedule(t + r.int(60, 6 * HOUR), "RentalRejected", { rentalId: id, refund: amount });
      return;
    }
    if (roll < 0.08) {
      schedule(t + r.int(30, 2 * HOUR), "RentalCancelled", { rentalId: id, refund: amount });
      return;
    }
    if (roll < 0.11) {
      schedule(t + ACCEPTANCE_TIMEOUT + r.int(60, 12 * HOUR), "RentalExpired", { rentalId: id, caller: consumer, refund: amount });
      return;
    }
    const accepted = t + Math.min(ACCEPTANCE_TIMEOUT - 60, Math.round(-Math.log(1 - r.next()) * provider.quickness) + 5);
    let ends = accepted + hours * HOUR;
    schedule(accepted, "RentalAccepted", { rentalId: id, startedAt: accepted, endsAt: ends });
    let escrow = amount;
    let released = 0n;
    // Extensions and partial releases happen early in the rental, before any dispute or termination.
    let busyUntil = accepted;
    if (r.chance(0.08)) {
      const extra = r.int(1, 24);
      const extraAmount = price * BigInt(extra);
      ends += extra * HOUR;
      escrow += extraAmount;
      busyUntil = accepted + r.int(60, Math.max(60, hours * HOUR - 600));
      schedule(busyUntil, "RentalExtended", { rentalId: id, extraHours: BigInt(extra), pricePerHour: price, extraAmount, endsAt: ends });
    }
    if (hours > 4 && r.chance(0.1)) {
      const gross = price * BigInt(r.int(1, hours - 1));
      released += gross;
      escrow -= gross;
      busyUntil = Math.max(busyUntil, accepted + HOUR);
      schedule(busyUntil, "PaymentReleased", { rentalId: id, gross, fee: fee(gross) });
    }
    const outcome = r.next();
    let closed: number;
    if (outcome < 0.04) {
      // Disputed; most are resolved within days, the rest still open.
      const opened = busyUntil + r.int(60, Math.max(120, ends - busyUntil));
      schedule(opened, "DisputeOpened", { rentalId: id, openedBy: r.chance(0.7) ? consumer : provider.address, frozen: escrow });
      if (!r.chance(0.85)) return;
      const toProvider = (escrow * BigInt(r.int(0, 100))) / 100n;
      closed = opened + r.int(HOUR, 5 * DAY);
      schedule(closed, "DisputeResolved", { rentalId: id, resolver: address(0xd15), byDefault: r.chance(0.2), toProvider, fee: fee(toProvider), toConsumer: escrow - toProvider });
    } else if (outcome < 0.13) {
      // Terminated early by the consumer: the hours used are paid, the rest refunded.
      const total = Number((released + escrow) / price);
      const used = BigInt(r.int(1, Math.max(1, total - 1)));
      const gross = price * used > released ? price * used - released : 0n;
      closed = busyUntil + r.int(60, Math.max(60, ends - busyUntil - 60));
      schedule(closed, "RentalTerminated", { rentalId: id, gross, fee: fee(gross), refund: escrow - gross });
    } else {
      closed = ends + r.int(0, 2 * HOUR);
      schedule(closed, "RentalSettled", { rentalId: id, caller: r.chance(0.6) ? provider.address : consumer, gross: escrow, fee: fee(escrow) });
    }
    if (r.chance(0.4)) schedule(closed + r.int(60, 3 * DAY), "RentalRated", { rentalId: id, listingId: BigInt(listing.id), consumer, score: r.chance(0.6) ? 5 : r.int(1, 4) });
  };

  let arrivalIndex = 0;
  let nextArrival = arrival(0);
  let committed = 0;
  for (let b = 0; b < totalBatches; b++) {
    const windowStart = start + b * shape.windowSeconds;
    const windowEnd = windowStart + shape.windowSeconds;
    // New listings (and, for some, a deactivation later and a reactivation after that).
    while (nextListing < listings.length && (listings[nextListing] as ListingPlan).created < windowEnd) {
      const l = listings[nextListing++] as ListingPlan;
      const meta = listingMetadata(r, l.id);
      const category = (JSON.parse(meta.valid ? meta.text : "{}") as { category?: string }).category ?? "";
      const base = { gpu: 400, "ai-service": 150, "data-processing": 80, cpu: 40, storage: 10 }[category] ?? 60;
      l.price = (BigInt(Math.round(base * (0.4 + r.next() * 1.6))) * UNIT) / 100n;
      schedule(l.created, "ListingCreated", {
        listingId: BigInt(l.id),
        provider: l.provider.address,
        token: ANALYTICS_CHAIN.token,
        pricePerHour: l.price,
        availableFrom: 0,
        availableUntil: 0,
        capacity: r.int(1, 16),
        metadata: meta.text,
      });
      if (r.chance(0.06)) {
        const off = l.created + r.int(DAY, 60 * DAY);
        schedule(off, "ListingStatusChanged", { listingId: BigInt(l.id), active: false });
        if (r.chance(0.3)) schedule(off + r.int(HOUR, 20 * DAY), "ListingStatusChanged", { listingId: BigInt(l.id), active: true });
      }
    }
    while (arrivalIndex < shape.rentals && nextArrival < windowEnd) {
      planRental(nextArrival);
      arrivalIndex++;
      nextArrival = arrival(arrivalIndex);
    }
    const pending = (buckets.get(b) ?? []).sort((x, y) => x.time - y.time || x.seq - y.seq);
    buckets.delete(b);
    const fromBlock = blockOf(windowStart);
    const toBlock = blockOf(windowEnd) - 1;
    if (toBlock <= state.checkpointBlock) {
      txCounter += pending.length;
      onProgress?.({ rentals: rentalId, events: result.events, batches: b + 1, totalBatches, skipped: true });
      continue;
    }
    let block = -1;
    let logIndex = 0;
    const events: DecodedEvent[] = pending.map((p) => {
      const n = blockOf(p.time);
      if (n !== block) {
        block = n;
        logIndex = 0;
      }
      return { name: p.name, args: p.args, blockNumber: n, blockHash: hash(0xb0, n), blockTime: timeOf(n), logIndex: logIndex++, txHash: hash(0x7a, ++txCounter), txIndex: 0 };
    });
    await commitBatch(db, {
      chainId: ANALYTICS_CHAIN.chainId,
      fromBlock,
      toBlock,
      events,
      prevHash: null,
      toHash: hash(0xb0, toBlock),
      toTime: timeOf(toBlock),
      hashes: [],
      headBlock: lastBlock,
      undo: false,
      finalityDepth: 1,
    });
    committed++;
    result.events += events.length;
    onProgress?.({ rentals: rentalId, events: result.events, batches: b + 1, totalBatches, skipped: false });
  }
  result.rentals = rentalId;
  result.seeded = committed > 0;
  return result;
}
