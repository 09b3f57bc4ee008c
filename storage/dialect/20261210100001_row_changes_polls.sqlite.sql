-- The polls of a page and the reader's own votes are kept with the pages
-- (render_batch.go): any write to a poll (a vote counted, a remote
-- tally, closing) or to a vote logs 'q', which only the poll cache reads:
-- a busy poll does not make the pages holding it read again.
CREATE TRIGGER row_changes_polls_insert AFTER INSERT ON polls
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('q', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_polls_update AFTER UPDATE ON polls
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('q', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_polls_delete AFTER DELETE ON polls
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('q', OLD.status_id);
END
--split
CREATE TRIGGER row_changes_poll_votes_insert AFTER INSERT ON poll_votes
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('q', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_poll_votes_update AFTER UPDATE ON poll_votes
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('q', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_poll_votes_delete AFTER DELETE ON poll_votes
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('q', OLD.status_id);
END
