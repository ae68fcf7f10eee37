-- Classes at the commune house (issue 23), and the class leader role.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('learner', 'trainer', 'supervisor', 'admin', 'class_leader'));

-- A class held in a commune hall: a leader paces a course's chapters on
-- everyone's phone. `seq` grows by one on every change phones must follow
-- (a step, a question, a reveal, the end); `step` indexes the class's step
-- list (each chapter's sections in order), `question` is the pushed quiz
-- question, if any. The code is unique among open classes only.
CREATE TABLE classes (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    course      TEXT NOT NULL,
    chapters    TEXT NOT NULL,
    unit_id     TEXT REFERENCES org_units (id),
    leader_id   TEXT NOT NULL REFERENCES users (id),
    step        BIGINT NOT NULL DEFAULT 0,
    question    TEXT,
    revealed    BIGINT NOT NULL DEFAULT 0,
    seq         BIGINT NOT NULL DEFAULT 0,
    guests      BIGINT NOT NULL DEFAULT 0,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT
);
CREATE UNIQUE INDEX classes_open_code ON classes (code) WHERE ended_at IS NULL;
CREATE INDEX classes_by_unit ON classes (unit_id, started_at);
CREATE INDEX classes_by_leader ON classes (leader_id, started_at);

-- Who came: a phone (its learner: one row however often it joins), or a
-- person without a phone the leader added by name, with their consent.
CREATE TABLE class_attendees (
    id          TEXT PRIMARY KEY,
    class_id    TEXT NOT NULL REFERENCES classes (id),
    learner_id  TEXT REFERENCES learners (id),
    name        TEXT NOT NULL,
    birth_year  BIGINT,
    hamlet      TEXT,
    consent_at  BIGINT,
    joined_at   BIGINT NOT NULL,
    UNIQUE (class_id, learner_id)
);
CREATE INDEX class_attendees_by_learner ON class_attendees (learner_id);

-- What was shown, in order (the record's "steps covered").
CREATE TABLE class_steps (
    class_id  TEXT NOT NULL REFERENCES classes (id),
    seq       BIGINT NOT NULL,
    step      BIGINT NOT NULL,
    question  TEXT,
    shown_at  BIGINT NOT NULL,
    PRIMARY KEY (class_id, seq)
);

-- One answer per attendee and question pushed in the class.
CREATE TABLE class_answers (
    class_id    TEXT NOT NULL REFERENCES classes (id),
    question    TEXT NOT NULL,
    attendee_id TEXT NOT NULL REFERENCES class_attendees (id),
    chosen      TEXT NOT NULL,
    correct     BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (class_id, question, attendee_id)
);
