-- Token buckets shared by every cohort process on this database: one row
-- per budget (e.g. Zendesk API requests a minute).
CREATE TABLE rate_budgets (
    name       TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    capacity   DOUBLE PRECISION NOT NULL,
    per_second DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
