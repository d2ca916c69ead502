/**
 * Fills a local chain with marketplace history fast: listings, rentals through every state (requested,
 * accepted, rejected, cancelled, expired and refunded, released, extended, terminated, settled,
 * disputed and resolved by an arbiter or by default), ratings, listing updates and withdrawals.
 *
 * The history is built in rounds. A round lists new resources, rents them and older ones, answers the
 * requests, lets half an hour pass (refunds of unanswered requests, releases, extensions,
 * terminations, disputes), lets a day and more pass (settlements, dispute defaults), then rates,
 * withdraws and updates listings. Every step is one or more transactions per driver, each carrying
 * up to a thousand marketplace calls, sealed into blocks as the block gas limit allows.
 */
import { type Abi, type Address, decodeAbiParameters, encodeFunctionData, type Hex, toEventSelector } from "viem";
import type { AbiEvent } from "viem";
import { marketplaceAbi } from "../../generated/abis.js";
import { listingMetadata } from "./metadata.js";
import { createRandom, type Random } from "./random.js";
import type { Rpc } from "../lib/raw-rpc.js";
import { BlockPacker, type MinedTransaction, TRANSACTION_GAS_CAP, type Transaction } from "./submit.js";
import { ACCEPTANCE_TIMEOUT, type Actor, type BenchWorld, DISPUTE_TIMEOUT } from "./world.js";

const FTNS = 10n ** 18n;
const HOUR = 3600;
const MAX_UINT96 = (1n << 96n) - 1n;
const LISTING_CHUNK = 50; // the marketplace's MAX_BATCH
const MAX_HOURS_BOOKED = 24;
const MAX_EXTRA_HOURS = 4;
/** Gas a transaction may ask for: the cap, less a margin for the base cost and calldata. */
const TX_GAS = TRANSACTION_GAS_CAP - 200_000n;
const TX_BASE_GAS = 150_000n;

/**
 * Upper bounds of the gas one call costs inside a driver's loop (cold storage, first touch): what this
 * chain measured plus about a third, so contract changes of a few thousand gas still fit. They only
 * size the transactions: a bound too low shows as a revert (out of gas) naming the step, never as
 * silently missing events; the result's gasPerCall says what each call really cost.
 */
const GAS_PER_CALL = {
  createListing: 130_000n,
  rent: 110_000n,
  accept: 22_000n,
  reject: 32_000n,
  cancel: 30_000n,
  refundExpired: 30_000n,
  release: 60_000n,
  extend: 60_000n,
  terminate: 75_000n,
  openDispute: 55_000n,
  resolveDispute: 50_000n,
  resolveExpiredDispute: 50_000n,
  settle: 55_000n,
  rate: 33_000n,
  updatePrice: 20_000n,
  updateCapacity: 20_000n,
  updateAvailability: 20_000n,
  updateMetadata: 55_000n,
  setListingActive: 20_000n,
} as const;
type Call = keyof typeof GAS_PER_CALL;

export type GenerateParameters = {
  rpc: Rpc;
  world: BenchWorld;
  /** Stop once at least this many marketplace events exist. */
  events: number;
  seed?: number;
  onProgress?: (progress: GenerateProgress) => void;
};

export type GenerateProgress = { round: number; events: number; blocks: number; seconds: number; step: string };

export type GenerateResult = {
  /** Marketplace events emitted (token events not counted). */
  events: number;
  byEvent: Record<string, number>;
  /** Blocks sealed while generating, and the last one. */
  blocks: number;
  lastBlock: number;
  transactions: number;
  gasUsed: bigint;
  listings: number;
  rentals: number;
  seconds: number;
  /** Gas per call in the fullest transaction of each kind (to keep GAS_PER_CALL honest). */
  gasPerCall: Record<string, number>;
};

type ListingState = {
  provider: number;
  capacity: number;
  open: number;
  active: boolean;
  until: number; // 0 = open-ended
};

type Outcome = "cancel" | "reject" | "expire" | "terminate" | "disputeArbiter" | "disputeDefault" | "settle";

type RentalPlan = {
  id: bigint;
  listingId: number;
  consumer: number;
  provider: number;
  amount: bigint;
  outcome: Outcome;
  release: boolean;
  extend: boolean;
  disputeByProvider: boolean;
  score: number; // 0 = not rated
};

const eventNames = new Map<Hex, string>(
  (marketplaceAbi as Abi)
    .filter((item): item is AbiEvent => item.type === "event")
    .map((event) => [toEventSelector(event), event.name])
);
const RENTAL_REQUESTED = toEventSelector(
  (marketplaceAbi as Abi).find((item): item is AbiEvent => item.type === "event" && item.name === "RentalRequested")!
);

