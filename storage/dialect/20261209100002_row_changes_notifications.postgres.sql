-- Pages of notifications are kept per reader too (timeline_cache.go): a
-- page changes when the reader's notifications do (a new one, one read,
-- dismissed), when they gain or lose a staff role (staff notifications),
-- or with what already logs: statuses ('n', 's', 'p'), relations ('r'),
-- suspensions ('h'). 'm' names the reader.
CREATE TRIGGER row_changes_notifications AFTER INSERT OR UPDATE OR DELETE ON notifications
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('m')
--split
CREATE TRIGGER row_changes_staff_role AFTER UPDATE ON users
FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.account_id IS DISTINCT FROM NEW.account_id)
EXECUTE FUNCTION row_changes_log_account('m')
