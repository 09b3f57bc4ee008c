-- The row cache also keeps OAuth tokens with their application, user and
-- account (rowcache.go): a change to a token, an application or a user is
-- logged like a status's, so every replica drops the token before its
-- next request (a revoked token, a disabled login, a new role).
CREATE TRIGGER row_changes_token AFTER UPDATE OR DELETE ON oauth_tokens
FOR EACH ROW EXECUTE FUNCTION row_changes_log('t')
--split
CREATE TRIGGER row_changes_application AFTER UPDATE OR DELETE ON oauth_applications
FOR EACH ROW EXECUTE FUNCTION row_changes_log('o')
--split
CREATE TRIGGER row_changes_user AFTER UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION row_changes_log('u')
