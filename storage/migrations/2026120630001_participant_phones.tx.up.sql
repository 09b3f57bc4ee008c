-- A phone number a participant gives an action's organisers at sign-up,
-- "pour vous joindre le jour J", with their consent (issue 14). Kept apart
-- from participations so that nothing that reads sign-ups for gauges or for
-- the wire (Join, Accept, Update) ever loads it. Only for local participants
-- of local events: a remote sign-up (a Join) cannot carry it. Erased when
-- the participant withdraws, when the event or account goes, and by the
-- retention job the day after the event ends.
CREATE TABLE participant_phones (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    consented_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, account_id)
);
