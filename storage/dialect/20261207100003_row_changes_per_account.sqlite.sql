-- The row cache also keeps, per account (viewer_cache.go): what a reader
-- did with statuses ('v': likes, bookmarks, pins, boosts, muted threads),
-- their filters ('f') and their counters ('c'). Any write to those rows
-- logs the account, whoever writes, so every replica drops its copy before
-- its next read.
CREATE TRIGGER row_changes_favourites_insert AFTER INSERT ON favourites
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_favourites_delete AFTER DELETE ON favourites
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_favourites_update AFTER UPDATE ON favourites
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_bookmarks_insert AFTER INSERT ON bookmarks
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_bookmarks_delete AFTER DELETE ON bookmarks
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_bookmarks_update AFTER UPDATE ON bookmarks
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_status_pins_insert AFTER INSERT ON status_pins
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_status_pins_delete AFTER DELETE ON status_pins
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_status_pins_update AFTER UPDATE ON status_pins
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_status_mutes_insert AFTER INSERT ON status_mutes
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_status_mutes_delete AFTER DELETE ON status_mutes
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_status_mutes_update AFTER UPDATE ON status_mutes
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_boost_insert AFTER INSERT ON statuses WHEN NEW.reblog_of_id IS NOT NULL
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_boost_delete AFTER DELETE ON statuses WHEN OLD.reblog_of_id IS NOT NULL
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'v', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_filter_insert AFTER INSERT ON filters
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_filter_delete AFTER DELETE ON filters
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_filter_update AFTER UPDATE ON filters
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', OLD.account_id;
	INSERT INTO row_changes (kind, row_id) SELECT 'f', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_filter_keywords_insert AFTER INSERT ON filter_keywords
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id = NEW.filter_id;
END
--split
CREATE TRIGGER row_changes_filter_keywords_delete AFTER DELETE ON filter_keywords
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id = OLD.filter_id;
END
--split
CREATE TRIGGER row_changes_filter_keywords_update AFTER UPDATE ON filter_keywords
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id IN (OLD.filter_id, NEW.filter_id);
END
--split
CREATE TRIGGER row_changes_filter_statuses_insert AFTER INSERT ON filter_statuses
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id = NEW.filter_id;
END
--split
CREATE TRIGGER row_changes_filter_statuses_delete AFTER DELETE ON filter_statuses
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id = OLD.filter_id;
END
--split
CREATE TRIGGER row_changes_filter_statuses_update AFTER UPDATE ON filter_statuses
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'f', account_id FROM filters WHERE id IN (OLD.filter_id, NEW.filter_id);
END
--split
CREATE TRIGGER row_changes_stats_insert AFTER INSERT ON account_stats
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'c', NEW.account_id;
END
--split
CREATE TRIGGER row_changes_stats_delete AFTER DELETE ON account_stats
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'c', OLD.account_id;
END
--split
CREATE TRIGGER row_changes_stats_update AFTER UPDATE ON account_stats
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('c', OLD.account_id);
END
