-- Territorial targeting (issue 8): official results per polling station,
-- imported by a section. This is the section's own working data: every row
-- hangs off the section's Group account (section_id), nothing here is ever
-- federated or shown on public pages.

CREATE TABLE elections (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    round INTEGER NOT NULL DEFAULT 0,
    source_name TEXT NOT NULL DEFAULT '',
    encoding TEXT NOT NULL DEFAULT '',
    station_count INTEGER NOT NULL DEFAULT 0,
    imported_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (section_id, label)
);

-- Stations are per section (not shared across the instance) so that one
-- section's import never changes another's map. events.polling_station_id
-- points here (no foreign key: SQLite cannot add one to an existing table).
-- geometry: GeoJSON Polygon or MultiPolygon, '' until contours are imported.
CREATE TABLE polling_stations (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    commune_code TEXT NOT NULL,
    commune_name TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    geometry TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (section_id, commune_code, code)
);

-- candidates: JSON array of {panel, sex, last_name, first_name, nuance,
-- list, votes}.
CREATE TABLE station_results (
    election_id TEXT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    station_id TEXT NOT NULL REFERENCES polling_stations (id) ON DELETE CASCADE,
    registered INTEGER NOT NULL,
    abstentions INTEGER NOT NULL,
    voters INTEGER NOT NULL,
    blank_ballots INTEGER NOT NULL,
    null_ballots INTEGER NOT NULL,
    expressed INTEGER NOT NULL,
    candidates TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (election_id, station_id)
);
CREATE INDEX station_results_station ON station_results (station_id);
