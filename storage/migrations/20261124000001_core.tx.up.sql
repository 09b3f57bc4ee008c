-- Core schema, written to run unchanged on SQLite and PostgreSQL.
-- IDs are ULIDs (26-char text) so they sort by creation time: the Mastodon
-- client API pages by id. Remote and local rows share tables; domain = ''
-- marks local rows. Booleans are BOOLEAN (SQLite stores 0/1).

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    actor_type TEXT NOT NULL DEFAULT 'Person',
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]',
    avatar_media_id TEXT,
    header_media_id TEXT,
    avatar_remote_url TEXT NOT NULL DEFAULT '',
    header_remote_url TEXT NOT NULL DEFAULT '',
    inbox_uri TEXT NOT NULL DEFAULT '',
    shared_inbox_uri TEXT NOT NULL DEFAULT '',
    outbox_uri TEXT NOT NULL DEFAULT '',
    followers_uri TEXT NOT NULL DEFAULT '',
    following_uri TEXT NOT NULL DEFAULT '',
    featured_uri TEXT NOT NULL DEFAULT '',
    members_uri TEXT NOT NULL DEFAULT '',
    public_key_id TEXT NOT NULL DEFAULT '',
    public_key_pem TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT NOT NULL DEFAULT '',
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT FALSE,
    indexable BOOLEAN NOT NULL DEFAULT FALSE,
    bot BOOLEAN NOT NULL DEFAULT FALSE,
    moved_to_uri TEXT NOT NULL DEFAULT '',
    also_known_as TEXT NOT NULL DEFAULT '[]',
    software TEXT NOT NULL DEFAULT '',
    fetched_at TIMESTAMP,
    last_status_at TIMESTAMP,
    suspended_at TIMESTAMP,
    gone_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), domain);
CREATE INDEX accounts_public_key_id ON accounts (public_key_id);
CREATE INDEX accounts_domain ON accounts (domain);

-- Local people who can log in. role: admin, moderator, member (adhérent,
-- once verified by the section), sympathisant.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'sympathisant',
    approved BOOLEAN NOT NULL DEFAULT FALSE,
    member_verified_at TIMESTAMP,
    locale TEXT NOT NULL DEFAULT 'fr',
    default_visibility TEXT NOT NULL DEFAULT 'public',
    disabled_at TIMESTAMP,
    last_seen_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- Sections and thematic groups are Group actors (accounts.actor_type =
-- 'Group'); this table holds what only groups have.
CREATE TABLE groups (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'thematic',           -- section | thematic
    openness TEXT NOT NULL DEFAULT 'moderated',      -- open | moderated | invite_only
    members_visibility TEXT NOT NULL DEFAULT 'members', -- members | moderators
    territory TEXT NOT NULL DEFAULT '',
    posting_restricted BOOLEAN NOT NULL DEFAULT FALSE,
    created_by_account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Membership is distinct from following (follow = public posts only).
-- role: creator, admin, moderator, member. state: pending, invited,
-- accepted, rejected, banned. section_status: adherent | sympathisant.
CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    group_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'member',
    state TEXT NOT NULL DEFAULT 'pending',
    section_status TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL DEFAULT '',
    accept_uri TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (group_account_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);

-- state: pending (request sent / awaiting approval), accepted.
CREATE TABLE follows (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, state);
CREATE INDEX follows_uri ON follows (uri);

CREATE TABLE blocks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, target_account_id)
);

-- severity: suspend (refuse everything) | silence. allow rows are used in
-- federation.mode = allowlist.
CREATE TABLE domain_rules (
    domain TEXT PRIMARY KEY,
    kind TEXT NOT NULL,           -- block | allow
    severity TEXT NOT NULL DEFAULT 'suspend',
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- visibility: public, unlisted, private (followers), direct, members (group
-- members only; group_id set). ap_type: Note, Article, Question, Event, Page.
CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local BOOLEAN NOT NULL DEFAULT FALSE,
    ap_type TEXT NOT NULL DEFAULT 'Note',
    title TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    source_text TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    language TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'public',
    group_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    in_reply_to_id TEXT,
    in_reply_to_uri TEXT NOT NULL DEFAULT '',
    in_reply_to_account_id TEXT,
    reblog_of_id TEXT REFERENCES statuses (id) ON DELETE CASCADE,
    thread_id TEXT NOT NULL DEFAULT '',
    application_id TEXT,
    pinned_in_group BOOLEAN NOT NULL DEFAULT FALSE,
    thread_locked BOOLEAN NOT NULL DEFAULT FALSE,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reblogs_count INTEGER NOT NULL DEFAULT 0,
    favourites_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_timeline ON statuses (visibility, local, id);
CREATE INDEX statuses_group ON statuses (group_id, id);
CREATE INDEX statuses_thread ON statuses (thread_id);
CREATE INDEX statuses_in_reply_to ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id);

