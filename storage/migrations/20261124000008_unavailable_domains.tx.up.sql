-- Dead instances (R-02, federation/deadhosts.go), after Mastodon's
-- DeliveryFailureTracker: the UTC days on which a delivery to a host used
-- up all its attempts. On the seventh distinct day the host is unavailable:
-- deliveries to it are dropped at once, except one probe a day. Any answer
-- from the host deletes its row.
CREATE TABLE unavailable_domains (
    domain TEXT PRIMARY KEY,
    failure_days TEXT NOT NULL DEFAULT '', -- comma-separated YYYY-MM-DD, oldest first
    last_failure_at TIMESTAMP NOT NULL     -- last exhausted delivery, or last probe
);
