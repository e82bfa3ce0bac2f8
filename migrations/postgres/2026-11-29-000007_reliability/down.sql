DROP TRIGGER vacancies_changed ON vacancies;
DROP FUNCTION note_vacancy_change();
DROP TABLE vacancy_changes;
ALTER TABLE outbox DROP COLUMN lease_id;
