CREATE INDEX swipes_youth_decided ON swipes (youth_decided_at);
DROP TRIGGER swipe_tally_delete;
DROP TRIGGER swipe_tally_update_new;
DROP TRIGGER swipe_tally_update_old;
DROP TRIGGER swipe_tally_insert;
DROP TABLE swipe_weeks;
DROP TABLE swipe_tallies;
