-- Row cache invalidation (issue 17, rowcache.go). Every update or delete
-- of a status or an account leaves a line here, whoever writes (this
-- process, another replica, a CLI command, a trigger), and each process
-- reads the lines it has not seen before serving cached rows.
CREATE TABLE row_changes (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL,
	row_id TEXT NOT NULL,
	changed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)
--split
CREATE INDEX row_changes_changed_at ON row_changes (changed_at)
--split
CREATE TRIGGER row_changes_status_update AFTER UPDATE ON statuses
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('s', OLD.id);
END
--split
CREATE TRIGGER row_changes_status_delete AFTER DELETE ON statuses
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('s', OLD.id);
END
--split
CREATE TRIGGER row_changes_account_update AFTER UPDATE ON accounts
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('a', OLD.id);
END
--split
CREATE TRIGGER row_changes_account_delete AFTER DELETE ON accounts
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('a', OLD.id);
END
