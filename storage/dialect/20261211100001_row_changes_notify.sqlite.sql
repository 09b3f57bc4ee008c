-- SQLite has no notifications: each request looks at row_changes, a read
-- in the same process (rowcache_watch.go).
SELECT 1
