-- CRM sync (issue 4): where each customer came from, soft deletes, and
-- materialized segment membership; checkpoints, runs and leases of syncs.
ALTER TABLE customers ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN deleted_at TIMESTAMPTZ;
-- The full sync run that last saw the customer, to find those its source
-- no longer has.
ALTER TABLE customers ADD COLUMN seen_run BIGINT;
-- Segment membership: the matching segments (JSON array, file order) and
-- the first of them; dirty until computed for the current data and rules.
ALTER TABLE customers ADD COLUMN segments JSONB NOT NULL DEFAULT '[]';
ALTER TABLE customers ADD COLUMN primary_segment TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN segments_dirty BOOLEAN NOT NULL DEFAULT TRUE;
-- The primary segment last written to the helpdesk, '' before any.
ALTER TABLE customers ADD COLUMN helpdesk_segment TEXT NOT NULL DEFAULT '';
-- The customers to re-segment after a change: only those few, read in id
-- order. There is no index for DeleteUnseen (source, seen_run): it runs
-- once per full sync and reads most of the table anyway, while such an
-- index costs on every insert and on every customer a full sync sees.
CREATE INDEX customers_segments_dirty ON customers (id) WHERE segments_dirty;

-- Where each source's next incremental sync starts, committed with the data
-- it covers.
CREATE TABLE sync_checkpoints (
    source     TEXT PRIMARY KEY,
    checkpoint TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Every sync run and what it did.
CREATE TABLE sync_runs (
    id          BIGSERIAL PRIMARY KEY,
    source      TEXT NOT NULL,
    full_sync   BOOLEAN NOT NULL,
    status      TEXT NOT NULL,
    read        INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX sync_runs_source ON sync_runs (source, id);

-- One holder at a time per named job (a source's sync, re-segmenting):
-- a lease that its holder renews and that lapses if the holder dies.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- The rules the clean segment memberships were computed with.
CREATE TABLE segment_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    rules_hash  TEXT NOT NULL,
    computed_on DATE NOT NULL
);

-- Which customers were matched to a ticket's requester, for writing their
-- segment back to the helpdesk user.
CREATE INDEX enrichments_customer ON enrichments (customer_id) WHERE customer_id IS NOT NULL;
