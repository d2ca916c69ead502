-- Hourly market totals for the analytics endpoints, kept by statement-level triggers on raw_events,
-- so a time series over a million rentals reads a few thousand rollup rows instead of every event.
-- Insert adds a batch's events, delete (reorg rollback, reindex) subtracts them, so the rollup
-- always equals an aggregate over raw_events. Rebuilt from raw_events whenever this migration runs.

CREATE TABLE IF NOT EXISTS api_hourly_stats (
  chain_id          INTEGER NOT NULL,
  bucket            TIMESTAMP NOT NULL,          -- UTC hour
  requested         BIGINT NOT NULL DEFAULT 0,   -- rentals requested
  accepted          BIGINT NOT NULL DEFAULT 0,   -- rentals started
  completed         BIGINT NOT NULL DEFAULT 0,   -- settled or terminated
  disputes          BIGINT NOT NULL DEFAULT 0,
  hours             BIGINT NOT NULL DEFAULT 0,   -- hours booked, extensions included
  volume            NUMERIC(78,0) NOT NULL DEFAULT 0,   -- escrowed, extensions included
  released          NUMERIC(78,0) NOT NULL DEFAULT 0,   -- paid towards providers, gross
  fees              NUMERIC(78,0) NOT NULL DEFAULT 0,
  refunded          NUMERIC(78,0) NOT NULL DEFAULT 0,
  listings_created  BIGINT NOT NULL DEFAULT 0,
  events            BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (chain_id, bucket)
);

-- Dropped first: 0104 changes its return type, and --reindex re-applies every migration in order.
DROP FUNCTION IF EXISTS api_hourly_contribution(TEXT, JSONB);
CREATE OR REPLACE FUNCTION api_hourly_contribution(event_name TEXT, args JSONB)
RETURNS TABLE (requested INT, accepted INT, completed INT, disputes INT, hours BIGINT,
               volume NUMERIC, released NUMERIC, fees NUMERIC, refunded NUMERIC, listings_created INT)
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
    (event_name = 'ListingCreated')::int
$$;

CREATE OR REPLACE FUNCTION api_hourly_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO api_hourly_stats AS s (chain_id, bucket, requested, accepted, completed, disputes, hours, volume, released, fees, refunded, listings_created, events)
    SELECT e.chain_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC'),
           sum(c.requested), sum(c.accepted), sum(c.completed), sum(c.disputes), sum(c.hours),
           sum(c.volume), sum(c.released), sum(c.fees), sum(c.refunded), sum(c.listings_created), count(*)
    FROM new_events e, LATERAL api_hourly_contribution(e.event_name, e.args) c
    GROUP BY 1, 2
    ON CONFLICT (chain_id, bucket) DO UPDATE SET
      requested = s.requested + EXCLUDED.requested, accepted = s.accepted + EXCLUDED.accepted,
      completed = s.completed + EXCLUDED.completed, disputes = s.disputes + EXCLUDED.disputes,
      hours = s.hours + EXCLUDED.hours, volume = s.volume + EXCLUDED.volume, released = s.released + EXCLUDED.released,
      fees = s.fees + EXCLUDED.fees, refunded = s.refunded + EXCLUDED.refunded,
      listings_created = s.listings_created + EXCLUDED.listings_created, events = s.events + EXCLUDED.events;
  ELSE
    UPDATE api_hourly_stats s SET
      requested = s.requested - d.requested, accepted = s.accepted - d.accepted, completed = s.completed - d.completed,
      disputes = s.disputes - d.disputes, hours = s.hours - d.hours, volume = s.volume - d.volume,
      released = s.released - d.released, fees = s.fees - d.fees, refunded = s.refunded - d.refunded,
      listings_created = s.listings_created - d.listings_created, events = s.events - d.events
    FROM (
      SELECT e.chain_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC') AS bucket,
             sum(c.requested) AS requested, sum(c.accepted) AS accepted, sum(c.completed) AS completed,
             sum(c.disputes) AS disputes, sum(c.hours) AS hours, sum(c.volume) AS volume, sum(c.released) AS released,
             sum(c.fees) AS fees, sum(c.refunded) AS refunded, sum(c.listings_created) AS listings_created, count(*) AS events
      FROM old_events e, LATERAL api_hourly_contribution(e.event_name, e.args) c
      GROUP BY 1, 2
    ) d
    WHERE s.chain_id = d.chain_id AND s.bucket = d.bucket;
    DELETE FROM api_hourly_stats WHERE events <= 0;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS api_hourly_insert ON raw_events;
DROP TRIGGER IF EXISTS api_hourly_delete ON raw_events;
CREATE TRIGGER api_hourly_insert AFTER INSERT ON raw_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION api_hourly_apply();
CREATE TRIGGER api_hourly_delete AFTER DELETE ON raw_events
  REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION api_hourly_apply();

-- Rebuild: after a reindex dropped raw_events, the rollup must not keep the old chain's totals.
DELETE FROM api_hourly_stats;
INSERT INTO api_hourly_stats (chain_id, bucket, requested, accepted, completed, disputes, hours, volume, released, fees, refunded, listings_created, events)
SELECT e.chain_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC'),
       sum(c.requested), sum(c.accepted), sum(c.completed), sum(c.disputes), sum(c.hours),
       sum(c.volume), sum(c.released), sum(c.fees), sum(c.refunded), sum(c.listings_created), count(*)
FROM raw_events e, LATERAL api_hourly_contribution(e.event_name, e.args) c
GROUP BY 1, 2;
