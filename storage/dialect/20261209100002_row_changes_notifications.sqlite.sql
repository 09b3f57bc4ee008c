-- Pages of notifications are kept per reader too (timeline_cache.go): a
-- page changes when the reader's notifications do (a new one, one read,
-- dismissed), when they gain or lose a staff role (staff notifications),
-- or with what already logs: statuses ('n', 's', 'p'), relations ('r'),
-- suspensions ('h'). 'm' names the reader.
CREATE TRIGGER row_changes_notifications_insert AFTER INSERT ON notifications
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('m', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_notifications_delete AFTER DELETE ON notifications
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('m', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_notifications_update AFTER UPDATE ON notifications
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('m', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'm', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_staff_role AFTER UPDATE ON users WHEN OLD.role IS NOT NEW.role OR OLD.account_id IS NOT NEW.account_id
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('m', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'm', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
