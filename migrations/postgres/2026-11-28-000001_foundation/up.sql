-- Accounts, organisations, sessions, one-time email tokens and the mail outbox.
-- Portable types only (see DESIGN.md): ids TEXT (UUIDv7), times TIMESTAMP in UTC.

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    password_hash     TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('youth', 'employer', 'intermediary', 'admin')),
    language          TEXT NOT NULL CHECK (language IN ('nl', 'en')),
    display_name      TEXT NOT NULL,
    email_verified_at TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kvk_number TEXT,
    city       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- An employer account belongs to at most one organisation.
CREATE TABLE organisation_members (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, account_id)
);

-- One login: a chain of refresh tokens with one absolute expiry.
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Only the SHA-256 of a refresh token is stored; used_at marks it spent by rotation.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- One-time tokens sent by mail (email verification, password reset), hashed.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX email_tokens_account ON email_tokens (account_id, purpose);

-- Mail written in the same transaction as the event that causes it; a worker sends it.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    sent_at         TIMESTAMP,
    failed_at       TIMESTAMP,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
