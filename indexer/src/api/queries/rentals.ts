/** Rental reads: filtered keyset pages, CSV rows, and one rental with every transition (a receipt). */
import type { ApiChain } from "../config.js";
import type { ApiDb } from "../deps.js";
import { decodeCursor, encodeCursor, filterFingerprint } from "../lib/cursor.js";
import { amount, checksum, iso } from "../lib/format.js";
import { Sql } from "../lib/sql.js";

export const RENTAL_STATUSES = ["requested", "active", "disputed", "completed", "rejected", "cancelled", "expired", "resolved"] as const;
export type RentalStatus = (typeof RENTAL_STATUSES)[number];

export type RentalFilters = {
  user?: string;
  role: "consumer" | "provider" | "any";
  statuses?: RentalStatus[];
  listingId?: string;
  from?: number;
  to?: number;
};

const RENTAL_COLUMNS = `r.chain_id, r.rental_id, r.listing_id, r.consumer, r.provider, r.token, r.status, r.hours_booked,
  r.price_per_hour::text AS price_per_hour, r.amount::text AS amount, r.fee_bps, r.released::text AS released,
  r.fees::text AS fees, r.refunded::text AS refunded, r.escrow::text AS escrow, r.extensions, r.started_at, r.ends_at,
  r.dispute_opened_by, r.dispute_frozen::text AS dispute_frozen, r.resolver, r.resolved_by_default,
  r.resolved_to_provider::text AS resolved_to_provider, r.resolved_to_consumer::text AS resolved_to_consumer, r.closed_by,
  r.rated, r.rating, r.requested_block, r.requested_time, r.requested_tx, r.updated_block, r.updated_time, l.title AS listing_title`;

export type RentalRow = {
  chain_id: number;
  rental_id: number;
  listing_id: number;
  consumer: string;
  provider: string;
  token: string;
  status: RentalStatus;
  hours_booked: number;
  price_per_hour: string;
  amount: string;
  fee_bps: number;
  released: string;
  fees: string;
  refunded: string;
  escrow: string;
  extensions: number;
  started_at: Date | null;
  ends_at: Date | null;
  dispute_opened_by: string | null;
  dispute_frozen: string | null;
  resolver: string | null;
  resolved_by_default: boolean | null;
  resolved_to_provider: string | null;
  resolved_to_consumer: string | null;
  closed_by: string | null;
  rated: boolean;
  rating: number | null;
  requested_block: number;
  requested_time: Date;
  requested_tx: string;
  updated_block: number;
  updated_time: Date;
  listing_title: string | null;
};

export function presentRental(r: RentalRow, chain: ApiChain) {
  const providerReceived = (BigInt(r.released) - BigInt(r.fees)).toString();
  return {
    id: String(r.rental_id),
    chainId: Number(r.chain_id),
    listingId: String(r.listing_id),
    listingTitle: r.listing_title,
    consumer: checksum(r.consumer),
    provider: checksum(r.provider),
    status: r.status,
    hoursBooked: Number(r.hours_booked),
    extensions: Number(r.extensions),
    feeBps: Number(r.fee_bps),
    pricePerHour: amount(r.price_per_hour, r.token, chain),
    escrowed: amount(r.amount, r.token, chain),
    released: amount(r.released, r.token, chain),
    providerReceived: amount(providerReceived, r.token, chain),
    fees: amount(r.fees, r.token, chain),
    refunded: amount(r.refunded, r.token, chain),
    heldInEscrow: amount(r.escrow, r.token, chain),
    startedAt: iso(r.started_at),
    endsAt: iso(r.ends_at),
    dispute: r.dispute_opened_by
      ? {
          openedBy: checksum(r.dispute_opened_by),
          frozen: amount(r.dispute_frozen, r.token, chain),
          resolver: checksum(r.resolver),
          byDefault: r.resolved_by_default,
          toProvider: r.resolved_to_provider === null ? null : amount(r.resolved_to_provider, r.token, chain),
          toConsumer: r.resolved_to_consumer === null ? null : amount(r.resolved_to_consumer, r.token, chain),
        }
      : null,
    closedBy: checksum(r.closed_by),
    rating: r.rating === null ? null : Number(r.rating),
    requested: { block: Number(r.requested_block), time: iso(r.requested_time), txHash: r.requested_tx },
    updated: { block: Number(r.updated_block), time: iso(r.updated_time) },
  };
}

