/**
 * Seeds a mirror with N listings through the indexer's own write path (commitBatch with decoded
 * ListingCreated events, plus rentals and ratings for a share of them), without a chain, so a
 * million listings take minutes instead of hours. Metadata comes from the benchmark generator:
 * realistic, varied, with a few malformed documents as real providers produce.
 */
import { keccak256, toHex } from "viem";
import { ensureChain } from "../../indexer/src/db/chain-state.js";
import { commitBatch } from "../../indexer/src/db/commit.js";
import type { Db } from "../../indexer/src/db/types.js";
import type { DecodedEvent } from "../../indexer/src/handlers/decode.js";
import { listingMetadata } from "../bench/metadata.js";
import { createRandom } from "../bench/random.js";

export const BENCH_CHAIN = {
  chainId: 424242,
  marketplace: "0x00000000000000000000000000000000000b3c11",
  token: "0x00000000000000000000000000000000000f7115",
};

const UNIT = 10n ** 18n;
const START_TIME = 1_750_000_000;

export type SeedParameters = {
  db: Db;
  listings: number;
  /** Listings per committed batch. */
  batch?: number;
  /** Share of listings that get a rental (and a rating when it completes). */
  rentalShare?: number;
  onProgress?: (done: number, total: number) => void;
};

/** Seeds from the current checkpoint on, so an interrupted seed can be continued. */
export async function seedListings(p: SeedParameters): Promise<{ listings: number; rentals: number }> {
  const batch = p.batch ?? 2000;
  const rentalShare = p.rentalShare ?? 0.1;
  const state = await ensureChain(p.db, { ...BENCH_CHAIN, startBlock: 1 });
  const { rows } = await p.db.query<{ n: number }>("SELECT count(*)::bigint AS n FROM listings WHERE chain_id = $1", [BENCH_CHAIN.chainId]);
  let listingId = Number(rows[0]?.n ?? 0);
  let rentalId = Number((await p.db.query<{ n: number }>("SELECT count(*)::bigint AS n FROM rentals WHERE chain_id = $1", [BENCH_CHAIN.chainId])).rows[0]?.n ?? 0);
  let block = state.checkpointBlock + 1;
  const random = createRandom(listingId + 7);
  const providers = Array.from({ length: 2000 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
  const consumers = Array.from({ length: 5000 }, (_, i) => `0x${(i + 0x100000).toString(16).padStart(40, "0")}`);

  while (listingId < p.listings) {
    const count = Math.min(batch, p.listings - listingId);
    const events: DecodedEvent[] = [];
    const time = START_TIME + block * 12;
    const hash = keccak256(toHex(`block-${block}`));
    let logIndex = 0;
    const event = (name: string, args: DecodedEvent["args"]): DecodedEvent => ({
      name,
      args,
      blockNumber: block,
      blockHash: hash,
      blockTime: time,
      logIndex: logIndex++,
      txHash: keccak256(toHex(`tx-${block}-${logIndex}`)),
      txIndex: 0,
    });
    for (let i = 0; i < count; i++) {
      listingId++;
      const { text } = listingMetadata(random, listingId);
      const cents = BigInt(random.int(5, 4000));
      const price = (cents * UNIT) / 100n;
      events.push(
        event("ListingCreated", {
          listingId: BigInt(listingId),
          provider: random.pick(providers),
          token: BENCH_CHAIN.token,
          pricePerHour: price,
          availableFrom: 0,
          availableUntil: random.chance(0.2) ? time + random.int(1, 180) * 86400 : 0,
          capacity: random.int(1, 16),
          metadata: text,
        }),
      );
      if (random.chance(rentalShare)) {
        rentalId++;
        const hours = random.int(1, 48);
        const consumer = random.pick(consumers);
        events.push(
          event("RentalRequested", {
            rentalId: BigInt(rentalId),
            listingId: BigInt(listingId),
            consumer,
            hoursBooked: BigInt(hours),
            pricePerHour: price,
            amount: price * BigInt(hours),
            feeBps: 250,
          }),
        );
        events.push(event("RentalAccepted", { rentalId: BigInt(rentalId), startedAt: time, endsAt: time + hours * 3600 }));
        if (random.chance(0.7)) {
          const gross = price * BigInt(hours);
          events.push(event("RentalSettled", { rentalId: BigInt(rentalId), caller: consumer, gross, fee: (gross * 250n) / 10_000n }));
          events.push(event("RentalRated", { rentalId: BigInt(rentalId), listingId: BigInt(listingId), consumer, score: random.int(1, 5) }));
        }
      }
    }
    await commitBatch(p.db, {
      chainId: BENCH_CHAIN.chainId,
      fromBlock: block,
      toBlock: block,
      events,
      prevHash: null,
      toHash: hash,
      toTime: time,
      hashes: [],
      headBlock: block,
      undo: false,
      finalityDepth: 1,
    });
    block++;
    p.onProgress?.(listingId, p.listings);
  }
  return { listings: listingId, rentals: rentalId };
}
