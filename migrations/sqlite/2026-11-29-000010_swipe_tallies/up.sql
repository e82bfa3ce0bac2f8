-- A youth's swipes and likes per month of a calendar year (s1..s12, l1..l12), one row per
-- youth and year, kept by triggers on `swipes`: every writer (the swipe batch, the locked
-- path, a coach deciding for a youth, retention, account deletion) moves the counts in the
-- same transaction, so they are never out of step with the swipes. Output reports read
-- these instead of the swipes (a million swipes grouped per youth cost half a second; a row
-- per youth and year is a tenth of that). Counters, not masks, so that a deleted or changed
-- decision can be taken back. A month is UTC's, as the reports count.
CREATE TABLE swipe_tallies (
    youth_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    year     INTEGER NOT NULL,
    s1  INTEGER NOT NULL DEFAULT 0,
    s2  INTEGER NOT NULL DEFAULT 0,
    s3  INTEGER NOT NULL DEFAULT 0,
    s4  INTEGER NOT NULL DEFAULT 0,
    s5  INTEGER NOT NULL DEFAULT 0,
    s6  INTEGER NOT NULL DEFAULT 0,
    s7  INTEGER NOT NULL DEFAULT 0,
    s8  INTEGER NOT NULL DEFAULT 0,
    s9  INTEGER NOT NULL DEFAULT 0,
    s10 INTEGER NOT NULL DEFAULT 0,
    s11 INTEGER NOT NULL DEFAULT 0,
    s12 INTEGER NOT NULL DEFAULT 0,
    l1  INTEGER NOT NULL DEFAULT 0,
    l2  INTEGER NOT NULL DEFAULT 0,
    l3  INTEGER NOT NULL DEFAULT 0,
    l4  INTEGER NOT NULL DEFAULT 0,
    l5  INTEGER NOT NULL DEFAULT 0,
    l6  INTEGER NOT NULL DEFAULT 0,
    l7  INTEGER NOT NULL DEFAULT 0,
    l8  INTEGER NOT NULL DEFAULT 0,
    l9  INTEGER NOT NULL DEFAULT 0,
    l10 INTEGER NOT NULL DEFAULT 0,
    l11 INTEGER NOT NULL DEFAULT 0,
    l12 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (youth_id, year)
);

-- A youth's likes and passes per week (its Monday), kept by the same triggers: a caseload
-- page shows each youth's decisions of this week, and a busy youth makes hundreds (counting
-- them per page cost more than the rest of a search). Weeks older than retention keeps are
-- pruned.
CREATE TABLE swipe_weeks (
    youth_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    week     DATE NOT NULL,
    likes    INTEGER NOT NULL DEFAULT 0,
    passes   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (youth_id, week)
);
CREATE INDEX swipe_weeks_week ON swipe_weeks (week);

-- SQLite has no functions to share: each trigger adds (1) or takes back (-1) inline. Taking
-- back never creates a row (the account may be going, and its tallies with it).
CREATE TRIGGER swipe_tally_insert AFTER INSERT ON swipes
WHEN NEW.youth_decided_at IS NOT NULL
BEGIN
    INSERT INTO swipe_tallies (youth_id, year) VALUES (NEW.youth_id, CAST(strftime('%Y', NEW.youth_decided_at) AS INTEGER))
        ON CONFLICT (youth_id, year) DO NOTHING;
    UPDATE swipe_tallies SET
        s1 = s1 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 1) * (1),
        s2 = s2 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 2) * (1),
        s3 = s3 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 3) * (1),
        s4 = s4 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 4) * (1),
        s5 = s5 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 5) * (1),
        s6 = s6 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 6) * (1),
        s7 = s7 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 7) * (1),
        s8 = s8 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 8) * (1),
        s9 = s9 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 9) * (1),
        s10 = s10 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 10) * (1),
        s11 = s11 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 11) * (1),
        s12 = s12 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 12) * (1),
        l1 = l1 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 1 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l2 = l2 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 2 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l3 = l3 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 3 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l4 = l4 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 4 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l5 = l5 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 5 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l6 = l6 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 6 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l7 = l7 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 7 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l8 = l8 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 8 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l9 = l9 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 9 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l10 = l10 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 10 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l11 = l11 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 11 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l12 = l12 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 12 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1)
    WHERE youth_id = NEW.youth_id AND year = CAST(strftime('%Y', NEW.youth_decided_at) AS INTEGER);
    INSERT INTO swipe_weeks (youth_id, week) VALUES (NEW.youth_id, date(NEW.youth_decided_at, '-6 days', 'weekday 1'))
        ON CONFLICT (youth_id, week) DO NOTHING;
    UPDATE swipe_weeks SET
        likes = likes + (COALESCE(NEW.youth_decision, '') = 'like') * (1),
        passes = passes + (COALESCE(NEW.youth_decision, '') = 'pass') * (1)
    WHERE youth_id = NEW.youth_id AND week = date(NEW.youth_decided_at, '-6 days', 'weekday 1');
