//! Diesel queries for feeds, swipes, matches and messages.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::model::MemberRole;
use crate::db::DbConn;
use crate::db::ids::{AccountId, MatchId, MessageId, OrganisationId, VacancyId};
use crate::db::schema::{
    candidate_versions, card_changes, card_clock, matches, messages, organisation_members,
    organisations, swipes, vacancies, youth_profiles,
};
use crate::employers::store::VacancyRow;

/// A latitude/longitude box: (lat_min, lat_max, lon_min, lon_max).
pub type BBox = (f64, f64, f64, f64);

/// A pair's decisions, seen from the youth: (vacancy, youth's decision, employer's decision).
pub type Decisions = (VacancyId, Option<String>, Option<String>);

/// The decisions made about this youth's pairs whose vacancy is still open: a ranking only
/// needs those (a closed vacancy is not in the index), and a youth's whole history grows
/// without end while the open vacancies near them do not.
pub fn decisions_of(conn: &mut DbConn, youth: &AccountId) -> QueryResult<Vec<Decisions>> {
    swipes::table
        .inner_join(vacancies::table)
        .filter(swipes::youth_id.eq(youth))
        .filter(vacancies::status.eq("open"))
        .select((
            swipes::vacancy_id,
            swipes::youth_decision,
            swipes::employer_decision,
        ))
        .load(conn)
}

/// Vacancies with their organisation's name and city, for cards.
pub fn cards_by_ids(
    conn: &mut DbConn,
    ids: &[VacancyId],
) -> QueryResult<Vec<(VacancyRow, String, String)>> {
    vacancies::table
        .inner_join(organisations::table)
        .filter(vacancies::id.eq_any(ids))
        .select((
            VacancyRow::as_select(),
            organisations::name,
            organisations::city,
        ))
        .load(conn)
}

/// What the candidate feed scores about a youth.
#[derive(Debug, Queryable)]
pub struct YouthCandidate {
    pub account_id: AccountId,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub competence_mask: i64,
    pub hours_min: Option<i32>,
    pub hours_max: Option<i32>,
    pub search_radius_km: i32,
    pub education_level: Option<String>,
    pub updated_at: NaiveDateTime,
    pub youth_decision: Option<String>,
}

/// How many youth one candidate ranking reads at most: the most recently active first.
pub const CANDIDATES_READ: i64 = 20_000;

/// Active youth in the box who want this kind of work, with overlapping hours and at least
/// one competence, whom this vacancy has not swiped: at most [`CANDIDATES_READ`], the most
/// recently active first (a vacancy in a city must not read every profile of the region).
pub fn youth_candidates(
    conn: &mut DbConn,
    vacancy: &VacancyId,
    kind_masks: &[i32],
    (lat0, lat1, lon0, lon1): BBox,
    (hmin, hmax): (i32, i32),
) -> QueryResult<Vec<YouthCandidate>> {
    youth_profiles::table
        .left_join(
            swipes::table.on(swipes::youth_id
                .eq(youth_profiles::account_id)
                .and(swipes::vacancy_id.eq(vacancy))),
        )
        .filter(youth_profiles::status.eq("active"))
        .filter(youth_profiles::kinds.eq_any(kind_masks))
        .filter(youth_profiles::latitude.between(lat0, lat1))
        .filter(youth_profiles::longitude.between(lon0, lon1))
        .filter(youth_profiles::hours_min.le(hmax))
        .filter(youth_profiles::hours_max.ge(hmin))
        .filter(youth_profiles::competence_mask.ne(0))
        .filter(swipes::employer_decision.is_null())
        .order(youth_profiles::updated_at.desc())
        .limit(CANDIDATES_READ)
        .select((
            youth_profiles::account_id,
            youth_profiles::latitude,
            youth_profiles::longitude,
            youth_profiles::competence_mask,
            youth_profiles::hours_min,
            youth_profiles::hours_max,
            youth_profiles::search_radius_km,
            youth_profiles::education_level,
            youth_profiles::updated_at,
            swipes::youth_decision.nullable(),
        ))
        .load(conn)
}

