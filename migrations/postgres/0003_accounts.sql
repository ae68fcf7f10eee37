-- Accounts: one-time password-reset codes and sign-in throttling.
-- Same text for both engines (integers BIGINT, times unix seconds).

-- Codes an admin hands over in person. Only a SHA-256 of the code is kept;
-- a code works once (used_at) and until expires_at.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    issued_by  TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Sign-in and reset attempts in flight or failed, per bucket ("ip:…",
-- "account:…"). In the database so every app server counts the same ones;
-- rows older than the throttling window are deleted as new ones come.
CREATE TABLE sign_in_attempts (
    id     TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_by_bucket ON sign_in_attempts (bucket, at);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at);
