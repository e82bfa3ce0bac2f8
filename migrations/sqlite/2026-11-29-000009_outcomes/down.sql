DROP INDEX introductions_created;
DROP INDEX swipes_youth_decided;
DROP INDEX matches_created;
DROP INDEX accounts_role_created;
DROP TABLE placement_follow_ups;
DROP TABLE placements;
