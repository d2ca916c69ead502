-- Location filters are case-insensitive prefixes ("eu-west" matches "eu-west (Frankfurt, DE)"):
-- a pattern index on the lower-cased text answers them without a scan.
CREATE INDEX IF NOT EXISTS api_listings_location_idx ON listings (chain_id, lower(location) text_pattern_ops);
