DROP TRIGGER swipe_tally_delete ON swipes;
DROP TRIGGER swipe_tally_update ON swipes;
DROP TRIGGER swipe_tally_insert ON swipes;
DROP FUNCTION swipe_tally();
DROP FUNCTION swipe_tally_add(TEXT, TIMESTAMP, BOOLEAN, INTEGER);
DROP TABLE swipe_tallies;
