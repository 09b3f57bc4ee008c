-- The web interface: login sessions and password resets. Like OAuth
-- tokens, both are stored only as SHA-256 hashes of the value the person
-- holds (U-03): a database dump yields no usable session or reset link.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- A reset is requested by the person (requested_at). With SMTP configured
-- a link is mailed at once; without, token_hash stays NULL until a section
-- administrator makes the link from the dashboard and passes it on.
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT UNIQUE,
    requested_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_user ON password_resets (user_id);
