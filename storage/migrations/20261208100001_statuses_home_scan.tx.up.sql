-- The home timeline walks statuses newest first and keeps those the
-- reader follows, is addressed, or may see (issue 17). Through the
-- primary key each candidate cost a look-up of its row; with 1,000,000
-- statuses, a reader following a tenth of the authors read about 200
-- rows for a page of 20, and those look-ups were a third of the
-- statement's time (SQLite: 505 -> 322 µs). This index holds every
-- column the walk tests, so rows are read only for the statuses kept.
CREATE INDEX statuses_home_scan ON statuses (id, account_id, visibility, reblog_of_id, in_reply_to_account_id, group_id);
