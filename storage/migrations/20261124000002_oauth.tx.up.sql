-- OAuth 2 for the Mastodon client API. Secrets (client secrets,
-- authorization codes, access tokens) are stored only as SHA-256 hashes, so
-- a database dump yields nothing usable (U-03).

CREATE TABLE oauth_applications (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL DEFAULT '[]',   -- JSON list of strings
    scopes TEXT NOT NULL DEFAULT 'read',        -- space-separated
    client_id TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Single-use, short-lived (10 minutes). code_challenge_method: S256,
-- plain, or '' when the client did not use PKCE.
CREATE TABLE oauth_authorization_codes (
    code_hash TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX oauth_authorization_codes_expires ON oauth_authorization_codes (expires_at);

-- user_id is NULL for app-only tokens (client_credentials).
CREATE TABLE oauth_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id);
CREATE INDEX oauth_tokens_application ON oauth_tokens (application_id);
