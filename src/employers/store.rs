//! Diesel queries for organisations and their members.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::model::{MemberRole, Membership};
use crate::auth::tokens::{hash_token, random_token};
use crate::db::DbConn;
use crate::db::ids::{AccountId, OrganisationId, VacancyId};
use crate::db::schema::{
    accounts, organisation_invitations, organisation_members, organisations, vacancies,
};

/// A validated new organisation.
pub struct NewOrganisation {
    pub name: String,
    pub kvk_number: Option<String>,
    pub city: String,
}

/// Creates an organisation with `owner` as its first member.
pub fn create_organisation(
    conn: &mut DbConn,
    org: NewOrganisation,
    owner: &AccountId,
    now: NaiveDateTime,
) -> QueryResult<OrganisationId> {
    let id = OrganisationId::generate();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(&id),
            organisations::name.eq(org.name),
            organisations::kvk_number.eq(org.kvk_number),
            organisations::city.eq(org.city),
            organisations::created_at.eq(now),
            organisations::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::insert_into(organisation_members::table)
        .values((
            organisation_members::organisation_id.eq(&id),
            organisation_members::account_id.eq(owner),
            organisation_members::role.eq(MemberRole::Owner.as_str()),
            organisation_members::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The organisation an account belongs to, if any.
pub fn membership_of(conn: &mut DbConn, account: &AccountId) -> QueryResult<Option<Membership>> {
    let row: Option<(OrganisationId, String, String)> = organisation_members::table
        .inner_join(organisations::table)
        .filter(organisation_members::account_id.eq(account))
        .select((
            organisations::id,
            organisations::name,
            organisation_members::role,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(organisation_id, organisation_name, role)| Membership {
            organisation_id,
            organisation_name,
            role: MemberRole::parse(&role).unwrap_or(MemberRole::Member),
        }),
    )
}

// ---- Organisation reads and edits ----------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub kvk_number: Option<String>,
    pub city: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_organisation(
    conn: &mut DbConn,
    id: &OrganisationId,
) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()
}

/// The role of `account` in `org`, if it is a member.
/// Which membership row makes `account` a member of `org` (`org` an id, or a column to join
/// on): the one predicate for [`role_in`] and for reads that take the role along with
/// something else in one statement.
pub fn member_of<O, A>(org: O, account: A) -> MemberOf<O, A>
where
    O: diesel::expression::AsExpression<diesel::sql_types::Text>,
    A: diesel::expression::AsExpression<diesel::sql_types::Text>,
{
    organisation_members::organisation_id
        .eq(org)
        .and(organisation_members::account_id.eq(account))
}

pub type MemberOf<O, A> = diesel::dsl::And<
    diesel::dsl::Eq<organisation_members::organisation_id, O>,
    diesel::dsl::Eq<organisation_members::account_id, A>,
>;

pub fn role_in(
    conn: &mut DbConn,
    org: &OrganisationId,
    account: &AccountId,
) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = organisation_members::table
        .filter(member_of(org, account))
        .select(organisation_members::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| MemberRole::parse(&r)))
}

pub fn update_organisation(
    conn: &mut DbConn,
    id: &OrganisationId,
    name: &str,
    kvk_number: Option<&str>,
    city: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::name.eq(name),
            organisations::kvk_number.eq(kvk_number),
            organisations::city.eq(city),
            organisations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A member with what mail to them needs.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub account_id: AccountId,
    pub name: String,
    pub email: String,
    pub language: String,
    pub role: String,
    pub joined_at: chrono::NaiveDateTime,
}

/// Members with their account name, email, language and role, owners first.
pub fn members(conn: &mut DbConn, org: &OrganisationId) -> QueryResult<Vec<MemberRow>> {
    organisation_members::table
        .inner_join(accounts::table)
        .filter(organisation_members::organisation_id.eq(org))
        .select((
            accounts::id,
            accounts::display_name,
            accounts::email,
            accounts::language,
            organisation_members::role,
            organisation_members::created_at,
        ))
        .order((
            organisation_members::role.desc(),
            organisation_members::created_at.asc(),
            accounts::id.asc(),
        ))
        .load(conn)
}

