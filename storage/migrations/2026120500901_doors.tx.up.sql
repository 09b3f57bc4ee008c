-- Door to door (issue 14): the official address file (which addresses vote
-- in which polling station, with their number of electors), and the turfs
-- a field action splits a station into. Like the election results, this is
-- the section's own working data: it hangs off the section (section_id), is
-- never federated nor shown on public pages, and a volunteer sees only the
-- turf assigned to them.

CREATE TABLE addresses (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    station_id TEXT NOT NULL REFERENCES polling_stations (id) ON DELETE CASCADE,
    street TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    number_order INTEGER NOT NULL DEFAULT 0,
    electors INTEGER NOT NULL,
    longitude DOUBLE PRECISION,
    latitude DOUBLE PRECISION,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX addresses_walk ON addresses (station_id, street, number_order);
CREATE INDEX addresses_section ON addresses (section_id);

-- A turf is a piece of a station's walk list for one field action. Its
-- doors are copies of the addresses (not references), so that re-importing
-- a newer address file never rewrites what volunteers ticked; the turf and
-- its doors go with the action (ON DELETE CASCADE) and with the retention
-- job (doors.retention in config).
CREATE TABLE turfs (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    station_id TEXT NOT NULL REFERENCES polling_stations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    assignee_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX turfs_event ON turfs (event_id, position);
CREATE INDEX turfs_assignee ON turfs (assignee_id);

-- outcome: '' (not yet), knocked (door knocked, no answer recorded),
-- absent (nobody home), talked (talked to someone), later (come back).
CREATE TABLE turf_doors (
    id TEXT PRIMARY KEY,
    turf_id TEXT NOT NULL REFERENCES turfs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    street TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    electors INTEGER NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP,
    updated_by TEXT
);
CREATE INDEX turf_doors_turf ON turf_doors (turf_id, position);
