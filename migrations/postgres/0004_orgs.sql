-- Officials: org units, assignments of courses with deadlines, the status
-- of every learner in every course they started, certificates, and the
-- outbox of reminders a future SMS/Zalo sender will deliver.
-- Same text for both engines (integers BIGINT, times unix seconds, dates
-- as 'YYYY-MM-DD' text, which sorts like a date).

-- The tree of units (province -> departments, communes/wards -> units).
-- `path` is the ids from the root down, '/a/b/c/': a subtree is a prefix.
CREATE TABLE org_units (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES org_units (id),
    path       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX org_units_by_path ON org_units (path);

-- Every official belongs to one unit and holds a position (free text, as
-- the province writes it).
ALTER TABLE users ADD COLUMN unit_id TEXT REFERENCES org_units (id);
ALTER TABLE users ADD COLUMN position TEXT NOT NULL DEFAULT '';
CREATE INDEX users_by_unit ON users (unit_id);

-- A course required of a unit's subtree (optionally only some positions).
-- Who is assigned is worked out when asked, so people added later inherit it.
CREATE TABLE assignments (
    id         TEXT PRIMARY KEY,
    course     TEXT NOT NULL,
    unit_id    TEXT NOT NULL REFERENCES org_units (id),
    positions  TEXT NOT NULL DEFAULT '',
    due_on     TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX assignments_by_unit ON assignments (unit_id);

-- Kept up to date on every progress step, so reports never replay events.
-- A completion is a fact at a time: later content edits do not undo it.
CREATE TABLE course_status (
    learner_id   TEXT NOT NULL REFERENCES learners (id),
    course       TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (learner_id, course)
);

-- One certificate per person and course, ever (the unique key makes two
-- concurrent completions issue one).
CREATE TABLE certificates (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    user_id        TEXT NOT NULL REFERENCES users (id),
    course         TEXT NOT NULL,
    holder_name    TEXT NOT NULL,
    course_title   TEXT NOT NULL,
    completed_at   BIGINT NOT NULL,
    issued_at      BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_reason TEXT,
    revoked_by     TEXT REFERENCES users (id),
    UNIQUE (user_id, course)
);

-- Reminders waiting for a sender. One per person, assignment and day.
CREATE TABLE reminder_outbox (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    channel       TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    body          TEXT NOT NULL,
    queued_on     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    UNIQUE (assignment_id, user_id, queued_on)
);
CREATE INDEX reminder_outbox_unsent ON reminder_outbox (sent_at);