END;

CREATE TRIGGER swipe_tally_update_old AFTER UPDATE OF youth_decision, youth_decided_at ON swipes
WHEN OLD.youth_decided_at IS NOT NULL
 AND (OLD.youth_decision IS NOT NEW.youth_decision OR OLD.youth_decided_at IS NOT NEW.youth_decided_at)
BEGIN
    UPDATE swipe_tallies SET
        s1 = s1 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 1) * (-1),
        s2 = s2 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 2) * (-1),
        s3 = s3 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 3) * (-1),
        s4 = s4 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 4) * (-1),
        s5 = s5 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 5) * (-1),
        s6 = s6 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 6) * (-1),
        s7 = s7 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 7) * (-1),
        s8 = s8 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 8) * (-1),
        s9 = s9 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 9) * (-1),
        s10 = s10 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 10) * (-1),
        s11 = s11 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 11) * (-1),
        s12 = s12 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 12) * (-1),
        l1 = l1 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 1 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l2 = l2 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 2 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l3 = l3 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 3 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l4 = l4 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 4 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l5 = l5 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 5 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l6 = l6 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 6 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l7 = l7 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 7 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l8 = l8 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 8 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l9 = l9 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 9 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l10 = l10 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 10 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l11 = l11 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 11 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l12 = l12 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 12 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1)
    WHERE youth_id = OLD.youth_id AND year = CAST(strftime('%Y', OLD.youth_decided_at) AS INTEGER);
    UPDATE swipe_weeks SET
        likes = likes + (COALESCE(OLD.youth_decision, '') = 'like') * (-1),
        passes = passes + (COALESCE(OLD.youth_decision, '') = 'pass') * (-1)
    WHERE youth_id = OLD.youth_id AND week = date(OLD.youth_decided_at, '-6 days', 'weekday 1');
END;

CREATE TRIGGER swipe_tally_update_new AFTER UPDATE OF youth_decision, youth_decided_at ON swipes
WHEN NEW.youth_decided_at IS NOT NULL
 AND (OLD.youth_decision IS NOT NEW.youth_decision OR OLD.youth_decided_at IS NOT NEW.youth_decided_at)
