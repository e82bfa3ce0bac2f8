-- The outbox lease names its holder: a worker sends a message only while the lease it took
-- is still its own (a batch that outlived its lease was sent twice by two instances).
ALTER TABLE outbox ADD COLUMN lease_id TEXT;

-- The vacancy change feed: every insert, update and delete of a vacancy appends its id here.
-- The index of every instance reads the entries after the last one it holds all of; a number
-- taken by a transaction that commits later leaves a gap the reader waits for (see
-- matching::index), so no commit is skipped, whatever the clocks of the writers say.
CREATE TABLE vacancy_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    vacancy_id TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TRIGGER vacancies_inserted AFTER INSERT ON vacancies
BEGIN
    INSERT INTO vacancy_changes (vacancy_id) VALUES (NEW.id);
END;

CREATE TRIGGER vacancies_updated AFTER UPDATE ON vacancies
BEGIN
    INSERT INTO vacancy_changes (vacancy_id) VALUES (NEW.id);
END;

CREATE TRIGGER vacancies_deleted AFTER DELETE ON vacancies
BEGIN
    INSERT INTO vacancy_changes (vacancy_id) VALUES (OLD.id);
END;
