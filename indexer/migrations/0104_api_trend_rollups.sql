-- Rollups behind the "trends" analytics, so they cost the same at a million listings as at ten:
--   api_hourly_stats.active_delta  listings activated minus deactivated per hour (active listings over time)
--   api_providers                  each provider's first listing (new providers per bucket)
--   api_category_prices            rentals and their price per hour by category at request time
-- Kept by statement-level triggers: raw_events for the first two, rentals for the third (rentals are
-- written after listings in a batch, so the listing's category is there). Rollbacks delete rows and
-- the triggers subtract; restoring undo images re-inserts and they add back. Rebuilt whenever this
-- migration runs.

ALTER TABLE api_hourly_stats ADD COLUMN IF NOT EXISTS active_delta BIGINT NOT NULL DEFAULT 0;

DROP FUNCTION IF EXISTS api_hourly_contribution(TEXT, JSONB);
CREATE FUNCTION api_hourly_contribution(event_name TEXT, args JSONB)
RETURNS TABLE (requested INT, accepted INT, completed INT, disputes INT, hours BIGINT,
               volume NUMERIC, released NUMERIC, fees NUMERIC, refunded NUMERIC, listings_created INT, active_delta INT)
LANGUAGE sql IMMUTABLE AS $$
  SELECT
    (event_name = 'RentalRequested')::int,
    (event_name = 'RentalAccepted')::int,
    (event_name IN ('RentalSettled', 'RentalTerminated'))::int,
    (event_name = 'DisputeOpened')::int,
    CASE event_name WHEN 'RentalRequested' THEN (args->>'hoursBooked')::bigint
                    WHEN 'RentalExtended' THEN (args->>'extraHours')::bigint ELSE 0 END,
    CASE event_name WHEN 'RentalRequested' THEN (args->>'amount')::numeric
                    WHEN 'RentalExtended' THEN (args->>'extraAmount')::numeric ELSE 0 END,
    CASE WHEN event_name IN ('PaymentReleased', 'RentalTerminated', 'RentalSettled') THEN (args->>'gross')::numeric
         WHEN event_name = 'DisputeResolved' THEN (args->>'toProvider')::numeric ELSE 0 END,
    CASE WHEN event_name IN ('PaymentReleased', 'RentalTerminated', 'RentalSettled', 'DisputeResolved') THEN (args->>'fee')::numeric
         ELSE 0 END,
    CASE WHEN event_name IN ('RentalRejected', 'RentalCancelled', 'RentalExpired', 'RentalTerminated') THEN (args->>'refund')::numeric
         WHEN event_name = 'DisputeResolved' THEN (args->>'toConsumer')::numeric ELSE 0 END,
    (event_name = 'ListingCreated')::int,
    CASE WHEN event_name = 'ListingCreated' THEN 1
         WHEN event_name = 'ListingStatusChanged' THEN CASE WHEN (args->>'active')::boolean THEN 1 ELSE -1 END
         ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION api_hourly_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO api_hourly_stats AS s (chain_id, bucket, requested, accepted, completed, disputes, hours, volume, released, fees, refunded, listings_created, active_delta, events)
    SELECT e.chain_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC'),
           sum(c.requested), sum(c.accepted), sum(c.completed), sum(c.disputes), sum(c.hours),
           sum(c.volume), sum(c.released), sum(c.fees), sum(c.refunded), sum(c.listings_created), sum(c.active_delta), count(*)
    FROM new_events e, LATERAL api_hourly_contribution(e.event_name, e.args) c
    GROUP BY 1, 2
    ON CONFLICT (chain_id, bucket) DO UPDATE SET
      requested = s.requested + EXCLUDED.requested, accepted = s.accepted + EXCLUDED.accepted,
      completed = s.completed + EXCLUDED.completed, disputes = s.disputes + EXCLUDED.disputes,
      hours = s.hours + EXCLUDED.hours, volume = s.volume + EXCLUDED.volume, released = s.released + EXCLUDED.released,
      fees = s.fees + EXCLUDED.fees, refunded = s.refunded + EXCLUDED.refunded,
      listings_created = s.listings_created + EXCLUDED.listings_created, active_delta = s.active_delta + EXCLUDED.active_delta,
      events = s.events + EXCLUDED.events;
    INSERT INTO api_providers AS p (chain_id, provider, first_block, first_time, listings)
    SELECT chain_id, args->>'provider', min(block_number), min(block_time), count(*)
    FROM new_events WHERE event_name = 'ListingCreated' GROUP BY 1, 2
    ON CONFLICT (chain_id, provider) DO UPDATE SET
      first_block = LEAST(p.first_block, EXCLUDED.first_block), first_time = LEAST(p.first_time, EXCLUDED.first_time),
      listings = p.listings + EXCLUDED.listings;
  ELSE
    UPDATE api_hourly_stats s SET
      requested = s.requested - d.requested, accepted = s.accepted - d.accepted, completed = s.completed - d.completed,
      disputes = s.disputes - d.disputes, hours = s.hours - d.hours, volume = s.volume - d.volume,
      released = s.released - d.released, fees = s.fees - d.fees, refunded = s.refunded - d.refunded,
      listings_created = s.listings_created - d.listings_created, active_delta = s.active_delta - d.active_delta,
      events = s.events - d.events
    FROM (
      SELECT e.chain_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC') AS bucket,
             sum(c.requested) AS requested, sum(c.accepted) AS accepted, sum(c.completed) AS completed,
             sum(c.disputes) AS disputes, sum(c.hours) AS hours, sum(c.volume) AS volume, sum(c.released) AS released,
             sum(c.fees) AS fees, sum(c.refunded) AS refunded, sum(c.listings_created) AS listings_created,
             sum(c.active_delta) AS active_delta, count(*) AS events
      FROM old_events e, LATERAL api_hourly_contribution(e.event_name, e.args) c
      GROUP BY 1, 2
    ) d
    WHERE s.chain_id = d.chain_id AND s.bucket = d.bucket;
    DELETE FROM api_hourly_stats WHERE events <= 0;
    -- Rollbacks remove the newest blocks, so a provider keeping any listing keeps its first one.
    UPDATE api_providers p SET listings = p.listings - d.n
    FROM (SELECT chain_id, args->>'provider' AS provider, count(*) AS n FROM old_events WHERE event_name = 'ListingCreated' GROUP BY 1, 2) d
    WHERE p.chain_id = d.chain_id AND p.provider = d.provider;
    DELETE FROM api_providers WHERE listings <= 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TABLE IF NOT EXISTS api_providers (
  chain_id     INTEGER NOT NULL,
  provider     TEXT NOT NULL,
  first_block  BIGINT NOT NULL,
  first_time   TIMESTAMPTZ NOT NULL,
  listings     BIGINT NOT NULL,
  PRIMARY KEY (chain_id, provider)
);
CREATE INDEX IF NOT EXISTS api_providers_first_idx ON api_providers (chain_id, first_time);

CREATE TABLE IF NOT EXISTS api_category_prices (
  chain_id   INTEGER NOT NULL,
  bucket     TIMESTAMP NOT NULL,      -- UTC hour of the request
  category   TEXT NOT NULL,           -- '' when the listing has none
  rentals    BIGINT NOT NULL,
  price_sum  NUMERIC(78,0) NOT NULL,  -- price per hour at request, summed
  PRIMARY KEY (chain_id, bucket, category)
);

CREATE OR REPLACE FUNCTION api_category_prices_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO api_category_prices AS c (chain_id, bucket, category, rentals, price_sum)
    SELECT r.chain_id, date_trunc('hour', r.requested_time AT TIME ZONE 'UTC'), coalesce(l.category, ''), count(*), sum(r.price_per_hour)
    FROM new_rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
    GROUP BY 1, 2, 3
    ON CONFLICT (chain_id, bucket, category) DO UPDATE SET rentals = c.rentals + EXCLUDED.rentals, price_sum = c.price_sum + EXCLUDED.price_sum;
  ELSE
    UPDATE api_category_prices c SET rentals = c.rentals - d.n, price_sum = c.price_sum - d.s
    FROM (SELECT r.chain_id, date_trunc('hour', r.requested_time AT TIME ZONE 'UTC') AS bucket, coalesce(l.category, '') AS category,
                 count(*) AS n, sum(r.price_per_hour) AS s
          FROM old_rentals r LEFT JOIN listings l ON l.chain_id = r.chain_id AND l.listing_id = r.listing_id
          GROUP BY 1, 2, 3) d
    WHERE c.chain_id = d.chain_id AND c.bucket = d.bucket AND c.category = d.category;
    DELETE FROM api_category_prices WHERE rentals <= 0;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS api_category_prices_insert ON rentals;
DROP TRIGGER IF EXISTS api_category_prices_delete ON rentals;
CREATE TRIGGER api_category_prices_insert AFTER INSERT ON rentals
  REFERENCING NEW TABLE AS new_rentals FOR EACH STATEMENT EXECUTE FUNCTION api_category_prices_apply();
CREATE TRIGGER api_category_prices_delete AFTER DELETE ON rentals
  REFERENCING OLD TABLE AS old_rentals FOR EACH STATEMENT EXECUTE FUNCTION api_category_prices_apply();

-- Rebuild everything from what the mirror holds now.
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
