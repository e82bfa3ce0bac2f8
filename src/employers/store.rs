//! Diesel queries for organisations and their members.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::model::{MemberRole, Membership};
use crate::db::DbConn;
use crate::db::ids::{AccountId, OrganisationId};
use crate::db::schema::{organisation_members, organisations};

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
