//! Youth profile flows: read, replace, patch, competences, the generated and edited texts,
//! and the sensitive characteristics.

use chrono::NaiveDateTime;

use crate::access::YouthAccess;
use crate::audit::Action;
use crate::auth::model::Language;
use crate::competences::catalogue::{self, Competence};
use crate::competences::generator;
use crate::db::DbConn;
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::state::AppState;
use crate::work::{EducationLevel, WorkKind};
use crate::youth::model::*;
use crate::youth::store::{self, FormChanges, ProfileRow, SensitiveRow};

pub(crate) fn json_list(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

fn not_found() -> ApiError {
    ApiError::new(
        ProblemCode::ProfileNotFound,
        "This account has no youth profile.",
    )
}

/// The profile's competences, in order, as catalogue entries.
pub fn competences_of(row: &ProfileRow) -> Vec<&'static Competence> {
    json_list(&row.competences)
        .iter()
        .filter_map(|c| catalogue::by_code(c))
        .collect()
}

/// Builds the API view of a stored profile.
pub fn view(row: ProfileRow, today: chrono::NaiveDate) -> Profile {
    let location = match (row.latitude, row.longitude) {
        (Some(lat), Some(lon)) => Some(Location { lat, lon }),
        _ => None,
    };
    let education_level = row
        .education_level
        .as_deref()
        .and_then(EducationLevel::parse);
    let kinds = WorkKind::from_mask(row.kinds);
    let competences = json_list(&row.competences);
    let mut missing = Vec::new();
    let checks = [
        (row.last_name.is_none(), Missing::LastName),
        (row.birth_date.is_none(), Missing::BirthDate),
        (row.place_name.is_none(), Missing::PlaceName),
        (location.is_none(), Missing::Location),
        (education_level.is_none(), Missing::EducationLevel),
        (row.hours_min.is_none(), Missing::Hours),
        (kinds.is_empty(), Missing::Kinds),
        (competences.len() < 3, Missing::Competences),
    ];
    for (is_missing, what) in checks {
        if is_missing {
            missing.push(what);
        }
    }
    Profile {
        age: row.birth_date.map(|b| age_on(b, today).clamp(0, 255) as u8),
        has_start_qualification: education_level.map(EducationLevel::is_start_qualification),
        profile_text: row
            .edited_text
            .clone()
            .or_else(|| row.generated_text.clone()),
        complete: missing.is_empty(),
        missing,
        first_name: row.first_name,
        last_name: row.last_name,
        birth_date: row.birth_date,
        place_name: row.place_name,
        location,
        search_radius_km: row.search_radius_km.clamp(1, 100) as u8,
        education_level,
        hours_min: row.hours_min.map(|h| h as u8),
        hours_max: row.hours_max.map(|h| h as u8),
        available_from: row.available_from,
        kinds,
        driving_licence: row.driving_licence,
        languages: json_list(&row.languages),
        interests: json_list(&row.interests),
        about: row.about,
        pitch: row.pitch,
        status: ProfileStatus::parse(&row.status),
        competences,
        generated_text: row.generated_text,
        edited_text: row.edited_text,
        updated_at: row.updated_at.and_utc(),
        changed_by_coach: row.changed_by_coach.zip(row.changed_by_coach_at).map(
            |(organisation, at)| CoachChange {
                organisation,
                at: at.and_utc(),
            },
        ),
    }
}

/// A write to the profile: logged and marked on the profile when a coach made it.
fn edited(conn: &mut DbConn, access: &YouthAccess, now: NaiveDateTime) -> Result<(), ApiError> {
    access.audit(conn, now, Action::EditProfile, None)?;
    if let Some(coach) = access.coach() {
        let name = crate::caseloads::store::organisation_kind(conn, &coach.organisation)?
            .map(|(name, _)| name)
            .unwrap_or_default();
        store::mark_changed_by_coach(conn, access.youth(), &name, now)?;
    }
    Ok(())
}

fn changes(form: ValidForm, now: NaiveDateTime) -> FormChanges {
    FormChanges {
        first_name: form.first_name,
        last_name: form.last_name,
        birth_date: form.birth_date,
        place_name: form.place_name,
        latitude: form.location.map(|l| l.lat),
        longitude: form.location.map(|l| l.lon),
        search_radius_km: i32::from(form.search_radius_km),
        education_level: form.education_level.map(|e| e.as_str().to_owned()),
        hours_min: form.hours.map(|h| i32::from(h.0)),
        hours_max: form.hours.map(|h| i32::from(h.1)),
        available_from: form.available_from,
        kinds: WorkKind::mask(&form.kinds),
        driving_licence: form.driving_licence,
        languages: to_json(&form.languages),
        interests: to_json(&form.interests),
        about: form.about,
        pitch: form.pitch,
        status: form.status.as_str().to_owned(),
        updated_at: now,
    }
}

