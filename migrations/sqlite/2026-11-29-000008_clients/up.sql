-- Employer clients of intermediary organisations, and introductions of youth to vacancies.

-- An intermediary's relation with an employer it recruits for: proposed by a coach, accepted
-- or declined by the employer's owner, ended by either side. An employer without an account
-- is created by the coach as a client at once (`active`) and can claim it later.
CREATE TABLE client_relations (
    id              TEXT PRIMARY KEY,
    intermediary_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    employer_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'declined', 'ended')),
    -- The client lets the intermediary's coaches like and pass its candidates.
    may_swipe       BOOLEAN NOT NULL,
    proposed_by     TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    decided_at      TIMESTAMP,
    ended_at        TIMESTAMP,
    ended_by        TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at      TIMESTAMP NOT NULL
);
-- At most one open relation per pair; ended and declined ones stay as history.
CREATE UNIQUE INDEX client_relations_open ON client_relations (intermediary_id, employer_id)
    WHERE status IN ('proposed', 'active');
CREATE INDEX client_relations_employer ON client_relations (employer_id, status);

-- What an intermediary did for its client, for the employer to read (no youth data in it).
CREATE TABLE client_activity (
    id          TEXT PRIMARY KEY,
    relation_id TEXT NOT NULL REFERENCES client_relations (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT,
    action      TEXT NOT NULL,
    object      TEXT
);
CREATE INDEX client_activity_relation ON client_activity (relation_id, id);

-- The intermediary that posted a vacancy for its client ("posted by X for Y").
ALTER TABLE vacancies ADD COLUMN posted_by_organisation TEXT REFERENCES organisations (id) ON DELETE SET NULL;

-- A coach proposes a youth for a vacancy; the youth accepts (their like) or declines. One
-- per youth and vacancy.
CREATE TABLE introductions (
    id              TEXT PRIMARY KEY,
    vacancy_id      TEXT NOT NULL REFERENCES vacancies (id) ON DELETE CASCADE,
    youth_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    coach_id        TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    note            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined')),
    -- The employer's answer to an accepted introduction.
    outcome         TEXT CHECK (outcome IN ('matched', 'passed')),
    created_at      TIMESTAMP NOT NULL,
    answered_at     TIMESTAMP,
    outcome_at      TIMESTAMP
);
CREATE UNIQUE INDEX introductions_pair ON introductions (vacancy_id, youth_id);
CREATE INDEX introductions_youth ON introductions (youth_id, id);
CREATE INDEX introductions_organisation ON introductions (organisation_id, id);

-- A match that followed an introduction: its coach may join the conversation.
ALTER TABLE matches ADD COLUMN introduction_id TEXT REFERENCES introductions (id) ON DELETE SET NULL;
-- Who wrote a message: `youth`, `employer` or `coach` (NULL before this step: `from_youth`
-- tells). A coach writes on the youth's side of the conversation.
ALTER TABLE messages ADD COLUMN sender_role TEXT;
