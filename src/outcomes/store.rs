//! Diesel queries for placements and their follow-ups.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{AccountId, IntroductionId, MatchId, OrganisationId, PlacementId};
use crate::db::schema::{placement_follow_ups, placements, youth_profiles};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = placements)]
pub struct PlacementRow {
    pub id: PlacementId,
    pub youth_id: AccountId,
    pub kind: String,
    pub organisation_name: String,
    pub employer_id: Option<OrganisationId>,
    pub intermediary_id: Option<OrganisationId>,
    pub coach_id: Option<AccountId>,
    pub match_id: Option<MatchId>,
    pub introduction_id: Option<IntroductionId>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub hours_per_week: Option<i32>,
    pub contract: Option<String>,
    pub recorded_by: Option<AccountId>,
    pub recorded_as: String,
    pub youth_confirmed_at: Option<NaiveDateTime>,
    pub employer_confirmed_at: Option<NaiveDateTime>,
    pub coach_confirmed_at: Option<NaiveDateTime>,
    pub status: String,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub reopened_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = placement_follow_ups)]
pub struct FollowUpRow {
    pub placement_id: PlacementId,
    pub week: i32,
    pub due_on: NaiveDate,
    pub coach_id: Option<AccountId>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<AccountId>,
    pub progress: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    row: &PlacementRow,
    follow_ups: &[FollowUpRow],
) -> QueryResult<()> {
    diesel::insert_into(placements::table)
        .values(row.clone())
        .execute(conn)?;
    // One row at a time: batch inserts are not portable over the multi-backend connection.
    for f in follow_ups {
        diesel::insert_into(placement_follow_ups::table)
            .values(f.clone())
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &PlacementId) -> QueryResult<Option<PlacementRow>> {
    placements::table
        .find(id)
        .select(PlacementRow::as_select())
        .first(conn)
        .optional()
}

pub fn of_match(conn: &mut DbConn, m: &MatchId) -> QueryResult<Option<PlacementRow>> {
    placements::table
        .filter(placements::match_id.eq(m))
        .select(PlacementRow::as_select())
        .first(conn)
        .optional()
}

pub fn follow_ups_of(conn: &mut DbConn, ids: &[PlacementId]) -> QueryResult<Vec<FollowUpRow>> {
    placement_follow_ups::table
        .filter(placement_follow_ups::placement_id.eq_any(ids))
        .order((
            placement_follow_ups::placement_id,
            placement_follow_ups::week,
        ))
        .select(FollowUpRow::as_select())
        .load(conn)
}

/// Whose placements to list.
pub enum PlacementsOf<'a> {
    Youth(&'a AccountId),
    Employer(&'a OrganisationId),
    Intermediary(&'a OrganisationId),
}

pub fn list(
    conn: &mut DbConn,
    of: PlacementsOf<'_>,
    before: Option<&PlacementId>,
    limit: i64,
) -> QueryResult<Vec<PlacementRow>> {
    let mut q = placements::table
        .select(PlacementRow::as_select())
        .order(placements::id.desc())
        .limit(limit)
        .into_boxed();
    q = match of {
        PlacementsOf::Youth(y) => q.filter(placements::youth_id.eq(y.clone())),
        PlacementsOf::Employer(o) => q.filter(placements::employer_id.eq(o.clone())),
        PlacementsOf::Intermediary(o) => q.filter(placements::intermediary_id.eq(o.clone())),
    };
    if let Some(b) = before {
        q = q.filter(placements::id.lt(b.clone()));
    }
    q.load(conn)
}

/// Sets one side's confirmation (once); false when it was already set.
pub fn confirm(
    conn: &mut DbConn,
    id: &PlacementId,
    side: crate::outcomes::model::PlacementSide,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use crate::outcomes::model::PlacementSide as S;
    let target = placements::table.find(id);
    let n = match side {
        S::Youth => diesel::update(target.filter(placements::youth_confirmed_at.is_null()))
            .set(placements::youth_confirmed_at.eq(Some(now)))
            .execute(conn)?,
        S::Employer => diesel::update(target.filter(placements::employer_confirmed_at.is_null()))
            .set(placements::employer_confirmed_at.eq(Some(now)))
            .execute(conn)?,
        S::Coach => diesel::update(target.filter(placements::coach_confirmed_at.is_null()))
            .set(placements::coach_confirmed_at.eq(Some(now)))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Records the answer to an open follow-up; false when it was answered meanwhile.
pub fn answer_follow_up(
    conn: &mut DbConn,
    id: &PlacementId,
    week: i32,
    by: &AccountId,
    (progress, reason, note): (&str, Option<&str>, Option<&str>),
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        placement_follow_ups::table
            .find((id, week))
            .filter(placement_follow_ups::answered_at.is_null()),
    )
    .set((
        placement_follow_ups::answered_at.eq(Some(now)),
        placement_follow_ups::answered_by.eq(Some(by)),
        placement_follow_ups::progress.eq(Some(progress)),
        placement_follow_ups::reason.eq(reason),
        placement_follow_ups::note.eq(note),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn end(
    conn: &mut DbConn,
    id: &PlacementId,
    on: NaiveDate,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(placements::table.find(id))
        .set((
            placements::status.eq("ended"),
            placements::ended_on.eq(Some(on)),
            placements::end_reason.eq(Some(reason)),
            placements::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn mark_reopened(conn: &mut DbConn, id: &PlacementId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        placements::table
            .find(id)
            .filter(placements::status.eq("ended"))
            .filter(placements::reopened_at.is_null()),
    )
    .set((
        placements::reopened_at.eq(Some(now)),
        placements::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A follow-up on a coach's list, with what names it.
#[derive(Debug, Queryable)]
pub struct DueRow {
    pub placement_id: PlacementId,
    pub week: i32,
    pub due_on: NaiveDate,
    pub youth_id: AccountId,
    pub organisation_name: String,
    pub kind: String,
    pub first_name: String,
    pub last_name: Option<String>,
}

/// The open follow-ups of a coach's active placements due by `by` (all when `None`), the
/// earliest first, after (`due_on`, placement, week).
pub fn due_for(
    conn: &mut DbConn,
    coach: &AccountId,
    by: Option<NaiveDate>,
    after: Option<(NaiveDate, PlacementId, i32)>,
    limit: i64,
) -> QueryResult<Vec<DueRow>> {
    let mut q = placement_follow_ups::table
        .inner_join(placements::table)
        .inner_join(youth_profiles::table.on(youth_profiles::account_id.eq(placements::youth_id)))
        .filter(placement_follow_ups::coach_id.eq(coach))
        .filter(placement_follow_ups::answered_at.is_null())
        .filter(placements::status.eq("active"))
        .select((
            placement_follow_ups::placement_id,
            placement_follow_ups::week,
            placement_follow_ups::due_on,
            placements::youth_id,
            placements::organisation_name,
            placements::kind,
            youth_profiles::first_name,
            youth_profiles::last_name,
        ))
        .order((
            placement_follow_ups::due_on,
            placement_follow_ups::placement_id,
            placement_follow_ups::week,
        ))
        .limit(limit)
        .into_boxed();
    if let Some(d) = by {
        q = q.filter(placement_follow_ups::due_on.le(d));
    }
    if let Some((d, p, w)) = after {
        q = q.filter(
            placement_follow_ups::due_on
                .gt(d)
                .or(placement_follow_ups::due_on.eq(d).and(
                    placement_follow_ups::placement_id.gt(p.clone()).or(
                        placement_follow_ups::placement_id
                            .eq(p)
                            .and(placement_follow_ups::week.gt(w)),
                    ),
                )),
        );
    }
    q.load(conn)
}
