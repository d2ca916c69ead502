-- The API's rollups (0101-0111) are kept by statement-level triggers on the history tables: about a
-- fifth of a backfill's database work when they run batch by batch. A backfill into an empty mirror
-- turns those triggers off and computes the rollups once at its end, from the finished mirror
-- (db/deferred-rollups.ts); this table records the triggers it turned off, until they are back on.
CREATE TABLE IF NOT EXISTS deferred_rollups (
  table_name   TEXT NOT NULL,
  trigger_name TEXT NOT NULL,
  PRIMARY KEY (table_name, trigger_name)
);

-- Every rollup recomputed from what the mirror holds now: the rebuilds of 0104, 0107 and 0111 in one
-- place. A migration that adds or changes a rollup replaces this function along with its triggers.
CREATE OR REPLACE FUNCTION api_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM api_hourly_stats;
  INSERT INTO api_hourly_stats (chain_id, bucket, requested, accepted, completed, disputes, hours, volume, released, fees, refunded, listings_created, active_delta, events)
  SELECT e.chain_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC'),
         sum(c.requested), sum(c.accepted), sum(c.completed), sum(c.disputes), sum(c.hours),
         sum(c.volume), sum(c.released), sum(c.fees), sum(c.refunded), sum(c.listings_created), sum(c.active_delta), count(*)
  FROM raw_events e, LATERAL api_hourly_contribution(e.event_name, e.args) c
  GROUP BY 1, 2;

  DELETE FROM api_providers;
  INSERT INTO api_providers (chain_id, provider, first_block, first_time, listings)
  SELECT chain_id, args->>'provider', min(block_number), min(block_time), count(*)
  FROM raw_events WHERE event_name = 'ListingCreated' GROUP BY 1, 2;

  DELETE FROM api_category_prices;
  INSERT INTO api_category_prices (chain_id, bucket, category, rentals, price_sum)
  SELECT r.chain_id, date_trunc('hour', r.requested_time AT TIME ZONE 'UTC'), coalesce(l.category, ''), count(*), sum(r.price_per_hour)
  FROM rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
  GROUP BY 1, 2, 3;

  DELETE FROM api_listing_hourly;
  INSERT INTO api_listing_hourly (chain_id, listing_id, bucket, requested, started, hours, volume, released, fees, ratings, rating_sum, events)
  SELECT e.chain_id, coalesce(e.listing_id, r.listing_id), date_trunc('hour', e.block_time AT TIME ZONE 'UTC'),
         sum(c.requested), sum(c.started), sum(c.hours), sum(c.volume), sum(c.released), sum(c.fees), sum(c.ratings), sum(c.rating_sum), count(*)
  FROM raw_events e
  LEFT JOIN rentals r ON r.chain_id = e.chain_id AND r.rental_id = e.rental_id,
  LATERAL api_listing_contribution(e.event_name, e.args) c
  WHERE e.rental_id IS NOT NULL AND coalesce(e.listing_id, r.listing_id) IS NOT NULL
  GROUP BY 1, 2, 3;

  DELETE FROM api_provider_rentals;
  INSERT INTO api_provider_rentals (chain_id, provider, status, rentals, released, fees, disputed, accepted, accept_seconds)
  SELECT chain_id, provider, status, count(*), sum(released), sum(fees), count(dispute_opened_by), count(accepted_time),
         coalesce(sum(extract(epoch FROM accepted_time - requested_time)), 0)
  FROM rentals GROUP BY 1, 2, 3;

  DELETE FROM api_provider_acceptance;
  INSERT INTO api_provider_acceptance (chain_id, provider, max_seconds)
  SELECT chain_id, provider, max(extract(epoch FROM accepted_time - requested_time))
  FROM rentals WHERE accepted_time IS NOT NULL GROUP BY 1, 2;

  DELETE FROM api_listing_search;
  INSERT INTO api_listing_search (chain_id, listing_id, active, category, resource_type, location, price_per_hour, specifications, search_vector)
  SELECT chain_id, listing_id, active, category, resource_type, location, price_per_hour, specifications,
         search_vector || api_listing_filter_tokens(category, resource_type, location)
  FROM listings ORDER BY chain_id, listing_id;
END
$$;
