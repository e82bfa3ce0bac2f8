-- The outbox lease names its holder: a worker sends a message only while the lease it took
-- is still its own (a batch that outlived its lease was sent twice by two instances).
ALTER TABLE outbox ADD COLUMN lease_id TEXT;

-- The vacancy change feed: every insert, update and delete of a vacancy appends its id here.
-- The index of every instance reads the entries after the last one it holds all of; a number
-- taken by a transaction that commits later leaves a gap the reader waits for (see
-- matching::index), so no commit is skipped, whatever the clocks of the writers say.
CREATE TABLE vacancy_changes (
    seq        BIGSERIAL PRIMARY KEY,
    vacancy_id TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE FUNCTION note_vacancy_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO vacancy_changes (vacancy_id) VALUES (OLD.id);
    ELSE
        INSERT INTO vacancy_changes (vacancy_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER vacancies_changed AFTER INSERT OR UPDATE OR DELETE ON vacancies
    FOR EACH ROW EXECUTE FUNCTION note_vacancy_change();
