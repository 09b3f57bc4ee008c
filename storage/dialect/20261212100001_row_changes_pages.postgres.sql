-- Rendered web pages are kept while nothing they show has changed
-- (web/kept_pages.go). Besides the rows already logged, a signed-in page
-- shows events and their slots (cards on a timeline), whether a
-- conversation was read (conversation_states: the unread count), the
-- open reports and the new accounts waiting for approval (what waits
-- for the staff: users log their updates already, not their inserts). A change to any of them logs
-- 'w', which no row cache evicts by: it only counts as a change
-- (storage.ChangesSeen), so kept pages are rendered again.
CREATE FUNCTION row_changes_log_page() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('w', '');
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_pages AFTER INSERT OR UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION row_changes_log_page()
--split
CREATE TRIGGER row_changes_pages AFTER INSERT OR UPDATE OR DELETE ON event_slots
FOR EACH ROW EXECUTE FUNCTION row_changes_log_page()
--split
CREATE TRIGGER row_changes_pages AFTER INSERT OR UPDATE OR DELETE ON conversation_states
FOR EACH ROW EXECUTE FUNCTION row_changes_log_page()
--split
CREATE TRIGGER row_changes_pages AFTER INSERT OR UPDATE OR DELETE ON reports
FOR EACH ROW EXECUTE FUNCTION row_changes_log_page()
--split
CREATE TRIGGER row_changes_pages_users AFTER INSERT ON users
FOR EACH ROW EXECUTE FUNCTION row_changes_log_page()