/// What an anonymous candidate card is built from: the profile's shown parts, and no name,
/// birth date or place (what a card must not show is not even read).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = youth_profiles)]
pub struct CardRow {
    pub account_id: AccountId,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub education_level: Option<String>,
    pub hours_min: Option<i32>,
    pub hours_max: Option<i32>,
    pub available_from: Option<NaiveDate>,
    pub driving_licence: bool,
    pub languages: String,
    pub pitch: Option<String>,
    pub competences: String,
    pub competence_mask: i64,
    pub generated_text: Option<String>,
    pub edited_text: Option<String>,
}

/// The card rows of a candidate page, checked against the truth: active and not answered by
/// the employer for this vacancy.
pub fn card_rows(
    conn: &mut DbConn,
    vacancy: &VacancyId,
    ids: &[AccountId],
) -> QueryResult<Vec<CardRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    youth_profiles::table
        .left_join(
            swipes::table.on(swipes::youth_id
                .eq(youth_profiles::account_id)
                .and(swipes::vacancy_id.eq(vacancy))),
        )
        .filter(youth_profiles::account_id.eq_any(ids))
        .filter(youth_profiles::status.eq("active"))
        .filter(swipes::employer_decision.is_null())
        .select(CardRow::as_select())
        .load(conn)
}

/// The marks of a vacancy's candidates' truth (see `feed::checked`): its candidate version
/// and the card clock's reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    pub version: i64,
    pub clock: i64,
}

