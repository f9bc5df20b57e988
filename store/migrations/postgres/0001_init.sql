-- Customers synced from CRM sources. Emails are stored lowercased.
CREATE TABLE customers (
    id           BIGSERIAL PRIMARY KEY,
    email        TEXT,
    email_domain TEXT,
    external_id  TEXT,
    name         TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    plan         TEXT NOT NULL DEFAULT '',
    arr          DOUBLE PRECISION NOT NULL DEFAULT 0,
    ltv          DOUBLE PRECISION NOT NULL DEFAULT 0,
    signup_date  DATE,
    products     JSONB NOT NULL DEFAULT '[]',
    tech_level   TEXT NOT NULL DEFAULT '',
    attrs        JSONB NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_external_id ON customers (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX customers_email_domain ON customers (email_domain, arr DESC);

-- Every webhook delivery seen, by the helpdesk's invocation id, so a
-- re-delivery is recognised and ignored.
CREATE TABLE webhook_deliveries (
    helpdesk      TEXT NOT NULL,
    invocation_id TEXT NOT NULL,
    ticket_id     BIGINT NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (helpdesk, invocation_id)
);

-- One enrichment per ticket: the job while pending, the audit record after.
CREATE TABLE enrichments (
    helpdesk        TEXT NOT NULL,
    ticket_id       BIGINT NOT NULL,
    status          TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    requester_email TEXT NOT NULL DEFAULT '',
    payload         BYTEA NOT NULL,
    customer_id     BIGINT,
    matched_by      TEXT NOT NULL DEFAULT '',
    segments        JSONB NOT NULL DEFAULT '[]',
    escalations     JSONB NOT NULL DEFAULT '[]',
    priority_before TEXT NOT NULL DEFAULT '',
    priority_after  TEXT NOT NULL DEFAULT '',
    reasons         JSONB NOT NULL DEFAULT '[]',
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    received_at     TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    PRIMARY KEY (helpdesk, ticket_id)
);
CREATE INDEX enrichments_status ON enrichments (status, received_at);
CREATE INDEX enrichments_received ON enrichments (received_at);
