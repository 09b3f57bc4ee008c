-- The row cache also keeps, per account (viewer_cache.go): what a reader
-- did with statuses ('v': likes, bookmarks, pins, boosts, muted threads),
-- their filters ('f') and their counters ('c'). Any write to those rows
-- logs the account, whoever writes, so every replica drops its copy before
-- its next read.
CREATE FUNCTION row_changes_log_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO row_changes (kind, row_id) VALUES (TG_ARGV[0], OLD.account_id);
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
		INSERT INTO row_changes (kind, row_id) VALUES (TG_ARGV[0], NEW.account_id);
	END IF;
	RETURN NULL;
END
$$
--split
CREATE FUNCTION row_changes_log_filter_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id = OLD.filter_id;
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.filter_id IS DISTINCT FROM OLD.filter_id) THEN
		INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id = NEW.filter_id;
	END IF;
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_favourites AFTER INSERT OR UPDATE OR DELETE ON favourites
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('v')
--split
CREATE TRIGGER row_changes_bookmarks AFTER INSERT OR UPDATE OR DELETE ON bookmarks
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('v')
--split
CREATE TRIGGER row_changes_status_pins AFTER INSERT OR UPDATE OR DELETE ON status_pins
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('v')
--split
CREATE TRIGGER row_changes_status_mutes AFTER INSERT OR UPDATE OR DELETE ON status_mutes
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('v')
--split
CREATE TRIGGER row_changes_boost_insert AFTER INSERT ON statuses
FOR EACH ROW WHEN (NEW.reblog_of_id IS NOT NULL) EXECUTE FUNCTION row_changes_log_account('v')
--split
CREATE TRIGGER row_changes_boost_delete AFTER DELETE ON statuses
FOR EACH ROW WHEN (OLD.reblog_of_id IS NOT NULL) EXECUTE FUNCTION row_changes_log_account('v')
--split
CREATE TRIGGER row_changes_filters AFTER INSERT OR UPDATE OR DELETE ON filters
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('f')
--split
CREATE TRIGGER row_changes_filter_keywords AFTER INSERT OR UPDATE OR DELETE ON filter_keywords
FOR EACH ROW EXECUTE FUNCTION row_changes_log_filter_part()
--split
CREATE TRIGGER row_changes_filter_statuses AFTER INSERT OR UPDATE OR DELETE ON filter_statuses
FOR EACH ROW EXECUTE FUNCTION row_changes_log_filter_part()
--split
CREATE TRIGGER row_changes_stats AFTER INSERT OR UPDATE OR DELETE ON account_stats
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('c')
