DROP INDEX vacancies_updated;
