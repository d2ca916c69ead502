-- Secondary indexes that a backfill into an empty mirror drops and builds once at its end, instead of
-- maintaining them row by row (db/deferred-indexes.ts): their definitions, until they are built.
CREATE TABLE IF NOT EXISTS deferred_indexes (
  name       TEXT PRIMARY KEY,
  definition TEXT NOT NULL
);
