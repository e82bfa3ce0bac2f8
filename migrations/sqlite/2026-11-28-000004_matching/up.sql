-- Matching: one row per (youth, vacancy) pair with both sides' decisions, the matches they
-- create (exactly once per pair), and the conversation after a match.

CREATE TABLE swipes (
    youth_id            TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    vacancy_id          TEXT NOT NULL REFERENCES vacancies (id) ON DELETE CASCADE,
    youth_decision      TEXT CHECK (youth_decision IN ('like', 'pass')),
    youth_decided_at    TIMESTAMP,
    employer_decision   TEXT CHECK (employer_decision IN ('like', 'pass')),
    employer_decided_at TIMESTAMP,
    employer_decided_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (youth_id, vacancy_id)
);
CREATE INDEX swipes_vacancy ON swipes (vacancy_id);

CREATE TABLE matches (
    id                  TEXT PRIMARY KEY,
    youth_id            TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    vacancy_id          TEXT NOT NULL REFERENCES vacancies (id) ON DELETE RESTRICT,
    organisation_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The member who liked the youth: the employer's contact person for this match.
    employer_contact_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at          TIMESTAMP NOT NULL,
    ended_at            TIMESTAMP,
    ended_by            TEXT,
    -- When each side was last mailed about new messages (at most once an hour).
    youth_notified_at    TIMESTAMP,
    employer_notified_at TIMESTAMP,
    UNIQUE (youth_id, vacancy_id)
);
CREATE INDEX matches_youth ON matches (youth_id, id);
CREATE INDEX matches_organisation ON matches (organisation_id, id);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    match_id   TEXT NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    sender_id  TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    from_youth BOOLEAN NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX messages_match ON messages (match_id, id);

-- What the feed's candidate queries filter on.
CREATE INDEX vacancies_feed ON vacancies (status, kind, latitude, longitude);
CREATE INDEX youth_profiles_feed ON youth_profiles (status, latitude, longitude);
