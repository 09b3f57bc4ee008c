-- What the Mastodon client API keeps beyond the core schema: lists,
-- timeline markers, Idempotency-Key replays, the plain-text source of
-- profiles, and per-person conversation state. Bookmarks, pins, mutes and
-- status edits already live in the core schema.

-- replies_policy: followed | list | none (Mastodon's values).
CREATE TABLE lists (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- id pages the list's members (clients page with it, not the account id).
CREATE TABLE list_accounts (
    id TEXT NOT NULL UNIQUE,
    list_id TEXT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);

-- timeline: home | notifications.
CREATE TABLE markers (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- POST /api/v1/statuses with an Idempotency-Key: the same key from the
-- same account within an hour answers the status it created. status_id
-- is NULL while the request that reserved the key is running.
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    status_id TEXT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The plain text a local person typed for their bio and profile fields
-- (accounts.note and accounts.fields hold the rendered HTML), shown back
-- in verify_credentials' source.
CREATE TABLE account_sources (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    note TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]',
    updated_at TIMESTAMP NOT NULL
);

-- Conversations (direct-message threads) are derived from statuses
-- (thread_id); this only keeps what one participant did with one:
-- read up to last_read_id, hidden up to hidden_until_id (a new message
-- brings it back).
CREATE TABLE conversation_states (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id TEXT NOT NULL,
    last_read_id TEXT NOT NULL DEFAULT '',
    hidden_until_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, thread_id)
);
