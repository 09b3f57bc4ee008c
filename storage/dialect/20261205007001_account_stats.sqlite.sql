-- Account counters kept exact by the database (issue 17). Every rendered
-- account shows its statuses, followers and following counts and the day
-- of its last status; counting them on each render read every status of
-- every author on the page. Triggers keep one row per account up to date
-- in the same transaction as the write, whoever writes (posting, inbound
-- activities, deletes, cascades when an account goes, the bench seed).
-- `coopol admin repair-counters` recomputes them.
CREATE TABLE account_stats (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    statuses_count INTEGER NOT NULL DEFAULT 0,
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    last_status_at TIMESTAMP
);
--split
-- The latest counted status of an account, found without reading them all
-- (when the latest one is deleted); replaces the covering index that made
-- the count an index-only scan.
DROP INDEX IF EXISTS statuses_account_stats;
--split
CREATE INDEX statuses_account_created ON statuses (account_id, created_at);
--split
-- The viewer's "reblogged" flag: their boosts of the statuses on a page.
CREATE INDEX statuses_account_reblog ON statuses (account_id, reblog_of_id);
--split
CREATE TRIGGER account_stats_status_insert AFTER INSERT ON statuses
WHEN NEW.visibility <> 'direct'
BEGIN
    INSERT INTO account_stats (account_id, statuses_count, last_status_at) VALUES (NEW.account_id, 1, NEW.created_at)
    ON CONFLICT (account_id) DO UPDATE SET statuses_count = statuses_count + 1,
        last_status_at = max(coalesce(last_status_at, excluded.last_status_at), excluded.last_status_at);
END;
--split
CREATE TRIGGER account_stats_status_delete AFTER DELETE ON statuses
WHEN OLD.visibility <> 'direct'
BEGIN
    UPDATE account_stats SET statuses_count = statuses_count - 1,
        last_status_at = CASE WHEN last_status_at IS NULL OR OLD.created_at < last_status_at THEN last_status_at
            ELSE (SELECT created_at FROM statuses WHERE account_id = OLD.account_id AND visibility <> 'direct'
                  ORDER BY created_at DESC LIMIT 1) END
    WHERE account_id = OLD.account_id;
END;
--split
CREATE TRIGGER account_stats_status_update AFTER UPDATE OF account_id, visibility, created_at ON statuses
WHEN OLD.account_id <> NEW.account_id OR OLD.visibility <> NEW.visibility OR OLD.created_at <> NEW.created_at
BEGIN
    UPDATE account_stats SET statuses_count = statuses_count - 1,
        last_status_at = (SELECT created_at FROM statuses WHERE account_id = OLD.account_id AND visibility <> 'direct'
                  ORDER BY created_at DESC LIMIT 1)
    WHERE account_id = OLD.account_id AND OLD.visibility <> 'direct';
    INSERT INTO account_stats (account_id, statuses_count, last_status_at)
    SELECT NEW.account_id, 1, NEW.created_at WHERE NEW.visibility <> 'direct'
    ON CONFLICT (account_id) DO UPDATE SET statuses_count = statuses_count + 1,
        last_status_at = (SELECT created_at FROM statuses WHERE account_id = NEW.account_id AND visibility <> 'direct'
                  ORDER BY created_at DESC LIMIT 1);
END;
--split
CREATE TRIGGER account_stats_follow_insert AFTER INSERT ON follows
WHEN NEW.state = 'accepted'
BEGIN
    INSERT INTO account_stats (account_id, following_count) VALUES (NEW.account_id, 1)
    ON CONFLICT (account_id) DO UPDATE SET following_count = following_count + 1;
    INSERT INTO account_stats (account_id, followers_count) VALUES (NEW.target_account_id, 1)
    ON CONFLICT (account_id) DO UPDATE SET followers_count = followers_count + 1;
END;
--split
CREATE TRIGGER account_stats_follow_delete AFTER DELETE ON follows
WHEN OLD.state = 'accepted'
BEGIN
    UPDATE account_stats SET following_count = following_count - 1 WHERE account_id = OLD.account_id;
    UPDATE account_stats SET followers_count = followers_count - 1 WHERE account_id = OLD.target_account_id;
END;
--split
CREATE TRIGGER account_stats_follow_update AFTER UPDATE OF account_id, target_account_id, state ON follows
WHEN OLD.account_id <> NEW.account_id OR OLD.target_account_id <> NEW.target_account_id OR OLD.state <> NEW.state
BEGIN
    UPDATE account_stats SET following_count = following_count - 1 WHERE account_id = OLD.account_id AND OLD.state = 'accepted';
    UPDATE account_stats SET followers_count = followers_count - 1 WHERE account_id = OLD.target_account_id AND OLD.state = 'accepted';
    INSERT INTO account_stats (account_id, following_count) SELECT NEW.account_id, 1 WHERE NEW.state = 'accepted'
    ON CONFLICT (account_id) DO UPDATE SET following_count = following_count + 1;
    INSERT INTO account_stats (account_id, followers_count) SELECT NEW.target_account_id, 1 WHERE NEW.state = 'accepted'
    ON CONFLICT (account_id) DO UPDATE SET followers_count = followers_count + 1;
END;
--split
INSERT INTO account_stats (account_id, statuses_count, followers_count, following_count, last_status_at)
SELECT a.id,
    (SELECT count(*) FROM statuses s WHERE s.account_id = a.id AND s.visibility <> 'direct'),
    (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id AND f.state = 'accepted'),
    (SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.state = 'accepted'),
    (SELECT max(s.created_at) FROM statuses s WHERE s.account_id = a.id AND s.visibility <> 'direct')
FROM accounts a WHERE true
ON CONFLICT (account_id) DO NOTHING;
