-- The polls of a page and the reader's own votes are kept with the pages
-- (render_batch.go): any write to a poll (a vote counted, a remote
-- tally, closing) or to a vote logs 'q', which only the poll cache reads:
-- a busy poll does not make the pages holding it read again.
CREATE FUNCTION row_changes_log_poll() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('q', OLD.status_id);
	ELSE
		INSERT INTO row_changes (kind, row_id) VALUES ('q', NEW.status_id);
	END IF;
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_polls AFTER INSERT OR UPDATE OR DELETE ON polls
FOR EACH ROW EXECUTE FUNCTION row_changes_log_poll()
--split
CREATE TRIGGER row_changes_poll_votes AFTER INSERT OR UPDATE OR DELETE ON poll_votes
FOR EACH ROW EXECUTE FUNCTION row_changes_log_poll()
