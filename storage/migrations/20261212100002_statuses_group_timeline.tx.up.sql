-- A group's timeline filters on group_id and reblog_of_id IS NULL, newest
-- first. With statuses_group (group_id, id) alone, SQLite's statistics
-- counted the many statuses outside any group as one group_id value and
-- the NULL reblog_of_id as rare, so it read every status that is not a
-- boost and sorted them: 375 ms for a group page at 1,000,000 statuses
-- (issue 17). This index answers both conditions in order.
CREATE INDEX statuses_group_timeline ON statuses (group_id, reblog_of_id, id);
