-- Vacancies of employer organisations, and invitations to join an organisation.

CREATE TABLE vacancies (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_by       TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    occupation       TEXT NOT NULL,
    -- Required competence codes in order of importance, and the same set as a bit mask.
    competences      TEXT NOT NULL,
    competence_mask  BIGINT NOT NULL,
    -- One kind of work, as its bit: job 1, internship 2, BBL 4, side job 8.
    kind             INTEGER NOT NULL,
    hours_min        INTEGER NOT NULL,
    hours_max        INTEGER NOT NULL,
    positions        INTEGER NOT NULL,
    place_name       TEXT NOT NULL,
    latitude         DOUBLE PRECISION NOT NULL,
    longitude        DOUBLE PRECISION NOT NULL,
    max_distance_km  INTEGER,
    min_education    TEXT,
    start_date       DATE,
    valid_days       INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paused', 'closed', 'filled')),
    published_at     TIMESTAMP,
    expires_at       TIMESTAMP,
    reminder_sent_at TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX vacancies_organisation ON vacancies (organisation_id, id);
CREATE INDEX vacancies_open ON vacancies (status, expires_at);

CREATE TABLE organisation_invitations (
    token_hash      TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    invited_by      TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    accepted_at     TIMESTAMP
);
CREATE INDEX organisation_invitations_org ON organisation_invitations (organisation_id);
