-- What Mastodon apps use beyond the first API slice (issue 15): status
-- (conversation) mutes, private notes on accounts, followed hashtags,
-- the instance's pages and rules, filters v2, scheduled statuses, and
-- the notification policy with its requests.

-- A muted conversation: no more notifications from its thread.
CREATE TABLE status_mutes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);

-- A private note someone keeps about an account (relationship.note).
CREATE TABLE account_notes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

CREATE TABLE followed_tags (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, tag_id)
);
CREATE INDEX followed_tags_tag ON followed_tags (tag_id);

-- The instance's about, privacy policy and terms (name: about | privacy
-- | terms), Markdown-free HTML-safe text written by staff.
CREATE TABLE instance_pages (
    name TEXT PRIMARY KEY,
    content TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE instance_rules (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- Filters v2. context: JSON list of home | notifications | public |
-- thread | account. action: warn | hide.
CREATE TABLE filters (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',
    action TEXT NOT NULL DEFAULT 'warn',
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX filters_account ON filters (account_id);

CREATE TABLE filter_keywords (
    id TEXT PRIMARY KEY,
    filter_id TEXT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id);

CREATE TABLE filter_statuses (
    id TEXT PRIMARY KEY,
    filter_id TEXT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (filter_id, status_id)
);

-- A status to publish later: params is the JSON of what was posted.
-- published_at is set once the job posted it (the row is then deleted).
CREATE TABLE scheduled_statuses (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    application_id TEXT,
    scheduled_at TIMESTAMP NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    media_ids TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);

-- Notification policy (Mastodon 4.3): accept | filter | drop per kind of
-- sender.
CREATE TABLE notification_policies (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following TEXT NOT NULL DEFAULT 'accept',
    for_not_followers TEXT NOT NULL DEFAULT 'accept',
    for_new_accounts TEXT NOT NULL DEFAULT 'accept',
    for_private_mentions TEXT NOT NULL DEFAULT 'accept',
    for_limited_accounts TEXT NOT NULL DEFAULT 'accept',
    updated_at TIMESTAMP NOT NULL
);

-- Notifications the policy filtered, one request per sender. state:
-- pending | accepted (their notifications come through) | dismissed.
CREATE TABLE notification_requests (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_status_id TEXT,
    notifications_count INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, from_account_id)
);
