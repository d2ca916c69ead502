-- The mirror of the marketplace contract. Every table is keyed by chain_id, so several chains share
-- one database. Conventions:
--   amounts       NUMERIC(78,0), token units, exact (any uint256 fits)
--   ids, blocks   BIGINT (contract counters are uint64)
--   addresses,    lowercase 0x-hex TEXT (checksum them when presenting)
--   hashes
--   times         TIMESTAMPTZ taken from block timestamps, never from the wall clock, so a fresh
--                 index of the same chain produces the same rows
-- Everything below `raw_events` is derived from it: `npm run indexer:verify` rebuilds it elsewhere
-- and compares.

-- Sync state per chain. checkpoint_block is the last block whose events are all committed.
CREATE TABLE chains (
  chain_id          INTEGER PRIMARY KEY,
  marketplace       TEXT NOT NULL,
  start_block       BIGINT NOT NULL,
  checkpoint_block  BIGINT NOT NULL,
  checkpoint_hash   TEXT,
  checkpoint_time   TIMESTAMPTZ,
  head_block        BIGINT,
  -- Blocks at or below this one were committed without undo records (or those were pruned): a reorg
  -- reaching below it cannot be rolled back.
  rollback_floor    BIGINT NOT NULL,
  events_indexed    BIGINT NOT NULL DEFAULT 0,
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Hashes of recently indexed blocks (every block near the head, range ends further back), kept for
-- the finality depth: reorg detection compares them with the chain.
CREATE TABLE block_hashes (
  chain_id      INTEGER NOT NULL,
  block_number  BIGINT NOT NULL,
  block_hash    TEXT NOT NULL,
  block_time    TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (chain_id, block_number)
);

-- Every log of the marketplace, decoded. args holds the event's fields by name: integers wider than
-- 48 bits as decimal strings, narrower ones as numbers, addresses lowercase.
CREATE TABLE raw_events (
  chain_id      INTEGER NOT NULL,
  block_number  BIGINT NOT NULL,
  block_hash    TEXT NOT NULL,
  block_time    TIMESTAMPTZ NOT NULL,
  log_index     INTEGER NOT NULL,
  tx_hash       TEXT NOT NULL,
  tx_index      INTEGER NOT NULL,
  event_name    TEXT NOT NULL,
  args          JSONB NOT NULL,
  listing_id    BIGINT,
  rental_id     BIGINT,
  CONSTRAINT raw_events_log_key PRIMARY KEY (chain_id, tx_hash, log_index)
);
CREATE INDEX raw_events_block_idx ON raw_events (chain_id, block_number, log_index);
CREATE INDEX raw_events_listing_idx ON raw_events (chain_id, listing_id, block_number) WHERE listing_id IS NOT NULL;
CREATE INDEX raw_events_rental_idx ON raw_events (chain_id, rental_id, block_number) WHERE rental_id IS NOT NULL;

-- Every state transition of a rental, in chain order (a receipt: tx hash, block, time, amounts in args).
CREATE VIEW rental_transitions AS
  SELECT chain_id, rental_id, block_number, log_index, block_time, tx_hash, event_name, args
  FROM raw_events
  WHERE rental_id IS NOT NULL;

-- Full-text document of a listing: title weighs most, then category and type, then description and
-- location, then specification keys and values.
CREATE FUNCTION listing_search_vector(
  title TEXT, description TEXT, category TEXT, resource_type TEXT, location TEXT, specifications JSONB
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(category, '') || ' ' || coalesce(resource_type, '')), 'B')
      || setweight(to_tsvector('english'::regconfig, coalesce(description, '') || ' ' || coalesce(location, '')), 'C')
      || setweight(jsonb_to_tsvector('english'::regconfig, coalesce(specifications, '{}'::jsonb), '["string", "numeric", "key"]'), 'D')
$$;

