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
ALTER TABLE organisation_members DROP COLUMN digest_week;
ALTER TABLE organisation_members DROP COLUMN deactivated_at;
DELETE FROM organisation_members WHERE role NOT IN ('owner', 'member');
ALTER TABLE organisation_members DROP CONSTRAINT organisation_members_role_check;
ALTER TABLE organisation_members ADD CONSTRAINT organisation_members_role_check
    CHECK (role IN ('owner', 'member'));
ALTER TABLE organisations DROP COLUMN kind;
