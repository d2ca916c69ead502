-- Off-chain state of the query API: SIWE nonces and sessions, API keys, and what a signed-in
-- address keeps (watchlist, saved searches, notification preferences). None of it is derived from
-- the chain, so a rebuild of the mirror leaves it alone. Below them, indexes the API's queries need on
-- the mirror's tables (sort orders with a unique tie-breaker, time buckets, the near-end scan).

CREATE TABLE IF NOT EXISTS api_siwe_nonces (
  nonce      text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX IF NOT EXISTS api_siwe_nonces_expires_idx ON api_siwe_nonces (expires_at);

CREATE TABLE IF NOT EXISTS api_sessions (
  token_hash text PRIMARY KEY,
  address    text NOT NULL,
  chain_id   integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS api_sessions_address_idx ON api_sessions (address);

CREATE TABLE IF NOT EXISTS api_keys (
  id               text PRIMARY KEY,
  address          text NOT NULL,
  name             text NOT NULL,
  key_hash         text NOT NULL UNIQUE,
  prefix           text NOT NULL,
  quota_per_window integer NOT NULL CHECK (quota_per_window > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_used_at     timestamptz,
  revoked_at       timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_address_idx ON api_keys (address);

CREATE TABLE IF NOT EXISTS api_watchlist (
  address    text NOT NULL,
  chain_id   integer NOT NULL,
  listing_id numeric(78, 0) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (address, chain_id, listing_id)
);

CREATE TABLE IF NOT EXISTS api_saved_searches (
  id         bigserial PRIMARY KEY,
  address    text NOT NULL,
  name       text NOT NULL,
  search     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS api_saved_searches_address_idx ON api_saved_searches (address);

CREATE TABLE IF NOT EXISTS api_notification_prefs (
  address    text PRIMARY KEY,
  prefs      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination of the listing browser: every sort ends on listing_id so pages never overlap.
CREATE INDEX IF NOT EXISTS api_listings_price_id_idx ON listings (chain_id, price_per_hour, listing_id);
CREATE INDEX IF NOT EXISTS api_listings_quality_idx ON listings (chain_id, quality_score DESC, listing_id DESC);
CREATE INDEX IF NOT EXISTS api_listings_popularity_idx ON listings (chain_id, rental_count DESC, listing_id DESC);
CREATE INDEX IF NOT EXISTS api_listings_active_id_idx ON listings (chain_id, listing_id DESC) WHERE active;
-- Analytics buckets by block time.
CREATE INDEX IF NOT EXISTS api_raw_events_time_idx ON raw_events (chain_id, block_time);
CREATE INDEX IF NOT EXISTS api_listings_created_time_idx ON listings (chain_id, created_time);
-- Near-end scan of running rentals.
CREATE INDEX IF NOT EXISTS api_rentals_ends_idx ON rentals (chain_id, ends_at) WHERE status = 'active';
