-- The narrow search copy of listings (0105), reworked:
--
-- 1. Its search vector also holds the listing's category, resource type and location as tokens
--    (`~c:gpu`, `~t:compute`, `~l:eu-west (frankfurt, de)`), so a text search with those filters is
--    one GIN lookup that intersects the word's and the filter's entries. A word that no listing of the
--    filtered category holds then costs a short index scan instead of reading the whole category. The
--    tokens cannot collide with words: the text search parser never yields a lexeme with `~` or `:`.
-- 2. An index on price, so a text search sorted by price walks the narrow copy in price order.
-- 3. The update trigger compares each updated row with its old version (transition tables) and copies
--    only rows whose copied columns changed: the indexer rewrites a listing on every rental, and those
--    writes touch counters only, so they cost a hash join of the statement's own rows and nothing else.

-- Filter tokens of a listing. Category and resource type are compared as stored (the filters compare
-- the column with lower-cased values); location is lower-cased, as its prefix filter is. Truncated far
-- beyond any filter value, so that no provider's metadata can exceed the lexeme size limit.
CREATE OR REPLACE FUNCTION api_listing_filter_tokens(category TEXT, resource_type TEXT, location TEXT)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(ARRAY[
    '~c:' || left(category, 200), '~t:' || left(resource_type, 200), '~l:' || left(lower(location), 200)
  ], NULL))
$$;

CREATE OR REPLACE FUNCTION api_listing_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO api_listing_search AS s (chain_id, listing_id, active, category, resource_type, location, price_per_hour, search_vector)
  SELECT n.chain_id, n.listing_id, n.active, n.category, n.resource_type, n.location, n.price_per_hour,
         n.search_vector || api_listing_filter_tokens(n.category, n.resource_type, n.location)
  FROM new_listings n
  ON CONFLICT (chain_id, listing_id) DO UPDATE SET
    active = EXCLUDED.active, category = EXCLUDED.category, resource_type = EXCLUDED.resource_type,
    location = EXCLUDED.location, price_per_hour = EXCLUDED.price_per_hour, search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION api_listing_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Keys never change, so each new row pairs with its old version.
  INSERT INTO api_listing_search AS s (chain_id, listing_id, active, category, resource_type, location, price_per_hour, search_vector)
  SELECT n.chain_id, n.listing_id, n.active, n.category, n.resource_type, n.location, n.price_per_hour,
         n.search_vector || api_listing_filter_tokens(n.category, n.resource_type, n.location)
  FROM new_listings n JOIN old_listings o ON o.chain_id = n.chain_id AND o.listing_id = n.listing_id
  WHERE n.active IS DISTINCT FROM o.active OR n.category IS DISTINCT FROM o.category
     OR n.resource_type IS DISTINCT FROM o.resource_type OR n.location IS DISTINCT FROM o.location
     OR n.price_per_hour IS DISTINCT FROM o.price_per_hour OR n.search_vector IS DISTINCT FROM o.search_vector
  ON CONFLICT (chain_id, listing_id) DO UPDATE SET
    active = EXCLUDED.active, category = EXCLUDED.category, resource_type = EXCLUDED.resource_type,
    location = EXCLUDED.location, price_per_hour = EXCLUDED.price_per_hour, search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION api_listing_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM api_listing_search s USING old_listings o WHERE s.chain_id = o.chain_id AND s.listing_id = o.listing_id;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS api_listing_search_insert ON listings;
DROP TRIGGER IF EXISTS api_listing_search_update ON listings;
DROP TRIGGER IF EXISTS api_listing_search_delete ON listings;
CREATE TRIGGER api_listing_search_insert AFTER INSERT ON listings
  REFERENCING NEW TABLE AS new_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_inserted();
CREATE TRIGGER api_listing_search_update AFTER UPDATE ON listings
  REFERENCING OLD TABLE AS old_listings NEW TABLE AS new_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_updated();
CREATE TRIGGER api_listing_search_delete AFTER DELETE ON listings
  REFERENCING OLD TABLE AS old_listings FOR EACH STATEMENT EXECUTE FUNCTION api_listing_search_deleted();
DROP FUNCTION IF EXISTS api_listing_search_apply();

-- Rebuild with the tokens, in key order; indexes after the rows (much faster than growing them).
SET LOCAL maintenance_work_mem = '128MB';
DROP INDEX IF EXISTS api_listing_search_vector_idx;
DROP INDEX IF EXISTS api_listing_search_category_idx;
DROP INDEX IF EXISTS api_listing_search_price_idx;
TRUNCATE api_listing_search;
INSERT INTO api_listing_search (chain_id, listing_id, active, category, resource_type, location, price_per_hour, search_vector)
SELECT chain_id, listing_id, active, category, resource_type, location, price_per_hour,
       search_vector || api_listing_filter_tokens(category, resource_type, location)
FROM listings ORDER BY chain_id, listing_id;
-- No pending list: a search never pays for scanning unmerged entries.
CREATE INDEX IF NOT EXISTS api_listing_search_vector_idx ON api_listing_search USING GIN (search_vector) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS api_listing_search_category_idx ON api_listing_search (chain_id, category, price_per_hour);
CREATE INDEX IF NOT EXISTS api_listing_search_price_idx ON api_listing_search (chain_id, price_per_hour);
RESET maintenance_work_mem;
ANALYZE api_listing_search;
-- A search reads a few hundred rows at most: starting parallel workers costs more than it saves, and
-- on a small machine they take the cores other requests are waiting for.
ALTER TABLE api_listing_search SET (parallel_workers = 0);
