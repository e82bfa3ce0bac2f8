//! Queries for intermediary organisations, consents, caseloads and notes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::access::OrganisationKind;
use crate::auth::model::MemberRole;
use crate::caseloads::model::ConsentChange;
use crate::db::DbConn;
use crate::db::ids::{AccountId, ConsentId, NoteId, OrganisationId};
use crate::db::schema::{
    accounts, coach_notes, consent_events, consents, matches, messages, organisation_members,
    organisations, youth_profiles, youth_sensitive,
};

/// An account's place in an intermediary organisation.
pub struct IntermediaryMembership {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub kind: OrganisationKind,
    pub role: MemberRole,
}

/// The active membership of `account` in an intermediary organisation.
pub fn active_membership(
    conn: &mut DbConn,
    account: &AccountId,
) -> QueryResult<Option<IntermediaryMembership>> {
    let row: Option<(OrganisationId, String, String, String)> = organisation_members::table
        .inner_join(organisations::table)
        .filter(organisation_members::account_id.eq(account))
        .filter(organisation_members::deactivated_at.is_null())
        .filter(organisations::kind.ne("employer"))
        .select((
            organisations::id,
            organisations::name,
            organisations::kind,
            organisation_members::role,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.and_then(|(organisation_id, organisation_name, kind, role)| {
            Some(IntermediaryMembership {
                organisation_id,
                organisation_name,
                kind: OrganisationKind::parse(&kind)?,
                role: MemberRole::parse(&role)?,
            })
        }),
    )
}

/// The kind and name of an organisation.
pub fn organisation_kind(
    conn: &mut DbConn,
    org: &OrganisationId,
) -> QueryResult<Option<(String, OrganisationKind)>> {
    let row: Option<(String, String)> = organisations::table
        .find(org)
        .select((organisations::name, organisations::kind))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(n, k)| Some((n, OrganisationKind::parse(&k)?))))
}

/// A member of an organisation with their state.
pub struct MemberState {
    pub role: MemberRole,
    pub deactivated: bool,
}

pub fn member_state(
    conn: &mut DbConn,
    org: &OrganisationId,
    account: &AccountId,
) -> QueryResult<Option<MemberState>> {
    let row: Option<(String, Option<NaiveDateTime>)> = organisation_members::table
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::account_id.eq(account))
        .select((
            organisation_members::role,
            organisation_members::deactivated_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(r, d)| {
        Some(MemberState {
            role: MemberRole::parse(&r)?,
            deactivated: d.is_some(),
        })
    }))
}

pub fn deactivate_member(
    conn: &mut DbConn,
    org: &OrganisationId,
    account: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        organisation_members::table
            .filter(organisation_members::organisation_id.eq(org))
            .filter(organisation_members::account_id.eq(account))
            .filter(organisation_members::deactivated_at.is_null()),
    )
    .set(organisation_members::deactivated_at.eq(Some(now)))
    .execute(conn)
}

