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

-- SQLite has no functions: the one place that moves the counts is this view's INSTEAD OF
-- trigger, and the triggers on `swipes` insert into the view what changed, `d` = 1 to add a
-- decision made at `at`, -1 to take it back. Taking back never creates a row (the account may
-- be going, and its tallies with it).
CREATE VIEW swipe_tally_changes AS
    SELECT NULL AS youth_id, NULL AS at, NULL AS decision, NULL AS d WHERE 0;

CREATE TRIGGER swipe_tally_change INSTEAD OF INSERT ON swipe_tally_changes
BEGIN
    INSERT INTO swipe_tallies (youth_id, year)
        SELECT NEW.youth_id, CAST(strftime('%Y', NEW.at) AS INTEGER) WHERE NEW.d > 0
        ON CONFLICT (youth_id, year) DO NOTHING;
    UPDATE swipe_tallies SET
        s1 = s1 + (c.m = 1) * NEW.d,
        s2 = s2 + (c.m = 2) * NEW.d,
        s3 = s3 + (c.m = 3) * NEW.d,
        s4 = s4 + (c.m = 4) * NEW.d,
        s5 = s5 + (c.m = 5) * NEW.d,
        s6 = s6 + (c.m = 6) * NEW.d,
        s7 = s7 + (c.m = 7) * NEW.d,
        s8 = s8 + (c.m = 8) * NEW.d,
        s9 = s9 + (c.m = 9) * NEW.d,
        s10 = s10 + (c.m = 10) * NEW.d,
        s11 = s11 + (c.m = 11) * NEW.d,
        s12 = s12 + (c.m = 12) * NEW.d,
        l1 = l1 + (c.m = 1 AND c.liked) * NEW.d,
        l2 = l2 + (c.m = 2 AND c.liked) * NEW.d,
        l3 = l3 + (c.m = 3 AND c.liked) * NEW.d,
        l4 = l4 + (c.m = 4 AND c.liked) * NEW.d,
        l5 = l5 + (c.m = 5 AND c.liked) * NEW.d,
        l6 = l6 + (c.m = 6 AND c.liked) * NEW.d,
        l7 = l7 + (c.m = 7 AND c.liked) * NEW.d,
        l8 = l8 + (c.m = 8 AND c.liked) * NEW.d,
        l9 = l9 + (c.m = 9 AND c.liked) * NEW.d,
        l10 = l10 + (c.m = 10 AND c.liked) * NEW.d,
        l11 = l11 + (c.m = 11 AND c.liked) * NEW.d,
        l12 = l12 + (c.m = 12 AND c.liked) * NEW.d
    FROM (SELECT CAST(strftime('%m', NEW.at) AS INTEGER) AS m,
                 COALESCE(NEW.decision, '') = 'like' AS liked) AS c
    WHERE youth_id = NEW.youth_id AND year = CAST(strftime('%Y', NEW.at) AS INTEGER);
    INSERT INTO swipe_weeks (youth_id, week)
        SELECT NEW.youth_id, date(NEW.at, '-6 days', 'weekday 1') WHERE NEW.d > 0
        ON CONFLICT (youth_id, week) DO NOTHING;
    UPDATE swipe_weeks SET
        likes = likes + (COALESCE(NEW.decision, '') = 'like') * NEW.d,
        passes = passes + (COALESCE(NEW.decision, '') = 'pass') * NEW.d
    WHERE youth_id = NEW.youth_id AND week = date(NEW.at, '-6 days', 'weekday 1');
END;

CREATE TRIGGER swipe_tally_insert AFTER INSERT ON swipes
WHEN NEW.youth_decided_at IS NOT NULL
BEGIN
    INSERT INTO swipe_tally_changes VALUES (NEW.youth_id, NEW.youth_decided_at, NEW.youth_decision, 1);
END;

CREATE TRIGGER swipe_tally_update AFTER UPDATE OF youth_decision, youth_decided_at ON swipes
WHEN OLD.youth_decision IS NOT NEW.youth_decision OR OLD.youth_decided_at IS NOT NEW.youth_decided_at
BEGIN
    INSERT INTO swipe_tally_changes
        SELECT OLD.youth_id, OLD.youth_decided_at, OLD.youth_decision, -1 WHERE OLD.youth_decided_at IS NOT NULL;
    INSERT INTO swipe_tally_changes
        SELECT NEW.youth_id, NEW.youth_decided_at, NEW.youth_decision, 1 WHERE NEW.youth_decided_at IS NOT NULL;
END;

CREATE TRIGGER swipe_tally_delete AFTER DELETE ON swipes
WHEN OLD.youth_decided_at IS NOT NULL
BEGIN
    INSERT INTO swipe_tally_changes VALUES (OLD.youth_id, OLD.youth_decided_at, OLD.youth_decision, -1);
END;

-- The swipes made before this migration, through the same trigger (SQLite is the embedded
-- backend: its data sets are small).
INSERT INTO swipe_tally_changes
    SELECT youth_id, youth_decided_at, youth_decision, 1 FROM swipes WHERE youth_decided_at IS NOT NULL;

-- Nothing reads the swipes by time any more (reports and caseload pages read the tallies):
-- one index less on the busiest table.
DROP INDEX swipes_youth_decided;
