-- cohort install and uninstall: what install created or adopted in a
-- helpdesk (its webhook, trigger, fields, app and the app's installation),
-- by kind and cohort's name for it, with the helpdesk's id, whether cohort
-- created it (uninstall deletes only those) and a detail such as the
-- sha256 of the app package cohort last uploaded.
CREATE TABLE installed_items (
    helpdesk          TEXT NOT NULL,
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    remote_id         TEXT NOT NULL,
    created_by_cohort BOOLEAN NOT NULL,
    detail            TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (helpdesk, kind, name)
);
