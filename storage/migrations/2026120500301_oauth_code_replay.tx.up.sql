-- A token remembers the authorization code it was issued for, so that a
-- replayed code (RFC 6749 §4.1.2: the code was stolen) revokes the tokens
-- already issued from it. Only the code's SHA-256 hash is kept, as for the
-- codes themselves.
ALTER TABLE oauth_tokens ADD COLUMN code_hash TEXT;
CREATE INDEX oauth_tokens_code_hash ON oauth_tokens (code_hash);
