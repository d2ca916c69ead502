-- Full-text search reads a narrow copy of each listing: its key, search vector and the columns the
-- common search filters and facets need. A text match over a broad word or a rare combination of a
-- word and a filter has to test many rows; on listings (metadata, description, specifications,
-- counters: ~2 kB a row) that means reading most of a very wide table, here about a third of it.
-- Kept by statement-level triggers on listings (inserts, updates, rollback deletes and undo restores
-- all go through them); rebuilt whenever this migration runs.

CREATE TABLE IF NOT EXISTS api_listing_search (
  chain_id        INTEGER NOT NULL,
  listing_id      BIGINT NOT NULL,
  active          BOOLEAN NOT NULL,
  category        TEXT,
  resource_type   TEXT,
  location        TEXT,
  price_per_hour  NUMERIC(78,0) NOT NULL,
  search_vector   TSVECTOR NOT NULL,
  PRIMARY KEY (chain_id, listing_id)
);

CREATE OR REPLACE FUNCTION api_listing_search_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM api_listing_search s USING old_listings o WHERE s.chain_id = o.chain_id AND s.listing_id = o.listing_id;
  ELSE
    -- Most updates touch only counters: rows whose copied columns are unchanged are skipped.
    INSERT INTO api_listing_search AS s (chain_id, listing_id, active, category, resource_type, location, price_per_hour, search_vector)
    SELECT n.chain_id, n.listing_id, n.active, n.category, n.resource_type, n.location, n.price_per_hour, n.search_vector
    FROM new_listings n
    WHERE NOT EXISTS (
      SELECT 1 FROM api_listing_search c
      WHERE c.chain_id = n.chain_id AND c.listing_id = n.listing_id AND c.active = n.active
        AND c.category IS NOT DISTINCT FROM n.category AND c.resource_type IS NOT DISTINCT FROM n.resource_type
        AND c.location IS NOT DISTINCT FROM n.location AND c.price_per_hour = n.price_per_hour AND c.search_vector = n.search_vector
    )
    ON CONFLICT (chain_id, listing_id) DO UPDATE SET
      active = EXCLUDED.active, category = EXCLUDED.category, resource_type = EXCLUDED.resource_type,
      location = EXCLUDED.location, price_per_hour = EXCLUDED.price_per_hour, search_vector = EXCLUDED.search_vector;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS api_listing_search_insert ON listings;
DROP TRIGGER IF EXISTS api_listing_search_update ON listings;
DROP TRIGGER IF EXISTS api_listing_search_delete ON listings;
CREATE TRIGGER api_listing_search_insert AFTER INSERT ON listings
  REFERENCING NEW TABLE AS new_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_apply();
CREATE TRIGGER api_listing_search_update AFTER UPDATE ON listings
  REFERENCING NEW TABLE AS new_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_apply();
CREATE TRIGGER api_listing_search_delete AFTER DELETE ON listings
  REFERENCING OLD TABLE AS old_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_apply();

-- Rebuild from what the mirror holds now, in key order (the order a scan meets the rows in); the
-- indexes are built after the rows, which is much faster than growing them row by row.
DROP INDEX IF EXISTS api_listing_search_vector_idx;
DROP INDEX IF EXISTS api_listing_search_category_idx;
DELETE FROM api_listing_search;
INSERT INTO api_listing_search (chain_id, listing_id, active, category, resource_type, location, price_per_hour, search_vector)
SELECT chain_id, listing_id, active, category, resource_type, location, price_per_hour, search_vector
FROM listings ORDER BY chain_id, listing_id;
-- No pending list: a search never pays for scanning unmerged entries.
CREATE INDEX IF NOT EXISTS api_listing_search_vector_idx ON api_listing_search USING GIN (search_vector) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS api_listing_search_category_idx ON api_listing_search (chain_id, category, price_per_hour);
ANALYZE api_listing_search;
