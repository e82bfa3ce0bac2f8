ALTER TABLE organisation_invitations DROP COLUMN role;
ALTER TABLE youth_profiles DROP COLUMN changed_by_coach_at;
ALTER TABLE youth_profiles DROP COLUMN last_active_at;
ALTER TABLE youth_profiles DROP COLUMN changed_by_coach;
ALTER TABLE swipes DROP COLUMN youth_decided_by;
DROP TABLE card_views;
DROP TABLE coach_notes;
DROP TABLE handovers;
DROP TABLE audit_log;
DROP TABLE consent_events;
DROP TABLE consents;
CREATE TABLE organisation_members_old (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, account_id)
);
INSERT INTO organisation_members_old (organisation_id, account_id, role, created_at)
    SELECT organisation_id, account_id, role, created_at FROM organisation_members
    WHERE role IN ('owner', 'member');
DROP TABLE organisation_members;
ALTER TABLE organisation_members_old RENAME TO organisation_members;
ALTER TABLE organisations DROP COLUMN kind;