/// A vacancy with the marks of its candidates' truth and the caller's role in its organisation,
/// in one statement: whatever a page reads after it is at least as new as the marks.
pub fn vacancy_with_marks(
    conn: &mut DbConn,
    id: &VacancyId,
    caller: &AccountId,
) -> QueryResult<Option<(VacancyRow, Marks, Option<MemberRole>)>> {
    // The vacancy, its candidate version, the clock's reading, the caller's role.
    type Read = (VacancyRow, Option<i64>, Option<i64>, Option<String>);
    let found: Option<Read> = vacancies::table
        .left_join(candidate_versions::table)
        .left_join(
            organisation_members::table.on(crate::employers::store::member_of(
                vacancies::organisation_id,
                caller,
            )),
        )
        .filter(vacancies::id.eq(id))
        .select((
            VacancyRow::as_select(),
            candidate_versions::version.nullable(),
            clock().single_value(),
            organisation_members::role.nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.map(|(row, version, clock, role)| {
        (
            row,
            Marks {
                version: version.unwrap_or(0),
                clock: clock.unwrap_or(0),
            },
            role.as_deref().and_then(MemberRole::parse),
        )
    }))
}

/// The card clock's reading (its one row).
fn clock() -> diesel::dsl::Select<card_clock::table, card_clock::seq> {
    card_clock::table.select(card_clock::seq)
}

/// The card clock's reading now.
pub fn card_clock_now(conn: &mut DbConn) -> QueryResult<i64> {
    clock().first(conn)
}

/// The card changes after reading `after` up to reading `upto`, in order: (reading, youth id;
/// '' for every youth).
pub fn card_changes_between(
    conn: &mut DbConn,
    after: i64,
    upto: i64,
) -> QueryResult<Vec<(i64, String)>> {
    card_changes::table
        .filter(card_changes::seq.gt(after))
        .filter(card_changes::seq.le(upto))
        .order(card_changes::seq.asc())
        .select((card_changes::seq, card_changes::youth_id))
        .load(conn)
}

// ---- Swipes -------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = swipes)]
pub struct SwipeRow {
    pub youth_id: AccountId,
    pub vacancy_id: VacancyId,
    pub youth_decision: Option<String>,
    pub youth_decided_at: Option<NaiveDateTime>,
    pub employer_decision: Option<String>,
    pub employer_decided_at: Option<NaiveDateTime>,
    pub employer_decided_by: Option<AccountId>,
    pub created_at: NaiveDateTime,
}

/// Reads the pair's row, creating it if absent, and locks it for the rest of the
/// transaction. The dialects differ here: PostgreSQL locks the row (`FOR UPDATE`), so the
/// second of two simultaneous likes waits and then sees the first; SQLite already holds the
/// database's single write lock (`BEGIN IMMEDIATE`). Both use `ON CONFLICT DO NOTHING`, which
/// diesel builds per backend only.
pub fn lock_pair(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    now: NaiveDateTime,
) -> QueryResult<SwipeRow> {
    let values = (
        swipes::youth_id.eq(youth),
        swipes::vacancy_id.eq(vacancy),
        swipes::created_at.eq(now),
    );
    let row = || swipes::table.find((youth, vacancy));
    match conn {
        DbConn::Pg(pg) => {
            diesel::insert_into(swipes::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(pg)?;
            row().for_update().select(SwipeRow::as_select()).first(pg)
        }
        DbConn::Sqlite(lite) => {
            diesel::insert_into(swipes::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(lite)?;
            row().select(SwipeRow::as_select()).first(lite)
        }
    }
}

/// Who placed the youth's decision on a pair: the coach acting for them, or `None` for the
/// youth themself (a later swipe of their own clears it).
pub fn set_youth_decided_by(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    coach: Option<&AccountId>,
) -> QueryResult<()> {
    diesel::update(swipes::table.find((youth, vacancy)))
        .set(swipes::youth_decided_by.eq(coach))
        .execute(conn)
        .map(|_| ())
}

/// Which of one youth's decisions on these vacancies a coach made, with the coach's
/// organisation and when (a coach who has since left keeps their membership row,
/// deactivated, so the organisation is still known).
pub fn decided_by_coach_of(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancies: &[VacancyId],
) -> QueryResult<std::collections::HashMap<VacancyId, (String, NaiveDateTime)>> {
    let rows: Vec<(VacancyId, Option<AccountId>, Option<NaiveDateTime>)> = swipes::table
        .filter(swipes::youth_id.eq(youth))
        .filter(swipes::vacancy_id.eq_any(vacancies))
        .filter(swipes::youth_decided_by.is_not_null())
        .select((
            swipes::vacancy_id,
            swipes::youth_decided_by,
            swipes::youth_decided_at,
        ))
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    let mut organisations: std::collections::HashMap<AccountId, Option<String>> =
        std::collections::HashMap::new();
    for (vacancy, coach, at) in rows {
        let (Some(coach), Some(at)) = (coach, at) else {
            continue;
        };
        // Few coaches per youth: one membership read each.
        if !organisations.contains_key(&coach) {
            let name =
                crate::employers::store::membership_of(conn, &coach)?.map(|m| m.organisation_name);
            organisations.insert(coach.clone(), name);
        }
        if let Some(Some(name)) = organisations.get(&coach) {
            out.insert(vacancy, (name.clone(), at));
        }
    }
    Ok(out)
}

/// A youth's decision on a pair, as the batched upsert takes it.
#[derive(Debug, Clone)]
pub struct YouthDecision {
    pub youth: AccountId,
    pub vacancy: VacancyId,
    pub decision: &'static str,
    pub at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct WrittenPair {
    #[diesel(sql_type = diesel::sql_types::Text)]
    youth_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    vacancy_id: String,
}

/// Youths' decisions in one statement, for the common case: a row is written only when its
/// decision changes and the employer has not liked the youth, that is, when no match can
/// come of it and none can exist. Answers the (youth, vacancy) pairs written; for the others
/// the caller takes the locked path (`lock_pair`), which makes matches. A pair may appear
/// only once (PostgreSQL refuses to update a row twice in one statement).
///
/// The upsert takes each row's lock and checks its condition on the newest committed row, so
/// a like from the employer that commits first turns the pair into the locked path, and one
/// that commits after sees this decision under its own lock: a match is still made once.
pub fn record_youth_decisions(
    conn: &mut DbConn,
    rows: &[YouthDecision],
) -> QueryResult<Vec<(String, String)>> {
    use diesel::sql_types::{Text, Timestamp};
    use std::fmt::Write;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Only the parameter syntax and the null-safe comparison differ between the dialects.
    let (param, ne) = if crate::db::is_postgres(conn) {
        ('$', "IS DISTINCT FROM")
    } else {
        ('?', "IS NOT")
    };
    // The rows come from a VALUES list filtered on the vacancy still being open, in the same
    // statement: the caller's "open" came from this instance's index, which can be seconds
    // behind a close on another instance. A row left out is answered by the locked path.
    // (Both dialects name a VALUES list's columns column1, column2, …)
    let mut sql = String::from(
        "INSERT INTO swipes (youth_id, vacancy_id, youth_decision, youth_decided_at, created_at) \
         SELECT v.column1, v.column2, v.column3, v.column4, v.column5 FROM (VALUES ",
    );
    for i in 0..rows.len() {
        let n = 4 * i;
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            sql,
            "{sep}({param}{}, {param}{}, {param}{}, {param}{}, {param}{})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 4
        );
    }
    let _ = write!(
        sql,
        ") AS v WHERE EXISTS (SELECT 1 FROM vacancies WHERE vacancies.id = v.column2 \
           AND vacancies.status = 'open' \
           AND (vacancies.expires_at IS NULL OR vacancies.expires_at > v.column4)) \
         ON CONFLICT (youth_id, vacancy_id) DO UPDATE \
         SET youth_decision = excluded.youth_decision, youth_decided_at = excluded.youth_decided_at, \
             youth_decided_by = NULL \
         WHERE swipes.youth_decision {ne} excluded.youth_decision \
           AND swipes.employer_decision {ne} 'like' \
         RETURNING youth_id, vacancy_id"
    );
    macro_rules! run {
        ($conn:expr, $backend:ty) => {{
            let mut q = diesel::sql_query(sql).into_boxed::<$backend>();
            for r in rows {
                q = q
                    .bind::<Text, _>(r.youth.as_str())
                    .bind::<Text, _>(r.vacancy.as_str())
                    .bind::<Text, _>(r.decision)
                    .bind::<Timestamp, _>(r.at);
            }
            q.load::<WrittenPair>($conn)?
        }};
    }
    let written = match conn {
        DbConn::Pg(pg) => run!(pg, diesel::pg::Pg),
        DbConn::Sqlite(lite) => run!(lite, diesel::sqlite::Sqlite),
    };
    Ok(written
        .into_iter()
        .map(|w| (w.youth_id, w.vacancy_id))
        .collect())
}

/// A decision already made for this pair, without creating or locking anything.
pub fn find_pair(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
) -> QueryResult<Option<SwipeRow>> {
    swipes::table
        .find((youth, vacancy))
        .select(SwipeRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_youth_decision(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    decision: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(swipes::table.find((youth, vacancy)))
        .set((
            swipes::youth_decision.eq(Some(decision)),
            swipes::youth_decided_at.eq(Some(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_employer_decision(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    decision: &str,
    by: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(swipes::table.find((youth, vacancy)))
        .set((
            swipes::employer_decision.eq(Some(decision)),
            swipes::employer_decided_at.eq(Some(now)),
            swipes::employer_decided_by.eq(Some(by)),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- Matches ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = matches)]
pub struct MatchRow {
    pub id: MatchId,
    pub youth_id: AccountId,
    pub vacancy_id: VacancyId,
    pub organisation_id: OrganisationId,
    pub employer_contact_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_by: Option<String>,
    pub youth_notified_at: Option<NaiveDateTime>,
    pub employer_notified_at: Option<NaiveDateTime>,
    pub introduction_id: Option<crate::db::ids::IntroductionId>,
}

pub fn insert_match(conn: &mut DbConn, row: &MatchRow) -> QueryResult<()> {
    diesel::insert_into(matches::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn match_of_pair(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
) -> QueryResult<Option<MatchRow>> {
    matches::table
        .filter(matches::youth_id.eq(youth))
        .filter(matches::vacancy_id.eq(vacancy))
        .select(MatchRow::as_select())
        .first(conn)
        .optional()
}

/// Remembers the introduction a match followed.
pub fn set_introduction(
    conn: &mut DbConn,
    id: &MatchId,
    introduction: &crate::db::ids::IntroductionId,
) -> QueryResult<()> {
    diesel::update(matches::table.find(id))
        .set(matches::introduction_id.eq(Some(introduction)))
        .execute(conn)
        .map(|_| ())
}

pub fn find_match(conn: &mut DbConn, id: &MatchId) -> QueryResult<Option<MatchRow>> {
    matches::table
        .find(id)
        .select(MatchRow::as_select())
        .first(conn)
        .optional()
}

/// Whose matches to list.
pub enum MatchOwner<'a> {
    Youth(&'a AccountId),
    Organisation(&'a OrganisationId, Option<&'a VacancyId>),
}

/// A page of matches, newest first.
pub fn list_matches(
    conn: &mut DbConn,
    owner: MatchOwner<'_>,
    before: Option<&MatchId>,
    limit: i64,
) -> QueryResult<Vec<MatchRow>> {
    let mut q = matches::table
        .select(MatchRow::as_select())
        .order(matches::id.desc())
        .limit(limit)
        .into_boxed();
    q = match owner {
        MatchOwner::Youth(y) => q.filter(matches::youth_id.eq(y.clone())),
        MatchOwner::Organisation(o, v) => {
            let q = q.filter(matches::organisation_id.eq(o.clone()));
            match v {
                Some(v) => q.filter(matches::vacancy_id.eq(v.clone())),
                None => q,
            }
        }
    };
    if let Some(before) = before {
        q = q.filter(matches::id.lt(before.clone()));
    }
    q.load(conn)
}

pub fn end_match(
    conn: &mut DbConn,
    id: &MatchId,
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(matches::table.find(id).filter(matches::ended_at.is_null()))
        .set((
            matches::ended_at.eq(Some(now)),
            matches::ended_by.eq(Some(by)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn vacancy_has_matches(conn: &mut DbConn, vacancy: &VacancyId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        matches::table.filter(matches::vacancy_id.eq(vacancy)),
    ))
    .get_result(conn)
}

/// Marks that a side was mailed about new messages.
pub fn set_notified(
    conn: &mut DbConn,
    id: &MatchId,
    youth_side: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let target = matches::table.find(id);
    if youth_side {
        diesel::update(target)
            .set(matches::youth_notified_at.eq(Some(now)))
            .execute(conn)?;
    } else {
        diesel::update(target)
            .set(matches::employer_notified_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(())
}

// ---- Messages -----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: MessageId,
    pub match_id: MatchId,
    pub sender_id: Option<AccountId>,
    pub from_youth: bool,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    /// `youth`, `employer` or `coach`; NULL on messages from before it was kept.
    pub sender_role: Option<String>,
}

pub fn insert_message(conn: &mut DbConn, row: &MessageRow) -> QueryResult<()> {
    diesel::insert_into(messages::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn list_messages(
    conn: &mut DbConn,
    id: &MatchId,
    before: Option<&MessageId>,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let mut q = messages::table
        .filter(messages::match_id.eq(id.clone()))
        .select(MessageRow::as_select())
        .order(messages::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(messages::id.lt(before.clone()));
    }
    q.load(conn)
}

/// Read receipts: the reader's side has read what the other side sent up to `up_to` (ids are
/// UUIDv7, so they sort by time).
pub fn mark_read(
    conn: &mut DbConn,
    id: &MatchId,
    reader_is_youth: bool,
    up_to: &MessageId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        messages::table
            .filter(messages::match_id.eq(id))
            .filter(messages::from_youth.eq(!reader_is_youth))
            .filter(messages::id.le(up_to))
            .filter(messages::read_at.is_null()),
    )
    .set(messages::read_at.eq(Some(now)))
    .execute(conn)
    .map(|_| ())
}

/// Unread messages per match, for a page of matches, in one query.
pub fn unread_of(
    conn: &mut DbConn,
    ids: &[MatchId],
    reader_is_youth: bool,
) -> QueryResult<std::collections::HashMap<MatchId, i64>> {
    let counts: Vec<(MatchId, i64)> = messages::table
        .filter(messages::match_id.eq_any(ids))
        .filter(messages::from_youth.eq(!reader_is_youth))
        .filter(messages::read_at.is_null())
        .group_by(messages::match_id)
        .select((messages::match_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(counts.into_iter().collect())
}
