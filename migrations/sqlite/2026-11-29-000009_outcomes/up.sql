-- Placements with aftercare, and what output reports read.

-- A youth who started work, an internship, a BBL learning-work job, a side job or went back
-- to school: recorded by the youth, the employer or a coach; the other parties confirm.
CREATE TABLE placements (
    id                    TEXT PRIMARY KEY,
    youth_id              TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                  TEXT NOT NULL CHECK (kind IN ('job', 'internship', 'bbl', 'side_job', 'back_to_school')),
    -- Where: the employer's (or school's) name; its organisation when it is in werkmatch.
    organisation_name     TEXT NOT NULL,
    employer_id           TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    -- The intermediary and coach who follow it up (aftercare), when there is one.
    intermediary_id       TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    coach_id              TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    match_id              TEXT REFERENCES matches (id) ON DELETE SET NULL,
    introduction_id       TEXT REFERENCES introductions (id) ON DELETE SET NULL,
    start_date            DATE NOT NULL,
    end_date              DATE,
    hours_per_week        INTEGER,
    contract              TEXT CHECK (contract IN ('fixed_term', 'permanent', 'on_call', 'apprenticeship')),
    recorded_by           TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    recorded_as           TEXT NOT NULL CHECK (recorded_as IN ('youth', 'employer', 'coach')),
    youth_confirmed_at    TIMESTAMP,
    employer_confirmed_at TIMESTAMP,
    coach_confirmed_at    TIMESTAMP,
    status                TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    ended_on              DATE,
    end_reason            TEXT,
    reopened_at           TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX placements_youth ON placements (youth_id, id);
CREATE INDEX placements_intermediary ON placements (intermediary_id, id);
CREATE INDEX placements_employer ON placements (employer_id, id);
CREATE INDEX placements_start ON placements (start_date);
-- One placement per match.
CREATE UNIQUE INDEX placements_match ON placements (match_id);

-- Aftercare: the placing coach follows the placement up 2, 6 and 13 weeks after its start.
CREATE TABLE placement_follow_ups (
    placement_id TEXT NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
    week         INTEGER NOT NULL CHECK (week IN (2, 6, 13)),
    due_on       DATE NOT NULL,
    coach_id     TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    answered_at  TIMESTAMP,
    answered_by  TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    progress     TEXT CHECK (progress IN ('on_track', 'at_risk', 'ended')),
    reason       TEXT,
    note         TEXT,
    PRIMARY KEY (placement_id, week)
);
CREATE INDEX placement_follow_ups_due ON placement_follow_ups (coach_id, due_on);

-- Output reports count per month and group in SQL; these keep their scans short.
CREATE INDEX accounts_role_created ON accounts (role, created_at);
CREATE INDEX matches_created ON matches (created_at);
CREATE INDEX swipes_youth_decided ON swipes (youth_decided_at);
CREATE INDEX introductions_created ON introductions (created_at);
