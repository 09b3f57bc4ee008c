-- After a field action, its organisers record who came and what was done
-- (issue 14). Section working data like the turfs: never federated, erased
-- with them after events.doors_retention.
CREATE TABLE action_reports (
    event_id TEXT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    doors_knocked INTEGER NOT NULL DEFAULT 0,
    people_met INTEGER NOT NULL DEFAULT 0,
    leaflets INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- Who came: participants (local or remote accounts) the organisers ticked.
CREATE TABLE action_attendance (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, account_id)
);
