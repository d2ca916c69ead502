/**
 * The per-listing and per-provider analytics rollups (migration 0107) against a recount from the
 * mirror's own rows, batch after batch and across a rollback: a rental requested and accepted in one
 * batch, accepted in a later one, extended, settled, rated, rejected, disputed and resolved, and a
 * rolled-back acceptance that held its provider's longest latency.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ensureChain } from "../../indexer/src/db/chain-state.js";
import { commitBatch } from "../../indexer/src/db/commit.js";
import { runMigrations } from "../../indexer/src/db/migrate.js";
import { dropSchema, openDatabase } from "../../indexer/src/db/open.js";
import { rollbackTo } from "../../indexer/src/db/rollback.js";
import type { Db } from "../../indexer/src/db/types.js";
import type { DecodedEvent, EventArgs } from "../../indexer/src/handlers/decode.js";

const CHAIN = { chainId: 515151, marketplace: "0x0000000000000000000000000000000000000a11" };
const TOKEN = "0x0000000000000000000000000000000000000f71";
const P1 = "0x00000000000000000000000000000000000000a1";
const P2 = "0x00000000000000000000000000000000000000a2";
const C1 = "0x00000000000000000000000000000000000000c1";
const UNIT = 10n ** 18n;
const T0 = 1_780_000_000;
/** Ten minutes a block, so a few blocks share an hour bucket and batches straddle buckets. */
const timeOf = (block: number) => T0 + block * 600;
const hashOf = (block: number, fork = 0) => `0x${fork.toString(16).padStart(2, "0")}${block.toString(16).padStart(62, "0")}`;

const url = process.env.API_TEST_DB === "pglite" ? undefined : process.env.DATABASE_URL;
const schema = url ? `api_rollup_test_${randomBytes(4).toString("hex")}` : "public";
let db: Db;
let tx = 0;

before(async () => {
  db = await openDatabase(url ? { url, schema } : { dataDir: "memory://" });
  await runMigrations(db);
  await ensureChain(db, { ...CHAIN, startBlock: 1 });
});
after(async () => {
  if (url) await dropSchema(db, schema).catch(() => {});
  await db?.close();
});

type Ev = [block: number, name: string, args: EventArgs];

async function commit(fromBlock: number, toBlock: number, evs: Ev[], fork = 0) {
  const logIndex = new Map<number, number>();
  const events: DecodedEvent[] = evs.map(([block, name, args]) => {
    const index = logIndex.get(block) ?? 0;
    logIndex.set(block, index + 1);
    return { name, args, blockNumber: block, blockHash: hashOf(block, fork), blockTime: timeOf(block), logIndex: index, txHash: `0x${(++tx).toString(16).padStart(64, "0")}`, txIndex: 0 };
  });
  const hashes = [];
  for (let b = fromBlock; b <= toBlock; b++) hashes.push({ number: b, hash: hashOf(b, fork), timestamp: timeOf(b) });
  await commitBatch(db, {
    chainId: CHAIN.chainId,
    fromBlock,
    toBlock,
    events,
    prevHash: null,
    toHash: hashOf(toBlock, fork),
    toTime: timeOf(toBlock),
    hashes,
    headBlock: toBlock,
    undo: true,
    finalityDepth: 1000,
  });
}

const listing = (id: number, provider: string, price: bigint, category: string): [string, EventArgs] => [
  "ListingCreated",
  { listingId: BigInt(id), provider, token: TOKEN, pricePerHour: price, availableFrom: 0, availableUntil: 0, capacity: 2, metadata: JSON.stringify({ title: `L${id}`, category }) },
];
const request = (rental: number, listingId: number, hours: number, price: bigint): [string, EventArgs] => [
  "RentalRequested",
  { rentalId: BigInt(rental), listingId: BigInt(listingId), consumer: C1, hoursBooked: BigInt(hours), pricePerHour: price, amount: price * BigInt(hours), feeBps: 250 },
];
const accept = (rental: number, block: number, hours: number): [string, EventArgs] => [
  "RentalAccepted",
  { rentalId: BigInt(rental), startedAt: timeOf(block), endsAt: timeOf(block) + hours * 3600 },
];
const fee = (gross: bigint) => (gross * 250n) / 10_000n;
const at = (block: number, [name, args]: [string, EventArgs]): Ev => [block, name, args];

