-- People and what they did. Content is never stored here: chapters and
-- quizzes are referenced by course slug + stable id + content version.
-- Integers are BIGINT and flags 0/1 so one query set reads both engines.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT UNIQUE,
    phone         TEXT UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'learner'
                  CHECK (role IN ('learner', 'trainer', 'supervisor', 'admin')),
    created_at    BIGINT NOT NULL
);

-- A learner is whoever is learning on a device: a guest, or a user.
CREATE TABLE learners (
    id         TEXT PRIMARY KEY,
    user_id    TEXT UNIQUE REFERENCES users (id),
    created_at BIGINT NOT NULL
);

-- Only a hash of the session token is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    learner_id   TEXT NOT NULL REFERENCES learners (id),
    user_id      TEXT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE quiz_attempts (
    id            TEXT PRIMARY KEY,
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    course        TEXT NOT NULL,
    quiz          TEXT NOT NULL,
    quiz_version  TEXT NOT NULL,
    attempt_no    BIGINT NOT NULL,
    answers       TEXT NOT NULL,
    correct       BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    percent       BIGINT NOT NULL,
    passed        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (learner_id, course, quiz, attempt_no)
);
CREATE INDEX quiz_attempts_by_quiz ON quiz_attempts (course, quiz);

-- One row per question per attempt, for trainers' statistics.
CREATE TABLE quiz_answers (
    attempt_id  TEXT NOT NULL REFERENCES quiz_attempts (id),
    question_id TEXT NOT NULL,
    chosen      TEXT NOT NULL,
    correct     BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);

-- Reading progress. The id comes from the form, so a retried POST is stored once.
CREATE TABLE progress_events (
    id              TEXT PRIMARY KEY,
    learner_id      TEXT NOT NULL REFERENCES learners (id),
    course          TEXT NOT NULL,
    chapter         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    content_version TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX progress_by_learner ON progress_events (learner_id, course);

CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    actor_user_id TEXT,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
