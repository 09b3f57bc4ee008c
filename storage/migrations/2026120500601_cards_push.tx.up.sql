-- Link previews: one card per status, for the first link of its text,
-- fetched after the post is stored (social/cards.go). The card is read
-- only through its status, so it has the status's audience. The
-- thumbnail is a re-encoded copy kept as a media attachment of the
-- status's author (no EXIF survives), never the remote image's URL.
CREATE TABLE preview_cards (
    status_id TEXT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'link',
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    image_media_id TEXT REFERENCES media_attachments (id) ON DELETE SET NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- Web Push (RFC 8030/8291/8292): at most one subscription per OAuth
-- token, as in Mastodon; revoking the token removes it.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    key_p256dh TEXT NOT NULL,
    key_auth TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '{}', -- JSON object: type -> bool
    policy TEXT NOT NULL DEFAULT 'all',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX push_subscriptions_account_idx ON push_subscriptions (account_id);

-- The instance's VAPID key pair (RFC 8292), generated at first start.
-- One row; the private key never leaves the server.
CREATE TABLE vapid_keys (
    id INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
