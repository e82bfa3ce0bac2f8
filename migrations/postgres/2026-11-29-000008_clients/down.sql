ALTER TABLE messages DROP COLUMN sender_role;
ALTER TABLE matches DROP COLUMN introduction_id;
DROP TABLE introductions;
ALTER TABLE vacancies DROP COLUMN posted_by_organisation;
DROP TABLE client_activity;
DROP TABLE client_relations;
