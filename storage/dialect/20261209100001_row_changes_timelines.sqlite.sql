-- The timeline cache (issue 17, timeline_cache.go) keeps pages of home
-- and list timelines. A page can change only when a status enters or
-- changes ('s', 'p', and here 'n': a status inserted, or a recipient who
-- is not mentioned added or removed), when its reader's relations change
-- ('r': follows, blocks either way, mutes, group memberships, followed
-- hashtags, lists and their members), or when an account is suspended,
-- restored or deleted ('h'). Every writer leaves the line, so every
-- replica drops or tops up its pages before its next read.
CREATE TRIGGER row_changes_status_insert AFTER INSERT ON statuses
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('n', NEW.id);
END
--split
CREATE TRIGGER row_changes_recipient_insert AFTER INSERT ON status_recipients WHEN NOT NEW.mentioned
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('n', NEW.status_id);
END
--split
CREATE TRIGGER row_changes_recipient_update AFTER UPDATE ON status_recipients WHEN NOT (OLD.mentioned OR NEW.mentioned)
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('n', OLD.status_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'n', NEW.status_id WHERE NEW.status_id <> OLD.status_id;
END
--split
CREATE TRIGGER row_changes_recipient_delete AFTER DELETE ON status_recipients WHEN NOT OLD.mentioned
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('n', OLD.status_id);
END
--split
CREATE TRIGGER row_changes_suspension AFTER UPDATE ON accounts WHEN OLD.suspended_at IS NOT NEW.suspended_at
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('h', OLD.id);
END
--split
CREATE TRIGGER row_changes_account_gone AFTER DELETE ON accounts
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('h', OLD.id);
END
--split
CREATE TRIGGER row_changes_follows_insert AFTER INSERT ON follows
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_follows_delete AFTER DELETE ON follows
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_follows_update AFTER UPDATE ON follows
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_blocks_insert AFTER INSERT ON blocks
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.account_id);
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.target_account_id);
END
--split
CREATE TRIGGER row_changes_blocks_delete AFTER DELETE ON blocks
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.target_account_id);
END
--split
CREATE TRIGGER row_changes_blocks_update AFTER UPDATE ON blocks
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.target_account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.target_account_id WHERE NEW.target_account_id <> OLD.target_account_id;
END
--split
CREATE TRIGGER row_changes_mutes_insert AFTER INSERT ON mutes
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_mutes_delete AFTER DELETE ON mutes
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_mutes_update AFTER UPDATE ON mutes
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_memberships_insert AFTER INSERT ON memberships
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_memberships_delete AFTER DELETE ON memberships
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_memberships_update AFTER UPDATE ON memberships
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_followed_tags_insert AFTER INSERT ON followed_tags
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_followed_tags_delete AFTER DELETE ON followed_tags
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_followed_tags_update AFTER UPDATE ON followed_tags
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_lists_insert AFTER INSERT ON lists
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.account_id);
END
--split
CREATE TRIGGER row_changes_lists_delete AFTER DELETE ON lists
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
END
--split
CREATE TRIGGER row_changes_lists_update AFTER UPDATE ON lists
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.account_id);
	INSERT INTO row_changes (kind, row_id) SELECT 'r', NEW.account_id WHERE NEW.account_id <> OLD.account_id;
END
--split
CREATE TRIGGER row_changes_list_accounts_insert AFTER INSERT ON list_accounts
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'r', account_id FROM lists WHERE id = NEW.list_id;
END
--split
CREATE TRIGGER row_changes_list_accounts_delete AFTER DELETE ON list_accounts
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'r', account_id FROM lists WHERE id = OLD.list_id;
END
--split
CREATE TRIGGER row_changes_list_accounts_update AFTER UPDATE ON list_accounts
BEGIN
	INSERT INTO row_changes (kind, row_id) SELECT 'r', account_id FROM lists WHERE id IN (OLD.list_id, NEW.list_id);
END
