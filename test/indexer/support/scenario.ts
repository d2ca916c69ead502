/**
 * A long pseudo-random (seeded, so repeatable) sequence of marketplace calls that reaches every event
 * the contract emits: listings created one by one and in bulk, every update, rentals through every
 * path (accept, reject, cancel, expire, extend, release, terminate, settle, dispute and both ways of
 * resolving it), ratings, withdrawals, fee withdrawals and every admin setting, with time moving on.
 * A small model of the state picks calls that should succeed; the contract has the last word.
 */
import type { Address } from "viem";

import { HOUR, UNIT, type Market } from "./market.js";

export function createRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type ListingModel = { id: number; provider: Address; active: boolean };
type RentalModel = { id: number; listingId: number; consumer: Address; provider: Address; status: string; rated: boolean };

export type ScenarioStats = { attempted: number; sent: number; refused: number; calls: Record<string, number> };

const CATEGORIES = ["gpu", "ai-inference", "data-processing", "storage", "cpu"];
const LOCATIONS = ["eu-west", "us-east", "ap-south", "eu-central"];
const TITLES = ["NVIDIA A100 80GB", "H100 cluster", "Llama inference endpoint", "Spark batch workers", "RTX 4090 node"];

/** Metadata of many shapes: mostly well-formed, some malformed in each way the indexer must survive. */
export function randomMetadata(random: () => number, n: number): string {
  const r = random();
  if (r < 0.05) return "{not json";
  if (r < 0.08) return JSON.stringify(["an", "array"]);
  if (r < 0.11) return JSON.stringify({ title: 42, category: "gpu" });
  if (r < 0.13) return JSON.stringify({ title: "nul \u0000 inside", category: "gpu" });
  if (r < 0.15) return JSON.stringify({ title: "specs wrong", specifications: [1, 2, 3] });
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  return JSON.stringify({
    title: `${pick(TITLES)} #${n}`,
    description: `Listing ${n}: ${"fast ".repeat(1 + Math.floor(random() * 5))}compute`,
    category: pick(CATEGORIES),
    resource_type: random() < 0.5 ? "compute" : "service",
    location: pick(LOCATIONS),
    specifications: { memory_gb: 8 * (1 + Math.floor(random() * 16)), vcpus: 1 + Math.floor(random() * 64), gpu: random() < 0.5 ? "A100" : null },
  });
}