function pickOutcome(r: Random): Outcome {
  const x = r.next();
  if (x < 0.06) return "cancel";
  if (x < 0.12) return "reject";
  if (x < 0.16) return "expire";
  if (x < 0.26) return "terminate";
  if (x < 0.3) return "disputeArbiter";
  if (x < 0.33) return "disputeDefault";
  return "settle";
}

/** Splits `items` into transactions of at most as many calls as fit under the gas cap. */
function chunked<T>(items: readonly T[], call: Call, extraPerCall = 0n): T[][] {
  const perCall = GAS_PER_CALL[call] + extraPerCall;
  const size = Math.max(1, Number((TX_GAS - TX_BASE_GAS) / perCall));
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    let group = groups.get(k);
    if (!group) groups.set(k, (group = []));
    group.push(item);
  }
  return groups;
}

export async function generateEvents({
  rpc,
  world,
  events: target,
  seed = 1,
  onProgress,
}: GenerateParameters): Promise<GenerateResult> {
  const started = performance.now();
  const r = createRandom(seed);
  const packer = new BlockPacker(rpc);
  await packer.init();
  const market = world.marketplace.toLowerCase();

  const byEvent: Record<string, number> = {};
  const gasPerCall: Record<string, number> = {};
  const callsMeasured: Record<string, number> = {};
  let events = 0;
  let transactions = 0;
  let gasUsed = 0n;
  let round = 0;
  const listings: ListingState[] = [undefined as unknown as ListingState]; // ids start at 1
  let rentals = 0;

  const progress = (step: string) =>
    onProgress?.({ round, events, blocks: packer.blocks, seconds: (performance.now() - started) / 1000, step });

  /** Sends the step's transactions, seals them, and counts what they emitted. */
  const step = async (name: string, txs: Transaction[]): Promise<MinedTransaction[]> => {
    const mined = await packer.run(txs);
    for (const tx of mined) {
      transactions++;
      const used = BigInt(tx.receipt.gasUsed);
      gasUsed += used;
      // The fullest transaction of each kind tells the cost per call best (fixed costs amortised).
      if (tx.operations >= (callsMeasured[tx.label] ?? 0)) {
        callsMeasured[tx.label] = tx.operations;
        gasPerCall[tx.label] = Math.round(Number(used - 21_000n) / tx.operations);
      }
      for (const log of tx.receipt.logs) {
        if (log.address.toLowerCase() !== market) continue;
        const name = eventNames.get(log.topics[0]) ?? "unknown";
        byEvent[name] = (byEvent[name] ?? 0) + 1;
        events++;
      }
    }
    progress(name);
    return mined;
  };

  const tx = (
    actor: Actor,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
    call: Call,
    operations: number,
    extraGas = 0n
  ): Transaction => ({
    from: actor.owner,
    to: actor.address,
    data: encodeFunctionData({ abi, functionName, args }),
    gas: TX_BASE_GAS + (GAS_PER_CALL[call] + extraGas) * BigInt(operations) + 21_000n,
    label: call,
    operations,
  });
  const { provider: providerAbi, consumer: consumerAbi, keeper: keeperAbi } = world.abis;

  /** One transaction per chunk of per-actor ids: `method(ids, ...rest)`. */
  const perActor = <T>(
    items: readonly T[],
    actorOf: (item: T) => Actor,
    abi: Abi,
    functionName: string,
    call: Call,
    args: (chunk: T[]) => readonly unknown[]
  ): Transaction[] => {
    const txs: Transaction[] = [];
    const byActor = new Map<Actor, T[]>();
    for (const item of items) {
      const actor = actorOf(item);
      let list = byActor.get(actor);
      if (!list) byActor.set(actor, (list = []));
      list.push(item);
    }
    for (const [actor, list] of byActor) {
      for (const chunk of chunked(list, call)) txs.push(tx(actor, abi, functionName, args(chunk), call, chunk.length));
    }
    return txs;
  };

  while (events < target) {
    round++;
    // Size the round so the last one lands near the target: about four events per rental and a
    // quarter listing per rental.
    const remaining = target - events;
    const rentalsThisRound = Math.max(40, Math.min(9_000, Math.ceil(remaining / 4.2)));
    const listingsThisRound = Math.max(10, Math.ceil(rentalsThisRound / 4));

    // 1. List.
    const now = packer.timestamp;
    const firstNew = listings.length;
    const planned: { state: ListingState; params: unknown }[] = [];
    for (let i = 0; i < listingsThisRound; i++) {
      const provider = r.int(0, world.providers.length - 1);
      const capacity = r.chance(0.5) ? r.int(1, 4) : r.chance(0.6) ? r.int(8, 64) : r.int(100, 1000);
      // One in six listings is only available for a window of weeks.
      const windowed = r.chance(1 / 6);
      const until = windowed ? now + r.int(20, 120) * 24 * HOUR : 0;
      planned.push({
        state: { provider, capacity, open: 0, active: true, until },
        params: {
          token: world.token,
          pricePerHour: BigInt(r.int(1, 400)) * (FTNS / 10n),
          availableFrom: windowed ? now - HOUR : 0,
          availableUntil: until,
          capacity,
          metadata: listingMetadata(r, firstNew + i).text,
        },
      });
    }
    const listingTxs: Transaction[] = [];
    const listingTxItems: (typeof planned)[] = [];
    for (const [provider, list] of groupBy(planned, (l) => l.state.provider)) {
      for (const chunk of chunked(list, "createListing")) {
        const calls: unknown[][] = [];
        for (let i = 0; i < chunk.length; i += LISTING_CHUNK)
          calls.push(chunk.slice(i, i + LISTING_CHUNK).map((l) => l.params));
        listingTxs.push(
          tx(world.providers[provider], providerAbi, "createListings", [calls], "createListing", chunk.length)
        );
        listingTxItems.push(chunk);
      }
    }
    // Transactions of several providers run in any order, so the chain picks the ids: read each
    // transaction's ListingCreated events, which follow its own items in order.
    const listed = await step("list", listingTxs);
    listed.forEach((m, i) => {
      const created = m.receipt.logs.filter(
        (log) => log.address.toLowerCase() === market && eventNames.get(log.topics[0]) === "ListingCreated"
      );
      created.forEach((log, k) => {
        listings[Number(BigInt(log.topics[1]))] = listingTxItems[i][k].state;
      });
    });
    for (let id = firstNew; id < firstNew + planned.length; id++) {
      if (!listings[id]) throw new Error(`listing ${id} was not created in round ${round}`);
    }

    // 2. Rent: mostly this round's listings, some older ones.
    const rentTime = packer.timestamp + 60;
    const wanted: { listingId: number; consumer: number; hours: number }[] = [];
    for (let i = 0; i < rentalsThisRound; i++) {
      const hours = r.pick([1, 1, 2, 2, 3, 4, 6, 8, 12, MAX_HOURS_BOOKED]);
      for (let attempt = 0; attempt < 10; attempt++) {
        const listingId =
          r.chance(0.7) || firstNew === 1 ? r.int(firstNew, listings.length - 1) : r.int(1, firstNew - 1);
        const l = listings[listingId];
        const fits = l.until === 0 || rentTime + (hours + MAX_EXTRA_HOURS + 1) * HOUR < l.until;
        if (!l.active || l.open >= l.capacity || !fits) continue;
        l.open++;
        wanted.push({ listingId, consumer: r.int(0, world.consumers.length - 1), hours });
        break;
      }
    }
    const rented = await step(
      "rent",
      perActor(
        wanted,
        (w) => world.consumers[w.consumer],
        consumerAbi,
        "rent",
        "rent",
        (chunk) => [chunk.map((w) => BigInt(w.listingId)), chunk.map((w) => w.hours), MAX_UINT96]
      )
    );
    const plans: RentalPlan[] = [];
    const consumerIndex = new Map(world.consumers.map((c, i) => [c.address.toLowerCase(), i]));
    for (const m of rented) {
      for (const log of m.receipt.logs) {
        if (log.address.toLowerCase() !== market || log.topics[0] !== RENTAL_REQUESTED) continue;
        const listingId = Number(BigInt(log.topics[2]));
        const [, , amount] = decodeAbiParameters(
          [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint16" }],
          log.data
        );
        const outcome = pickOutcome(r);
        plans.push({
          id: BigInt(log.topics[1]),
          listingId,
          consumer: consumerIndex.get(`0x${log.topics[3].slice(26)}`)!,
          provider: listings[listingId].provider,
          amount,
          outcome,
          release: outcome === "settle" && r.chance(0.5),
          extend: outcome === "settle" && r.chance(0.12),
          disputeByProvider: r.chance(0.4),
          score: 0,
        });
      }
    }
    rentals += plans.length;
    const consumerOf = (p: RentalPlan) => world.consumers[p.consumer];
    const providerOf = (p: RentalPlan) => world.providers[p.provider];
    const ids = (chunk: RentalPlan[]) => chunk.map((p) => p.id);
    const is = (...outcomes: Outcome[]) => plans.filter((p) => outcomes.includes(p.outcome));

    // 3. Answer: cancel, reject, accept; leave some unanswered.
    await step("answer", [
      ...perActor(is("cancel"), consumerOf, consumerAbi, "cancel", "cancel", (c) => [ids(c)]),
      ...perActor(is("reject"), providerOf, providerAbi, "reject", "reject", (c) => [ids(c)]),
      ...perActor(
        plans.filter((p) => !["cancel", "reject", "expire"].includes(p.outcome)),
        providerOf,
        providerAbi,
        "accept",
        "accept",
        (c) => [ids(c)]
      ),
    ]);

    // 4. Half an hour later: refund the unanswered, release, extend, terminate, dispute.
    await packer.increaseTime(ACCEPTANCE_TIMEOUT + 60);
    const extraHours = r.int(1, MAX_EXTRA_HOURS);
    const disputes = is("disputeArbiter", "disputeDefault");
    await step("midway", [
      ...perActor(
        is("expire"),
        () => world.keeper,
        keeperAbi,
        "refundExpired",
        "refundExpired",
        (c) => [ids(c)]
      ),
      ...perActor(
        plans.filter((p) => p.release),
        providerOf,
        providerAbi,
        "release",
        "release",
        (c) => [ids(c)]
      ),
      ...perActor(
        plans.filter((p) => p.extend),
        consumerOf,
        consumerAbi,
        "extend",
        "extend",
        (c) => [ids(c), extraHours, MAX_UINT96]
      ),
      ...perActor(is("terminate"), consumerOf, consumerAbi, "terminate", "terminate", (c) => [ids(c)]),
      ...perActor(
        disputes.filter((p) => !p.disputeByProvider),
        consumerOf,
        consumerAbi,
        "openDisputes",
        "openDispute",
        (c) => [ids(c)]
      ),
      ...perActor(
        disputes.filter((p) => p.disputeByProvider),
        providerOf,
        providerAbi,
        "openDisputes",
        "openDispute",
        (c) => [ids(c)]
      ),
    ]);

    // 5. The arbiter decides some disputes: a share of the frozen escrow to the provider.
    await step(
      "arbitrate",
      perActor(
        is("disputeArbiter"),
        () => world.keeper,
        keeperAbi,
        "resolveDisputes",
        "resolveDispute",
        (c) => [ids(c), c.map((p) => (p.amount * BigInt(r.int(0, 100))) / 100n)]
      )
    );

    // 6. Past every rental's end and the dispute timeout: settle, apply dispute defaults.
    await packer.increaseTime((MAX_HOURS_BOOKED + MAX_EXTRA_HOURS) * HOUR + DISPUTE_TIMEOUT - ACCEPTANCE_TIMEOUT);
    await step("settle", [
      ...perActor(
        is("settle"),
        () => world.keeper,
        keeperAbi,
        "settle",
        "settle",
        (c) => [ids(c)]
      ),
      ...perActor(
        is("disputeDefault"),
        () => world.keeper,
        keeperAbi,
        "resolveExpiredDisputes",
        "resolveExpiredDispute",
        (c) => [ids(c)]
      ),
    ]);
    for (const p of plans) listings[p.listingId].open--;

    // 7. Rate, withdraw, and update listings (none has an open rental now).
    for (const p of is("terminate", "settle", "disputeArbiter", "disputeDefault")) {
      if (r.chance(0.65)) p.score = r.pick([5, 5, 5, 4, 4, 4, 3, 2, 1]);
    }
    const rated = plans.filter((p) => p.score > 0);
    const updates = listingUpdates(r, listings, Math.ceil(listingsThisRound * 0.1), packer.timestamp);
    await step("rate+update", [
      ...perActor(rated, consumerOf, consumerAbi, "rate", "rate", (c) => [ids(c), c.map((p) => p.score)]),
      ...perActor(
        updates.prices,
        (u) => world.providers[listings[u.id].provider],
        providerAbi,
        "updatePrices",
        "updatePrice",
        (c) => [c.map((u) => BigInt(u.id)), c.map((u) => u.value)]
      ),
      ...perActor(
        updates.capacities,
        (u) => world.providers[listings[u.id].provider],
        providerAbi,
        "updateCapacities",
        "updateCapacity",
        (c) => [c.map((u) => BigInt(u.id)), c.map((u) => u.value)]
      ),
      ...perActor(
        updates.metadata,
        (u) => world.providers[listings[u.id].provider],
        providerAbi,
        "updateMetadata",
        "updateMetadata",
        (c) => [c.map((u) => BigInt(u.id)), c.map((u) => u.value)]
      ),
      ...perActor(
        updates.deactivate,
        (id) => world.providers[listings[id].provider],
        providerAbi,
        "setListingsActive",
        "setListingActive",
        (c) => [c.map(BigInt), false]
      ),
      ...perActor(
        updates.reactivate,
        (id) => world.providers[listings[id].provider],
        providerAbi,
        "setListingsActive",
        "setListingActive",
        (c) => [c.map(BigInt), true]
      ),
      ...perActor(
        updates.windows,
        (u) => world.providers[listings[u.id].provider],
        providerAbi,
        "updateAvailabilities",
        "updateAvailability",
        (c) => [c.map((u) => BigInt(u.id)), 0, c[0].until]
      ),
    ]);
    await step("withdraw", await withdrawals(rpc, world));
  }

  return {
    events,
    byEvent,
    blocks: packer.blocks,
    lastBlock: Number(packer.latest!.number),
    transactions,
    gasUsed,
    listings: listings.length - 1,
    rentals,
    seconds: (performance.now() - started) / 1000,
    gasPerCall,
  };
}

type ListingUpdates = {
  prices: { id: number; value: bigint }[];
  capacities: { id: number; value: number }[];
  metadata: { id: number; value: string }[];
  deactivate: number[];
  reactivate: number[];
  /** All windows of one round end at the same time (one call argument per transaction). */
  windows: { id: number; until: number }[];
};

/** About `count` changes to random listings, applied to our view of them as they are planned. */
function listingUpdates(r: Random, listings: ListingState[], count: number, now: number): ListingUpdates {
  const updates: ListingUpdates = {
    prices: [],
    capacities: [],
    metadata: [],
    deactivate: [],
    reactivate: [],
    windows: [],
  };
  const touched = new Set<number>();
  const until = now + r.int(30, 120) * 24 * HOUR;
  for (let i = 0; i < count; i++) {
    const id = r.int(1, listings.length - 1);
    if (touched.has(id)) continue; // one change per listing per round keeps the plan simple to follow
    touched.add(id);
    const l = listings[id];
    const x = r.next();
    if (x < 0.55) updates.prices.push({ id, value: BigInt(r.int(1, 400)) * (FTNS / 10n) });
    else if (x < 0.65) {
      l.capacity = r.int(1, 64);
      updates.capacities.push({ id, value: l.capacity });
    } else if (x < 0.75) updates.metadata.push({ id, value: listingMetadata(r, id).text });
    else if (x < 0.88) {
      if (l.active) updates.deactivate.push(id);
      else updates.reactivate.push(id);
      l.active = !l.active;
    } else {
      l.until = until;
      updates.windows.push({ id, until });
    }
  }
  return updates;
}

/** Every driver withdraws what it was credited; the fees go to the treasury. */
async function withdrawals(rpc: Rpc, world: BenchWorld): Promise<Transaction[]> {
  const credit = async (account: Address) =>
    BigInt(
      await rpc<Hex>("eth_call", [
        {
          to: world.marketplace,
          data: encodeFunctionData({ abi: marketplaceAbi, functionName: "creditOf", args: [account, world.token] }),
        },
        "latest",
      ])
    );
  const txs: Transaction[] = [];
  const parties: [Actor, Abi][] = [
    ...world.providers.map((p): [Actor, Abi] => [p, world.abis.provider]),
    ...world.consumers.map((c): [Actor, Abi] => [c, world.abis.consumer]),
  ];
  for (const [actor, abi] of parties) {
    if ((await credit(actor.address)) === 0n) continue;
    txs.push({
      from: actor.owner,
      to: actor.address,
      data: encodeFunctionData({ abi, functionName: "withdraw", args: [world.token] }),
      gas: 200_000n,
      label: "withdraw",
      operations: 1,
    });
  }
  const fees = BigInt(
    await rpc<Hex>("eth_call", [
      {
        to: world.marketplace,
        data: encodeFunctionData({ abi: marketplaceAbi, functionName: "accruedFees", args: [world.token] }),
      },
      "latest",
    ])
  );
  if (fees > 0n) {
    txs.push({
      from: world.keeper.owner,
      to: world.keeper.address,
      data: encodeFunctionData({ abi: world.abis.keeper, functionName: "withdrawFees", args: [world.token] }),
      gas: 200_000n,
      label: "withdrawFees",
      operations: 1,
    });
  }
  return txs;
}
