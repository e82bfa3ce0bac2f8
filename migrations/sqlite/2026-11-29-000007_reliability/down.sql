DROP TRIGGER vacancies_deleted;
DROP TRIGGER vacancies_updated;
DROP TRIGGER vacancies_inserted;
DROP TABLE vacancy_changes;
ALTER TABLE outbox DROP COLUMN lease_id;
