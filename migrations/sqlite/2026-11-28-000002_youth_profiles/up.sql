-- Youth profiles (one per youth account, created at registration) and, apart from them,
-- the sensitive characteristics that only the youth and (later) UWV and municipality
-- coaches may see.

CREATE TABLE youth_profiles (
    account_id        TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    first_name        TEXT NOT NULL,
    last_name         TEXT,
    birth_date        DATE,
    place_name        TEXT,
    latitude          DOUBLE PRECISION,
    longitude         DOUBLE PRECISION,
    search_radius_km  INTEGER NOT NULL DEFAULT 25,
    education_level   TEXT,
    hours_min         INTEGER,
    hours_max         INTEGER,
    available_from    DATE,
    -- Bit mask of wanted kinds of work: job 1, internship 2, BBL 4, side job 8.
    kinds             INTEGER NOT NULL DEFAULT 0,
    driving_licence   BOOLEAN NOT NULL DEFAULT FALSE,
    languages         TEXT NOT NULL DEFAULT '[]',
    interests         TEXT NOT NULL DEFAULT '[]',
    about             TEXT,
    pitch             TEXT,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    -- Competence codes in the youth's order of importance, and the same set as a bit mask.
    competences       TEXT NOT NULL DEFAULT '[]',
    competence_mask   BIGINT NOT NULL DEFAULT 0,
    generated_text    TEXT,
    generated_at      TIMESTAMP,
    edited_text       TEXT,
    edited_at         TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE youth_sensitive (
    account_id         TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    benefit            TEXT CHECK (benefit IN ('none', 'ww', 'bijstand', 'wajong', 'other')),
    work_limitation    BOOLEAN,
    participation_step INTEGER CHECK (participation_step BETWEEN 1 AND 6),
    updated_at         TIMESTAMP NOT NULL
);
