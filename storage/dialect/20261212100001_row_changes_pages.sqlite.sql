-- Rendered web pages are kept while nothing they show has changed
-- (web/kept_pages.go). Besides the rows already logged, a signed-in page
-- shows events and their slots (cards on a timeline), whether a
-- conversation was read (conversation_states: the unread count), the
-- open reports and the new accounts waiting for approval (what waits
-- for the staff: users log their updates already, not their inserts). A change to any of them logs
-- 'w', which no row cache evicts by: it only counts as a change
-- (storage.ChangesSeen), so kept pages are rendered again.
CREATE TRIGGER row_changes_pages_events_insert AFTER INSERT ON events
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
--split
CREATE TRIGGER row_changes_pages_events_update AFTER UPDATE ON events
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
--split
CREATE TRIGGER row_changes_pages_events_delete AFTER DELETE ON events
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', OLD.id);
END
--split
CREATE TRIGGER row_changes_pages_event_slots_insert AFTER INSERT ON event_slots
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
--split
CREATE TRIGGER row_changes_pages_event_slots_update AFTER UPDATE ON event_slots
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
--split
CREATE TRIGGER row_changes_pages_event_slots_delete AFTER DELETE ON event_slots
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', OLD.id);
END
--split
CREATE TRIGGER row_changes_pages_conversation_states_insert AFTER INSERT ON conversation_states
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_pages_conversation_states_update AFTER UPDATE ON conversation_states
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_pages_conversation_states_delete AFTER DELETE ON conversation_states
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_pages_reports_insert AFTER INSERT ON reports
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
--split
CREATE TRIGGER row_changes_pages_reports_update AFTER UPDATE ON reports
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
--split
CREATE TRIGGER row_changes_pages_reports_delete AFTER DELETE ON reports
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', OLD.id);
END
--split
CREATE TRIGGER row_changes_pages_users_insert AFTER INSERT ON users
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', NEW.id);
END
