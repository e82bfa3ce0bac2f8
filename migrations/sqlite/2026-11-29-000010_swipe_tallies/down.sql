DROP TRIGGER swipe_tally_delete;
DROP TRIGGER swipe_tally_update_new;
DROP TRIGGER swipe_tally_update_old;
DROP TRIGGER swipe_tally_insert;
DROP TABLE swipe_tallies;