CREATE TABLE listings (
  chain_id           INTEGER NOT NULL,
  listing_id         BIGINT NOT NULL,
  provider           TEXT NOT NULL,
  token              TEXT NOT NULL,
  price_per_hour     NUMERIC(78,0) NOT NULL,
  available_from     TIMESTAMPTZ NOT NULL,
  available_until    TIMESTAMPTZ,              -- NULL: open-ended
  capacity           INTEGER NOT NULL,
  open_rentals       INTEGER NOT NULL,         -- requested + active + disputed
  active             BOOLEAN NOT NULL,
  -- Metadata as emitted (NUL bytes replaced), its keccak256 over the emitted bytes (equal to the
  -- contract's metadataHash), and its fields when it is a well-formed JSON object.
  metadata           TEXT NOT NULL,
  metadata_hash      TEXT NOT NULL,
  metadata_valid     BOOLEAN NOT NULL,
  metadata_error     TEXT,
  title              TEXT,
  description        TEXT,
  category           TEXT,
  resource_type      TEXT,
  location           TEXT,
  specifications     JSONB,
  search_vector      TSVECTOR NOT NULL,
  rating_sum         BIGINT NOT NULL,
  rating_count       INTEGER NOT NULL,
  -- Bayesian average rating: five virtual ratings of 3 pull sparse ratings to the middle.
  quality_score      NUMERIC(6,4) NOT NULL,
  rental_count       INTEGER NOT NULL,         -- requests ever made
  completed_rentals  INTEGER NOT NULL,         -- settled or terminated
  disputed_rentals   INTEGER NOT NULL,         -- disputes ever opened
  total_volume       NUMERIC(78,0) NOT NULL,   -- escrowed by consumers, extensions included
  total_earnings     NUMERIC(78,0) NOT NULL,   -- credited to the provider (after fees)
  total_fees         NUMERIC(78,0) NOT NULL,   -- protocol fees taken from this listing's rentals
  created_block      BIGINT NOT NULL,
  created_time       TIMESTAMPTZ NOT NULL,
  created_tx         TEXT NOT NULL,
  updated_block      BIGINT NOT NULL,          -- last event that changed this row
  updated_time       TIMESTAMPTZ NOT NULL,
  updated_tx         TEXT NOT NULL,
  PRIMARY KEY (chain_id, listing_id)
) WITH (fillfactor = 85);
CREATE INDEX listings_provider_idx ON listings (chain_id, provider);
CREATE INDEX listings_category_idx ON listings (chain_id, category, price_per_hour);
CREATE INDEX listings_price_idx ON listings (chain_id, price_per_hour);
CREATE INDEX listings_created_idx ON listings (chain_id, created_block);
CREATE INDEX listings_search_idx ON listings USING GIN (search_vector);
CREATE INDEX listings_specifications_idx ON listings USING GIN (specifications jsonb_path_ops);

-- The price at creation (old_price NULL) and every change.
CREATE TABLE listing_prices (
  chain_id      INTEGER NOT NULL,
  listing_id    BIGINT NOT NULL,
  block_number  BIGINT NOT NULL,
  log_index     INTEGER NOT NULL,
  block_time    TIMESTAMPTZ NOT NULL,
  tx_hash       TEXT NOT NULL,
  old_price     NUMERIC(78,0),
  new_price     NUMERIC(78,0) NOT NULL,
  PRIMARY KEY (chain_id, listing_id, block_number, log_index)
);
CREATE INDEX listing_prices_block_idx ON listing_prices (chain_id, block_number);

-- One row per rental with its current state, money and the block, time and tx of each transition.
-- Amounts: amount = released + refunded + escrow; released is gross (fees included).
CREATE TABLE rentals (
  chain_id              INTEGER NOT NULL,
  rental_id             BIGINT NOT NULL,
  listing_id            BIGINT NOT NULL,
  consumer              TEXT NOT NULL,
  provider              TEXT NOT NULL,
  token                 TEXT NOT NULL,
  -- requested | active | disputed | completed | rejected | cancelled | expired | resolved
  status                TEXT NOT NULL,
  hours_booked          INTEGER NOT NULL,         -- extensions included
  price_per_hour        NUMERIC(78,0) NOT NULL,   -- at request
  amount                NUMERIC(78,0) NOT NULL,   -- everything escrowed, extensions included
  fee_bps               INTEGER NOT NULL,
  released              NUMERIC(78,0) NOT NULL,   -- paid towards the provider, fees included
  fees                  NUMERIC(78,0) NOT NULL,
  refunded              NUMERIC(78,0) NOT NULL,   -- credited back to the consumer
  escrow                NUMERIC(78,0) NOT NULL,   -- still held by the contract
  extensions            INTEGER NOT NULL,
  started_at            TIMESTAMPTZ,
  ends_at               TIMESTAMPTZ,
  dispute_opened_by     TEXT,
  dispute_frozen        NUMERIC(78,0),
  resolver              TEXT,
  resolved_by_default   BOOLEAN,
  resolved_to_provider  NUMERIC(78,0),
  resolved_to_consumer  NUMERIC(78,0),
  closed_by             TEXT,                     -- caller of refundExpired / settle
  rated                 BOOLEAN NOT NULL,
  rating                SMALLINT,
  requested_block BIGINT NOT NULL, requested_time TIMESTAMPTZ NOT NULL, requested_tx TEXT NOT NULL,
  accepted_block  BIGINT, accepted_time  TIMESTAMPTZ, accepted_tx  TEXT,
  rejected_block  BIGINT, rejected_time  TIMESTAMPTZ, rejected_tx  TEXT,
  cancelled_block BIGINT, cancelled_time TIMESTAMPTZ, cancelled_tx TEXT,
  expired_block   BIGINT, expired_time   TIMESTAMPTZ, expired_tx   TEXT,
  extended_block  BIGINT, extended_time  TIMESTAMPTZ, extended_tx  TEXT,   -- the last extension
  released_block  BIGINT, released_time  TIMESTAMPTZ, released_tx  TEXT,   -- the last release
  terminated_block BIGINT, terminated_time TIMESTAMPTZ, terminated_tx TEXT,
  settled_block   BIGINT, settled_time   TIMESTAMPTZ, settled_tx   TEXT,
  disputed_block  BIGINT, disputed_time  TIMESTAMPTZ, disputed_tx  TEXT,
  resolved_block  BIGINT, resolved_time  TIMESTAMPTZ, resolved_tx  TEXT,
  updated_block         BIGINT NOT NULL,
  updated_time          TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (chain_id, rental_id)
) WITH (fillfactor = 85);
CREATE INDEX rentals_consumer_idx ON rentals (chain_id, consumer, requested_block);
CREATE INDEX rentals_provider_idx ON rentals (chain_id, provider, requested_block);
CREATE INDEX rentals_listing_idx ON rentals (chain_id, listing_id, requested_block);
CREATE INDEX rentals_requested_time_idx ON rentals (chain_id, requested_time);

CREATE TABLE ratings (
  chain_id      INTEGER NOT NULL,
  rental_id     BIGINT NOT NULL,
  listing_id    BIGINT NOT NULL,
  consumer      TEXT NOT NULL,
  provider      TEXT NOT NULL,
  score         SMALLINT NOT NULL,
  block_number  BIGINT NOT NULL,
  log_index     INTEGER NOT NULL,
  block_time    TIMESTAMPTZ NOT NULL,
  tx_hash       TEXT NOT NULL,
  PRIMARY KEY (chain_id, rental_id)
);
CREATE INDEX ratings_listing_idx ON ratings (chain_id, listing_id, block_number);
CREATE INDEX ratings_provider_idx ON ratings (chain_id, provider);
CREATE INDEX ratings_block_idx ON ratings (chain_id, block_number);

-- What each address did, per payment token, as consumer and as provider. credit equals the
-- contract's creditOf(address, token).
CREATE TABLE accounts (
  chain_id           INTEGER NOT NULL,
  address            TEXT NOT NULL,
  token              TEXT NOT NULL,
  consumer_rentals   INTEGER NOT NULL,
  consumer_paid      NUMERIC(78,0) NOT NULL,   -- escrowed, extensions included
  consumer_spent     NUMERIC(78,0) NOT NULL,   -- released to providers (gross)
  consumer_refunded  NUMERIC(78,0) NOT NULL,
  provider_listings  INTEGER NOT NULL,
  provider_rentals   INTEGER NOT NULL,
  provider_earned    NUMERIC(78,0) NOT NULL,   -- credited, after fees
  provider_fees      NUMERIC(78,0) NOT NULL,
  credit             NUMERIC(78,0) NOT NULL,   -- withdrawable now
  withdrawn          NUMERIC(78,0) NOT NULL,
  first_block        BIGINT NOT NULL,
  first_time         TIMESTAMPTZ NOT NULL,
  last_block         BIGINT NOT NULL,
  last_time          TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (chain_id, address, token)
) WITH (fillfactor = 85);

-- Per payment token: escrowed equals the contract's escrowed(token), accrued_fees its accruedFees(token).
CREATE TABLE token_totals (
  chain_id        INTEGER NOT NULL,
  token           TEXT NOT NULL,
  escrowed        NUMERIC(78,0) NOT NULL,
  accrued_fees    NUMERIC(78,0) NOT NULL,
  fees_withdrawn  NUMERIC(78,0) NOT NULL,
  volume          NUMERIC(78,0) NOT NULL,   -- escrowed ever
  released        NUMERIC(78,0) NOT NULL,   -- gross, fees included
  refunded        NUMERIC(78,0) NOT NULL,
  withdrawn       NUMERIC(78,0) NOT NULL,   -- credits withdrawn by accounts
  PRIMARY KEY (chain_id, token)
);

CREATE TABLE payment_tokens (
  chain_id       INTEGER NOT NULL,
  token          TEXT NOT NULL,
  token_index    INTEGER NOT NULL,
  allowed        BOOLEAN NOT NULL,
  updated_block  BIGINT NOT NULL,
  updated_time   TIMESTAMPTZ NOT NULL,
  updated_tx     TEXT NOT NULL,
  PRIMARY KEY (chain_id, token)
);

CREATE TABLE settings (
  chain_id            INTEGER PRIMARY KEY,
  fee_bps             INTEGER,
  treasury            TEXT,
  acceptance_timeout  INTEGER,   -- seconds
  dispute_timeout     INTEGER,   -- seconds
  paused              BOOLEAN NOT NULL,
  updated_block       BIGINT NOT NULL,
  updated_time        TIMESTAMPTZ NOT NULL,
  updated_tx          TEXT NOT NULL
);

-- Undo records of batches near the head: the rows of the mutable tables as they were before the
-- batch (pre NULL: the row did not exist). A reorg restores the earliest image of each row among the
-- batches it rolls back. Pruned once the batch is deeper than the finality depth.
CREATE TABLE undo_batches (
  chain_id    INTEGER NOT NULL,
  from_block  BIGINT NOT NULL,
  to_block    BIGINT NOT NULL,
  PRIMARY KEY (chain_id, to_block)
);
CREATE TABLE undo_rows (
  chain_id    INTEGER NOT NULL,
  batch_to    BIGINT NOT NULL,
  table_name  TEXT NOT NULL,
  row_key     JSONB NOT NULL,
  pre         JSONB
);
CREATE INDEX undo_rows_batch_idx ON undo_rows (chain_id, batch_to);
