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
CREATE FUNCTION candidate_version_new() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO candidate_versions (vacancy_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER candidate_version_new AFTER INSERT ON vacancies
    FOR EACH ROW EXECUTE FUNCTION candidate_version_new();

CREATE FUNCTION candidate_version_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = OLD.vacancy_id;
    ELSE
        UPDATE candidate_versions SET version = version + 1 WHERE vacancy_id = NEW.vacancy_id;
    END IF;
    RETURN NULL;
END $$;
-- The employer's answers (a youth's own swipes, the hot write, never fire these).
CREATE TRIGGER candidate_answer_insert AFTER INSERT ON swipes
    FOR EACH ROW WHEN (NEW.employer_decision IS NOT NULL) EXECUTE FUNCTION candidate_version_move();
CREATE TRIGGER candidate_answer_update AFTER UPDATE OF employer_decision ON swipes
    FOR EACH ROW WHEN (OLD.employer_decision IS DISTINCT FROM NEW.employer_decision)
    EXECUTE FUNCTION candidate_version_move();
CREATE TRIGGER candidate_answer_delete AFTER DELETE ON swipes
    FOR EACH ROW WHEN (OLD.employer_decision IS NOT NULL) EXECUTE FUNCTION candidate_version_move();
-- Introductions: which youth come first, and which are left out of the ranked part.
CREATE TRIGGER candidate_introduction_changed AFTER INSERT OR UPDATE OR DELETE ON introductions
    FOR EACH ROW EXECUTE FUNCTION candidate_version_move();

-- Emptying swipes or introductions at once (no row triggers fire) moves every version.
CREATE FUNCTION candidate_versions_move_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE candidate_versions SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER candidate_answers_truncated AFTER TRUNCATE ON swipes
    FOR EACH STATEMENT EXECUTE FUNCTION candidate_versions_move_all();
CREATE TRIGGER candidate_introductions_truncated AFTER TRUNCATE ON introductions
    FOR EACH STATEMENT EXECUTE FUNCTION candidate_versions_move_all();

-- A clock over every youth's card: each change of a card's shown parts or of the youth's
-- status moves it by one and writes the new reading with the youth's id. The clock is one
-- row, so a change holds it until its commit: readings are gapless and committed in order,
-- and a reader that sees reading N can read every change up to N (a sequence would be
-- neither). Card changes are profile edits, rare beside reads, so this order costs little.
CREATE TABLE card_clock (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO card_clock (id, seq) VALUES (1, 0);

-- `youth_id` '' stands for every youth (their profiles were emptied at once).
CREATE TABLE card_changes (
    seq        BIGINT PRIMARY KEY,
    youth_id   TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
CREATE INDEX card_changes_at ON card_changes (changed_at);

CREATE FUNCTION card_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    s BIGINT;
BEGIN
    UPDATE card_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO s;
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO card_changes (seq, youth_id) VALUES (s, '');
    ELSE
        INSERT INTO card_changes (seq, youth_id) VALUES (s, OLD.account_id);
    END IF;
    RETURN NULL;
END $$;
-- What a card shows (`matching::store::CardRow`) and the status that decides whether it is
-- shown; the activity time and the name, which every swipe or edit may touch, are not here.
CREATE TRIGGER youth_card_changed AFTER UPDATE OF status, latitude, longitude, education_level,
    hours_min, hours_max, available_from, driving_licence, languages, pitch, competences,
    competence_mask, generated_text, edited_text ON youth_profiles
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.latitude IS DISTINCT FROM NEW.latitude
        OR OLD.longitude IS DISTINCT FROM NEW.longitude
        OR OLD.education_level IS DISTINCT FROM NEW.education_level
        OR OLD.hours_min IS DISTINCT FROM NEW.hours_min
        OR OLD.hours_max IS DISTINCT FROM NEW.hours_max
        OR OLD.available_from IS DISTINCT FROM NEW.available_from
        OR OLD.driving_licence IS DISTINCT FROM NEW.driving_licence
        OR OLD.languages IS DISTINCT FROM NEW.languages
        OR OLD.pitch IS DISTINCT FROM NEW.pitch
        OR OLD.competences IS DISTINCT FROM NEW.competences
        OR OLD.competence_mask IS DISTINCT FROM NEW.competence_mask
        OR OLD.generated_text IS DISTINCT FROM NEW.generated_text
        OR OLD.edited_text IS DISTINCT FROM NEW.edited_text)
    EXECUTE FUNCTION card_changed();
CREATE TRIGGER youth_card_deleted AFTER DELETE ON youth_profiles
    FOR EACH ROW EXECUTE FUNCTION card_changed();
CREATE TRIGGER youth_cards_truncated AFTER TRUNCATE ON youth_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION card_changed();
