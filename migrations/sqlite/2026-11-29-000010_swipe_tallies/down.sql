CREATE INDEX swipes_youth_decided ON swipes (youth_decided_at);
DROP TRIGGER swipe_tally_delete;
DROP TRIGGER swipe_tally_update;
DROP TRIGGER swipe_tally_insert;
DROP TRIGGER swipe_tally_change;
DROP VIEW swipe_tally_changes;
DROP TABLE swipe_weeks;
DROP TABLE swipe_tallies;
