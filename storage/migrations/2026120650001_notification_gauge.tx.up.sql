-- A sign-up notification shows the gauge as it was when it happened
-- (issue 16): the number going and the capacity at that moment. NULL for
-- notifications about something without a gauge.
ALTER TABLE notifications ADD COLUMN gauge_going INTEGER;
ALTER TABLE notifications ADD COLUMN gauge_capacity INTEGER;
