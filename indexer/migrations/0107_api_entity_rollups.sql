-- Rollups behind the per-entity analytics, so a provider with a hundred thousand rentals and a listing
-- with twenty thousand answer from a few hundred rollup rows instead of every rental and event:
--   api_listing_hourly        per listing and UTC hour: rentals requested and started, hours booked,
--                             volume, released, fees, ratings, from the rental's events in raw_events
--   api_provider_rentals      per provider and rental status: rentals, released, fees, disputes,
--                             acceptances and their summed latency, from the rentals rows
--   api_provider_acceptance   per provider: the longest acceptance latency
-- Kept by statement-level triggers (transition tables, one set-based statement per batch). A rollback
-- deletes rows and the triggers subtract; restoring undo images re-inserts and they add back. Rebuilt
-- whenever this migration runs.

CREATE TABLE IF NOT EXISTS api_listing_hourly (
  chain_id    INTEGER NOT NULL,
  listing_id  BIGINT NOT NULL,
  bucket      TIMESTAMP NOT NULL,              -- UTC hour
  requested   BIGINT NOT NULL,
  started     BIGINT NOT NULL,
  hours       BIGINT NOT NULL,                 -- booked, extensions included
  volume      NUMERIC(78,0) NOT NULL,          -- escrowed, extensions included
  released    NUMERIC(78,0) NOT NULL,          -- paid towards the provider, gross
  fees        NUMERIC(78,0) NOT NULL,
  ratings     BIGINT NOT NULL,
  rating_sum  BIGINT NOT NULL,
  events      BIGINT NOT NULL,                 -- every event of the listing's rentals (the bucket exists while > 0)
  PRIMARY KEY (chain_id, listing_id, bucket)
);

DROP FUNCTION IF EXISTS api_listing_contribution(TEXT, JSONB);
CREATE FUNCTION api_listing_contribution(event_name TEXT, args JSONB)
RETURNS TABLE (requested INT, started INT, hours BIGINT, volume NUMERIC, released NUMERIC, fees NUMERIC, ratings INT, rating_sum INT)
LANGUAGE sql IMMUTABLE AS $$
  SELECT
    (event_name = 'RentalRequested')::int,
    (event_name = 'RentalAccepted')::int,
    CASE event_name WHEN 'RentalRequested' THEN (args->>'hoursBooked')::bigint
                    WHEN 'RentalExtended' THEN (args->>'extraHours')::bigint ELSE 0 END,
    CASE event_name WHEN 'RentalRequested' THEN (args->>'amount')::numeric
                    WHEN 'RentalExtended' THEN (args->>'extraAmount')::numeric ELSE 0 END,
    CASE WHEN event_name IN ('PaymentReleased', 'RentalTerminated', 'RentalSettled') THEN (args->>'gross')::numeric
         WHEN event_name = 'DisputeResolved' THEN (args->>'toProvider')::numeric ELSE 0 END,
    CASE WHEN event_name IN ('PaymentReleased', 'RentalTerminated', 'RentalSettled', 'DisputeResolved') THEN (args->>'fee')::numeric
         ELSE 0 END,
    (event_name = 'RentalRated')::int,
    CASE WHEN event_name = 'RentalRated' THEN (args->>'score')::int ELSE 0 END
$$;

