-- An account the section's staff refuse (registrations: approval) keeps
-- its row, so that the applicant learns the answer when they try to log
-- in, with the staff's optional message; it leaves the queue of accounts
-- to approve. (Issue 14, "the secretary knows what waits".)
ALTER TABLE users ADD COLUMN refused_at TIMESTAMP;
ALTER TABLE users ADD COLUMN refusal_message TEXT NOT NULL DEFAULT '';
-- An "admin.report" notification names the report it is about, as
-- Mastodon's does.
ALTER TABLE notifications ADD COLUMN report_id TEXT;