-- Who a status is addressed to beyond its visibility class: mentions,
-- DM recipients, silent recipients (addressed but not tagged).
CREATE TABLE status_recipients (
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    mentioned BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX status_recipients_account ON status_recipients (account_id, status_id);

CREATE TABLE status_edits (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    media_ids TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (lower(name));

CREATE TABLE status_tags (
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, tag_id)
);
CREATE INDEX status_tags_tag ON status_tags (tag_id, status_id);

-- type: image, gifv, video, audio, unknown. Local files live under
-- media.path with random names (never derived from user input, C-05).
CREATE TABLE media_attachments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT REFERENCES statuses (id) ON DELETE SET NULL,
    type TEXT NOT NULL DEFAULT 'unknown',
    content_type TEXT NOT NULL DEFAULT '',
    file_path TEXT NOT NULL DEFAULT '',
    thumbnail_path TEXT NOT NULL DEFAULT '',
    file_size INTEGER NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    blurhash TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    focus_x REAL NOT NULL DEFAULT 0,
    focus_y REAL NOT NULL DEFAULT 0,
    remote_url TEXT NOT NULL DEFAULT '',
    processed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id);

CREATE TABLE favourites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);
CREATE INDEX favourites_uri ON favourites (uri);

CREATE TABLE bookmarks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE status_pins (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE polls (
    status_id TEXT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    options TEXT NOT NULL DEFAULT '[]',       -- JSON list of option titles
    votes TEXT NOT NULL DEFAULT '[]',         -- JSON list of counts, same order
    multiple BOOLEAN NOT NULL DEFAULT FALSE,
    hide_totals BOOLEAN NOT NULL DEFAULT FALSE,
    voters_count INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP,
    closed_at TIMESTAMP
);

CREATE TABLE poll_votes (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    option_index INTEGER NOT NULL,
    uri TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (status_id, account_id, option_index)
);

-- Events and field actions. Each has a status (status_id) so that it shows
-- in timelines and federates like a post. kind: event | field_action.
-- capacity NULL = unlimited; for field actions capacity is the need.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    group_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    kind TEXT NOT NULL DEFAULT 'event',
    action_kind TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP,
    timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
    place_name TEXT NOT NULL DEFAULT '',
    street_address TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    locality TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    latitude REAL,
    longitude REAL,
    online_url TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'MOVEMENTS_POLITICS',
    event_status TEXT NOT NULL DEFAULT 'CONFIRMED',
    join_mode TEXT NOT NULL DEFAULT 'free',
    capacity INTEGER,
    participant_count INTEGER NOT NULL DEFAULT 0,
    polling_station_id TEXT,
    reminder_sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX events_start ON events (start_at);
CREATE INDEX events_group ON events (group_id, start_at);

CREATE TABLE event_slots (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP NOT NULL,
    need INTEGER NOT NULL,
    participant_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX event_slots_event ON event_slots (event_id);

-- slot_id '' = the whole event (kept non-NULL so the unique key works on
-- both databases). state: going, interested, not_going, waitlisted,
-- pending, rejected, cancelled.
CREATE TABLE participations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    slot_id TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    uri TEXT NOT NULL DEFAULT '',
    accept_uri TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, slot_id, account_id)
);
CREATE INDEX participations_account ON participations (account_id);

-- type: mention, status, reblog, follow, follow_request, favourite, poll,
-- update, and Coopol kinds (coopol.group_join_request, coopol.action_signup,
-- coopol.action_full, coopol.action_cancel, coopol.action_reminder).
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    status_id TEXT REFERENCES statuses (id) ON DELETE CASCADE,
    event_id TEXT REFERENCES events (id) ON DELETE CASCADE,
    group_id TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    read BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);

-- Activities we sent, so that their ids dereference and delivery jobs stay
-- small (a job carries the activity id, not its JSON).
CREATE TABLE outbox_activities (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    object_uri TEXT NOT NULL DEFAULT '',
    public BOOLEAN NOT NULL DEFAULT FALSE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_activities_account ON outbox_activities (account_id, id);

-- Incoming activity ids already processed (R-04) and objects deleted
-- (R-05: a Create arriving after its Delete is dropped).
CREATE TABLE inbox_seen (
    uri TEXT PRIMARY KEY,
    received_at TIMESTAMP NOT NULL
);

CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    deleted_at TIMESTAMP NOT NULL
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL DEFAULT '',
    forwarded BOOLEAN NOT NULL DEFAULT FALSE,
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
