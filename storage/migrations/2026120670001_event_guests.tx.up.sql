-- Guests (issue 13): someone without an account signs up for a public
-- event or field action with a name and an e-mail address. Their place is
-- a participation like a member's, so that the same gauge, the same row
-- lock and the same waiting list apply: participations.account_id becomes
-- optional and guest_id points here instead. The person's data (name,
-- e-mail, phone) stays on this server only and is erased 30 days after the
-- event (erased_at set, email NULL, name and phone emptied).
-- state of a guest's participation: held (place kept until confirmed by
-- the e-mailed link, or until hold_until), going, waitlisted.
CREATE TABLE event_guests (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    email TEXT,
    phone TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'fr',
    confirm_hash TEXT UNIQUE,
    cancel_hash TEXT UNIQUE,
    hold_until TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    consent_at TIMESTAMP NOT NULL,
    erased_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, email)
);
CREATE INDEX event_guests_hold ON event_guests (hold_until);

-- SQLite cannot drop a NOT NULL constraint: the table is rebuilt (the
-- same statements work on PostgreSQL). Nothing references participations.
CREATE TABLE participations_new (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    slot_id TEXT NOT NULL DEFAULT '',
    account_id TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    guest_id TEXT UNIQUE REFERENCES event_guests (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    uri TEXT NOT NULL DEFAULT '',
    accept_uri TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, slot_id, account_id),
    CHECK ((account_id IS NULL) <> (guest_id IS NULL))
);
INSERT INTO participations_new (id, event_id, slot_id, account_id, state, uri, accept_uri, created_at, updated_at)
    SELECT id, event_id, slot_id, account_id, state, uri, accept_uri, created_at, updated_at FROM participations;
DROP TABLE participations;
ALTER TABLE participations_new RENAME TO participations;
CREATE INDEX participations_account ON participations (account_id);
CREATE INDEX participations_event ON participations (event_id, slot_id, state);
