-- The row cache also keeps OAuth tokens with their application, user and
-- account (rowcache.go): a change to a token, an application or a user is
-- logged like a status's, so every replica drops the token before its
-- next request (a revoked token, a disabled login, a new role).
CREATE TRIGGER row_changes_token_update AFTER UPDATE ON oauth_tokens
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('t', OLD.id);
END
--split
CREATE TRIGGER row_changes_token_delete AFTER DELETE ON oauth_tokens
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('t', OLD.id);
END
--split
CREATE TRIGGER row_changes_application_update AFTER UPDATE ON oauth_applications
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('o', OLD.id);
END
--split
CREATE TRIGGER row_changes_application_delete AFTER DELETE ON oauth_applications
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('o', OLD.id);
END
--split
CREATE TRIGGER row_changes_user_update AFTER UPDATE ON users
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('u', OLD.id);
END
--split
CREATE TRIGGER row_changes_user_delete AFTER DELETE ON users
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES ('u', OLD.id);
END
