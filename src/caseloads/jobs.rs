//! The portal's periodic mails: a consent's expiry reminder to the youth, a month before, and
//! each coach's Monday mail. Safe to run on several instances at once: each mail is claimed
//! with a conditional update, so it goes out once.

use chrono::{Datelike, NaiveDateTime, TimeDelta, Weekday};
use diesel::prelude::*;

use crate::auth::model::Language;
use crate::caseloads::store;
use crate::db::DbConn;
use crate::db::ids::{AccountId, OrganisationId};
use crate::db::schema::{consents, organisation_members, organisations};
use crate::error::ApiError;
use crate::notifications::{Outbox, templates};
use crate::state::AppState;

/// The youth is mailed this long before their consent ends.
pub const REMINDER_WINDOW: TimeDelta = TimeDelta::days(30);
/// A youth with no swipe or sign-in for this long "went quiet".
pub const QUIET: TimeDelta = TimeDelta::days(14);

/// Mails each youth whose consent ends within a month, once; returns how many.
pub async fn send_consent_reminders(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let due: Vec<store::ConsentRow> = consents::table
                .filter(consents::status.eq("active"))
                .filter(consents::reminded_at.is_null())
                .filter(consents::expires_at.gt(now))
                .filter(consents::expires_at.le(now + REMINDER_WINDOW))
                .select(store::ConsentRow::as_select())
                .load(conn)?;
            let mut sent = 0;
            for row in due {
                let claimed = diesel::update(
                    consents::table
                        .find(&row.id)
                        .filter(consents::reminded_at.is_null()),
                )
                .set(consents::reminded_at.eq(Some(now)))
                .execute(conn)?;
                let (Some(youth), Some(ends)) = (&row.youth_id, row.expires_at) else {
                    continue;
                };
                if claimed != 1 {
                    continue;
                }
                let Some(account) = crate::auth::store::find_account(conn, youth)? else {
                    continue;
                };
                let organisation = store::organisation_kind(conn, &row.organisation_id)?
                    .map(|(n, _)| n)
                    .unwrap_or_default();
                let mail = templates::consent_expiring(
                    Language::parse(&account.language).unwrap_or_default(),
                    &account.display_name,
                    &organisation,
                    &ends.date().format("%d-%m-%Y").to_string(),
                    &format!("{base_url}/coaches"),
                );
                Outbox::enqueue(conn, now, &account.email, mail)?;
                sent += 1;
            }
            Ok(sent)
        })
        .await
}

/// The ISO week a time falls in, as `2026-W48`.
fn iso_week(t: NaiveDateTime) -> String {
    let w = t.date().iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// "Sanne V." for a list in a mail: enough for the coach, little for a mail server.
fn short_name(first: &str, last: Option<&str>) -> String {
    match last.and_then(|l| l.chars().next()) {
        Some(initial) => format!("{first} {initial}."),
        None => first.to_owned(),
    }
}

/// One coach's overdue follow-ups and quiet youth, as names.
fn digest_of(
    conn: &mut DbConn,
    coach: &AccountId,
    org: &OrganisationId,
    now: NaiveDateTime,
) -> Result<(Vec<String>, Vec<String>), ApiError> {
    let today = now.date();
    let (mut overdue, mut quiet) = (Vec::new(), Vec::new());
    for r in store::caseload_light(conn, org, now)? {
        if r.coach.as_ref() != Some(coach) {
            continue;
        }
        let name = short_name(&r.first_name, r.last_name.as_deref());
        if r.follow_up_on.is_some_and(|d| d < today) {
            overdue.push(name.clone());
        }
        if r.last_active.is_none_or(|t| t < now - QUIET) {
            quiet.push(name);
        }
    }
    overdue.sort();
    quiet.sort();
    Ok((overdue, quiet))
}

/// On Mondays, mails each active coach with something to follow up, once that week;
/// returns how many were mailed.
pub async fn send_weekly_digests(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now_naive();
    if now.date().weekday() != Weekday::Mon {
        return Ok(0);
    }
    let week = iso_week(now);
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let coaches: Vec<(AccountId, OrganisationId)> = organisation_members::table
                .inner_join(organisations::table)
                .filter(organisations::kind.ne("employer"))
                .filter(organisation_members::deactivated_at.is_null())
                .filter(
                    organisation_members::digest_week
                        .is_null()
                        .or(organisation_members::digest_week.ne(&week)),
                )
                .select((
                    organisation_members::account_id,
                    organisation_members::organisation_id,
                ))
                .load(conn)?;
            let mut sent = 0;
            for (coach, org) in coaches {
                let claimed = diesel::update(
                    organisation_members::table
                        .filter(organisation_members::account_id.eq(&coach))
                        .filter(
                            organisation_members::digest_week
                                .is_null()
                                .or(organisation_members::digest_week.ne(&week)),
                        ),
                )
                .set(organisation_members::digest_week.eq(Some(&week)))
                .execute(conn)?;
                if claimed != 1 {
                    continue;
                }
                let (overdue, quiet) = digest_of(conn, &coach, &org, now)?;
                let aftercare = crate::outcomes::placements::digest_lines(conn, &coach, now)?;
                if overdue.is_empty() && quiet.is_empty() && aftercare.is_empty() {
                    continue;
                }
                let Some(account) = crate::auth::store::find_account(conn, &coach)? else {
                    continue;
                };
                let mail = templates::coach_digest(
                    Language::parse(&account.language).unwrap_or_default(),
                    &account.display_name,
                    &overdue,
                    &quiet,
                    &aftercare,
                    &format!("{base_url}/caseload"),
                );
                Outbox::enqueue(conn, now, &account.email, mail)?;
                sent += 1;
            }
            Ok(sent)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_and_names_for_the_monday_mail() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        assert_eq!(iso_week(t), "2026-W49");
        assert_eq!(short_name("Sanne", Some("Verborgen")), "Sanne V.");
        assert_eq!(short_name("Sanne", None), "Sanne");
    }
}
