-- Macros kept as code (issue 6): the macros cohort owns in a helpdesk, by
-- their stable key, with the helpdesk's id for each and whether cohort left
-- it active; and the macros applied with each enrichment.
CREATE TABLE owned_macros (
    helpdesk   TEXT NOT NULL,
    key        TEXT NOT NULL,
    macro_id   BIGINT NOT NULL,
    active     BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (helpdesk, key)
);
ALTER TABLE enrichments ADD COLUMN macros JSONB NOT NULL DEFAULT '[]';
