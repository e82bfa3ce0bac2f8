//! Selecting youth of the caseload by characteristics (`GET /v1/caseload/search`).
//!
//! The organisation's consenting youth this coach sees, filtered in SQL. Benefit, work
//! limitation and participation step are filters only for `uwv` and `municipality`
//! organisations (the legal task is theirs), and only over youth who granted
//! `view_sensitive`: a sensitive filter narrows the searched set to those youth first, so no
//! answer (not even an empty page) says anything about anyone else. Every search is audited
//! with its filters; a youth found by a sensitive filter sees "selected by characteristic" in
//! their log.

use chrono::{Datelike, NaiveDate, TimeDelta};

use crate::access::{self, Principal, Scope, Scopes};
use crate::audit::Action;
use crate::caseloads::model::{CaseloadPage, SearchFilter};
use crate::caseloads::store::{self, Search};
use crate::db::ids::AccountId;
use crate::error::{ApiError, ProblemCode};
use crate::paging::{self, List};
use crate::state::AppState;
use crate::work::EducationLevel;

fn invalid(detail: &str) -> ApiError {
    ApiError::new(ProblemCode::InvalidQuery, detail.to_owned())
}

/// The birthday `years` ago (29 February falls back to the 28th).
fn years_before(today: NaiveDate, years: u8) -> NaiveDate {
    let y = today.year() - i32::from(years);
    today
        .with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, today.month(), 28))
        .unwrap_or(today)
}

/// Checks the filter and resolves it to what SQL compares.
fn resolve(
    f: &SearchFilter,
    today: NaiveDate,
    now: chrono::NaiveDateTime,
) -> Result<Search, ApiError> {
    let mut s = Search::default();
    if let (Some(lo), Some(hi)) = (f.age_min, f.age_max)
        && lo > hi
    {
        return Err(invalid("age_min must not be above age_max."));
    }
    for age in [f.age_min, f.age_max].into_iter().flatten() {
        if !(15..=30).contains(&age) {
            return Err(invalid("ages are 15 to 30."));
        }
    }
    s.born_by = f.age_min.map(|a| years_before(today, a));
    s.born_after = f.age_max.map(|a| years_before(today, a.saturating_add(1)));
    let levels: Vec<EducationLevel> = EducationLevel::ALL
        .into_iter()
        .filter(|l| f.education_level.is_none_or(|e| e == *l))
        .filter(|l| {
            f.start_qualification
                .is_none_or(|q| l.is_start_qualification() == q)
        })
        .collect();
    if f.education_level.is_some() || f.start_qualification.is_some() {
        s.education = Some(levels.iter().map(|l| l.as_str().to_owned()).collect());
    }
    s.kind_bit = f.kind.map(|k| k.bit());
    match (f.hours_min, f.hours_max) {
        (None, None) => {}
        (lo, hi) => {
            let (lo, hi) = (lo.unwrap_or(1), hi.unwrap_or(40));
            if lo == 0 || hi > 40 || lo > hi {
                return Err(invalid("hours are 1 to 40, hours_min not above hours_max."));
            }
            s.hours = Some((i32::from(lo), i32::from(hi)));
        }
    }
    match (f.lat, f.lon, f.radius_km) {
        (None, None, None) => {}
        (Some(lat), Some(lon), Some(km))
            if (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon)
                && (1..=200).contains(&km) =>
        {
            s.bbox = Some(crate::matching::score::bounding_box(
                lat,
                lon,
                f64::from(km),
            ));
        }
        _ => {
            return Err(invalid(
                "a place is lat, lon and radius_km together (radius 1 to 200 km).",
            ));
        }
    }
    if let Some(list) = &f.competences {
        let mut mask = 0i64;
        for code in list.split(',') {
            let c = crate::competences::catalogue::by_code(code.trim()).ok_or_else(|| {
                invalid("competences are codes of GET /v1/competences, separated by commas.")
            })?;
            mask |= 1i64 << c.bit;
        }
        s.competence_mask = Some(mask);
    }
    s.available_by = f.available_by;
    if let Some(days) = f.active_within_days {
        if !(1..=365).contains(&days) {
            return Err(invalid("active_within_days is 1 to 365."));
        }
        s.active_since = Some(now - TimeDelta::days(i64::from(days)));
    }
    s.benefit = f.benefit.map(|b| b.as_str().to_owned());
    s.work_limitation = f.work_limitation;
    match (f.participation_step_min, f.participation_step_max) {
        (None, None) => {}
        (lo, hi) => {
            let (lo, hi) = (lo.unwrap_or(1), hi.unwrap_or(6));
            if lo == 0 || hi > 6 || lo > hi {
                return Err(invalid(
                    "participation steps are 1 to 6, min not above max.",
                ));
            }
            s.step = Some((i32::from(lo), i32::from(hi)));
        }
    }
    if f.is_sensitive() {
        s.sensitive_scope = Some(
            [Scope::ViewSensitive]
                .into_iter()
                .collect::<Scopes>()
                .mask(),
        );
    }
    Ok(s)
}