BEGIN
    INSERT INTO swipe_tallies (youth_id, year) VALUES (NEW.youth_id, CAST(strftime('%Y', NEW.youth_decided_at) AS INTEGER))
        ON CONFLICT (youth_id, year) DO NOTHING;
    UPDATE swipe_tallies SET
        s1 = s1 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 1) * (1),
        s2 = s2 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 2) * (1),
        s3 = s3 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 3) * (1),
        s4 = s4 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 4) * (1),
        s5 = s5 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 5) * (1),
        s6 = s6 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 6) * (1),
        s7 = s7 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 7) * (1),
        s8 = s8 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 8) * (1),
        s9 = s9 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 9) * (1),
        s10 = s10 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 10) * (1),
        s11 = s11 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 11) * (1),
        s12 = s12 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 12) * (1),
        l1 = l1 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 1 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l2 = l2 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 2 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l3 = l3 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 3 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l4 = l4 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 4 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l5 = l5 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 5 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l6 = l6 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 6 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l7 = l7 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 7 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l8 = l8 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 8 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l9 = l9 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 9 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l10 = l10 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 10 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l11 = l11 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 11 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1),
        l12 = l12 + (CAST(strftime('%m', NEW.youth_decided_at) AS INTEGER) = 12 AND (COALESCE(NEW.youth_decision, '') = 'like')) * (1)
    WHERE youth_id = NEW.youth_id AND year = CAST(strftime('%Y', NEW.youth_decided_at) AS INTEGER);
    INSERT INTO swipe_weeks (youth_id, week) VALUES (NEW.youth_id, date(NEW.youth_decided_at, '-6 days', 'weekday 1'))
        ON CONFLICT (youth_id, week) DO NOTHING;
    UPDATE swipe_weeks SET
        likes = likes + (COALESCE(NEW.youth_decision, '') = 'like') * (1),
        passes = passes + (COALESCE(NEW.youth_decision, '') = 'pass') * (1)
    WHERE youth_id = NEW.youth_id AND week = date(NEW.youth_decided_at, '-6 days', 'weekday 1');
END;

CREATE TRIGGER swipe_tally_delete AFTER DELETE ON swipes
WHEN OLD.youth_decided_at IS NOT NULL
BEGIN
    UPDATE swipe_tallies SET
        s1 = s1 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 1) * (-1),
        s2 = s2 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 2) * (-1),
        s3 = s3 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 3) * (-1),
        s4 = s4 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 4) * (-1),
        s5 = s5 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 5) * (-1),
        s6 = s6 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 6) * (-1),
        s7 = s7 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 7) * (-1),
        s8 = s8 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 8) * (-1),
        s9 = s9 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 9) * (-1),
        s10 = s10 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 10) * (-1),
        s11 = s11 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 11) * (-1),
        s12 = s12 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 12) * (-1),
        l1 = l1 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 1 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l2 = l2 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 2 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l3 = l3 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 3 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l4 = l4 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 4 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l5 = l5 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 5 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l6 = l6 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 6 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l7 = l7 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 7 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l8 = l8 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 8 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l9 = l9 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 9 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l10 = l10 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 10 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l11 = l11 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 11 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1),
        l12 = l12 + (CAST(strftime('%m', OLD.youth_decided_at) AS INTEGER) = 12 AND (COALESCE(OLD.youth_decision, '') = 'like')) * (-1)
    WHERE youth_id = OLD.youth_id AND year = CAST(strftime('%Y', OLD.youth_decided_at) AS INTEGER);
    UPDATE swipe_weeks SET
        likes = likes + (COALESCE(OLD.youth_decision, '') = 'like') * (-1),
        passes = passes + (COALESCE(OLD.youth_decision, '') = 'pass') * (-1)
    WHERE youth_id = OLD.youth_id AND week = date(OLD.youth_decided_at, '-6 days', 'weekday 1');
END;

-- The swipes made before this migration.
INSERT INTO swipe_tallies (youth_id, year, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12)
SELECT youth_id, CAST(strftime('%Y', youth_decided_at) AS INTEGER),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 1),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 2),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 3),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 4),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 5),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 6),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 7),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 8),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 9),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 10),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 11),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 12),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 1 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 2 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 3 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 4 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 5 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 6 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 7 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 8 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 9 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 10 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 11 AND youth_decision = 'like'),
       SUM(CAST(strftime('%m', youth_decided_at) AS INTEGER) = 12 AND youth_decision = 'like')
FROM swipes WHERE youth_decided_at IS NOT NULL
GROUP BY 1, 2;

INSERT INTO swipe_weeks (youth_id, week, likes, passes)
SELECT youth_id, date(youth_decided_at, '-6 days', 'weekday 1'),
       SUM(youth_decision = 'like'), SUM(youth_decision = 'pass')
FROM swipes WHERE youth_decided_at IS NOT NULL
GROUP BY 1, 2;

-- Nothing reads the swipes by time any more (reports and caseload pages read the tallies):
-- one index less on the busiest table.
DROP INDEX swipes_youth_decided;
