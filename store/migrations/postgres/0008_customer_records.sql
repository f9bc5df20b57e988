-- Several sources, one customer (issue 10): each source's record of a
-- customer is kept apart, linked to the customer by the match keys, and
-- the customers table holds their merge (per field, the first source of
-- COHORT_SOURCE_PRECEDENCE that has a value). A source that drops a
-- customer drops only its own record.
CREATE TABLE customer_records (
    id           BIGSERIAL PRIMARY KEY,
    customer_id  BIGINT NOT NULL, -- customers (id), kept by the store
    source       TEXT NOT NULL,
    email        TEXT,
    external_id  TEXT,
    name         TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    plan         TEXT NOT NULL DEFAULT '',
    arr          DOUBLE PRECISION, -- NULL: the source gave none
    ltv          DOUBLE PRECISION,
    signup_date  DATE,
    products     JSONB NOT NULL DEFAULT '[]',
    tech_level   TEXT NOT NULL DEFAULT '',
    attrs        JSONB NOT NULL DEFAULT '{}',
    -- The full sync run that last saw the record, to find those its
    -- source no longer has.
    seen_run     BIGINT,
    deleted_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
-- A source has one record per key; a key found in any source's record
-- leads to that record's customer.
CREATE UNIQUE INDEX customer_records_email ON customer_records (email, source) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customer_records_external_id ON customer_records (external_id, source) WHERE external_id IS NOT NULL;
CREATE INDEX customer_records_customer ON customer_records (customer_id);

-- Each customer so far was one source's record; `cohort import` wrote as
-- "import", which is the csv source now. A 0 ARR or LTV was a blank.
INSERT INTO customer_records (customer_id, source, email, external_id, name, organization, plan, arr, ltv,
    signup_date, products, tech_level, attrs, seen_run, deleted_at, created_at, updated_at)
SELECT id, CASE source WHEN 'import' THEN 'csv' WHEN '' THEN 'csv' ELSE source END, email, external_id, name,
    organization, plan, NULLIF(arr, 0), NULLIF(ltv, 0), signup_date, products, tech_level, attrs, seen_run,
    deleted_at, created_at, updated_at
FROM customers;

-- The merged customer's keys are found through the records.
DROP INDEX customers_email;
DROP INDEX customers_external_id;
ALTER TABLE customers DROP COLUMN source;
ALTER TABLE customers DROP COLUMN seen_run;

-- The source precedence the merged customers were made with.
CREATE TABLE merge_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    precedence TEXT NOT NULL
);
