-- Published versions of the handbook, so every app server serves the same
-- files. A version lists (path, hash); a file's bytes are stored once per
-- distinct content, so a publish that changes one chapter adds one blob.
-- Same text for both engines except the blob type (BYTEA here, BLOB there).

CREATE TABLE content_blobs (
    hash  TEXT PRIMARY KEY,          -- SHA-256 of the bytes, hex
    size  BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);

-- kind: 'import' (the content/ folder, taken at first start or by a
-- command), 'publish' (a trainer in the browser, or `hocvu content
-- publish`), 'rollback' (a copy of an earlier version).
CREATE TABLE content_versions (
    number      BIGINT PRIMARY KEY,
    kind        TEXT NOT NULL,
    author_id   TEXT,
    author_name TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- JSON list of {"path", "change": "added"|"changed"|"removed"} against
    -- the version before it: what the history page shows.
    changes     TEXT NOT NULL
);

CREATE TABLE content_version_files (
    version BIGINT NOT NULL REFERENCES content_versions (number),
    path    TEXT NOT NULL,
    hash    TEXT NOT NULL REFERENCES content_blobs (hash),
    PRIMARY KEY (version, path)
);
CREATE INDEX content_version_files_by_path ON content_version_files (path, hash);

-- Uploads and edits checked but not yet published. Each changed file keeps
-- the hash it had when the trainer started (NULL: it did not exist), so a
-- publish can tell whether someone else changed it since.
CREATE TABLE content_drafts (
    id           TEXT PRIMARY KEY,
    author_id    TEXT NOT NULL REFERENCES users (id),
    title        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    published_as BIGINT
);

CREATE TABLE content_draft_files (
    draft_id  TEXT NOT NULL REFERENCES content_drafts (id),
    path      TEXT NOT NULL,
    hash      TEXT REFERENCES content_blobs (hash),  -- NULL: the draft removes it
    base_hash TEXT,
    PRIMARY KEY (draft_id, path)
);