/// Whether `account` was deactivated by its organisation (login refuses it).
pub fn is_deactivated(conn: &mut DbConn, account: &AccountId) -> QueryResult<bool> {
    let n: i64 = organisation_members::table
        .filter(organisation_members::account_id.eq(account))
        .filter(organisation_members::deactivated_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

// ---- Consents -------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    pub id: ConsentId,
    pub organisation_id: OrganisationId,
    pub coach_id: Option<AccountId>,
    pub youth_id: Option<AccountId>,
    pub status: String,
    pub scopes: i32,
    pub via: String,
    pub secret_hash: Option<String>,
    pub invited_email: Option<String>,
    pub invited_at: NaiveDateTime,
    pub invitation_expires_at: NaiveDateTime,
    pub claimed_at: Option<NaiveDateTime>,
    pub given_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub follow_up_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

pub fn insert_consent(conn: &mut DbConn, row: &ConsentRow) -> QueryResult<()> {
    diesel::insert_into(consents::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_consent(conn: &mut DbConn, id: &ConsentId) -> QueryResult<Option<ConsentRow>> {
    consents::table
        .find(id)
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()
}

/// An open invitation by the hash of its code or link token.
pub fn find_invitation(
    conn: &mut DbConn,
    secret_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ConsentRow>> {
    consents::table
        .filter(consents::secret_hash.eq(secret_hash))
        .filter(consents::status.eq("invited"))
        .filter(consents::invitation_expires_at.gt(now))
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()
}

/// The youth's active, unexpired consent to `org`.
pub fn active_consent(
    conn: &mut DbConn,
    youth: &AccountId,
    org: &OrganisationId,
    now: NaiveDateTime,
) -> QueryResult<Option<ConsentRow>> {
    consents::table
        .filter(consents::youth_id.eq(youth))
        .filter(consents::organisation_id.eq(org))
        .filter(consents::status.eq("active"))
        .filter(consents::expires_at.gt(now))
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()
}

pub fn save_consent(conn: &mut DbConn, row: &ConsentRow) -> QueryResult<()> {
    diesel::update(consents::table.find(&row.id))
        .set((
            consents::coach_id.eq(&row.coach_id),
            consents::youth_id.eq(&row.youth_id),
            consents::status.eq(&row.status),
            consents::scopes.eq(row.scopes),
            consents::secret_hash.eq(&row.secret_hash),
            consents::claimed_at.eq(row.claimed_at),
            consents::given_at.eq(row.given_at),
            consents::expires_at.eq(row.expires_at),
            consents::ended_at.eq(row.ended_at),
            consents::reminded_at.eq(row.reminded_at),
            consents::follow_up_on.eq(row.follow_up_on),
            consents::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// One line of a consent's history.
pub fn add_event(
    conn: &mut DbConn,
    row: &ConsentRow,
    at: NaiveDateTime,
    actor: Option<&AccountId>,
    change: ConsentChange,
    reason: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(consent_events::table)
        .values((
            consent_events::id.eq(uuid::Uuid::now_v7().to_string()),
            consent_events::consent_id.eq(&row.id),
            consent_events::at.eq(at),
            consent_events::actor_id.eq(actor),
            consent_events::change.eq(change.as_str()),
            consent_events::scopes.eq(row.scopes),
            consent_events::coach_id.eq(&row.coach_id),
            consent_events::reason.eq(reason),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consent_events)]
pub struct EventRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<AccountId>,
    pub change: String,
    pub scopes: i32,
    pub coach_id: Option<AccountId>,
}

/// A page of a consent's history, newest first (ids are time-ordered UUIDv7).
pub fn events(
    conn: &mut DbConn,
    consent: &ConsentId,
    cursor: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut q = consent_events::table
        .filter(consent_events::consent_id.eq(consent))
        .select(EventRow::as_select())
        .order(consent_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(consent_events::id.lt(c));
    }
    q.load(conn)
}

/// A youth's consents (claimed ones: pending, active and ended), newest first.
pub fn consents_of_youth(
    conn: &mut DbConn,
    youth: &AccountId,
    cursor: Option<&ConsentId>,
    limit: i64,
) -> QueryResult<Vec<ConsentRow>> {
    let mut q = consents::table
        .filter(consents::youth_id.eq(youth))
        .select(ConsentRow::as_select())
        .order(consents::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(consents::id.lt(c));
    }
    q.load(conn)
}

/// Active consents whose responsible coach is `coach`.
pub fn consents_of_coach(
    conn: &mut DbConn,
    org: &OrganisationId,
    coach: &AccountId,
) -> QueryResult<Vec<ConsentRow>> {
    consents::table
        .filter(consents::organisation_id.eq(org))
        .filter(consents::coach_id.eq(coach))
        .filter(consents::status.eq_any(["active", "invited", "pending"]))
        .select(ConsentRow::as_select())
        .load(conn)
}

/// Names for display: account id → display name.
pub fn names(conn: &mut DbConn, ids: &[AccountId]) -> QueryResult<Vec<(AccountId, String)>> {
    accounts::table
        .filter(accounts::id.eq_any(ids))
        .select((accounts::id, accounts::display_name))
        .load(conn)
}

// ---- Caseload figures, per page of youth (one grouped query each) --------------------------

/// Each youth's likes and passes in the week starting `monday`, from the weekly counts kept
/// by triggers on `swipes` (a busy youth makes hundreds a week; counting their swipes on each
/// page was most of a caseload search's database time).
pub fn week_of_swipes(
    conn: &mut DbConn,
    youth: &[AccountId],
    monday: NaiveDate,
) -> QueryResult<Vec<(AccountId, i32, i32)>> {
    use crate::db::schema::swipe_weeks as w;
    w::table
        .filter(w::youth_id.eq_any(youth))
        .filter(w::week.eq(monday))
        .select((w::youth_id, w::likes, w::passes))
        .load(conn)
}

/// What sorting and filtering a caseload needs of each active consent of `org`: the consent's
/// id, youth, coach, scopes, expiry, follow-up, and the youth's names and last activity
/// (fields in the order `caseload_light` selects them).
#[derive(Queryable)]
pub struct LightRow {
    pub consent: ConsentId,
    pub youth: AccountId,
    pub coach: Option<AccountId>,
    pub scopes: i32,
    pub expires_at: Option<NaiveDateTime>,
    pub follow_up_on: Option<NaiveDate>,
    pub first_name: String,
    pub last_name: Option<String>,
    pub last_active: Option<NaiveDateTime>,
}

pub fn caseload_light(
    conn: &mut DbConn,
    org: &OrganisationId,
    now: NaiveDateTime,
) -> QueryResult<Vec<LightRow>> {
    use crate::db::schema::youth_profiles;
    consents::table
        .inner_join(
            youth_profiles::table.on(consents::youth_id.eq(youth_profiles::account_id.nullable())),
        )
        .filter(consents::organisation_id.eq(org))
        .filter(consents::status.eq("active"))
        .filter(consents::expires_at.gt(now))
        .select((
            consents::id,
            youth_profiles::account_id,
            consents::coach_id,
            consents::scopes,
            consents::expires_at,
            consents::follow_up_on,
            youth_profiles::first_name,
            youth_profiles::last_name,
            youth_profiles::last_active_at,
        ))
        .load(conn)
}

/// Full consent rows by id (a caseload page's).
pub fn consents_by_id(conn: &mut DbConn, ids: &[ConsentId]) -> QueryResult<Vec<ConsentRow>> {
    consents::table
        .filter(consents::id.eq_any(ids))
        .select(ConsentRow::as_select())
        .load(conn)
}

/// Open matches per youth, with their ids (for conversation figures).
pub fn open_matches(
    conn: &mut DbConn,
    youth: &[AccountId],
) -> QueryResult<Vec<(crate::db::ids::MatchId, AccountId)>> {
    matches::table
        .filter(matches::youth_id.eq_any(youth))
        .filter(matches::ended_at.is_null())
        .select((matches::id, matches::youth_id))
        .load(conn)
}

/// Messages of these matches: (match, from youth, read, sent at).
#[allow(clippy::type_complexity)]
pub fn message_flags(
    conn: &mut DbConn,
    ids: &[crate::db::ids::MatchId],
) -> QueryResult<Vec<(crate::db::ids::MatchId, bool, bool, NaiveDateTime)>> {
    let rows: Vec<(
        crate::db::ids::MatchId,
        bool,
        Option<NaiveDateTime>,
        NaiveDateTime,
    )> = messages::table
        .filter(messages::match_id.eq_any(ids))
        .select((
            messages::match_id,
            messages::from_youth,
            messages::read_at,
            messages::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(m, y, read, at)| (m, y, read.is_some(), at))
        .collect())
}

// ---- Notes ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = coach_notes)]
pub struct NoteRow {
    pub id: NoteId,
    pub organisation_id: OrganisationId,
    pub youth_id: AccountId,
    pub author_id: Option<AccountId>,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_note(conn: &mut DbConn, row: &NoteRow) -> QueryResult<()> {
    diesel::insert_into(coach_notes::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn notes(
    conn: &mut DbConn,
    org: &OrganisationId,
    youth: &AccountId,
    cursor: Option<&NoteId>,
    limit: i64,
) -> QueryResult<Vec<NoteRow>> {
    let mut q = coach_notes::table
        .filter(coach_notes::organisation_id.eq(org))
        .filter(coach_notes::youth_id.eq(youth))
        .select(NoteRow::as_select())
        .order(coach_notes::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(coach_notes::id.lt(c));
    }
    q.load(conn)
}

/// Creates an intermediary organisation.
pub fn insert_organisation(
    conn: &mut DbConn,
    id: &OrganisationId,
    name: &str,
    kind: OrganisationKind,
    city: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(id),
            organisations::name.eq(name),
            organisations::kvk_number.eq(None::<String>),
            organisations::city.eq(city),
            organisations::kind.eq(kind.as_str()),
            organisations::created_at.eq(now),
            organisations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- Handovers ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::handovers)]
pub struct HandoverRow {
    pub id: crate::db::ids::HandoverId,
    pub consent_id: ConsentId,
    pub from_coach: Option<AccountId>,
    pub to_coach: AccountId,
    pub asked_by: Option<AccountId>,
    pub reason: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn insert_handover(conn: &mut DbConn, row: &HandoverRow) -> QueryResult<()> {
    use crate::db::schema::handovers;
    // A newer offer of the same youth replaces an open one.
    diesel::update(
        handovers::table
            .filter(handovers::consent_id.eq(&row.consent_id))
            .filter(handovers::status.eq("pending")),
    )
    .set((
        handovers::status.eq("withdrawn"),
        handovers::decided_at.eq(Some(row.created_at)),
    ))
    .execute(conn)?;
    diesel::insert_into(handovers::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_handover(
    conn: &mut DbConn,
    id: &crate::db::ids::HandoverId,
) -> QueryResult<Option<HandoverRow>> {
    use crate::db::schema::handovers;
    handovers::table
        .find(id)
        .select(HandoverRow::as_select())
        .first(conn)
        .optional()
}

/// Decides a pending handover; false when it was no longer pending.
pub fn decide_handover(
    conn: &mut DbConn,
    id: &crate::db::ids::HandoverId,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use crate::db::schema::handovers;
    let n = diesel::update(
        handovers::table
            .find(id)
            .filter(handovers::status.eq("pending")),
    )
    .set((
        handovers::status.eq(status),
        handovers::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Pending handovers offered to `coach`, oldest first.
pub fn handovers_to(
    conn: &mut DbConn,
    coach: &AccountId,
    cursor: Option<&crate::db::ids::HandoverId>,
    limit: i64,
) -> QueryResult<Vec<HandoverRow>> {
    use crate::db::schema::handovers;
    let mut q = handovers::table
        .filter(handovers::to_coach.eq(coach))
        .filter(handovers::status.eq("pending"))
        .select(HandoverRow::as_select())
        .order(handovers::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(handovers::id.gt(c));
    }
    q.load(conn)
}

// ---- Selection by characteristics -------------------------------------------------------

/// A caseload search, resolved to what SQL compares (see `caseloads::search`).
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// The coach sees only their own youth and those shared with colleagues (`None`: a
    /// coordinator, who sees the whole organisation).
    pub only_for: Option<AccountId>,
    /// Born on or before this day (the minimum age).
    pub born_by: Option<NaiveDate>,
    /// Born after this day (the maximum age).
    pub born_after: Option<NaiveDate>,
    pub education: Option<Vec<String>>,
    pub kind_bit: Option<i32>,
    pub hours: Option<(i32, i32)>,
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub competence_mask: Option<i64>,
    pub available_by: Option<NaiveDate>,
    pub active_since: Option<NaiveDateTime>,
    /// Only consents that grant `view_sensitive` (any sensitive filter sets it).
    pub sensitive_scope: Option<i32>,
    pub benefit: Option<String>,
    pub work_limitation: Option<bool>,
    pub step: Option<(i32, i32)>,
}

// `a & b` on the bit masks (scopes, kinds, competences) as operators diesel knows: a filter
// written as literal SQL made diesel send every search unprepared, and planning it cost the
// database about as much as running it (bench/README.md, session 8).
diesel::infix_operator!(BitAnd, " & ", diesel::sql_types::Integer);
diesel::infix_operator!(BitAnd64, " & ", diesel::sql_types::BigInt);

/// A consent found by a search, with its youth's position (for the exact radius).
pub type Found = (ConsentRow, Option<f64>, Option<f64>);

/// One batch of the caseload's consents matching `s`, by youth id after `after`.
pub fn search(
    conn: &mut DbConn,
    org: &OrganisationId,
    s: &Search,
    share_bit: i32,
    after: Option<&AccountId>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Found>> {
    use diesel::sql_types::{BigInt, Integer};
    let mut q = consents::table
        .inner_join(
            youth_profiles::table.on(youth_profiles::account_id.nullable().eq(consents::youth_id)),
        )
        .left_join(
            youth_sensitive::table.on(youth_sensitive::account_id
                .nullable()
                .eq(consents::youth_id)),
        )
        .filter(consents::organisation_id.eq(org.clone()))
        .filter(consents::status.eq("active"))
        .filter(consents::expires_at.gt(now))
        .select((
            ConsentRow::as_select(),
            youth_profiles::latitude,
            youth_profiles::longitude,
        ))
        .order(consents::youth_id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(me) = &s.only_for {
        q = q.filter(
            consents::coach_id.eq(me.clone()).or(BitAnd::new(
                consents::scopes,
                share_bit.into_sql::<Integer>(),
            )
            .ne(0)
            .nullable()),
        );
    }
    if let Some(a) = after {
        q = q.filter(consents::youth_id.gt(a.clone()));
    }
    if let Some(d) = s.born_by {
        q = q.filter(youth_profiles::birth_date.le(d));
    }
    if let Some(d) = s.born_after {
        q = q.filter(youth_profiles::birth_date.gt(d));
    }
    if let Some(levels) = &s.education {
        q = q.filter(youth_profiles::education_level.eq_any(levels.clone()));
    }
    if let Some(bit) = s.kind_bit {
        q = q.filter(BitAnd::new(youth_profiles::kinds, bit.into_sql::<Integer>()).ne(0));
    }
    if let Some((lo, hi)) = s.hours {
        q = q
            .filter(youth_profiles::hours_min.le(hi))
            .filter(youth_profiles::hours_max.ge(lo));
    }
    if let Some((lat0, lat1, lon0, lon1)) = s.bbox {
        q = q
            .filter(youth_profiles::latitude.between(lat0, lat1))
            .filter(youth_profiles::longitude.between(lon0, lon1));
    }
    if let Some(m) = s.competence_mask {
        q = q.filter(BitAnd64::new(youth_profiles::competence_mask, m.into_sql::<BigInt>()).eq(m));
    }
    if let Some(d) = s.available_by {
        q = q.filter(
            youth_profiles::available_from
                .is_null()
                .or(youth_profiles::available_from.le(d)),
        );
    }
    if let Some(t) = s.active_since {
        q = q.filter(youth_profiles::last_active_at.ge(t));
    }
    if let Some(bit) = s.sensitive_scope {
        q = q.filter(BitAnd::new(consents::scopes, bit.into_sql::<Integer>()).ne(0));
    }
    if let Some(b) = &s.benefit {
        q = q.filter(youth_sensitive::benefit.eq(b.clone()));
    }
    if let Some(w) = s.work_limitation {
        q = q.filter(youth_sensitive::work_limitation.eq(w));
    }
    if let Some((lo, hi)) = s.step {
        q = q.filter(youth_sensitive::participation_step.between(lo, hi));
    }
    // With a LIMIT near, PostgreSQL likes to merge-join the caseload with every profile in id
    // order (expecting to stop early): when few or none pass the filters, that read all
    // 100,000 profiles (130 ms instead of 1 to 9). A caseload is hundreds to a few thousand
    // consents, and looking up each one's profile is always cheap.
    if crate::db::is_postgres(conn) {
        return conn.transaction(|conn| {
            diesel::sql_query("SET LOCAL enable_mergejoin = off").execute(conn)?;
            q.load(conn)
        });
    }
    q.load(conn)
}
