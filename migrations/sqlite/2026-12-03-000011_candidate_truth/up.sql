-- Marks that say when the truth of a candidate page may have changed, so that a page checked
-- once can be served again after one primary-key read instead of reading every card again
-- (see `matching::feed::checked`). A card is true while its youth is active, the employer
-- has not answered them for the vacancy, and its shown parts are what the profile says.

-- A version per vacancy, moved whenever its employer's answer to a candidate changes or one
-- of its introductions does. Its own table: a write to `vacancies` is a change the vacancy
-- index of every instance re-reads, and answers are far more frequent than edits.
CREATE TABLE candidate_versions (
    vacancy_id TEXT PRIMARY KEY REFERENCES vacancies (id) ON DELETE CASCADE,
    version    BIGINT NOT NULL DEFAULT 0
);
INSERT INTO candidate_versions (vacancy_id) SELECT id FROM vacancies;

-- Every vacancy has its row from the start, so that moving a version is an UPDATE that never
-- creates one (a swipe deleted by its vacancy's own deletion finds nothing to move).
CREATE TRIGGER candidate_version_new AFTER INSERT ON vacancies
BEGIN
    INSERT INTO candidate_versions (vacancy_id) VALUES (NEW.id);
END;

-- The employer's answers (a youth's own swipes, the hot write, never fire these).
CREATE TRIGGER candidate_answer_insert AFTER INSERT ON swipes
WHEN NEW.employer_decision IS NOT NULL
BEGIN
    UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = NEW.vacancy_id;
END;
CREATE TRIGGER candidate_answer_update AFTER UPDATE OF employer_decision ON swipes
WHEN OLD.employer_decision IS NOT NEW.employer_decision
BEGIN
    UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = NEW.vacancy_id;
END;
CREATE TRIGGER candidate_answer_delete AFTER DELETE ON swipes
WHEN OLD.employer_decision IS NOT NULL
BEGIN
    UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = OLD.vacancy_id;
END;

-- Introductions: which youth come first, and which are left out of the ranked part.
CREATE TRIGGER candidate_introduction_inserted AFTER INSERT ON introductions
BEGIN
    UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = NEW.vacancy_id;
END;
CREATE TRIGGER candidate_introduction_updated AFTER UPDATE ON introductions
BEGIN
    UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = NEW.vacancy_id;
END;
CREATE TRIGGER candidate_introduction_deleted AFTER DELETE ON introductions
BEGIN
    UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = OLD.vacancy_id;
END;

-- A clock over every youth's card: each change of a card's shown parts or of the youth's
-- status moves it by one and writes the new reading with the youth's id. SQLite has one
-- writer at a time, so readings are gapless and committed in order, as on PostgreSQL.
CREATE TABLE card_clock (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO card_clock (id, seq) VALUES (1, 0);

-- `youth_id` '' stands for every youth (their profiles were emptied at once).
CREATE TABLE card_changes (
    seq        BIGINT PRIMARY KEY,
    youth_id   TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX card_changes_at ON card_changes (changed_at);

-- What a card shows (`matching::store::CardRow`) and the status that decides whether it is
-- shown; the activity time and the name, which every swipe or edit may touch, are not here.
CREATE TRIGGER youth_card_changed AFTER UPDATE OF status, latitude, longitude, education_level,
    hours_min, hours_max, available_from, driving_licence, languages, pitch, competences,
    competence_mask, generated_text, edited_text ON youth_profiles
WHEN OLD.status IS NOT NEW.status
    OR OLD.latitude IS NOT NEW.latitude
    OR OLD.longitude IS NOT NEW.longitude
    OR OLD.education_level IS NOT NEW.education_level
    OR OLD.hours_min IS NOT NEW.hours_min
    OR OLD.hours_max IS NOT NEW.hours_max
    OR OLD.available_from IS NOT NEW.available_from
    OR OLD.driving_licence IS NOT NEW.driving_licence
    OR OLD.languages IS NOT NEW.languages
    OR OLD.pitch IS NOT NEW.pitch
    OR OLD.competences IS NOT NEW.competences
    OR OLD.competence_mask IS NOT NEW.competence_mask
    OR OLD.generated_text IS NOT NEW.generated_text
    OR OLD.edited_text IS NOT NEW.edited_text
BEGIN
    UPDATE card_clock SET seq = seq + 1 WHERE id = 1;
    INSERT INTO card_changes (seq, youth_id) SELECT seq, OLD.account_id FROM card_clock WHERE id = 1;
END;
CREATE TRIGGER youth_card_deleted AFTER DELETE ON youth_profiles
BEGIN
    UPDATE card_clock SET seq = seq + 1 WHERE id = 1;
    INSERT INTO card_changes (seq, youth_id) SELECT seq, OLD.account_id FROM card_clock WHERE id = 1;
END;