/// Rows read per round while filling a page with a place filter (the radius is checked
/// exactly after SQL's box, so a round may keep fewer than it read); without one, a page
/// reads its own size plus one.
const PLACE_BATCH: i64 = 500;

pub async fn search(
    state: &AppState,
    user: Principal,
    filter: SearchFilter,
    cursor: Option<AccountId>,
    limit: u8,
) -> Result<CaseloadPage, ApiError> {
    let now = state.clock.now_naive();
    let mut s = resolve(&filter, now.date(), now)?;
    let place = match (filter.lat, filter.lon, filter.radius_km) {
        (Some(lat), Some(lon), Some(km)) => {
            Some((crate::matching::score::Origin::new(lat, lon), f64::from(km)))
        }
        _ => None,
    };
    // A read: its audit lines go through the group-commit writer (one WAL flush for many
    // requests), and the answer waits until they have committed.
    let (page, lines) = state
        .db
        .run(move |conn| {
            let coach = access::coach_membership(conn, &user)?;
            if filter.is_sensitive() {
                access::sensitive_selection(Some(coach.kind))?;
            }
            s.only_for = (!coach.coordinator).then(|| coach.account.clone());
            let share = [Scope::ShareWithColleagues]
                .into_iter()
                .collect::<Scopes>()
                .mask();
            let want = usize::from(limit) + 1;
            let batch_size = if place.is_some() {
                PLACE_BATCH
            } else {
                want as i64
            };
            let mut found = Vec::new();
            let mut after = cursor.clone();
            loop {
                let batch = store::search(
                    conn,
                    &coach.organisation,
                    &s,
                    share,
                    after.as_ref(),
                    batch_size,
                    now,
                )?;
                let done = (batch.len() as i64) < batch_size;
                after = batch.last().and_then(|(c, _, _)| c.youth_id.clone());
                for (consent, lat, lon) in batch {
                    let inside = match (&place, lat, lon) {
                        (None, _, _) => true,
                        (Some((origin, km)), Some(lat), Some(lon)) => {
                            let (lat, lon) = crate::matching::score::youth_position(lat, lon);
                            origin.km(lat, lon) <= *km
                        }
                        _ => false,
                    };
                    if inside {
                        found.push(consent);
                    }
                }
                if done || found.len() >= want {
                    break;
                }
            }
            let (rows, next_cursor) = paging::split(found, usize::from(limit), List::Search, |c| {
                c.youth_id
                    .as_ref()
                    .map(|y| y.to_string())
                    .unwrap_or_default()
            });
            // The search itself, with its filters, in the organisation's log; with a
            // sensitive filter, a line for each youth found by it in theirs.
            let described = filter.describe();
            let mut lines = vec![
                coach
                    .audit_entry(
                        now,
                        &coach.account,
                        Action::SearchCaseload,
                        Some(&described),
                    )
                    .line(),
            ];
            if filter.is_sensitive() {
                let names = filter.sensitive_names();
                lines.extend(rows.iter().filter_map(|c| c.youth_id.as_ref()).map(|y| {
                    coach
                        .audit_entry(now, y, Action::SelectedByCharacteristic, Some(&names))
                        .line()
                }));
            }
            let page = CaseloadPage {
                items: super::service::entries(conn, rows, now)?,
                next_cursor,
            };
            Ok((page, lines))
        })
        .await?;
    state.audit.log(lines).await?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_whole_years_on_the_day() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        let f = SearchFilter {
            age_min: Some(18),
            age_max: Some(20),
            ..Default::default()
        };
        let s =
            resolve(&f, today, today.and_hms_opt(12, 0, 0).unwrap_or_default()).unwrap_or_default();
        // 18 today: born on 2008-11-29 or before; 20 at most: born after 2005-11-29.
        assert_eq!(s.born_by, NaiveDate::from_ymd_opt(2008, 11, 29));
        assert_eq!(s.born_after, NaiveDate::from_ymd_opt(2005, 11, 29));
    }

    #[test]
    fn a_place_needs_all_three_parts_and_ages_their_order() {
        let now = NaiveDate::from_ymd_opt(2026, 11, 29)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default();
        let half = SearchFilter {
            lat: Some(52.0),
            ..Default::default()
        };
        assert!(resolve(&half, now.date(), now).is_err());
        let upside = SearchFilter {
            age_min: Some(22),
            age_max: Some(18),
            ..Default::default()
        };
        assert!(resolve(&upside, now.date(), now).is_err());
        let sensitive = SearchFilter {
            benefit: Some(crate::youth::model::Benefit::Bijstand),
            ..Default::default()
        };
        assert!(resolve(&sensitive, now.date(), now).is_ok_and(|s| s.sensitive_scope.is_some()));
    }
}