function rentalWhere(sql: Sql, chainId: number, f: RentalFilters): string[] {
  const where = [`r.chain_id = ${sql.p(chainId)}`];
  if (f.user) {
    const user = sql.p(f.user.toLowerCase());
    if (f.role === "consumer") where.push(`r.consumer = ${user}`);
    else if (f.role === "provider") where.push(`r.provider = ${user}`);
    else where.push(`(r.consumer = ${user} OR r.provider = ${user})`);
  }
  if (f.statuses?.length) where.push(`r.status = ANY(${sql.p(f.statuses)}::text[])`);
  if (f.listingId) where.push(`r.listing_id = ${sql.p(f.listingId)}::bigint`);
  if (f.from !== undefined) where.push(`r.requested_time >= to_timestamp(${sql.p(f.from)})`);
  if (f.to !== undefined) where.push(`r.requested_time <= to_timestamp(${sql.p(f.to)})`);
  return where;
}

export async function rentalPage(
  db: ApiDb,
  p: { chainId: number; filters: RentalFilters; sort: "newest" | "oldest"; limit: number; cursor?: string },
): Promise<{ items: RentalRow[]; nextCursor: string | null }> {
  const sql = new Sql();
  const where = rentalWhere(sql, p.chainId, p.filters);
  const fingerprint = filterFingerprint({ f: p.filters, c: p.chainId });
  const state = decodeCursor(p.cursor, p.sort, fingerprint);
  const dir = p.sort === "newest" ? "DESC" : "ASC";
  if (state) where.push(`r.rental_id ${dir === "DESC" ? "<" : ">"} ${sql.p(state.k[0])}::bigint`);
  const { rows } = await db.query<RentalRow>(
    `SELECT ${RENTAL_COLUMNS} FROM rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
     WHERE ${where.join(" AND ")} ORDER BY r.rental_id ${dir} LIMIT ${sql.p(p.limit + 1)}`,
    sql.params,
  );
  const items = rows.slice(0, p.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > p.limit && last ? encodeCursor({ s: p.sort, f: fingerprint, k: [String(last.rental_id)] }) : null,
  };
}

export async function countRentals(db: ApiDb, chainId: number, filters: RentalFilters): Promise<number> {
  const sql = new Sql();
  const where = rentalWhere(sql, chainId, filters);
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM rentals r WHERE ${where.join(" AND ")}`, sql.params);
  return Number(rows[0]?.n ?? 0);
}

export async function rentalDetail(db: ApiDb, chain: ApiChain, rentalId: string) {
  const { rows } = await db.query<RentalRow>(
    `SELECT ${RENTAL_COLUMNS} FROM rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
     WHERE r.chain_id = $1 AND r.rental_id = $2`,
    [chain.chainId, rentalId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const transitions = await db.query<{ event_name: string; block_number: number; log_index: number; block_time: Date; tx_hash: string; args: Record<string, unknown> }>(
    `SELECT event_name, block_number, log_index, block_time, tx_hash, args FROM rental_transitions
     WHERE chain_id = $1 AND rental_id = $2 ORDER BY block_number, log_index`,
    [chain.chainId, rentalId],
  );
  return {
    ...presentRental(row, chain),
    transitions: transitions.rows.map((t) => ({
      event: t.event_name,
      blockNumber: Number(t.block_number),
      logIndex: Number(t.log_index),
      time: iso(t.block_time),
      txHash: t.tx_hash,
      args: t.args,
    })),
  };
}

export const CSV_COLUMNS = [
  "rental_id",
  "listing_id",
  "listing_title",
  "status",
  "consumer",
  "provider",
  "token",
  "hours_booked",
  "price_per_hour",
  "escrowed",
  "released",
  "fees",
  "provider_received",
  "refunded",
  "held_in_escrow",
  "requested_time",
  "started_at",
  "ends_at",
  "requested_block",
  "requested_tx",
] as const;

/** RFC 4180 field; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?[0-9]+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(r: RentalRow): string {
  const fields = [
    r.rental_id,
    r.listing_id,
    r.listing_title,
    r.status,
    checksum(r.consumer),
    checksum(r.provider),
    checksum(r.token),
    r.hours_booked,
    r.price_per_hour,
    r.amount,
    r.released,
    r.fees,
    (BigInt(r.released) - BigInt(r.fees)).toString(),
    r.refunded,
    r.escrow,
    iso(r.requested_time),
    iso(r.started_at),
    iso(r.ends_at),
    r.requested_block,
    r.requested_tx,
  ];
  return `${fields.map(csvField).join(",")}\r\n`;
}
