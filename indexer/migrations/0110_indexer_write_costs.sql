-- What the indexer pays per written row, trimmed. Every listing is rewritten on each batch that
-- touches one of its rentals, so the indexes and triggers on listings are paid several times over.
--
-- 1. The full-text index on listings is read by nothing any more: every text search goes to the narrow
--    copy api_listing_search (0105, 0106). Dropping it saves a GIN insertion of every lexeme of every
--    new listing row version.
-- 2. The index on raw_events' block times served the analytics before they read rollups (0101, 0104,
--    0107); nothing reads raw_events by time now, and every event paid for it.
-- 3. The narrow copy's GIN index takes new entries into a small pending list and merges them into the
--    tree in sorted bulk when the list is full (or on VACUUM), instead of one tree descent per lexeme
--    per row. The list is kept small (256 kB) because every search also scans it.
-- 4. The category prices trigger (0104) joins listings: planned once and cached, its plan was made for
--    whatever size listings had at the first batch (empty, on a fresh mirror) and kept as the table grew.
--    EXECUTE plans it for each batch.

DROP INDEX IF EXISTS listings_search_idx;
DROP INDEX IF EXISTS api_raw_events_time_idx;

ALTER INDEX api_listing_search_vector_idx SET (fastupdate = on, gin_pending_list_limit = 256);

CREATE OR REPLACE FUNCTION api_category_prices_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE $q$
      INSERT INTO api_category_prices AS c (chain_id, bucket, category, rentals, price_sum)
      SELECT r.chain_id, date_trunc('hour', r.requested_time AT TIME ZONE 'UTC'), coalesce(l.category, ''), count(*), sum(r.price_per_hour)
      FROM new_rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
      GROUP BY 1, 2, 3
      ON CONFLICT (chain_id, bucket, category) DO UPDATE SET rentals = c.rentals + EXCLUDED.rentals, price_sum = c.price_sum + EXCLUDED.price_sum
    $q$;
  ELSE
    EXECUTE $q$
      UPDATE api_category_prices c SET rentals = c.rentals - d.n, price_sum = c.price_sum - d.s
      FROM (SELECT r.chain_id, date_trunc('hour', r.requested_time AT TIME ZONE 'UTC') AS bucket, coalesce(l.category, '') AS category,
                   count(*) AS n, sum(r.price_per_hour) AS s
            FROM old_rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
            GROUP BY 1, 2, 3) d
      WHERE c.chain_id = d.chain_id AND c.bucket = d.bucket AND c.category = d.category
    $q$;
    DELETE FROM api_category_prices WHERE rentals <= 0;
  END IF;
  RETURN NULL;
END
$$;
