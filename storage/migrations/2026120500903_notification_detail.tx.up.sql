-- A notification can say what changed (an event's time, place or status),
-- as a comma-separated list of words the pages and the API translate.
ALTER TABLE notifications ADD COLUMN detail TEXT NOT NULL DEFAULT '';
