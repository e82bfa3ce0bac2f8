DROP TABLE outbox;
DROP TABLE email_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE organisation_members;
DROP TABLE organisations;
DROP TABLE accounts;
