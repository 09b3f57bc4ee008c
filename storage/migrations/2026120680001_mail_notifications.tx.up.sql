-- E-mail notifications (social/mail_notifications.go). One row per
-- person who changed the defaults; without a row the defaults apply
-- (model.DefaultMailPreferences). frequency is immediately, daily,
-- weekly or never; the booleans say which kinds of news go by mail;
-- language is the one the person used when choosing ('' = their
-- account's locale, else the instance's).
CREATE TABLE mail_preferences (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    frequency TEXT NOT NULL DEFAULT 'immediately',
    messages BOOLEAN NOT NULL DEFAULT TRUE,
    mentions BOOLEAN NOT NULL DEFAULT TRUE,
    signups BOOLEAN NOT NULL DEFAULT TRUE,
    actions BOOLEAN NOT NULL DEFAULT TRUE,
    reminders BOOLEAN NOT NULL DEFAULT TRUE,
    language TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- One row per person and digest period ("d:2026-12-05", "w:2026-W49"),
-- written in the transaction that queues the digest: the primary key
-- makes a digest go out once however many replicas or runs try. The
-- newest sent_at is where the next digest starts.
CREATE TABLE mail_digests (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    items INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, period)
);
CREATE INDEX mail_digests_account_sent_idx ON mail_digests (account_id, sent_at);