export async function runScenario(market: Market, options: { seed: number; steps: number }): Promise<ScenarioStats> {
  const random = createRandom(options.seed);
  const pick = <T>(list: T[]): T | undefined => (list.length ? list[Math.floor(random() * list.length)] : undefined);
  const { admin, node } = market;
  const providers = market.accounts.slice(1, 4);
  const consumers = market.accounts.slice(4, 8);
  const everyone = [...providers, ...consumers, admin];
  const stats: ScenarioStats = { attempted: 0, sent: 0, refused: 0, calls: {} };
  const listings: ListingModel[] = [];
  const rentals: RentalModel[] = [];
  let paused = false;
  let listingCount = Number(await market.read<bigint>("listingCount"));
  let rentalCount = Number(await market.read<bigint>("rentalCount"));

  const send = async (from: Address, fn: string, args: readonly unknown[] = []) => {
    stats.attempted++;
    const receipt = await market.trySend(from, fn, args);
    if (receipt) {
      stats.sent++;
      stats.calls[fn] = (stats.calls[fn] ?? 0) + 1;
    } else stats.refused++;
    return receipt;
  };
  const now = async () => Number((await node.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp);
  const price = () => UNIT / 100n + BigInt(Math.floor(random() * 5000)) * 10n ** 15n + BigInt(Math.floor(random() * 999));
  const inStatus = (status: string) => rentals.filter((r) => r.status === status);
  const listingParams = async (provider: Address) => {
    const t = await now();
    const windowed = random() < 0.15;
    return {
      token: random() < 0.75 ? market.token : market.token2,
      pricePerHour: price(),
      availableFrom: windowed ? t - 10 : 0,
      availableUntil: windowed ? t + 2000 * HOUR : 0,
      capacity: 1 + Math.floor(random() * 3),
      metadata: randomMetadata(random, listingCount + 1),
      provider,
    };
  };

  const actions: [number, () => Promise<unknown>][] = [
    [10, async () => {
      const provider = pick(providers) as Address;
      const { provider: _, ...params } = await listingParams(provider);
      if (await send(provider, "createListing", [params])) listings.push({ id: ++listingCount, provider, active: true });
    }],
    [2, async () => {
      const provider = pick(providers) as Address;
      const batch = [];
      for (let i = 0, n = 2 + Math.floor(random() * 3); i < n; i++) {
        const { provider: _, ...params } = await listingParams(provider);
        batch.push(params);
      }
      if (await send(provider, "createListings", [batch])) for (const _ of batch) listings.push({ id: ++listingCount, provider, active: true });
    }],
    [3, async () => {
      const l = pick(listings);
      if (l) await send(l.provider, "updatePrice", [BigInt(l.id), price()]);
    }],
    [1, async () => {
      const l = pick(listings);
      if (l) await send(l.provider, "updateAvailability", [BigInt(l.id), 0, random() < 0.5 ? 0 : (await now()) + 5000 * HOUR]);
    }],
    [1, async () => {
      const l = pick(listings);
      if (l) await send(l.provider, "updateCapacity", [BigInt(l.id), 1 + Math.floor(random() * 4)]);
    }],
    [2, async () => {
      const l = pick(listings);
      if (l) await send(l.provider, "updateMetadata", [BigInt(l.id), randomMetadata(random, l.id)]);
    }],
    [2, async () => {
      const l = pick(listings);
      if (l && (await send(l.provider, "setListingActive", [BigInt(l.id), !l.active]))) l.active = !l.active;
    }],
    [16, async () => {
      const l = pick(listings.filter((x) => x.active));
      const consumer = pick(consumers) as Address;
      if (!l || l.provider === consumer) return;
      const hours = 1 + Math.floor(random() * 6);
      if (await send(consumer, "rent", [BigInt(l.id), hours, 10n ** 28n])) {
        rentals.push({ id: ++rentalCount, listingId: l.id, consumer, provider: l.provider, status: "requested", rated: false });
      }
    }],
    [8, async () => {
      const r = pick(inStatus("requested"));
      if (r && (await send(r.provider, "accept", [BigInt(r.id)]))) r.status = "active";
    }],
    [2, async () => {
      const r = pick(inStatus("requested"));
      if (r && (await send(r.provider, "reject", [BigInt(r.id)]))) r.status = "rejected";
    }],
    [2, async () => {
      const r = pick(inStatus("requested"));
      if (r && (await send(r.consumer, "cancel", [BigInt(r.id)]))) r.status = "cancelled";
    }],
    [1, async () => {
      const r = pick(inStatus("requested"));
      if (!r) return;
      await node.advance(31 * 60);
      if (await send(pick(everyone) as Address, "refundExpired", [BigInt(r.id)])) r.status = "expired";
    }],
    [3, async () => {
      const r = pick(inStatus("active"));
      if (r) await send(r.consumer, "extend", [BigInt(r.id), 1 + Math.floor(random() * 2), 10n ** 28n]);
    }],
    [4, async () => {
      const r = pick(inStatus("active"));
      if (!r) return;
      await node.advance(Math.floor(random() * HOUR));
      await send(r.provider, "release", [BigInt(r.id)]);
    }],
    [2, async () => {
      const r = pick(inStatus("active"));
      if (r && (await send(r.consumer, "terminate", [BigInt(r.id)]))) r.status = "completed";
    }],
    [3, async () => {
      const r = pick(inStatus("active"));
      if (!r) return;
      await node.advance(9 * HOUR);
      if (await send(pick(everyone) as Address, "settle", [BigInt(r.id)])) r.status = "completed";
    }],
    [2, async () => {
      const r = pick(inStatus("active"));
      if (r && (await send(random() < 0.5 ? r.consumer : r.provider, "openDispute", [BigInt(r.id)]))) r.status = "disputed";
    }],
    [1, async () => {
      const r = pick(inStatus("disputed"));
      if (!r) return;
      const rental = await market.read<{ amount: bigint; released: bigint }>("getRental", [BigInt(r.id)]);
      const frozen = rental.amount - rental.released;
      const toProvider = (frozen * BigInt(Math.floor(random() * 101))) / 100n;
      if (await send(admin, "resolveDispute", [BigInt(r.id), toProvider])) r.status = "resolved";
    }],
    [1, async () => {
      const r = pick(inStatus("disputed"));
      if (!r) return;
      await node.advance(7 * 24 * HOUR + 60);
      if (await send(pick(everyone) as Address, "resolveExpiredDispute", [BigInt(r.id)])) r.status = "resolved";
    }],
    [4, async () => {
      const r = pick(rentals.filter((x) => (x.status === "completed" || x.status === "resolved") && !x.rated));
      if (r && (await send(r.consumer, "rate", [BigInt(r.id), 1 + Math.floor(random() * 5)]))) r.rated = true;
    }],
    [3, async () => {
      await send(pick(everyone) as Address, "withdraw", [random() < 0.75 ? market.token : market.token2]);
    }],
    [1, async () => {
      await send(pick(everyone) as Address, "withdrawFees", [random() < 0.75 ? market.token : market.token2]);
    }],
    [1, async () => {
      const r = random();
      if (r < 0.3) await send(admin, "setFee", [Math.floor(random() * 1001)]);
      else if (r < 0.45) await send(admin, "setTreasury", [pick(everyone)]);
      else if (r < 0.6) await send(admin, "setAcceptanceTimeout", [30 * 60 + Math.floor(random() * 3600)]);
      else if (r < 0.75) await send(admin, "setDisputeTimeout", [7 * 24 * 3600 + Math.floor(random() * 3600)]);
      else if (r < 0.9) {
        if (await send(admin, paused ? "unpause" : "pause")) paused = !paused;
      } else await send(admin, "setPaymentToken", [market.token2, random() < 0.7]);
    }],
    [2, async () => {
      await node.advance(60 + Math.floor(random() * 3 * HOUR));
    }],
  ];
  const total = actions.reduce((sum, [w]) => sum + w, 0);

  for (let step = 0; step < options.steps; step++) {
    let roll = random() * total;
    for (const [weight, action] of actions) {
      roll -= weight;
      if (roll < 0) {
        await action();
        break;
      }
    }
  }
  if (paused) await send(admin, "unpause");
  await send(admin, "setPaymentToken", [market.token2, true]);
  return stats;
}

type Ending = (rental: bigint, consumer: Address, provider: Address) => Promise<unknown>;

/**
 * Each event that can end a consumer's or a provider's money history, as the last of a fresh pair of
 * accounts for its token: accounts derived from rentals take their last block from the transition
 * columns, and a column missed there shows only when that transition is an account's last.
 */
export async function runClosingEvents(market: Market): Promise<void> {
  const { admin, node } = market;
  const consumers = market.accounts.slice(10, 14);
  const providers = market.accounts.slice(14, 18);
  for (const account of [...consumers, ...providers]) {
    for (const token of [market.token, market.token2]) {
      await market.sendToken(token, admin, "mint", [account, 10n ** 27n]);
      await market.sendToken(token, account, "approve", [market.marketplace, 2n ** 256n - 1n]);
    }
  }
  const endings: Ending[] = [
    // An acceptance moves no money: the consumer's last event is the extension, the provider's the request.
    async (id, c, p) => (await market.send(p, "accept", [id]), market.send(c, "extend", [id, 1, 10n ** 28n])),
    async (id, _, p) => (await market.send(p, "accept", [id]), await node.advance(HOUR), market.send(p, "release", [id])),
    async (id, c, p) => (await market.send(p, "accept", [id]), market.send(c, "terminate", [id])),
    // A rating moves no money either.
    async (id, c, p) => {
      await market.send(p, "accept", [id]);
      await node.advance(3 * HOUR);
      await market.send(admin, "settle", [id]);
      return market.send(c, "rate", [id, 4]);
    },
    async (id, c, p) => (await market.send(p, "accept", [id]), await market.send(c, "openDispute", [id]), market.send(admin, "resolveDispute", [id, 0n])),
    async (id, _, p) => market.send(p, "reject", [id]),
    async (id, c) => market.send(c, "cancel", [id]),
    async (id) => (await node.advance(31 * 60), market.send(admin, "refundExpired", [id])),
  ];
  for (const [i, end] of endings.entries()) {
    const consumer = consumers[i % 4] as Address;
    const provider = providers[i % 4] as Address;
    const token = i < 4 ? market.token : market.token2;
    const metadata = JSON.stringify({ title: `closing ${i}`, category: "gpu" });
    await market.send(provider, "createListing", [{ token, pricePerHour: UNIT, availableFrom: 0, availableUntil: 0, capacity: 1, metadata }]);
    await market.send(consumer, "rent", [await market.read<bigint>("listingCount"), 2, 10n ** 28n]);
    await end(await market.read<bigint>("rentalCount"), consumer, provider);
  }
}
