-- The row cache also keeps each status's mentions, hashtags, media and
-- link preview (status_pieces.go). Any write to them logs the status
-- ('p'), whoever writes: a link preview arriving later, a media
-- description edited, a remote edit changing mentions or tags.
CREATE TRIGGER row_changes_mention_insert AFTER INSERT ON status_recipients WHEN NEW.mentioned
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_mention_update AFTER UPDATE ON status_recipients WHEN OLD.mentioned OR NEW.mentioned
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'p', NEW.status_id WHERE NEW.status_id <> OLD.status_id;
END
--split
CREATE TRIGGER row_changes_mention_delete AFTER DELETE ON status_recipients WHEN OLD.mentioned
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
END
--split
CREATE TRIGGER row_changes_tag_insert AFTER INSERT ON status_tags
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_tag_update AFTER UPDATE ON status_tags
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'p', NEW.status_id WHERE NEW.status_id <> OLD.status_id;
END
--split
CREATE TRIGGER row_changes_tag_delete AFTER DELETE ON status_tags
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
END
--split
CREATE TRIGGER row_changes_media_insert AFTER INSERT ON media_attachments WHEN NEW.status_id IS NOT NULL
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_media_update AFTER UPDATE ON media_attachments WHEN OLD.status_id IS NOT NULL OR NEW.status_id IS NOT NULL
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'p', OLD.status_id WHERE OLD.status_id IS NOT NULL;
	INSERT INTO row_changes (kind, row_id) SELECT 'p', NEW.status_id WHERE NEW.status_id IS NOT NULL AND NEW.status_id IS NOT OLD.status_id;
END
--split
CREATE TRIGGER row_changes_media_delete AFTER DELETE ON media_attachments WHEN OLD.status_id IS NOT NULL
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
END
--split
CREATE TRIGGER row_changes_card_insert AFTER INSERT ON preview_cards
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_card_update AFTER UPDATE ON preview_cards
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'p', NEW.status_id WHERE NEW.status_id <> OLD.status_id;
END
--split
CREATE TRIGGER row_changes_card_delete AFTER DELETE ON preview_cards
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('p', OLD.status_id);
END
