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
) WITH (fillfactor = 80);  -- room for the counters' updates to stay on their page

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
) WITH (fillfactor = 80);
CREATE INDEX swipe_weeks_week ON swipe_weeks (week);

-- Adds `d` (1 or -1) to the likes or passes of the week of `at`.
CREATE FUNCTION swipe_week_add(youth TEXT, at TIMESTAMP, decision TEXT, d INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    wk DATE := CAST(date_trunc('week', at) AS DATE);
    dl INTEGER := CASE WHEN decision = 'like' THEN d ELSE 0 END;
    dp INTEGER := CASE WHEN decision = 'pass' THEN d ELSE 0 END;
BEGIN
    IF d < 0 THEN
        UPDATE swipe_weeks AS w SET likes = w.likes + dl, passes = w.passes + dp
        WHERE w.youth_id = youth AND w.week = wk;
    ELSE
        INSERT INTO swipe_weeks AS w (youth_id, week, likes, passes) VALUES (youth, wk, dl, dp)
        ON CONFLICT (youth_id, week) DO UPDATE
        SET likes = w.likes + excluded.likes, passes = w.passes + excluded.passes;
    END IF;
END $$;

-- Adds `d` (1 or -1) to the month of `at`, and to its likes when `liked`.
CREATE FUNCTION swipe_tally_add(youth TEXT, at TIMESTAMP, liked BOOLEAN, d INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m  INTEGER := CAST(date_part('month', at) AS INTEGER);
    y  INTEGER := CAST(date_part('year', at) AS INTEGER);
    dl INTEGER := CASE WHEN liked THEN d ELSE 0 END;
BEGIN
    -- Taking back never creates a row (the account may be going, and its tallies with it).
    -- It is rare (a change of mind, a deletion), so its month's columns are named at run time.
    IF d < 0 THEN
        EXECUTE format('UPDATE swipe_tallies SET s%1$s = s%1$s + $1, l%1$s = l%1$s + $2 '
                       'WHERE youth_id = $3 AND year = $4', m)
            USING d, dl, youth, y;
        RETURN;
    END IF;
    -- Adding is every swipe: one static statement, planned once per connection.
    INSERT INTO swipe_tallies AS t (youth_id, year, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12)
    VALUES (youth, y, CASE WHEN m = 1 THEN d ELSE 0 END, CASE WHEN m = 2 THEN d ELSE 0 END, CASE WHEN m = 3 THEN d ELSE 0 END, CASE WHEN m = 4 THEN d ELSE 0 END, CASE WHEN m = 5 THEN d ELSE 0 END, CASE WHEN m = 6 THEN d ELSE 0 END, CASE WHEN m = 7 THEN d ELSE 0 END, CASE WHEN m = 8 THEN d ELSE 0 END, CASE WHEN m = 9 THEN d ELSE 0 END, CASE WHEN m = 10 THEN d ELSE 0 END, CASE WHEN m = 11 THEN d ELSE 0 END, CASE WHEN m = 12 THEN d ELSE 0 END, CASE WHEN m = 1 THEN dl ELSE 0 END, CASE WHEN m = 2 THEN dl ELSE 0 END, CASE WHEN m = 3 THEN dl ELSE 0 END, CASE WHEN m = 4 THEN dl ELSE 0 END, CASE WHEN m = 5 THEN dl ELSE 0 END, CASE WHEN m = 6 THEN dl ELSE 0 END, CASE WHEN m = 7 THEN dl ELSE 0 END, CASE WHEN m = 8 THEN dl ELSE 0 END, CASE WHEN m = 9 THEN dl ELSE 0 END, CASE WHEN m = 10 THEN dl ELSE 0 END, CASE WHEN m = 11 THEN dl ELSE 0 END, CASE WHEN m = 12 THEN dl ELSE 0 END)
    ON CONFLICT (youth_id, year) DO UPDATE SET
        s1 = t.s1 + excluded.s1,
        s2 = t.s2 + excluded.s2,
        s3 = t.s3 + excluded.s3,
        s4 = t.s4 + excluded.s4,
        s5 = t.s5 + excluded.s5,
        s6 = t.s6 + excluded.s6,
        s7 = t.s7 + excluded.s7,
        s8 = t.s8 + excluded.s8,
        s9 = t.s9 + excluded.s9,
        s10 = t.s10 + excluded.s10,
        s11 = t.s11 + excluded.s11,
        s12 = t.s12 + excluded.s12,
        l1 = t.l1 + excluded.l1,
        l2 = t.l2 + excluded.l2,
        l3 = t.l3 + excluded.l3,
        l4 = t.l4 + excluded.l4,
        l5 = t.l5 + excluded.l5,
        l6 = t.l6 + excluded.l6,
        l7 = t.l7 + excluded.l7,
        l8 = t.l8 + excluded.l8,
        l9 = t.l9 + excluded.l9,
        l10 = t.l10 + excluded.l10,
        l11 = t.l11 + excluded.l11,
        l12 = t.l12 + excluded.l12;
END $$;

CREATE FUNCTION swipe_tally() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.youth_decided_at IS NOT NULL THEN
        PERFORM swipe_tally_add(OLD.youth_id, OLD.youth_decided_at, OLD.youth_decision = 'like', -1);
        PERFORM swipe_week_add(OLD.youth_id, OLD.youth_decided_at, OLD.youth_decision, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.youth_decided_at IS NOT NULL THEN
        PERFORM swipe_tally_add(NEW.youth_id, NEW.youth_decided_at, NEW.youth_decision = 'like', 1);
        PERFORM swipe_week_add(NEW.youth_id, NEW.youth_decided_at, NEW.youth_decision, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER swipe_tally_insert AFTER INSERT ON swipes
    FOR EACH ROW WHEN (NEW.youth_decided_at IS NOT NULL) EXECUTE FUNCTION swipe_tally();
CREATE TRIGGER swipe_tally_update AFTER UPDATE OF youth_decision, youth_decided_at ON swipes
    FOR EACH ROW WHEN (OLD.youth_decision IS DISTINCT FROM NEW.youth_decision
                       OR OLD.youth_decided_at IS DISTINCT FROM NEW.youth_decided_at)
    EXECUTE FUNCTION swipe_tally();
CREATE TRIGGER swipe_tally_delete AFTER DELETE ON swipes
    FOR EACH ROW WHEN (OLD.youth_decided_at IS NOT NULL) EXECUTE FUNCTION swipe_tally();

-- Emptying the swipes at once (TRUNCATE fires no row triggers) empties their tallies too.
CREATE FUNCTION swipe_tally_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE swipe_tallies, swipe_weeks;
    RETURN NULL;
END $$;
CREATE TRIGGER swipe_tally_truncate AFTER TRUNCATE ON swipes
    FOR EACH STATEMENT EXECUTE FUNCTION swipe_tally_truncate();

-- The swipes made before this migration.
INSERT INTO swipe_tallies (youth_id, year, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12)
SELECT youth_id, CAST(date_part('year', youth_decided_at) AS INTEGER),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 1),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 2),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 3),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 4),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 5),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 6),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 7),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 8),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 9),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 10),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 11),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 12),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 1 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 2 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 3 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 4 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 5 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 6 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 7 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 8 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 9 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 10 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 11 AND youth_decision = 'like'),
       COUNT(*) FILTER (WHERE date_part('month', youth_decided_at) = 12 AND youth_decision = 'like')
FROM swipes WHERE youth_decided_at IS NOT NULL
GROUP BY 1, 2;

-- The planner sizes the report's joins from these statistics; a fresh table has none.
ANALYZE swipe_tallies;

INSERT INTO swipe_weeks (youth_id, week, likes, passes)
SELECT youth_id, CAST(date_trunc('week', youth_decided_at) AS DATE),
       COUNT(*) FILTER (WHERE youth_decision = 'like'), COUNT(*) FILTER (WHERE youth_decision = 'pass')
FROM swipes WHERE youth_decided_at IS NOT NULL
GROUP BY 1, 2;
ANALYZE swipe_weeks;

-- Nothing reads the swipes by time any more (reports and caseload pages read the tallies):
-- one index less on the busiest table.
DROP INDEX swipes_youth_decided;
