-- Row cache invalidation (issue 17, rowcache.go). Every update or delete
-- of a status or an account leaves a line here with the writing
-- transaction's id, whoever writes (any replica, a CLI command, a
-- trigger). A replica reads the lines of every transaction that was not
-- finished when it last looked (xid >= the xmin of its last snapshot), so
-- a transaction that commits late is never missed.
CREATE TABLE row_changes (
	seq BIGSERIAL PRIMARY KEY,
	kind TEXT NOT NULL,
	row_id TEXT NOT NULL,
	xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
--split
CREATE INDEX row_changes_xid ON row_changes (xid)
--split
CREATE INDEX row_changes_changed_at ON row_changes (changed_at)
--split
CREATE FUNCTION row_changes_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO row_changes (kind, row_id) VALUES (TG_ARGV[0], OLD.id);
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_status AFTER UPDATE OR DELETE ON statuses
FOR EACH ROW EXECUTE FUNCTION row_changes_log('s')
--split
CREATE TRIGGER row_changes_account AFTER UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION row_changes_log('a')