pub fn add_member(
    conn: &mut DbConn,
    org: &OrganisationId,
    account: &AccountId,
    role: MemberRole,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(organisation_members::table)
        .values((
            organisation_members::organisation_id.eq(org),
            organisation_members::account_id.eq(account),
            organisation_members::role.eq(role.as_str()),
            organisation_members::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- Invitations ---------------------------------------------------------------------------

pub fn create_invitation(
    conn: &mut DbConn,
    org: &OrganisationId,
    email: &str,
    by: Option<&AccountId>,
    role: MemberRole,
    now: NaiveDateTime,
    ttl: chrono::TimeDelta,
) -> QueryResult<String> {
    let token = random_token();
    diesel::insert_into(organisation_invitations::table)
        .values((
            organisation_invitations::token_hash.eq(hash_token(&token)),
            organisation_invitations::organisation_id.eq(org),
            organisation_invitations::email.eq(email),
            organisation_invitations::invited_by.eq(by),
            organisation_invitations::created_at.eq(now),
            organisation_invitations::expires_at.eq(now + ttl),
            organisation_invitations::role.eq(role.as_str()),
        ))
        .execute(conn)?;
    Ok(token)
}

/// An unused, unexpired invitation.
pub struct Invitation {
    pub organisation: OrganisationId,
    pub email: String,
    /// The role it joins with.
    pub role: MemberRole,
    /// Whether the organisation is an intermediary (its members are intermediary accounts).
    pub intermediary: bool,
}

pub fn find_invitation(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Invitation>> {
    let row: Option<(OrganisationId, String, String, String)> = organisation_invitations::table
        .inner_join(organisations::table)
        .filter(organisation_invitations::token_hash.eq(hash_token(token)))
        .filter(organisation_invitations::accepted_at.is_null())
        .filter(organisation_invitations::expires_at.gt(now))
        .select((
            organisation_invitations::organisation_id,
            organisation_invitations::email,
            organisation_invitations::role,
            organisations::kind,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(organisation, email, role, kind)| Invitation {
        organisation,
        email,
        role: MemberRole::parse(&role).unwrap_or(MemberRole::Member),
        intermediary: kind != "employer",
    }))
}

/// Marks an invitation used; false when someone else used it first.
pub fn spend_invitation(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        organisation_invitations::table
            .filter(organisation_invitations::token_hash.eq(hash_token(token)))
            .filter(organisation_invitations::accepted_at.is_null()),
    )
    .set(organisation_invitations::accepted_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- Vacancies -----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vacancies, treat_none_as_null = true)]
pub struct VacancyRow {
    pub id: VacancyId,
    pub organisation_id: OrganisationId,
    pub created_by: Option<AccountId>,
    pub title: String,
    pub description: String,
    pub occupation: String,
    pub competences: String,
    pub competence_mask: i64,
    pub kind: i32,
    pub hours_min: i32,
    pub hours_max: i32,
    pub positions: i32,
    pub place_name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub max_distance_km: Option<i32>,
    pub min_education: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub valid_days: i32,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The intermediary that posted it for its client.
    pub posted_by_organisation: Option<OrganisationId>,
}

pub fn insert_vacancy(conn: &mut DbConn, row: &VacancyRow) -> QueryResult<()> {
    diesel::insert_into(vacancies::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn save_vacancy(conn: &mut DbConn, row: &VacancyRow) -> QueryResult<()> {
    diesel::update(vacancies::table.find(&row.id))
        .set(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// A vacancy with the name and city of its organisation.
pub fn find_vacancy(
    conn: &mut DbConn,
    id: &VacancyId,
) -> QueryResult<Option<(VacancyRow, String, String)>> {
    vacancies::table
        .inner_join(organisations::table)
        .filter(vacancies::id.eq(id))
        .select((
            VacancyRow::as_select(),
            organisations::name,
            organisations::city,
        ))
        .first(conn)
        .optional()
}

pub fn delete_vacancy(conn: &mut DbConn, id: &VacancyId) -> QueryResult<usize> {
    diesel::delete(vacancies::table.find(id)).execute(conn)
}

/// Which vacancies of an organisation to list.
#[derive(Debug, Clone, Copy)]
pub enum ListFilter {
    All,
    Stored(&'static str),
    OpenUnexpired,
    Expired,
}

/// One page of an organisation's vacancies, newest first (ids are time-ordered UUIDv7).
pub fn list_vacancies(
    conn: &mut DbConn,
    org: &OrganisationId,
    filter: ListFilter,
    before: Option<&VacancyId>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<VacancyRow>> {
    let mut q = vacancies::table
        .filter(vacancies::organisation_id.eq(org))
        .select(VacancyRow::as_select())
        .order(vacancies::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(vacancies::id.lt(before));
    }
    q = match filter {
        ListFilter::All => q,
        ListFilter::Stored(status) => q.filter(vacancies::status.eq(status)),
        ListFilter::OpenUnexpired => q
            .filter(vacancies::status.eq("open"))
            .filter(vacancies::expires_at.gt(now)),
        ListFilter::Expired => q
            .filter(vacancies::status.eq("open"))
            .filter(vacancies::expires_at.le(now)),
    };
    q.load(conn)
}

/// Open vacancies that expire within `window` and whose owners were not reminded yet.
pub fn due_for_reminder(
    conn: &mut DbConn,
    now: NaiveDateTime,
    window: chrono::TimeDelta,
) -> QueryResult<Vec<VacancyRow>> {
    vacancies::table
        .filter(vacancies::status.eq("open"))
        .filter(vacancies::reminder_sent_at.is_null())
        .filter(vacancies::expires_at.gt(now))
        .filter(vacancies::expires_at.le(now + window))
        .select(VacancyRow::as_select())
        .limit(500)
        .load(conn)
}

pub fn mark_reminded(conn: &mut DbConn, id: &VacancyId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        vacancies::table
            .find(id)
            .filter(vacancies::reminder_sent_at.is_null()),
    )
    .set(vacancies::reminder_sent_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}
