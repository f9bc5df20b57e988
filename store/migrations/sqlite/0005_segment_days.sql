-- Support metrics per segment and day (issue 5), computed by the syncer
-- from ticket_facts: counts over the tickets created that day, the minutes
-- behind their percentiles (JSON arrays) so that weeks and
-- months roll up exactly, and the backlog at the day's end.
CREATE TABLE segment_days (
    day                        TEXT NOT NULL, -- YYYY-MM-DD, UTC
    segment                    TEXT NOT NULL, -- 'all' for every customer
    tickets                    INTEGER NOT NULL,
    good                       INTEGER NOT NULL,
    bad                        INTEGER NOT NULL,
    solved                     INTEGER NOT NULL,
    fcr                        INTEGER NOT NULL,
    reopened                   INTEGER NOT NULL,
    backlog                    INTEGER NOT NULL,
    first_reply                TEXT NOT NULL,
    first_reply_business       TEXT NOT NULL,
    full_resolution            TEXT NOT NULL,
    full_resolution_business   TEXT NOT NULL,
    PRIMARY KEY (day, segment)
);
-- The tickets still open at a day's start, for a recomputation that starts
-- on that day.
CREATE INDEX ticket_facts_solved ON ticket_facts (solved_at);
-- Tickets are read in created order, a page at a time: the index is the
-- page key, so that each page is a range of it.
DROP INDEX ticket_facts_created;
CREATE INDEX ticket_facts_created ON ticket_facts (created_at, helpdesk, ticket_id);
-- Ticket facts stored before this migration: every day is to be computed.
INSERT INTO sync_checkpoints (source, checkpoint, updated_at)
SELECT 'segment-days:dirty', substr(MIN(created_at), 1, 10), CURRENT_TIMESTAMP FROM ticket_facts HAVING COUNT(*) > 0;