pub async fn get_profile(state: &AppState, access: YouthAccess) -> Result<Profile, ApiError> {
    let now = state.clock.now_naive();
    let today = now.date();
    let row = state
        .db
        .run(move |conn| {
            access.audit(conn, now, Action::ViewProfile, None)?;
            Ok(store::find_profile(conn, access.youth())?)
        })
        .await?;
    Ok(view(row.ok_or_else(not_found)?, today))
}

/// Replaces the whole form.
pub async fn put_profile(
    state: &AppState,
    access: YouthAccess,
    f: ProfileForm,
) -> Result<Profile, ApiError> {
    let account = access.youth().clone();
    let now = state.clock.now_naive();
    let today = now.date();
    let mut errors = Vec::new();
    if f.kinds.is_empty() {
        errors.push(FieldError::new(
            "kinds",
            "required",
            "choose at least one kind of work",
        ));
    }
    let form = validate(
        &mut errors,
        today,
        &f.first_name,
        Some(&f.last_name),
        Some(f.birth_date),
        Some(&f.place_name),
        Some(f.location),
        f.search_radius_km.unwrap_or(25),
        Some(f.education_level),
        (Some(f.hours_min), Some(f.hours_max)),
        f.available_from,
        f.kinds,
        f.driving_licence,
        f.languages,
        f.interests,
        f.about,
        f.pitch,
        f.status,
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let changes = changes(form, now);
    let who = account.clone();
    let row = state
        .db
        .write(move |conn| {
            edited(conn, &access, now)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)?;
            store::update_form(conn, &account, &changes)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)
        })
        .await?;
    // The feed was ranked for the old profile.
    crate::matching::feed::forget_youth_feed(state, &who).await;
    Ok(view(row, today))
}

/// Applies a partial update; the merged result must pass every rule of the form.
pub async fn patch_profile(
    state: &AppState,
    access: YouthAccess,
    p: ProfilePatch,
) -> Result<Profile, ApiError> {
    let account = access.youth().clone();
    let now = state.clock.now_naive();
    let today = now.date();
    let who = account.clone();
    let row = state
        .db
        .write(move |conn| {
            edited(conn, &access, now)?;
            let current = store::find_profile(conn, &account)?.ok_or_else(not_found)?;
            let cur = view(current, today);
            let mut errors = Vec::new();
            if matches!(&p.kinds, Some(k) if k.is_empty()) {
                errors.push(FieldError::new(
                    "kinds",
                    "required",
                    "choose at least one kind of work",
                ));
            }
            let form = validate(
                &mut errors,
                today,
                p.first_name.as_deref().unwrap_or(&cur.first_name),
                p.last_name.as_deref().or(cur.last_name.as_deref()),
                p.birth_date.or(cur.birth_date),
                p.place_name.as_deref().or(cur.place_name.as_deref()),
                p.location.or(cur.location),
                p.search_radius_km.unwrap_or(cur.search_radius_km),
                p.education_level.or(cur.education_level),
                (p.hours_min.or(cur.hours_min), p.hours_max.or(cur.hours_max)),
                p.available_from.unwrap_or(cur.available_from),
                p.kinds.unwrap_or(cur.kinds),
                p.driving_licence.unwrap_or(cur.driving_licence),
                p.languages.unwrap_or(cur.languages),
                p.interests.unwrap_or(cur.interests),
                p.about.unwrap_or(cur.about),
                p.pitch.unwrap_or(cur.pitch),
                p.status.unwrap_or(cur.status),
            );
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            store::update_form(conn, &account, &changes(form, now))?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)
        })
        .await?;
    // The feed was ranked for the old profile.
    crate::matching::feed::forget_youth_feed(state, &who).await;
    Ok(view(row, today))
}

/// Parses 3–10 distinct catalogue codes; an unknown code is named in its field error.
pub fn parse_competences(
    errors: &mut Vec<FieldError>,
    field: &str,
    codes: &[String],
) -> Vec<&'static Competence> {
    if !(3..=10).contains(&codes.len()) {
        errors.push(FieldError::new(
            field,
            "wrong_count",
            format!("choose 3 to 10 competences (got {})", codes.len()),
        ));
    }
    let mut picked: Vec<&'static Competence> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        match catalogue::by_code(code) {
            None => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "unknown_competence",
                format!("{code:?} is not a competence in the catalogue"),
            )),
            Some(c) if picked.iter().any(|p| p.bit == c.bit) => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "duplicate",
                format!("{code:?} is listed twice"),
            )),
            Some(c) => picked.push(c),
        }
    }
    picked
}

pub async fn set_competences(
    state: &AppState,
    access: YouthAccess,
    body: CompetencesBody,
) -> Result<Profile, ApiError> {
    let account = access.youth().clone();
    let mut errors = Vec::new();
    let picked = parse_competences(&mut errors, "competences", &body.competences);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let codes: Vec<String> = picked.iter().map(|c| c.code.to_owned()).collect();
    let mask = catalogue::mask_of(picked.iter().copied());
    let now = state.clock.now_naive();
    let json = to_json(&codes);
    let who = account.clone();
    let row = state
        .db
        .write(move |conn| {
            edited(conn, &access, now)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)?;
            store::set_competences(conn, &account, &json, mask, now)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)
        })
        .await?;
    // The feed was ranked for the old profile.
    crate::matching::feed::forget_youth_feed(state, &who).await;
    Ok(view(row, now.date()))
}

