-- A transaction that logs row changes tells every replica when it commits
-- (rowcache_watch.go): a replica that has heard nothing since its last
-- look at row_changes serves its caches without looking again. One
-- notification per transaction: PostgreSQL folds identical ones.
CREATE FUNCTION row_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('coopol_row_changes', '');
	RETURN NULL;
END
$$
--split
CREATE TRIGGER row_changes_notify AFTER INSERT ON row_changes
FOR EACH STATEMENT EXECUTE FUNCTION row_changes_notify()
