-- The row cache also keeps each status's mentions, hashtags, media and
-- link preview (status_pieces.go). Any write to them logs the status
-- ('p'), whoever writes: a link preview arriving later, a media
-- description edited, a remote edit changing mentions or tags.
CREATE FUNCTION row_changes_log_piece() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status_id IS NOT NULL THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status_id IS NOT NULL
		AND (TG_OP = 'INSERT' OR NEW.status_id IS DISTINCT FROM OLD.status_id) THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('p', NEW.status_id);
	END IF;
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_mention_insert AFTER INSERT ON status_recipients
FOR EACH ROW WHEN (NEW.mentioned) EXECUTE FUNCTION row_changes_log_piece()
--split
CREATE TRIGGER row_changes_mention_update AFTER UPDATE ON status_recipients
FOR EACH ROW WHEN (OLD.mentioned OR NEW.mentioned) EXECUTE FUNCTION row_changes_log_piece()
--split
CREATE TRIGGER row_changes_mention_delete AFTER DELETE ON status_recipients
FOR EACH ROW WHEN (OLD.mentioned) EXECUTE FUNCTION row_changes_log_piece()
--split
CREATE TRIGGER row_changes_tag AFTER INSERT OR UPDATE OR DELETE ON status_tags
FOR EACH ROW EXECUTE FUNCTION row_changes_log_piece()
--split
CREATE TRIGGER row_changes_media AFTER INSERT OR UPDATE OR DELETE ON media_attachments
FOR EACH ROW EXECUTE FUNCTION row_changes_log_piece()
--split
CREATE TRIGGER row_changes_card AFTER INSERT OR UPDATE OR DELETE ON preview_cards
FOR EACH ROW EXECUTE FUNCTION row_changes_log_piece()
