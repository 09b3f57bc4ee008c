-- Every timeline query leaves out the statuses of suspended accounts
-- (hideUnwanted: s.account_id NOT IN (SELECT id FROM accounts WHERE
-- suspended_at IS NOT NULL)). Without an index PostgreSQL read the whole
-- accounts table for that list on every page: 0.6 ms of a 2.1 ms home
-- timeline with 2,000 accounts, growing with every remote account known.
-- This partial index holds only the suspended ones (issue 17, pgpath).
CREATE INDEX accounts_suspended ON accounts (id) WHERE suspended_at IS NOT NULL;
