-- Customers synced from CRM sources. Emails are stored lowercased.
CREATE TABLE customers (
    id           INTEGER PRIMARY KEY,
    email        TEXT,
    email_domain TEXT,
    external_id  TEXT,
    name         TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    plan         TEXT NOT NULL DEFAULT '',
    arr          REAL NOT NULL DEFAULT 0,
    ltv          REAL NOT NULL DEFAULT 0,
    signup_date  DATE,
    products     TEXT NOT NULL DEFAULT '[]',
    tech_level   TEXT NOT NULL DEFAULT '',
    attrs        TEXT NOT NULL DEFAULT '{}',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_external_id ON customers (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX customers_email_domain ON customers (email_domain, arr DESC);

-- Every webhook delivery seen, by the helpdesk's invocation id, so a
-- re-delivery is recognised and ignored.
CREATE TABLE webhook_deliveries (
    helpdesk      TEXT NOT NULL,
    invocation_id TEXT NOT NULL,
    ticket_id     INTEGER NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (helpdesk, invocation_id)
);

-- One enrichment per ticket: the job while pending, the audit record after.
CREATE TABLE enrichments (
    helpdesk        TEXT NOT NULL,
    ticket_id       INTEGER NOT NULL,
    status          TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    requester_email TEXT NOT NULL DEFAULT '',
    payload         BLOB NOT NULL,
    customer_id     INTEGER,
    matched_by      TEXT NOT NULL DEFAULT '',
    segments        TEXT NOT NULL DEFAULT '[]',
    escalations     TEXT NOT NULL DEFAULT '[]',
    priority_before TEXT NOT NULL DEFAULT '',
    priority_after  TEXT NOT NULL DEFAULT '',
    reasons         TEXT NOT NULL DEFAULT '[]',
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    received_at     TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    PRIMARY KEY (helpdesk, ticket_id)
);
CREATE INDEX enrichments_status ON enrichments (status, received_at);
CREATE INDEX enrichments_received ON enrichments (received_at);
