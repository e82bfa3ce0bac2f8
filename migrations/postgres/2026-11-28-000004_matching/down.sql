DROP INDEX youth_profiles_feed;
DROP INDEX vacancies_feed;
DROP TABLE messages;
DROP TABLE matches;
DROP TABLE swipes;