-- Only RentalRequested and RentalRated carry the listing; the other events of a rental find it in the
-- same statement's RentalRequested (a window over the batch: a self-join of a transition table, which
-- has no statistics, may be planned as a nested loop) or in the rentals row (from an earlier batch). Rollbacks
-- restore rentals before deleting events, and a rental created in the rolled-back blocks has its
-- RentalRequested among the deleted events. The rentals lookup is a scalar subquery on purpose: one
-- primary-key probe per event, never a plan that reads every rental. The statements run through
-- EXECUTE, planned afresh for each batch: a plan cached by the first batch, when rentals was empty,
-- would scan rentals for every event once it holds millions.
CREATE OR REPLACE FUNCTION api_listing_hourly_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone_chain INTEGER[];
  gone_listing BIGINT[];
  gone_bucket TIMESTAMP[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE $q$
    INSERT INTO api_listing_hourly AS s (chain_id, listing_id, bucket, requested, started, hours, volume, released, fees, ratings, rating_sum, events)
    SELECT e.chain_id, e.lid, date_trunc('hour', e.block_time AT TIME ZONE 'UTC'),
           sum(c.requested), sum(c.started), sum(c.hours), sum(c.volume), sum(c.released), sum(c.fees), sum(c.ratings), sum(c.rating_sum), count(*)
    FROM (
      SELECT n.chain_id, n.block_time, n.event_name, n.args,
             coalesce(n.listing_id, n.requested_listing,
                      (SELECT r.listing_id FROM rentals r WHERE r.chain_id = n.chain_id AND r.rental_id = n.rental_id)) AS lid
      FROM (SELECT *, max(listing_id) FILTER (WHERE event_name = 'RentalRequested') OVER (PARTITION BY chain_id, rental_id) AS requested_listing
            FROM new_events WHERE rental_id IS NOT NULL) n
    ) e, LATERAL api_listing_contribution(e.event_name, e.args) c
    WHERE e.lid IS NOT NULL
    GROUP BY 1, 2, 3
    ON CONFLICT (chain_id, listing_id, bucket) DO UPDATE SET
      requested = s.requested + EXCLUDED.requested, started = s.started + EXCLUDED.started, hours = s.hours + EXCLUDED.hours,
      volume = s.volume + EXCLUDED.volume, released = s.released + EXCLUDED.released, fees = s.fees + EXCLUDED.fees,
      ratings = s.ratings + EXCLUDED.ratings, rating_sum = s.rating_sum + EXCLUDED.rating_sum, events = s.events + EXCLUDED.events
    $q$;
  ELSE
    EXECUTE $q$
    WITH d AS (
      SELECT e.chain_id, e.lid AS listing_id, date_trunc('hour', e.block_time AT TIME ZONE 'UTC') AS bucket,
             sum(c.requested) AS requested, sum(c.started) AS started, sum(c.hours) AS hours, sum(c.volume) AS volume,
             sum(c.released) AS released, sum(c.fees) AS fees, sum(c.ratings) AS ratings, sum(c.rating_sum) AS rating_sum, count(*) AS events
      FROM (
        SELECT o.chain_id, o.block_time, o.event_name, o.args,
               coalesce(o.listing_id, o.requested_listing,
                        (SELECT r.listing_id FROM rentals r WHERE r.chain_id = o.chain_id AND r.rental_id = o.rental_id)) AS lid
        FROM (SELECT *, max(listing_id) FILTER (WHERE event_name = 'RentalRequested') OVER (PARTITION BY chain_id, rental_id) AS requested_listing
              FROM old_events WHERE rental_id IS NOT NULL) o
      ) e, LATERAL api_listing_contribution(e.event_name, e.args) c
      WHERE e.lid IS NOT NULL
      GROUP BY 1, 2, 3
    ), upd AS (
      UPDATE api_listing_hourly s SET
        requested = s.requested - d.requested, started = s.started - d.started, hours = s.hours - d.hours,
        volume = s.volume - d.volume, released = s.released - d.released, fees = s.fees - d.fees,
        ratings = s.ratings - d.ratings, rating_sum = s.rating_sum - d.rating_sum, events = s.events - d.events
      FROM d WHERE s.chain_id = d.chain_id AND s.listing_id = d.listing_id AND s.bucket = d.bucket
      RETURNING s.chain_id, s.listing_id, s.bucket, s.events
    )
    SELECT array_agg(upd.chain_id), array_agg(upd.listing_id), array_agg(upd.bucket)
    FROM upd WHERE upd.events <= 0
    $q$ INTO gone_chain, gone_listing, gone_bucket;
    -- Emptied buckets, by key: a second statement, as one statement cannot update and delete a row.
    DELETE FROM api_listing_hourly s USING unnest(gone_chain, gone_listing, gone_bucket) AS g(chain_id, listing_id, bucket)
    WHERE s.chain_id = g.chain_id AND s.listing_id = g.listing_id AND s.bucket = g.bucket;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS api_listing_hourly_insert ON raw_events;
DROP TRIGGER IF EXISTS api_listing_hourly_delete ON raw_events;
CREATE TRIGGER api_listing_hourly_insert AFTER INSERT ON raw_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION api_listing_hourly_apply();
CREATE TRIGGER api_listing_hourly_delete AFTER DELETE ON raw_events
  REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION api_listing_hourly_apply();

CREATE TABLE IF NOT EXISTS api_provider_rentals (
  chain_id        INTEGER NOT NULL,
  provider        TEXT NOT NULL,
  status          TEXT NOT NULL,
  rentals         BIGINT NOT NULL,           -- may fall to 0 as rentals move on; readers skip such rows
  released        NUMERIC(78,0) NOT NULL,    -- gross, fees included
  fees            NUMERIC(78,0) NOT NULL,
  disputed        BIGINT NOT NULL,           -- rentals that ever had a dispute opened
  accepted        BIGINT NOT NULL,           -- rentals with an acceptance
  accept_seconds  NUMERIC NOT NULL,          -- their request-to-acceptance latencies, summed
  PRIMARY KEY (chain_id, provider, status)
);

CREATE TABLE IF NOT EXISTS api_provider_acceptance (
  chain_id     INTEGER NOT NULL,
  provider     TEXT NOT NULL,
  max_seconds  NUMERIC NOT NULL,
  PRIMARY KEY (chain_id, provider)
);

-- Rentals rows are upserted several times over their life: an update moves a rental's contribution
-- from its old status to its new one (the old image subtracted, the new added, in one statement), and
-- groups whose net change is nil are not written. The maximum latency only grows while indexing
-- forwards (an acceptance time is set once); when a rollback takes away the rental holding a
-- provider's maximum, that provider's maximum is recounted from its rentals.
-- Recounts the longest acceptance of providers that lost the rental holding it (rollbacks only).
CREATE OR REPLACE FUNCTION api_provider_acceptance_recount(chains INTEGER[], providers TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH recount AS (
    SELECT c.chain_id, p.provider,
           (SELECT max(extract(epoch FROM r.accepted_time - r.requested_time)) FROM rentals r
            WHERE r.chain_id = c.chain_id AND r.provider = p.provider AND r.accepted_time IS NOT NULL) AS max_seconds
    FROM unnest(chains) AS c(chain_id), unnest(providers) AS p(provider)
  ), gone AS (
    DELETE FROM api_provider_acceptance a USING recount c
    WHERE c.max_seconds IS NULL AND a.chain_id = c.chain_id AND a.provider = c.provider
  )
  UPDATE api_provider_acceptance a SET max_seconds = c.max_seconds FROM recount c
  WHERE c.max_seconds IS NOT NULL AND a.chain_id = c.chain_id AND a.provider = c.provider;
END
$$;

CREATE OR REPLACE FUNCTION api_provider_rentals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO api_provider_rentals AS s (chain_id, provider, status, rentals, released, fees, disputed, accepted, accept_seconds)
    SELECT chain_id, provider, status, count(*), sum(released), sum(fees), count(dispute_opened_by), count(accepted_time),
           coalesce(sum(extract(epoch FROM accepted_time - requested_time)), 0)
    FROM new_rentals GROUP BY 1, 2, 3
    ON CONFLICT (chain_id, provider, status) DO UPDATE SET
      rentals = s.rentals + EXCLUDED.rentals, released = s.released + EXCLUDED.released, fees = s.fees + EXCLUDED.fees,
      disputed = s.disputed + EXCLUDED.disputed, accepted = s.accepted + EXCLUDED.accepted,
      accept_seconds = s.accept_seconds + EXCLUDED.accept_seconds;
    INSERT INTO api_provider_acceptance AS a (chain_id, provider, max_seconds)
    SELECT chain_id, provider, max(extract(epoch FROM accepted_time - requested_time))
    FROM new_rentals WHERE accepted_time IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (chain_id, provider) DO UPDATE SET max_seconds = EXCLUDED.max_seconds WHERE EXCLUDED.max_seconds > a.max_seconds;

  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO api_provider_rentals AS s (chain_id, provider, status, rentals, released, fees, disputed, accepted, accept_seconds)
    SELECT chain_id, provider, status, sum(sign), sum(sign * released), sum(sign * fees),
           sum(sign * (dispute_opened_by IS NOT NULL)::int), sum(sign * (accepted_time IS NOT NULL)::int),
           coalesce(sum(sign * extract(epoch FROM accepted_time - requested_time)), 0)
    FROM (
      SELECT -1 AS sign, chain_id, provider, status, released, fees, dispute_opened_by, accepted_time, requested_time FROM old_rentals
      UNION ALL
      SELECT 1, chain_id, provider, status, released, fees, dispute_opened_by, accepted_time, requested_time FROM new_rentals
    ) d
    GROUP BY 1, 2, 3
    HAVING sum(sign) <> 0 OR sum(sign * released) <> 0 OR sum(sign * fees) <> 0
        OR sum(sign * (dispute_opened_by IS NOT NULL)::int) <> 0 OR sum(sign * (accepted_time IS NOT NULL)::int) <> 0
        OR coalesce(sum(sign * extract(epoch FROM accepted_time - requested_time)), 0) <> 0
    ON CONFLICT (chain_id, provider, status) DO UPDATE SET
      rentals = s.rentals + EXCLUDED.rentals, released = s.released + EXCLUDED.released, fees = s.fees + EXCLUDED.fees,
      disputed = s.disputed + EXCLUDED.disputed, accepted = s.accepted + EXCLUDED.accepted,
      accept_seconds = s.accept_seconds + EXCLUDED.accept_seconds;
    -- No join of the old and new images (transition tables have no statistics, so such a join may be
    -- planned as a nested loop): every accepted row is offered, and only a longer wait is written. An
    -- update never takes an acceptance away (the contract sets it once; a rollback deletes the row
    -- and re-inserts its earlier image), so only deletes can lose the maximum.
    INSERT INTO api_provider_acceptance AS a (chain_id, provider, max_seconds)
    SELECT chain_id, provider, max(extract(epoch FROM accepted_time - requested_time))
    FROM new_rentals WHERE accepted_time IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (chain_id, provider) DO UPDATE SET max_seconds = EXCLUDED.max_seconds WHERE EXCLUDED.max_seconds > a.max_seconds;

  ELSE
    UPDATE api_provider_rentals s SET
      rentals = s.rentals - d.rentals, released = s.released - d.released, fees = s.fees - d.fees,
      disputed = s.disputed - d.disputed, accepted = s.accepted - d.accepted, accept_seconds = s.accept_seconds - d.accept_seconds
    FROM (
      SELECT chain_id, provider, status, count(*) AS rentals, sum(released) AS released, sum(fees) AS fees,
             count(dispute_opened_by) AS disputed, count(accepted_time) AS accepted,
             coalesce(sum(extract(epoch FROM accepted_time - requested_time)), 0) AS accept_seconds
      FROM old_rentals GROUP BY 1, 2, 3
    ) d
    WHERE s.chain_id = d.chain_id AND s.provider = d.provider AND s.status = d.status;
    PERFORM api_provider_acceptance_recount(array_agg(DISTINCT o.chain_id), array_agg(DISTINCT o.provider))
    FROM old_rentals o JOIN api_provider_acceptance a ON a.chain_id = o.chain_id AND a.provider = o.provider
    WHERE o.accepted_time IS NOT NULL AND extract(epoch FROM o.accepted_time - o.requested_time) >= a.max_seconds
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS api_provider_rentals_insert ON rentals;
DROP TRIGGER IF EXISTS api_provider_rentals_update ON rentals;
DROP TRIGGER IF EXISTS api_provider_rentals_delete ON rentals;
CREATE TRIGGER api_provider_rentals_insert AFTER INSERT ON rentals
  REFERENCING NEW TABLE AS new_rentals FOR EACH STATEMENT EXECUTE FUNCTION api_provider_rentals_apply();
CREATE TRIGGER api_provider_rentals_update AFTER UPDATE ON rentals
  REFERENCING OLD TABLE AS old_rentals NEW TABLE AS new_rentals FOR EACH STATEMENT EXECUTE FUNCTION api_provider_rentals_apply();
CREATE TRIGGER api_provider_rentals_delete AFTER DELETE ON rentals
  REFERENCING OLD TABLE AS old_rentals FOR EACH STATEMENT EXECUTE FUNCTION api_provider_rentals_apply();

-- Rebuild everything from what the mirror holds now.
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
