-- Support metrics (issue 5): one row per helpdesk ticket, from the
-- helpdesk's incremental ticket export, its metric sets and satisfaction
-- ratings, with the segments the requester had when the ticket was created.
CREATE TABLE ticket_facts (
    helpdesk                   TEXT NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    requester_id               INTEGER NOT NULL DEFAULT 0,
    created_at                 TIMESTAMP NOT NULL,
    solved_at                  TIMESTAMP,
    status                     TEXT NOT NULL DEFAULT '',
    -- Minutes, NULL until the event has happened.
    first_reply_minutes        REAL,
    first_reply_business       REAL,
    full_resolution_minutes    REAL,
    full_resolution_business   REAL,
    agent_replies              INTEGER NOT NULL DEFAULT 0,
    reopens                    INTEGER NOT NULL DEFAULT 0,
    rating                     TEXT NOT NULL DEFAULT '',
    -- The requester's segments when the ticket was created (JSON array), and
    -- where they come from: 'enrichment' (cohort's record of the ticket) or
    -- 'membership' (the customer's segments when the metrics were synced).
    segments                   TEXT NOT NULL DEFAULT '[]',
    segments_from              TEXT NOT NULL DEFAULT '',
    updated_at                 TIMESTAMP NOT NULL,
    PRIMARY KEY (helpdesk, ticket_id)
);
CREATE INDEX ticket_facts_created ON ticket_facts (created_at);
