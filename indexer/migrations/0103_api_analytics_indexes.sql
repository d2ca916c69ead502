-- "New providers" per bucket asks, for each provider listing in a range, whether it listed before.
CREATE INDEX IF NOT EXISTS api_listings_provider_created_idx ON listings (chain_id, provider, created_time);
