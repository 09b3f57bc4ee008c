-- Performance (issue 9). Rendering any account — every status on a
-- timeline page carries its author — counts the author's statuses and
-- finds the latest (storage.AccountStatsByIDs). With statuses_account
-- (account_id, id) that reads every status row of the page's authors:
-- ~10,000 rows per page at 500 statuses per author, 45 ms of a 50 ms
-- home timeline on SQLite with a million statuses. Covering the query's
-- columns makes it an index-only scan (3 ms).
CREATE INDEX statuses_account_stats ON statuses (account_id, visibility, created_at);
