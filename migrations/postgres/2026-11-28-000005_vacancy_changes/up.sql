-- The vacancy index of every instance asks every few seconds for the rows changed since its
-- last look; without this that is a scan of the whole table.
CREATE INDEX vacancies_updated ON vacancies (updated_at);
