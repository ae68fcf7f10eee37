-- Facts about this installation (first start, schema notes). Later features
-- add their own tables in their own migrations.
CREATE TABLE instance (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO instance (key, value, updated_at)
VALUES ('installed_at', CAST(strftime('%s', 'now') AS TEXT), CAST(strftime('%s', 'now') AS INTEGER));
