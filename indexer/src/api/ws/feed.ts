/** What the WebSocket hub pushes: a committed batch's events with the channels each concerns. */
import type { ApiDeps } from "../deps.js";
import { checksum, iso } from "../lib/format.js";

export type FeedEvent = { channels: string[]; message: Record<string, unknown> };

export type EndingRental = {
  rentalId: string;
  listingId: string;
  consumer: string;
  provider: string;
  endsAt: string;
  secondsLeft: number;
  blockNumber: number;
};

const MARKET_EVENTS = new Set([
  "ListingCreated",
  "ListingPriceUpdated",
  "ListingAvailabilityUpdated",
  "ListingCapacityUpdated",
  "ListingStatusChanged",
  "ListingMetadataUpdated",
]);

// A batch is pushed whole; one far larger than this is a backfill nobody watches live.
const MAX_EVENTS_PER_BATCH = 20_000;

type Row = {
  block_number: number;
  log_index: number;
  tx_hash: string;
  block_time: Date;
  event_name: string;
  args: Record<string, unknown>;
  rental_id: number | null;
  listing_id: number | null;
  consumer: string | null;
  provider: string | null;
  status: string | null;
};

export async function loadBatchEvents(deps: ApiDeps, chainId: number, fromBlock: number, toBlock: number): Promise<FeedEvent[]> {
  const { rows } = await deps.db.query<Row>(
    `SELECT e.block_number, e.log_index, e.tx_hash, e.block_time, e.event_name, e.args, e.rental_id,
            coalesce(e.listing_id, r.listing_id) AS listing_id, r.consumer, coalesce(r.provider, l.provider) AS provider, r.status
     FROM raw_events e
     LEFT JOIN rentals r ON r.chain_id = e.chain_id AND r.rental_id = e.rental_id
     LEFT JOIN listings l ON l.chain_id = e.chain_id AND l.listing_id = coalesce(e.listing_id, r.listing_id)
     WHERE e.chain_id = $1 AND e.block_number BETWEEN $2 AND $3
     ORDER BY e.block_number, e.log_index
     LIMIT ${MAX_EVENTS_PER_BATCH}`,
    [chainId, fromBlock, toBlock],
  );
  return rows.map((r) => {
    const channels: string[] = [];
    if (r.listing_id !== null) channels.push(`resource:${r.listing_id}`);
    const consumer = checksum(r.consumer);
    const provider = checksum(r.provider);
    if (r.rental_id !== null) {
      if (consumer) channels.push(`address:${consumer}`);
      if (provider) channels.push(`address:${provider}`);
    } else if (provider && r.event_name.startsWith("Listing")) {
      channels.push(`address:${provider}`);
    }
    if (MARKET_EVENTS.has(r.event_name)) channels.push("market");
    return {
      channels,
      message: {
        event: r.event_name,
        blockNumber: Number(r.block_number),
        logIndex: Number(r.log_index),
        txHash: r.tx_hash,
        time: iso(r.block_time),
        listingId: r.listing_id === null ? null : String(r.listing_id),
        rentalId: r.rental_id === null ? null : String(r.rental_id),
        // The rental's status after the whole batch (the event itself says which transition this was).
        rentalStatus: r.status,
        args: r.args,
      },
    };
  });
}

/** Running rentals ending within `withinSeconds` of chain time (never behind the wall clock). */
export async function loadEndingRentals(deps: ApiDeps, chainId: number, withinSeconds: number): Promise<EndingRental[]> {
  const { rows } = await deps.db.query<{ rental_id: number; listing_id: number; consumer: string; provider: string; ends_at: Date; left_s: number; block: number }>(
    `SELECT r.rental_id, r.listing_id, r.consumer, r.provider, r.ends_at,
            extract(epoch FROM r.ends_at - greatest(now(), c.checkpoint_time))::float8 AS left_s, c.checkpoint_block AS block
     FROM rentals r JOIN chains c ON c.chain_id = r.chain_id
     WHERE r.chain_id = $1 AND r.status = 'active'
       AND r.ends_at > greatest(now(), c.checkpoint_time)
       AND r.ends_at <= greatest(now(), c.checkpoint_time) + make_interval(secs => $2)
     ORDER BY r.ends_at LIMIT 10000`,
    [chainId, withinSeconds],
  );
  return rows.map((r) => ({
    rentalId: String(r.rental_id),
    listingId: String(r.listing_id),
    consumer: checksum(r.consumer) as string,
    provider: checksum(r.provider) as string,
    endsAt: iso(r.ends_at) as string,
    secondsLeft: Math.max(0, Math.round(Number(r.left_s))),
    blockNumber: Number(r.block),
  }));
}