/// The generator input from a saved profile.
pub fn generator_input(row: &ProfileRow, language: Language) -> generator::Input {
    generator::Input {
        competences: competences_of(row),
        kinds: WorkKind::from_mask(row.kinds),
        hours: row
            .hours_min
            .zip(row.hours_max)
            .map(|(a, b)| (a as u8, b as u8)),
        interests: json_list(&row.interests),
        education: row
            .education_level
            .as_deref()
            .and_then(EducationLevel::parse),
        language,
    }
}

/// Generates and saves the profile text. An edited text is never replaced unless asked.
pub async fn generate_for_profile(
    state: &AppState,
    access: YouthAccess,
    language: Language,
    replace_edited: bool,
) -> Result<Profile, ApiError> {
    let account = access.youth().clone();
    let now = state.clock.now_naive();
    let row = state
        .db
        .write(move |conn| {
            edited(conn, &access, now)?;
            let row = store::find_profile(conn, &account)?.ok_or_else(not_found)?;
            if competences_of(&row).len() < 3 {
                return Err(ApiError::new(ProblemCode::CompetencesMissing, "Choose at least 3 competences first (PUT /v1/me/profile/competences)."));
            }
            if row.edited_text.is_some() && !replace_edited {
                return Err(ApiError::new(
                    ProblemCode::EditedTextExists,
                    "You have edited your profile text; generating again would replace it. Ask again with ?replace_edited=true to replace it.",
                ));
            }
            let text = generator::generate(&generator_input(&row, language));
            store::set_generated_text(conn, &account, &text, replace_edited, now)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)
        })
        .await?;
    Ok(view(row, now.date()))
}

pub async fn set_edited_text(
    state: &AppState,
    access: YouthAccess,
    text: Option<String>,
) -> Result<Profile, ApiError> {
    let account = access.youth().clone();
    let text = match text {
        Some(t) => {
            let mut errors = Vec::new();
            if t.chars().count() > 1000 {
                errors.push(FieldError::new(
                    "text",
                    "too_long",
                    "must be at most 1000 characters",
                ));
            } else if t.trim().is_empty() {
                errors.push(FieldError::new("text", "required", "must not be empty"));
            } else if !crate::auth::model::is_plain_text(&t) {
                errors.push(FieldError::new(
                    "text",
                    "invalid_characters",
                    "must not contain control characters",
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            Some(t.trim().to_owned())
        }
        None => None,
    };
    let now = state.clock.now_naive();
    let row = state
        .db
        .write(move |conn| {
            edited(conn, &access, now)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)?;
            store::set_edited_text(conn, &account, text.as_deref(), now)?;
            store::find_profile(conn, &account)?.ok_or_else(not_found)
        })
        .await?;
    Ok(view(row, now.date()))
}

// ---- Sensitive characteristics ------------------------------------------------------------

fn sensitive_view(row: Option<SensitiveRow>) -> Sensitive {
    row.map(|r| Sensitive {
        benefit: r.benefit.as_deref().and_then(Benefit::parse),
        work_limitation: r.work_limitation,
        participation_ladder_step: r.participation_step.map(|s| s as u8),
    })
    .unwrap_or_default()
}

pub async fn get_sensitive(state: &AppState, access: YouthAccess) -> Result<Sensitive, ApiError> {
    let now = state.clock.now_naive();
    let row = state
        .db
        .run(move |conn| {
            access.audit(conn, now, Action::ViewSensitive, None)?;
            Ok(store::find_sensitive(conn, access.youth())?)
        })
        .await?;
    Ok(sensitive_view(row))
}

pub async fn put_sensitive(
    state: &AppState,
    access: YouthAccess,
    body: SensitiveForm,
) -> Result<Sensitive, ApiError> {
    let account = access.youth().clone();
    let now = state.clock.now_naive();
    if let Some(step) = body.participation_ladder_step
        && !(1..=6).contains(&step)
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "participation_ladder_step",
            "out_of_range",
            "must be 1 to 6",
        )]));
    }
    let row = SensitiveRow {
        account_id: account,
        benefit: body.benefit.map(|b| b.as_str().to_owned()),
        work_limitation: body.work_limitation,
        participation_step: body.participation_ladder_step.map(i32::from),
        updated_at: state.clock.now_naive(),
    };
    let saved = state
        .db
        .write(move |conn| {
            access.account_exists(conn)?;
            access.audit(conn, now, Action::EditSensitive, None)?;
            store::put_sensitive(conn, &row)?;
            Ok(store::find_sensitive(conn, &row.account_id)?)
        })
        .await?;
    Ok(sensitive_view(saved))
}

pub async fn delete_sensitive(state: &AppState, access: YouthAccess) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            access.audit(conn, now, Action::EditSensitive, None)?;
            Ok(store::delete_sensitive(conn, access.youth()).map(|_| ())?)
        })
        .await
}
