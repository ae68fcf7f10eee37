-- Facts about this installation (first start, schema notes). Later features
-- add their own tables in their own migrations.
CREATE TABLE instance (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO instance (key, value, updated_at)
VALUES ('installed_at', CAST(EXTRACT(EPOCH FROM now())::BIGINT AS TEXT), EXTRACT(EPOCH FROM now())::BIGINT);
