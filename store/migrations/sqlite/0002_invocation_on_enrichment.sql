-- A re-delivered webhook carries the same ticket, so the enrichments
-- table's key (helpdesk, ticket_id) already recognises it; the delivery's
-- invocation id is kept on the enrichment for the audit instead of a table
-- of its own, saving a write per webhook.
ALTER TABLE enrichments ADD COLUMN invocation_id TEXT NOT NULL DEFAULT '';
DROP TABLE webhook_deliveries;
