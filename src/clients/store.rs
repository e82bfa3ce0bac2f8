//! Diesel queries for client relations, their activity and introductions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::store::AccountRow;
use crate::clients::model::{ClientAction, ClientStatus};
use crate::db::DbConn;
use crate::db::ids::{
    AccountId, ClientActivityId, ClientId, IntroductionId, OrganisationId, VacancyId,
};
use crate::db::schema::{
    accounts, client_activity, client_relations, introductions, organisation_members,
    organisations, vacancies, youth_profiles,
};
use crate::employers::model::OrganisationSummary;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = client_relations)]
pub struct RelationRow {
    pub id: ClientId,
    pub intermediary_id: OrganisationId,
    pub employer_id: OrganisationId,
    pub status: String,
    pub may_swipe: bool,
    pub proposed_by: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_by: Option<AccountId>,
    pub updated_at: NaiveDateTime,
}

impl RelationRow {
    pub fn status(&self) -> ClientStatus {
        ClientStatus::parse(&self.status).unwrap_or(ClientStatus::Ended)
    }
}

pub fn insert_relation(conn: &mut DbConn, row: &RelationRow) -> QueryResult<()> {
    diesel::insert_into(client_relations::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find_relation(conn: &mut DbConn, id: &ClientId) -> QueryResult<Option<RelationRow>> {
    client_relations::table
        .find(id)
        .select(RelationRow::as_select())
        .first(conn)
        .optional()
}

/// The proposed or active relation of an intermediary with an employer, if any.
pub fn open_relation(
    conn: &mut DbConn,
    intermediary: &OrganisationId,
    employer: &OrganisationId,
) -> QueryResult<Option<RelationRow>> {
    client_relations::table
        .filter(client_relations::intermediary_id.eq(intermediary))
        .filter(client_relations::employer_id.eq(employer))
        .filter(client_relations::status.eq_any(["proposed", "active"]))
        .select(RelationRow::as_select())
        .first(conn)
        .optional()
}

/// Which side of the relations to list.
pub enum Side<'a> {
    Intermediary(&'a OrganisationId),
    Employer(&'a OrganisationId),
}

pub fn list_relations(
    conn: &mut DbConn,
    side: Side<'_>,
    status: Option<ClientStatus>,
    before: Option<&ClientId>,
    limit: i64,
) -> QueryResult<Vec<RelationRow>> {
    let mut q = client_relations::table
        .select(RelationRow::as_select())
        .order(client_relations::id.desc())
        .limit(limit)
        .into_boxed();
    q = match side {
        Side::Intermediary(o) => q.filter(client_relations::intermediary_id.eq(o.clone())),
        Side::Employer(o) => q.filter(client_relations::employer_id.eq(o.clone())),
    };
    if let Some(s) = status {
        q = q.filter(client_relations::status.eq(s.as_str()));
    }
    if let Some(b) = before {
        q = q.filter(client_relations::id.lt(b.clone()));
    }
    q.load(conn)
}

/// Moves a relation from one of `from` to `to`; false when it was not in one of them (answered
/// or ended meanwhile).
pub fn set_status(
    conn: &mut DbConn,
    id: &ClientId,
    from: &[ClientStatus],
    to: ClientStatus,
    by: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let target = client_relations::table
        .find(id)
        .filter(client_relations::status.eq_any(from));
    let n = if to == ClientStatus::Ended {
        diesel::update(target)
            .set((
                client_relations::status.eq(to.as_str()),
                client_relations::ended_at.eq(Some(now)),
                client_relations::ended_by.eq(Some(by)),
                client_relations::updated_at.eq(now),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                client_relations::status.eq(to.as_str()),
                client_relations::decided_at.eq(Some(now)),
                client_relations::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    Ok(n == 1)
}

pub fn set_may_swipe(
    conn: &mut DbConn,
    id: &ClientId,
    may_swipe: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(client_relations::table.find(id))
        .set((
            client_relations::may_swipe.eq(may_swipe),
            client_relations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Which of `orgs` have at least one member (an employer created by a coach has none until
/// it is claimed).
pub fn with_members(
    conn: &mut DbConn,
    orgs: &[OrganisationId],
) -> QueryResult<Vec<OrganisationId>> {
    organisation_members::table
        .filter(organisation_members::organisation_id.eq_any(orgs))
        .select(organisation_members::organisation_id)
        .distinct()
        .load(conn)
}

/// Names and cities of organisations.
pub fn summaries(
    conn: &mut DbConn,
    ids: &[OrganisationId],
) -> QueryResult<Vec<OrganisationSummary>> {
    let rows: Vec<(OrganisationId, String, String)> = organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((organisations::id, organisations::name, organisations::city))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, city)| OrganisationSummary { id, name, city })
        .collect())
}

/// An employer organisation without members, created by a coach as a client.
pub fn create_employer(
    conn: &mut DbConn,
    name: &str,
    kvk_number: Option<String>,
    city: &str,
    now: NaiveDateTime,
) -> QueryResult<OrganisationId> {
    let id = OrganisationId::generate();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(&id),
            organisations::name.eq(name),
            organisations::kvk_number.eq(kvk_number),
            organisations::city.eq(city),
            organisations::kind.eq("employer"),
            organisations::created_at.eq(now),
            organisations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The owners of an organisation, to mail.
pub fn owners_of(conn: &mut DbConn, org: &OrganisationId) -> QueryResult<Vec<AccountRow>> {
    organisation_members::table
        .inner_join(accounts::table)
        .filter(organisation_members::organisation_id.eq(org))
        .filter(organisation_members::role.eq("owner"))
        .filter(organisation_members::deactivated_at.is_null())
        .select(AccountRow::as_select())
        .load(conn)
}

/// Pauses the open vacancies an intermediary posted for a client; returns their ids.
pub fn pause_posted_by(
    conn: &mut DbConn,
    employer: &OrganisationId,
    intermediary: &OrganisationId,
    now: NaiveDateTime,
) -> QueryResult<Vec<VacancyId>> {
    let ids: Vec<VacancyId> = vacancies::table
        .filter(vacancies::organisation_id.eq(employer))
        .filter(vacancies::posted_by_organisation.eq(intermediary))
        .filter(vacancies::status.eq("open"))
        .select(vacancies::id)
        .load(conn)?;
    diesel::update(vacancies::table.filter(vacancies::id.eq_any(&ids)))
        .set((
            vacancies::status.eq("paused"),
            vacancies::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(ids)
}

// ---- Activity -------------------------------------------------------------------------------

pub fn record(
    conn: &mut DbConn,
    relation: &ClientId,
    at: NaiveDateTime,
    actor: &AccountId,
    action: ClientAction,
    object: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(client_activity::table)
        .values((
            client_activity::id.eq(ClientActivityId::generate()),
            client_activity::relation_id.eq(relation),
            client_activity::at.eq(at),
            client_activity::actor_id.eq(Some(actor)),
            client_activity::action.eq(action.as_str()),
            client_activity::object.eq(object),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Queryable)]
pub struct ActivityRow {
    pub id: ClientActivityId,
    pub at: NaiveDateTime,
    pub action: String,
    pub object: Option<String>,
    pub actor_name: Option<String>,
}

pub fn list_activity(
    conn: &mut DbConn,
    relation: &ClientId,
    before: Option<&ClientActivityId>,
    limit: i64,
) -> QueryResult<Vec<ActivityRow>> {
    let mut q = client_activity::table
        .left_join(accounts::table.on(accounts::id.nullable().eq(client_activity::actor_id)))
        .filter(client_activity::relation_id.eq(relation))
        .select((
            client_activity::id,
            client_activity::at,
            client_activity::action,
            client_activity::object,
            accounts::display_name.nullable(),
        ))
        .order(client_activity::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(client_activity::id.lt(b.clone()));
    }
    q.load(conn)
}

// ---- Introductions --------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = introductions)]
pub struct IntroductionRow {
    pub id: IntroductionId,
    pub vacancy_id: VacancyId,
    pub youth_id: AccountId,
    pub organisation_id: OrganisationId,
    pub coach_id: Option<AccountId>,
    pub note: String,
    pub status: String,
    pub outcome: Option<String>,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub outcome_at: Option<NaiveDateTime>,
}

pub fn insert_introduction(conn: &mut DbConn, row: &IntroductionRow) -> QueryResult<()> {
    diesel::insert_into(introductions::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find_introduction(
    conn: &mut DbConn,
    id: &IntroductionId,
) -> QueryResult<Option<IntroductionRow>> {
    introductions::table
        .find(id)
        .select(IntroductionRow::as_select())
        .first(conn)
        .optional()
}

pub fn introduction_of_pair(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
) -> QueryResult<Option<IntroductionRow>> {
    introductions::table
        .filter(introductions::youth_id.eq(youth))
        .filter(introductions::vacancy_id.eq(vacancy))
        .select(IntroductionRow::as_select())
        .first(conn)
        .optional()
}

/// Whose introductions to list.
pub enum IntroductionsOf<'a> {
    Youth(&'a AccountId),
    Organisation(&'a OrganisationId),
}

pub fn list_introductions(
    conn: &mut DbConn,
    of: IntroductionsOf<'_>,
    before: Option<&IntroductionId>,
    limit: i64,
) -> QueryResult<Vec<IntroductionRow>> {
    let mut q = introductions::table
        .select(IntroductionRow::as_select())
        .order(introductions::id.desc())
        .limit(limit)
        .into_boxed();
    q = match of {
        IntroductionsOf::Youth(y) => q.filter(introductions::youth_id.eq(y.clone())),
        IntroductionsOf::Organisation(o) => q.filter(introductions::organisation_id.eq(o.clone())),
    };
    if let Some(b) = before {
        q = q.filter(introductions::id.lt(b.clone()));
    }
    q.load(conn)
}

/// The youth's answer; false when the introduction was answered meanwhile.
pub fn answer_introduction(
    conn: &mut DbConn,
    id: &IntroductionId,
    accepted: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        introductions::table
            .find(id)
            .filter(introductions::status.eq("proposed")),
    )
    .set((
        introductions::status.eq(if accepted { "accepted" } else { "declined" }),
        introductions::answered_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The employer's answer to the accepted introduction of a pair, if there is one; returns it.
pub fn set_outcome(
    conn: &mut DbConn,
    youth: &AccountId,
    vacancy: &VacancyId,
    outcome: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<IntroductionRow>> {
    let n = diesel::update(
        introductions::table
            .filter(introductions::youth_id.eq(youth))
            .filter(introductions::vacancy_id.eq(vacancy))
            .filter(introductions::status.eq("accepted")),
    )
    .set((
        introductions::outcome.eq(Some(outcome)),
        introductions::outcome_at.eq(Some(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    introduction_of_pair(conn, youth, vacancy)
}

/// The accepted introductions of a vacancy the employer has not answered, of youth whose
/// profile is active: the cards shown first among its candidates, oldest first, after
/// `after` (an introduction id).
pub fn waiting_for_employer(
    conn: &mut DbConn,
    vacancy: &VacancyId,
    after: Option<&IntroductionId>,
    limit: i64,
) -> QueryResult<Vec<IntroductionRow>> {
    let mut q = introductions::table
        .inner_join(
            youth_profiles::table.on(youth_profiles::account_id.eq(introductions::youth_id)),
        )
        .filter(introductions::vacancy_id.eq(vacancy))
        .filter(introductions::status.eq("accepted"))
        .filter(introductions::outcome.is_null())
        .filter(youth_profiles::status.eq("active"))
        .select(IntroductionRow::as_select())
        .order(introductions::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(introductions::id.gt(a.clone()));
    }
    q.load(conn)
}
