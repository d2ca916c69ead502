-- The narrow search copy (0105, 0106) also holds each listing's specifications, so a text search with
-- a specification filter (gpu_memory_gb >= 48) is answered from the narrow copy alone. Before, each
-- match of the words and labels read its wide listings row (about 2 kB) only to test one JSON value:
-- hundreds of random heap reads per search. Specifications are small (about 100 bytes a listing).
--
-- The triggers are 0106's with the one more column: the update trigger still copies only rows whose
-- copied columns changed, so the indexer's counter-only rewrites of a listing copy nothing.

ALTER TABLE api_listing_search ADD COLUMN IF NOT EXISTS specifications JSONB;

CREATE OR REPLACE FUNCTION api_listing_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO api_listing_search AS s (chain_id, listing_id, active, category, resource_type, location, price_per_hour, specifications, search_vector)
  SELECT n.chain_id, n.listing_id, n.active, n.category, n.resource_type, n.location, n.price_per_hour, n.specifications,
         n.search_vector || api_listing_filter_tokens(n.category, n.resource_type, n.location)
  FROM new_listings n
  ON CONFLICT (chain_id, listing_id) DO UPDATE SET
    active = EXCLUDED.active, category = EXCLUDED.category, resource_type = EXCLUDED.resource_type, location = EXCLUDED.location,
    price_per_hour = EXCLUDED.price_per_hour, specifications = EXCLUDED.specifications, search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION api_listing_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Keys never change, so each new row pairs with its old version.
  INSERT INTO api_listing_search AS s (chain_id, listing_id, active, category, resource_type, location, price_per_hour, specifications, search_vector)
  SELECT n.chain_id, n.listing_id, n.active, n.category, n.resource_type, n.location, n.price_per_hour, n.specifications,
         n.search_vector || api_listing_filter_tokens(n.category, n.resource_type, n.location)
  FROM new_listings n JOIN old_listings o ON o.chain_id = n.chain_id AND o.listing_id = n.listing_id
  WHERE n.active IS DISTINCT FROM o.active OR n.category IS DISTINCT FROM o.category
     OR n.resource_type IS DISTINCT FROM o.resource_type OR n.location IS DISTINCT FROM o.location
     OR n.price_per_hour IS DISTINCT FROM o.price_per_hour OR n.specifications IS DISTINCT FROM o.specifications
     OR n.search_vector IS DISTINCT FROM o.search_vector
  ON CONFLICT (chain_id, listing_id) DO UPDATE SET
    active = EXCLUDED.active, category = EXCLUDED.category, resource_type = EXCLUDED.resource_type, location = EXCLUDED.location,
    price_per_hour = EXCLUDED.price_per_hour, specifications = EXCLUDED.specifications, search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END
$$;

-- The triggers 0106 created call these functions by name; they are recreated in case this runs alone.
DROP TRIGGER IF EXISTS api_listing_search_insert ON listings;
DROP TRIGGER IF EXISTS api_listing_search_update ON listings;
CREATE TRIGGER api_listing_search_insert AFTER INSERT ON listings
  REFERENCING NEW TABLE AS new_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_inserted();
CREATE TRIGGER api_listing_search_update AFTER UPDATE ON listings
  REFERENCING OLD TABLE AS old_listings NEW TABLE AS new_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_updated();

-- Rebuild with the specifications, in key order; indexes after the rows (much faster than growing them).
SET LOCAL maintenance_work_mem = '128MB';
DROP INDEX IF EXISTS api_listing_search_vector_idx;
DROP INDEX IF EXISTS api_listing_search_category_idx;
DROP INDEX IF EXISTS api_listing_search_price_idx;
TRUNCATE api_listing_search;
INSERT INTO api_listing_search (chain_id, listing_id, active, category, resource_type, location, price_per_hour, specifications, search_vector)
SELECT chain_id, listing_id, active, category, resource_type, location, price_per_hour, specifications,
       search_vector || api_listing_filter_tokens(category, resource_type, location)
FROM listings ORDER BY chain_id, listing_id;
-- New entries go through a small pending list, as 0110 set it (the indexer's write cost).
CREATE INDEX IF NOT EXISTS api_listing_search_vector_idx ON api_listing_search USING GIN (search_vector)
  WITH (fastupdate = on, gin_pending_list_limit = 256);
CREATE INDEX IF NOT EXISTS api_listing_search_category_idx ON api_listing_search (chain_id, category, price_per_hour);
CREATE INDEX IF NOT EXISTS api_listing_search_price_idx ON api_listing_search (chain_id, price_per_hour);
RESET maintenance_work_mem;
ANALYZE api_listing_search;
