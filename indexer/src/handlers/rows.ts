/**
 * The derived rows as the handlers hold them while applying a batch. Field names are the column
 * names (see db/tables.ts), amounts are bigint, times unix seconds.
 */

export type RentalStatus =
  | "requested"
  | "active"
  | "disputed"
  | "completed"
  | "rejected"
  | "cancelled"
  | "expired"
  | "resolved";

export type ListingRow = {
  listing_id: number;
  provider: string;
  token: string;
  price_per_hour: bigint;
  available_from: number;
  available_until: number | null;
  capacity: number;
  open_rentals: number;
  active: boolean;
  rating_sum: number;
  rating_count: number;
  rental_count: number;
  completed_rentals: number;
  disputed_rentals: number;
  total_volume: bigint;
  total_earnings: bigint;
  total_fees: bigint;
  created_block: number;
  created_time: number;
  created_tx: string;
  updated_block: number;
  updated_time: number;
  updated_tx: string;
};

/** The columns a metadata change rewrites. */
export type ListingMetadataColumns = {
  listing_id: number;
  metadata: string;
  metadata_hash: string;
  metadata_valid: boolean;
  metadata_error: string | null;
  title: string | null;
  description: string | null;
  category: string | null;
  resource_type: string | null;
  location: string | null;
  specifications: Record<string, unknown> | null;
};

type Transition<P extends string> = {
  [K in `${P}_block` | `${P}_time`]: number | null;
} & { [K in `${P}_tx`]: string | null };

export type RentalRow = {
  rental_id: number;
  listing_id: number;
  consumer: string;
  provider: string;
  token: string;
  status: RentalStatus;
  hours_booked: number;
  price_per_hour: bigint;
  amount: bigint;
  fee_bps: number;
  released: bigint;
  fees: bigint;
  refunded: bigint;
  escrow: bigint;
  extensions: number;
  started_at: number | null;
  ends_at: number | null;
  dispute_opened_by: string | null;
  dispute_frozen: bigint | null;
  resolver: string | null;
  resolved_by_default: boolean | null;
  resolved_to_provider: bigint | null;
  resolved_to_consumer: bigint | null;
  closed_by: string | null;
  rated: boolean;
  rating: number | null;
  requested_block: number;
  requested_time: number;
  requested_tx: string;
  updated_block: number;
  updated_time: number;
} & Transition<"accepted"> &
  Transition<"rejected"> &
  Transition<"cancelled"> &
  Transition<"expired"> &
  Transition<"extended"> &
  Transition<"released"> &
  Transition<"terminated"> &
  Transition<"settled"> &
  Transition<"disputed"> &
  Transition<"resolved">;

export type RentalTransition =
  | "accepted"
  | "rejected"
  | "cancelled"
  | "expired"
  | "extended"
  | "released"
  | "terminated"
  | "settled"
  | "disputed"
  | "resolved";

/** Changes to one account in one batch; every amount and count is added to the stored row. */
export type AccountDelta = {
  address: string;
  token: string;
  consumer_rentals: number;
  consumer_paid: bigint;
  consumer_spent: bigint;
  consumer_refunded: bigint;
  provider_listings: number;
  provider_rentals: number;
  provider_earned: bigint;
  provider_fees: bigint;
  credit: bigint;
  withdrawn: bigint;
  first_block: number;
  first_time: number;
  last_block: number;
  last_time: number;
};

/** Changes to one token's totals in one batch, added to the stored row. */
export type TokenTotalsDelta = {
  token: string;
  escrowed: bigint;
  accrued_fees: bigint;
  fees_withdrawn: bigint;
  volume: bigint;
  released: bigint;
  refunded: bigint;
  withdrawn: bigint;
};

export type PaymentTokenRow = {
  token: string;
  token_index: number;
  allowed: boolean;
  updated_block: number;
  updated_time: number;
  updated_tx: string;
};

export type SettingsRow = {
  fee_bps: number | null;
  treasury: string | null;
  acceptance_timeout: number | null;
  dispute_timeout: number | null;
  paused: boolean;
  updated_block: number;
  updated_time: number;
  updated_tx: string;
};

export type PriceRow = {
  listing_id: number;
  block_number: number;
  log_index: number;
  block_time: number;
  tx_hash: string;
  old_price: bigint | null;
  new_price: bigint;
};

export type RatingRow = {
  rental_id: number;
  listing_id: number;
  consumer: string;
  provider: string;
  score: number;
  block_number: number;
  log_index: number;
  block_time: number;
  tx_hash: string;
};
