-- The timeline cache (issue 17, timeline_cache.go) keeps pages of home
-- and list timelines. A page can change only when a status enters or
-- changes ('s', 'p', and here 'n': a status inserted, or a recipient who
-- is not mentioned added or removed), when its reader's relations change
-- ('r': follows, blocks either way, mutes, group memberships, followed
-- hashtags, lists and their members), or when an account is suspended,
-- restored or deleted ('h'). Every writer leaves the line, so every
-- replica drops or tops up its pages before its next read.
CREATE FUNCTION row_changes_log_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('n', NEW.id);
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_status_insert AFTER INSERT ON statuses
FOR EACH ROW EXECUTE FUNCTION row_changes_log_new()
--split
CREATE FUNCTION row_changes_log_recipient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.mentioned THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('n', OLD.status_id);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.mentioned THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('n', NEW.status_id);
	END IF;
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_recipient AFTER INSERT OR UPDATE OR DELETE ON status_recipients
FOR EACH ROW EXECUTE FUNCTION row_changes_log_recipient()
--split
CREATE TRIGGER row_changes_suspension AFTER UPDATE ON accounts
FOR EACH ROW WHEN (OLD.suspended_at IS DISTINCT FROM NEW.suspended_at) EXECUTE FUNCTION row_changes_log('h')
--split
CREATE TRIGGER row_changes_account_gone AFTER DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION row_changes_log('h')
--split
CREATE TRIGGER row_changes_follows_reader AFTER INSERT OR UPDATE OR DELETE ON follows
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('r')
--split
CREATE TRIGGER row_changes_blocks_reader AFTER INSERT OR UPDATE OR DELETE ON blocks
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('r')
--split
CREATE FUNCTION row_changes_log_block_target() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('r', OLD.target_account_id);
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.target_account_id IS DISTINCT FROM OLD.target_account_id) THEN
		INSERT INTO row_changes (kind, row_id) VALUES ('r', NEW.target_account_id);
	END IF;
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_blocks_target AFTER INSERT OR UPDATE OR DELETE ON blocks
FOR EACH ROW EXECUTE FUNCTION row_changes_log_block_target()
--split
CREATE TRIGGER row_changes_mutes_reader AFTER INSERT OR UPDATE OR DELETE ON mutes
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('r')
--split
CREATE TRIGGER row_changes_memberships_reader AFTER INSERT OR UPDATE OR DELETE ON memberships
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('r')
--split
CREATE TRIGGER row_changes_followed_tags_reader AFTER INSERT OR UPDATE OR DELETE ON followed_tags
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('r')
--split
CREATE TRIGGER row_changes_lists_reader AFTER INSERT OR UPDATE OR DELETE ON lists
FOR EACH ROW EXECUTE FUNCTION row_changes_log_account('r')
--split
CREATE FUNCTION row_changes_log_list_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO row_changes (kind, row_id) SELECT 'r', account_id FROM lists WHERE id = OLD.list_id;
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.list_id IS DISTINCT FROM OLD.list_id) THEN
		INSERT INTO row_changes (kind, row_id) SELECT 'r', account_id FROM lists WHERE id = NEW.list_id;
	END IF;
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_list_members AFTER INSERT OR UPDATE OR DELETE ON list_accounts
FOR EACH ROW EXECUTE FUNCTION row_changes_log_list_member()
