-- Issue 13 (cross-section mobilisation).
-- What a remote section or group says of itself in its actor document:
-- how many members it has (a count only) and its public calendar feed.
ALTER TABLE groups ADD COLUMN member_count INTEGER;
ALTER TABLE groups ADD COLUMN calendar_url TEXT NOT NULL DEFAULT '';
-- A sympathisant chooses whether other people of the instance find them
-- by name in search; off by default. Members (adhérents, staff) see each
-- other by name.
ALTER TABLE users ADD COLUMN directory_visible BOOLEAN NOT NULL DEFAULT FALSE;
-- Search by town or postal code.
CREATE INDEX events_locality_idx ON events (lower(locality));
CREATE INDEX events_postal_code_idx ON events (postal_code);