/** Rollup rows, and the same figures recounted from rentals and raw_events. */
async function rollupsAndRecount() {
  const rows = async (sql: string) => JSON.stringify((await db.query(sql, [CHAIN.chainId])).rows);
  return {
    rollup: {
      listings: await rows(
        `SELECT listing_id::text, bucket::text, requested::text, started::text, hours::text, volume::text, released::text, fees::text,
                ratings::text, rating_sum::text, events::text
         FROM api_listing_hourly WHERE chain_id = $1 ORDER BY listing_id, bucket`,
      ),
      providers: await rows(
        `SELECT provider, status, rentals::text, released::text, fees::text, disputed::text, accepted::text, accept_seconds::text
         FROM api_provider_rentals WHERE chain_id = $1 AND rentals > 0 ORDER BY provider, status`,
      ),
      longest: await rows("SELECT provider, max_seconds::text AS m FROM api_provider_acceptance WHERE chain_id = $1 ORDER BY provider"),
    },
    recount: {
      listings: await rows(
        `SELECT r.listing_id::text, date_trunc('hour', e.block_time AT TIME ZONE 'UTC')::text AS bucket,
                count(*) FILTER (WHERE e.event_name = 'RentalRequested')::text AS requested,
                count(*) FILTER (WHERE e.event_name = 'RentalAccepted')::text AS started,
                coalesce(sum(CASE e.event_name WHEN 'RentalRequested' THEN (e.args->>'hoursBooked')::bigint
                                               WHEN 'RentalExtended' THEN (e.args->>'extraHours')::bigint END), 0)::text AS hours,
                coalesce(sum(CASE e.event_name WHEN 'RentalRequested' THEN (e.args->>'amount')::numeric
                                               WHEN 'RentalExtended' THEN (e.args->>'extraAmount')::numeric END), 0)::text AS volume,
                coalesce(sum(CASE WHEN e.event_name IN ('PaymentReleased', 'RentalTerminated', 'RentalSettled') THEN (e.args->>'gross')::numeric
                                  WHEN e.event_name = 'DisputeResolved' THEN (e.args->>'toProvider')::numeric END), 0)::text AS released,
                coalesce(sum((e.args->>'fee')::numeric) FILTER (WHERE e.event_name IN ('PaymentReleased', 'RentalTerminated', 'RentalSettled', 'DisputeResolved')), 0)::text AS fees,
                count(*) FILTER (WHERE e.event_name = 'RentalRated')::text AS ratings,
                coalesce(sum((e.args->>'score')::int) FILTER (WHERE e.event_name = 'RentalRated'), 0)::text AS rating_sum,
                count(*)::text AS events
         FROM rentals r JOIN raw_events e ON e.chain_id = r.chain_id AND e.rental_id = r.rental_id
         WHERE r.chain_id = $1 GROUP BY r.listing_id, 2 ORDER BY r.listing_id, 2`,
      ),
      providers: await rows(
        `SELECT provider, status, count(*)::text AS rentals, sum(released)::text AS released, sum(fees)::text AS fees,
                count(dispute_opened_by)::text AS disputed, count(accepted_time)::text AS accepted,
                coalesce(sum(extract(epoch FROM accepted_time - requested_time)), 0)::text AS accept_seconds
         FROM rentals WHERE chain_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
      longest: await rows(
        `SELECT provider, max(extract(epoch FROM accepted_time - requested_time))::text AS m
         FROM rentals WHERE chain_id = $1 AND accepted_time IS NOT NULL GROUP BY 1 ORDER BY 1`,
      ),
    },
  };
}

/** Numeric text compares as text: normalise "600.000000" and "600". */
const normalise = (json: string) => json.replace(/"(-?\d+)\.0+"/g, '"$1"');
function assertRollupsMatch(state: Awaited<ReturnType<typeof rollupsAndRecount>>, message: string) {
  for (const key of ["listings", "providers", "longest"] as const) {
    assert.equal(normalise(state.rollup[key]), normalise(state.recount[key]), `${message}: ${key}`);
  }
}

describe("per-listing and per-provider analytics rollups", () => {
  const price = 2n * UNIT;
  let afterSecond: Awaited<ReturnType<typeof rollupsAndRecount>>;

  it("equal a recount after each batch, whether a rental's events share a batch or not", async () => {
    await commit(1, 10, [
      at(1, listing(1, P1, price, "gpu")),
      at(1, listing(2, P1, price, "gpu")),
      at(2, listing(3, P2, UNIT, "cpu")),
      at(3, request(1, 1, 3, price)),
      at(4, accept(1, 4, 3)), // same batch as its request: the listing comes from the batch itself
      at(6, request(2, 2, 5, price)),
      at(8, request(5, 1, 2, price)),
    ]);
    assertRollupsMatch(await rollupsAndRecount(), "batch 1");

    await commit(11, 20, [
      at(11, ["RentalExtended", { rentalId: 1n, extraHours: 2n, pricePerHour: price, extraAmount: 2n * price, endsAt: timeOf(4) + 5 * 3600 }]),
      at(12, accept(2, 12, 5)), // an earlier batch's rental: the listing comes from its row
      at(13, ["DisputeOpened", { rentalId: 2n, openedBy: C1, frozen: 5n * price }]),
      at(14, ["RentalSettled", { rentalId: 1n, caller: P1, gross: 5n * price, fee: fee(5n * price) }]),
      at(15, ["RentalRated", { rentalId: 1n, listingId: 1n, consumer: C1, score: 4 }]),
      at(16, request(3, 3, 1, UNIT)),
      at(17, ["RentalRejected", { rentalId: 3n, refund: UNIT }]),
    ]);
    afterSecond = await rollupsAndRecount();
    assertRollupsMatch(afterSecond, "batch 2");
    assert.ok(afterSecond.rollup.providers.includes('"status":"disputed"'), afterSecond.rollup.providers);
  });

  it("a rollback subtracts exactly what it removes, the longest acceptance included", async () => {
    // Doomed: rental 5 accepted after the longest wait of P1 yet, rental 2's dispute resolved, a new rental.
    await commit(21, 30, [
      at(25, accept(5, 25, 2)),
      at(26, ["DisputeResolved", { rentalId: 2n, resolver: P2, byDefault: false, toProvider: 3n * price, fee: fee(3n * price), toConsumer: 2n * price }]),
      at(27, request(4, 2, 1, price)),
      at(27, accept(4, 27, 1)),
      at(29, ["PaymentReleased", { rentalId: 5n, gross: price, fee: fee(price) }]),
    ]);
    const doomed = await rollupsAndRecount();
    assertRollupsMatch(doomed, "batch 3");
    assert.notEqual(doomed.rollup.longest, afterSecond.rollup.longest, "rental 5 holds P1's longest acceptance");

    await rollbackTo(db, { chainId: CHAIN.chainId, ancestor: 20 });
    const rolled = await rollupsAndRecount();
    assertRollupsMatch(rolled, "after the rollback");
    assert.deepEqual(rolled.rollup, afterSecond.rollup, "back to what the second batch left");

    // The other branch: rental 5 rejected instead, rental 2 resolved later.
    await commit(21, 30, [at(22, ["RentalRejected", { rentalId: 5n, refund: 2n * price }]), at(30, ["DisputeResolved", { rentalId: 2n, resolver: P2, byDefault: true, toProvider: 0n, fee: 0n, toConsumer: 5n * price }])], 1);
    assertRollupsMatch(await rollupsAndRecount(), "the new branch");
  });
});
