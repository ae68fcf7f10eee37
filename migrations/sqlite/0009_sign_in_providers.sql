-- Sign-in through the province's identity provider (OpenID Connect).
-- Same text for both engines (integers BIGINT, times unix seconds).

-- Which provider account (issuer's `sub`) signs in as which user. A
-- person may link several providers; a provider account links one user.
CREATE TABLE linked_sign_ins (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX linked_sign_ins_by_user ON linked_sign_ins (user_id);

-- Sign-ins in flight: started (state, nonce, PKCE verifier, where to go
-- after) or waiting for the person's password to link an existing account
-- (subject and user set). Keyed by a SHA-256 of a random cookie value that
-- only the browser which started it holds; used once, kept 10 minutes at
-- most. No token from the provider is ever stored.
CREATE TABLE sign_in_flows (
    token_hash    TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    state         TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next          TEXT NOT NULL,
    subject       TEXT,
    user_id       TEXT REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX sign_in_flows_by_time ON sign_in_flows (created_at);

-- The provider a session was signed in through (for its sign-out).
ALTER TABLE sessions ADD COLUMN provider TEXT;
