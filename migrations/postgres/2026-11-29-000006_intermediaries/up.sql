ALTER TABLE organisations ADD COLUMN kind TEXT NOT NULL DEFAULT 'employer'
    CHECK (kind IN ('employer', 'municipality', 'uwv', 'youth_work', 'school', 'agency'));

ALTER TABLE organisation_members DROP CONSTRAINT organisation_members_role_check;
ALTER TABLE organisation_members ADD CONSTRAINT organisation_members_role_check
    CHECK (role IN ('owner', 'member', 'coordinator', 'coach'));
ALTER TABLE organisation_members ADD COLUMN deactivated_at TIMESTAMP;
-- The ISO week of the last Monday mail to this coach (claimed once per week).
ALTER TABLE organisation_members ADD COLUMN digest_week TEXT;
-- Intermediary organisations, their coaches, the youth's consents, notes and the audit log.

-- Consent to coaching: one row per invitation, from the coach's invitation (a short code or a
-- mailed link) through the youth's answer to its end. Scopes are a bit mask (see
-- `access::Scope`): nothing is granted by default.
CREATE TABLE consents (
    id                    TEXT PRIMARY KEY,
    organisation_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The responsible coach; NULL when their account was deleted.
    coach_id              TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    -- NULL until a youth claims the invitation.
    youth_id              TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    status                TEXT NOT NULL CHECK (status IN ('invited', 'pending', 'active', 'declined', 'revoked', 'expired')),
    scopes                INTEGER NOT NULL DEFAULT 0,
    via                   TEXT NOT NULL CHECK (via IN ('link', 'code')),
    -- SHA-256 of the code or link token; only while the invitation is open.
    secret_hash           TEXT UNIQUE,
    invited_email         TEXT,
    invited_at            TIMESTAMP NOT NULL,
    invitation_expires_at TIMESTAMP NOT NULL,
    claimed_at            TIMESTAMP,
    given_at              TIMESTAMP,
    expires_at            TIMESTAMP,
    ended_at              TIMESTAMP,
    reminded_at           TIMESTAMP,
    follow_up_on          DATE,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX consents_youth ON consents (youth_id, status);
CREATE INDEX consents_caseload ON consents (organisation_id, status, coach_id);

-- Every change to a consent, for the youth and for an auditor: given, scopes changed,
-- renewed, revoked, handed to another coach (with the reason).
CREATE TABLE consent_events (
    id         TEXT PRIMARY KEY,
    consent_id TEXT NOT NULL REFERENCES consents (id) ON DELETE CASCADE,
    at         TIMESTAMP NOT NULL,
    actor_id   TEXT,
    change     TEXT NOT NULL,
    scopes     INTEGER NOT NULL,
    coach_id   TEXT,
    reason     TEXT
);
CREATE INDEX consent_events_consent ON consent_events (consent_id, id);

-- Who read or changed whose data (NEN 7513, Logboek Dataverwerkingen). No foreign keys: the
-- log outlives the accounts it names.
CREATE TABLE audit_log (
    id                TEXT PRIMARY KEY,
    at                TIMESTAMP NOT NULL,
    actor_id          TEXT,
    actor_role        TEXT NOT NULL,
    organisation_id   TEXT,
    organisation_kind TEXT,
    subject_id        TEXT NOT NULL,
    action            TEXT NOT NULL,
    object            TEXT,
    purpose           TEXT NOT NULL,
    on_behalf         BOOLEAN NOT NULL,
    request_id        TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, id);

-- One youth handed from one coach to another; the receiving coach accepts or declines.
CREATE TABLE handovers (
    id          TEXT PRIMARY KEY,
    consent_id  TEXT NOT NULL REFERENCES consents (id) ON DELETE CASCADE,
    from_coach  TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    to_coach    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    asked_by    TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at  TIMESTAMP NOT NULL,
    decided_at  TIMESTAMP
);
CREATE INDEX handovers_to ON handovers (to_coach, status);
CREATE INDEX handovers_consent ON handovers (consent_id, status);

-- A coach's notes on a youth, shared with the coaches of the organisation who may see them.
CREATE TABLE coach_notes (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    youth_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    author_id       TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX coach_notes_youth ON coach_notes (organisation_id, youth_id, id);

-- How often employers were shown a youth's anonymous card (not a personal access: counted,
-- not logged per card).
CREATE TABLE card_views (
    youth_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    shown    BIGINT NOT NULL
);

-- A like or pass placed by a coach on the youth's behalf names the coach.
ALTER TABLE swipes ADD COLUMN youth_decided_by TEXT;
-- When the youth last signed in, refreshed a session, swiped or wrote (the caseload sorts and
-- filters on it for hundreds of youth at once; kept here instead of grouping sessions and
-- swipes on every look).
ALTER TABLE youth_profiles ADD COLUMN last_active_at TIMESTAMP;
UPDATE youth_profiles SET last_active_at = (
    SELECT max(s.created_at) FROM sessions s WHERE s.account_id = youth_profiles.account_id
);
-- A profile changed by a coach says so to the youth.
ALTER TABLE youth_profiles ADD COLUMN changed_by_coach TEXT;
ALTER TABLE youth_profiles ADD COLUMN changed_by_coach_at TIMESTAMP;
ALTER TABLE organisation_invitations ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
