-- The public timeline (issue 17) asks for public statuses that are not
-- boosts, newest first. With only statuses_reblog (reblog_of_id) and
-- statuses_timeline (visibility, local, id) SQLite picked statuses_reblog,
-- read every status that is not a boost and sorted them: O(statuses), 4
-- to 11 requests/s with 18,000 statuses. This index gives both equalities
-- and the order, so the page stops after its 20 rows.
CREATE INDEX statuses_public_timeline ON statuses (visibility, reblog_of_id, id);
