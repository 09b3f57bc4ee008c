-- Private calendar feeds: a member's sign-ups at an unguessable URL that
-- calendar apps can poll without logging in. Only the hash is stored.
CREATE TABLE calendar_tokens (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
