//! Organisation and vacancy flows. Who may do what is decided here, once per object:
//! members of the owning organisation read and change everything; anyone else signed in sees
//! an open, unexpired vacancy's public fields, gets 403 for changing it, and 404 for anything
//! not visible.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::access::Principal;
use crate::auth::model::{Language, MemberRole, Role, parse_email, parse_password, parse_text};
use crate::competences::{catalogue, occupations};
use crate::db::DbConn;
use crate::db::ids::{AccountId, OrganisationId, VacancyId};
use crate::employers::model::*;
use crate::employers::store::{self, ListFilter, OrganisationRow, VacancyRow};
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::notifications::{Outbox, templates};
use crate::paging::{self, List, Page};
use crate::state::AppState;
use crate::work::{EducationLevel, WorkKind};
use crate::youth::model::Location;

/// How long an invitation link works.
const INVITATION_TTL: TimeDelta = TimeDelta::days(7);
/// Owners are mailed this long before a vacancy expires.
pub const REMINDER_WINDOW: TimeDelta = TimeDelta::days(3);

fn org_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::OrganisationNotFound,
        "There is no organisation with this id that you belong to.",
    )
}

fn vacancy_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::VacancyNotFound,
        "There is no vacancy with this id that you can see.",
    )
}

fn invalid(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

fn org_view(row: OrganisationRow, role: MemberRole) -> Organisation {
    Organisation {
        id: row.id,
        name: row.name,
        kvk_number: row.kvk_number,
        city: row.city,
        created_at: row.created_at.and_utc(),
        your_role: role,
    }
}

pub async fn get_organisation(
    state: &AppState,
    user: Principal,
    id: OrganisationId,
) -> Result<Organisation, ApiError> {
    state
        .db
        .run(move |conn| {
            let role = crate::access::member_of(conn, &user, &id)?.role;
            let row = store::find_organisation(conn, &id)?.ok_or_else(org_not_found)?;
            Ok(org_view(row, role))
        })
        .await
}

pub async fn patch_organisation(
    state: &AppState,
    user: Principal,
    id: OrganisationId,
    patch: OrganisationPatch,
) -> Result<Organisation, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let role = crate::access::member_of(conn, &user, &id)?.role;
            let row = store::find_organisation(conn, &id)?.ok_or_else(org_not_found)?;
            let mut errors = Vec::new();
            let name = parse_text(
                &mut errors,
                "name",
                patch.name.as_deref().unwrap_or(&row.name),
                120,
            );
            let city = parse_text(
                &mut errors,
                "city",
                patch.city.as_deref().unwrap_or(&row.city),
                80,
            );
            let kvk = match patch.kvk_number {
                Some(Some(k)) if k.len() == 8 && k.bytes().all(|b| b.is_ascii_digit()) => Some(k),
                Some(Some(_)) => {
                    errors.push(FieldError::new(
                        "kvk_number",
                        "invalid_kvk_number",
                        "must be the 8 digits of a KvK number",
                    ));
                    None
                }
                Some(None) => None,
                None => row.kvk_number.clone(),
            };
            invalid(errors)?;
            let (Some(name), Some(city)) = (name, city) else {
                return Err(ApiError::internal("parsed fields missing"));
            };
            store::update_organisation(conn, &id, &name, kvk.as_deref(), &city, now)?;
            let row = store::find_organisation(conn, &id)?.ok_or_else(org_not_found)?;
            Ok(org_view(row, role))
        })
        .await
}

pub async fn members(
    state: &AppState,
    user: Principal,
    id: OrganisationId,
    page: Page,
) -> Result<MemberPage, ApiError> {
    let after = page.after(member_position)?;
    state
        .db
        .run(move |conn| {
            crate::access::member_of(conn, &user, &id)?;
            // Organisations are small: page the ordered list in memory, by key.
            let rows: Vec<store::MemberRow> = store::members(conn, &id)?
                .into_iter()
                .filter(|m| after.as_ref().is_none_or(|a| member_key(m) > *a))
                .take(page.limit() + 1)
                .collect();
            let (rows, next_cursor) = paging::split(rows, page.limit(), List::Members, |m| {
                let (owner_last, joined, account) = member_key(m);
                format!("{owner_last}|{joined}|{account}")
            });
            let items = rows
                .into_iter()
                .map(|m| Member {
                    role: MemberRole::parse(&m.role).unwrap_or(MemberRole::Member),
                    account_id: m.account_id,
                    name: m.name,
                    email: m.email,
                })
                .collect();
            Ok(MemberPage { items, next_cursor })
        })
        .await
}

/// A member's place in the list: owners first, then by when they joined.
fn member_key(m: &store::MemberRow) -> (bool, i64, String) {
    (
        m.role != MemberRole::Owner.as_str(),
        m.joined_at.and_utc().timestamp_micros(),
        m.account_id.to_string(),
    )
}

fn member_position(p: &str) -> Option<(bool, i64, String)> {
    let mut parts = p.splitn(3, '|');
    let owner_last = parts.next()?.parse().ok()?;
    let joined = parts.next()?.parse().ok()?;
    let account = AccountId::parse(parts.next()?)?;
    Some((owner_last, joined, account.to_string()))
}

/// Mails a one-time link to join the organisation.
pub async fn invite(
    state: &AppState,
    user: Principal,
    id: OrganisationId,
    body: InvitationBody,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let email = parse_email(&mut errors, "email", &body.email);
    invalid(errors)?;
    let Some(email) = email else {
        return Err(ApiError::internal("parsed email missing"));
    };
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let member = crate::access::member_of(conn, &user, &id)?;
            let org = store::find_organisation(conn, &id)?.ok_or_else(org_not_found)?;
            let role = member.invites_as()?;
            let existing = crate::auth::store::find_account_by_email(conn, email.as_str())?;
            if let Some(existing) = existing
                && store::membership_of(conn, &existing.id)?
                    .is_some_and(|m| m.organisation_id == id)
            {
                return Err(ApiError::new(
                    ProblemCode::AlreadyAMember,
                    "This person is already a member of the organisation.",
                ));
            }
            let inviter =
                crate::auth::store::find_account(conn, &user.account_id)?.ok_or_else(|| {
                    ApiError::new(ProblemCode::InvalidToken, "This account no longer exists.")
                })?;
            let lang = Language::parse(&inviter.language).unwrap_or_default();
            let token = store::create_invitation(
                conn,
                &id,
                email.as_str(),
                Some(&user.account_id),
                role,
                now,
                INVITATION_TTL,
            )?;
            let link = format!("{base_url}/join?token={token}");
            let mail =
                templates::organisation_invitation(lang, &inviter.display_name, &org.name, &link);
            Outbox::enqueue(conn, now, email.as_str(), mail)?;
            Ok(())
        })
        .await
}

fn invalid_invitation() -> ApiError {
    ApiError::new(
        ProblemCode::InvalidInvitation,
        "This invitation is not valid: it was already used, has expired or never existed.",
    )
}

/// An existing employer account without an organisation joins through an invitation sent to
/// its own address.
pub async fn accept_invitation(
    state: &AppState,
    user: Principal,
    body: AcceptInvitation,
) -> Result<crate::auth::model::Me, ApiError> {
    user.require(&[Role::Employer, Role::Intermediary])?;
    if body.token.chars().count() > 200 {
        return Err(invalid_invitation());
    }
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let inv =
                store::find_invitation(conn, &body.token, now)?.ok_or_else(invalid_invitation)?;
            // An employer account joins an employer, an intermediary account an intermediary.
            if inv.intermediary != (user.role == Role::Intermediary) {
                return Err(crate::access::wrong_role());
            }
            let account =
                crate::auth::store::find_account(conn, &user.account_id)?.ok_or_else(|| {
                    ApiError::new(ProblemCode::InvalidToken, "This account no longer exists.")
                })?;
            if account.email != inv.email {
                return Err(ApiError::new(
                    ProblemCode::InvitationForSomeoneElse,
                    "This invitation was sent to another email address.",
                ));
            }
            if store::membership_of(conn, &account.id)?.is_some() {
                return Err(ApiError::new(
                    ProblemCode::AlreadyInOrganisation,
                    "This account already belongs to an organisation.",
                ));
            }
            if !store::spend_invitation(conn, &body.token, now)? {
                return Err(invalid_invitation());
            }
            store::add_member(conn, &inv.organisation, &account.id, inv.role, now)?;
            crate::auth::service::load_me(conn, &account.id)
        })
        .await
}

/// Registers a new account through an invitation (employer or intermediary, as the
/// organisation is); it joins with the invitation's role, and its
/// address counts as confirmed (the link arrived there).
pub async fn register_invited(
    state: &AppState,
    body: RegisterInvited,
    client: &str,
    accept: Language,
) -> Result<crate::auth::model::Session, ApiError> {
    crate::ratelimit::hit(
        state,
        "register",
        client,
        state.settings.rate_limits.registration,
    )
    .await?;
    let mut errors = Vec::new();
    let password = parse_password(&mut errors, "password", &body.password);
    let name = parse_text(&mut errors, "contact_name", &body.contact_name, 80);
    invalid(errors)?;
    if body.token.chars().count() > 200 {
        return Err(invalid_invitation());
    }
    let (Some(password), Some(name)) = (password, name) else {
        return Err(ApiError::internal("parsed fields missing"));
    };
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now_naive();
    let language = body.language.unwrap_or(accept);
    let session_ttl =
        TimeDelta::from_std(state.settings.refresh_token_ttl).unwrap_or(TimeDelta::days(30));
    let (id, session) = state
        .db
        .write(move |conn| {
            let inv =
                store::find_invitation(conn, &body.token, now)?.ok_or_else(invalid_invitation)?;
            if !store::spend_invitation(conn, &body.token, now)? {
                return Err(invalid_invitation());
            }
            let row = crate::auth::store::AccountRow {
                id: AccountId::generate(),
                email: inv.email.clone(),
                password_hash: hash,
                // A coach or coordinator of an intermediary gets an intermediary account.
                role: if inv.intermediary {
                    Role::Intermediary
                } else {
                    Role::Employer
                }
                .as_str()
                .to_owned(),
                language: language.as_str().to_owned(),
                display_name: name,
                email_verified_at: Some(now),
                created_at: now,
                updated_at: now,
            };
            crate::auth::service::insert_new_account(
                conn,
                &row,
                "An account with this email exists: sign in and accept the invitation.",
            )?;
            store::add_member(conn, &inv.organisation, &row.id, inv.role, now)?;
            let session = crate::auth::store::create_session(conn, &row.id, now, session_ttl)?;
            Ok((row.id, session))
        })
        .await?;
    crate::auth::service::signed_in(state, id, session).await
}

// ---- Vacancies -----------------------------------------------------------------------------

/// Whether youth (and other outsiders) can see this vacancy now.
pub fn is_public(row: &VacancyRow, now: NaiveDateTime) -> bool {
    row.status == "open" && row.expires_at.is_some_and(|e| e > now)
}

fn shown_status(row: &VacancyRow, now: NaiveDateTime) -> ShownStatus {
    let status = VacancyStatus::parse(&row.status).unwrap_or(VacancyStatus::Closed);
    ShownStatus::of(status, row.expires_at.is_some_and(|e| e <= now))
}

/// The API view; `member` adds the fields only members see.
pub fn view(
    row: VacancyRow,
    org_name: String,
    org_city: String,
    member: bool,
    now: NaiveDateTime,
) -> Vacancy {
    let minimum_education = row.min_education.as_deref().and_then(EducationLevel::parse);
    let status = shown_status(&row, now);
    Vacancy {
        organisation: OrganisationSummary {
            id: row.organisation_id.clone(),
            name: org_name,
            city: org_city,
        },
        competences: serde_json::from_str(&row.competences).unwrap_or_default(),
        kind: WorkKind::from_mask(row.kind)
            .into_iter()
            .next()
            .unwrap_or(WorkKind::Job),
        hours_min: row.hours_min.clamp(1, 40) as u8,
        hours_max: row.hours_max.clamp(1, 40) as u8,
        positions: row.positions.clamp(1, 100) as u8,
        location: Location {
            lat: row.latitude,
            lon: row.longitude,
        },
        max_distance_km: row.max_distance_km.map(|d| d.clamp(1, 100) as u8),
        open_to_youth_without_start_qualification: !minimum_education
            .is_some_and(EducationLevel::is_start_qualification),
        minimum_education,
        start_date: row.start_date,
        expires_at: row.expires_at.map(|e| e.and_utc()),
        status: member.then_some(status),
        valid_days: member.then_some(row.valid_days.clamp(1, 180) as u8),
        published_at: if member {
            row.published_at.map(|p| p.and_utc())
        } else {
            None
        },
        created_at: member.then(|| row.created_at.and_utc()),
        updated_at: member.then(|| row.updated_at.and_utc()),
        posted_by: None,
        id: row.id,
        title: row.title,
        description: row.description,
        occupation: row.occupation,
        place_name: row.place_name,
    }
}

/// Names the intermediary that posted a vacancy for its client (one query, only then).
fn with_poster(
    conn: &mut DbConn,
    mut v: Vacancy,
    row_poster: Option<&OrganisationId>,
) -> Result<Vacancy, ApiError> {
    if let Some(p) = row_poster {
        v.posted_by = crate::clients::store::summaries(conn, std::slice::from_ref(p))?.pop();
    }
    Ok(v)
}

/// Every field of a vacancy, merged and ready to check.
struct Draft {
    title: String,
    description: String,
    occupation: String,
    competences: Option<Vec<String>>,
    kind: WorkKind,
    hours: (u8, u8),
    positions: u8,
    place_name: String,
    location: Location,
    max_distance_km: Option<u8>,
    minimum_education: Option<EducationLevel>,
    start_date: Option<NaiveDate>,
    valid_days: u8,
}

/// Checks every rule; returns the competences (the occupation's when none were given).
fn check(
    d: &Draft,
    errors: &mut Vec<FieldError>,
) -> (String, String, Vec<&'static catalogue::Competence>) {
    let title = parse_text(errors, "title", &d.title, 120).unwrap_or_default();
    if title.chars().count() < 3 && !title.is_empty() {
        errors.push(FieldError::new(
            "title",
            "too_short",
            "must be at least 3 characters",
        ));
    }
    let n = d.description.chars().count();
    if !(20..=5000).contains(&n) {
        errors.push(FieldError::new(
            "description",
            "wrong_length",
            "must be 20 to 5000 characters",
        ));
    } else if !crate::auth::model::is_plain_text(&d.description) || d.description.trim().is_empty()
    {
        errors.push(FieldError::new(
            "description",
            "invalid_characters",
            "must be plain text",
        ));
    }
    let occupation = occupations::by_code(&d.occupation);
    if occupation.is_none() {
        errors.push(FieldError::new(
            "occupation",
            "unknown_occupation",
            format!("{:?} is not an occupation in the catalogue", d.occupation),
        ));
    }
    let codes: Vec<String> = match (&d.competences, occupation) {
        (Some(c), _) => c.clone(),
        (None, Some(o)) => o.competences.iter().map(|c| (*c).to_owned()).collect(),
        (None, None) => Vec::new(),
    };
    let mut picked = Vec::new();
    if d.competences.is_some() || occupation.is_some() {
        if !(1..=8).contains(&codes.len()) {
            errors.push(FieldError::new(
                "competences",
                "wrong_count",
                format!("choose 1 to 8 competences (got {})", codes.len()),
            ));
        }
        for (i, code) in codes.iter().enumerate() {
            match catalogue::by_code(code) {
                None => errors.push(FieldError::new(
                    format!("competences[{i}]"),
                    "unknown_competence",
                    format!("{code:?} is not a competence in the catalogue"),
                )),
                Some(c)
                    if picked
                        .iter()
                        .any(|p: &&catalogue::Competence| p.bit == c.bit) =>
                {
                    errors.push(FieldError::new(
                        format!("competences[{i}]"),
                        "duplicate",
                        format!("{code:?} is listed twice"),
                    ))
                }
                Some(c) => picked.push(c),
            }
        }
    }
    let (min, max) = d.hours;
    for (field, v) in [("hours_min", min), ("hours_max", max)] {
        if !(1..=40).contains(&v) {
            errors.push(FieldError::new(
                field,
                "out_of_range",
                "must be 1 to 40 hours a week",
            ));
        }
    }
    if min > max {
        errors.push(FieldError::new(
            "hours_max",
            "less_than_minimum",
            "must be at least hours_min",
        ));
    }
    if !(1..=100).contains(&d.positions) {
        errors.push(FieldError::new(
            "positions",
            "out_of_range",
            "must be 1 to 100",
        ));
    }
    let place = parse_text(errors, "place_name", &d.place_name, 80).unwrap_or_default();
    d.location.check(errors, "location");
    if d.max_distance_km.is_some_and(|m| !(1..=100).contains(&m)) {
        errors.push(FieldError::new(
            "max_distance_km",
            "out_of_range",
            "must be 1 to 100 km",
        ));
    }
    if !(1..=180).contains(&d.valid_days) {
        errors.push(FieldError::new(
            "valid_days",
            "out_of_range",
            "a vacancy stays up 1 to 180 days",
        ));
    }
    (title, place, picked)
}

fn apply(
    row: &mut VacancyRow,
    d: Draft,
    title: String,
    place: String,
    picked: &[&'static catalogue::Competence],
) {
    row.title = title;
    row.description = d.description.trim().to_owned();
    row.occupation = d.occupation;
    row.competences = serde_json::to_string(&picked.iter().map(|c| c.code).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into());
    row.competence_mask = catalogue::mask_of(picked.iter().copied());
    row.kind = d.kind.bit();
    row.hours_min = i32::from(d.hours.0);
    row.hours_max = i32::from(d.hours.1);
    row.positions = i32::from(d.positions);
    row.place_name = place;
    row.latitude = d.location.lat;
    row.longitude = d.location.lon;
    row.max_distance_km = d.max_distance_km.map(i32::from);
    row.min_education = d.minimum_education.map(|e| e.as_str().to_owned());
    row.start_date = d.start_date;
    row.valid_days = i32::from(d.valid_days);
}

/// Moves a vacancy to `to`, or explains why it cannot. Opening sets a fresh expiry when
/// there is none or it has passed.
fn transition(row: &mut VacancyRow, to: VacancyStatus, now: NaiveDateTime) -> Result<(), ApiError> {
    let from = shown_status(row, now);
    if !from.can_become(to) {
        return Err(ApiError::new(
            ProblemCode::InvalidTransition,
            format!(
                "A vacancy that is {} cannot become {}.",
                serde_plain(from),
                to.as_str()
            ),
        ));
    }
    if to == VacancyStatus::Open && row.expires_at.is_none_or(|e| e <= now) {
        row.published_at = row.published_at.or(Some(now));
        row.expires_at = Some(now + TimeDelta::days(i64::from(row.valid_days)));
        row.reminder_sent_at = None;
    }
    row.status = to.as_str().to_owned();
    Ok(())
}

fn serde_plain(s: ShownStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Who posts, for which organisation: an employer for their own, a coach for an active
/// client of their organisation (`for_org`).
fn poster(
    conn: &mut DbConn,
    user: &Principal,
    for_org: Option<&str>,
) -> Result<crate::access::VacancyManager, ApiError> {
    if user.role == Role::Intermediary {
        let org = for_org.and_then(OrganisationId::parse).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "organisation_id",
                "required",
                "a coach names the client organisation to post for",
            )])
        })?;
        crate::access::coach_membership(conn, user)?;
        return crate::access::client_coach(conn, user, &org)?
            .map(crate::access::VacancyManager::Client)
            .ok_or_else(org_not_found);
    }
    let member = crate::access::employer_member(
        conn,
        user,
        "Join or create an organisation before posting vacancies.",
    )?;
    if for_org.is_some_and(|o| o != member.organisation.as_str()) {
        return Err(org_not_found());
    }
    Ok(crate::access::VacancyManager::Member(member))
}

pub async fn create_vacancy(
    state: &AppState,
    user: Principal,
    v: NewVacancy,
) -> Result<Vacancy, ApiError> {
    let now = state.clock.now_naive();
    let vacancy = state
        .db
        .write(move |conn| {
            let manager = poster(conn, &user, v.organisation_id.as_deref())?;
            let org = match &manager {
                crate::access::VacancyManager::Member(m) => m.organisation.clone(),
                crate::access::VacancyManager::Client(c) => c.employer.clone(),
            };
            let draft = Draft {
                title: v.title,
                description: v.description,
                occupation: v.occupation,
                competences: v.competences,
                kind: v.kind,
                hours: (v.hours_min, v.hours_max),
                positions: v.positions.unwrap_or(1),
                place_name: v.place_name,
                location: v.location,
                max_distance_km: v.max_distance_km,
                minimum_education: v.minimum_education,
                start_date: v.start_date,
                valid_days: v.valid_days.unwrap_or(60),
            };
            let mut errors = Vec::new();
            let (title, place, picked) = check(&draft, &mut errors);
            invalid(errors)?;
            let mut row = VacancyRow {
                id: VacancyId::generate(),
                organisation_id: org,
                created_by: Some(user.account_id.clone()),
                title: String::new(),
                description: String::new(),
                occupation: String::new(),
                competences: String::new(),
                competence_mask: 0,
                kind: 0,
                hours_min: 0,
                hours_max: 0,
                positions: 0,
                place_name: String::new(),
                latitude: 0.0,
                longitude: 0.0,
                max_distance_km: None,
                min_education: None,
                start_date: None,
                valid_days: 60,
                status: VacancyStatus::Draft.as_str().to_owned(),
                published_at: None,
                expires_at: None,
                reminder_sent_at: None,
                created_at: now,
                updated_at: now,
                posted_by_organisation: manager.posted_by().cloned(),
            };
            apply(&mut row, draft, title, place, &picked);
            if v.status == NewVacancyStatus::Open {
                transition(&mut row, VacancyStatus::Open, now)?;
            }
            store::insert_vacancy(conn, &row)?;
            manager.record(
                conn,
                now,
                crate::clients::model::ClientAction::VacancyCreated,
                Some(row.id.as_str()),
            )?;
            let (row, name, city) =
                store::find_vacancy(conn, &row.id)?.ok_or_else(vacancy_not_found)?;
            let poster = row.posted_by_organisation.clone();
            with_poster(conn, view(row, name, city, true, now), poster.as_ref())
        })
        .await?;
    // Feeds rank from the in-process index: show the new vacancy there at once.
    state
        .vacancy_index
        .refresh(&state.db, vec![vacancy.id.clone()])
        .await?;
    Ok(vacancy)
}

/// Loads a vacancy for reading: members see all of it; others only an open, unexpired one.
pub async fn get_vacancy(
    state: &AppState,
    user: Principal,
    id: VacancyId,
) -> Result<Vacancy, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            let (row, name, city) =
                store::find_vacancy(conn, &id)?.ok_or_else(vacancy_not_found)?;
            let member = crate::access::manager_of(conn, &user, &row.organisation_id)?.is_some();
            if !member && !is_public(&row, now) {
                return Err(vacancy_not_found());
            }
            let poster = row.posted_by_organisation.clone();
            with_poster(conn, view(row, name, city, member, now), poster.as_ref())
        })
        .await
}

/// Loads a vacancy for changing: 404 when the caller cannot see it, 403 when they can but
/// are not a member of its organisation.
fn load_for_change(
    conn: &mut DbConn,
    user: &Principal,
    id: &VacancyId,
    now: NaiveDateTime,
) -> Result<(VacancyRow, String, String, crate::access::VacancyManager), ApiError> {
    let (row, name, city) = store::find_vacancy(conn, id)?.ok_or_else(vacancy_not_found)?;
    let manager = crate::access::vacancy_manager(
        conn,
        user,
        &row.organisation_id,
        is_public(&row, now),
        "Only members of the organisation (or of an intermediary it is a client of) can change this vacancy.",
    )?;
    Ok((row, name, city, manager))
}

pub async fn patch_vacancy(
    state: &AppState,
    user: Principal,
    id: VacancyId,
    p: VacancyPatch,
) -> Result<Vacancy, ApiError> {
    let now = state.clock.now_naive();
    let changed = id.clone();
    let vacancy = state
        .db
        .write(move |conn| {
            let (mut row, name, city, manager) = load_for_change(conn, &user, &id, now)?;
            let current = view(row.clone(), name.clone(), city.clone(), true, now);
            let only_status = p.title.is_none()
                && p.description.is_none()
                && p.occupation.is_none()
                && p.competences.is_none()
                && p.kind.is_none()
                && p.hours_min.is_none()
                && p.hours_max.is_none()
                && p.positions.is_none()
                && p.place_name.is_none()
                && p.location.is_none()
                && p.max_distance_km.is_none()
                && p.minimum_education.is_none()
                && p.start_date.is_none()
                && p.valid_days.is_none();
            if shown_status(&row, now).is_final() && !only_status {
                return Err(ApiError::new(
                    ProblemCode::VacancyClosed,
                    "A closed or filled vacancy cannot be edited.",
                ));
            }
            let occupation_changed = p
                .occupation
                .as_ref()
                .is_some_and(|o| *o != current.occupation);
            let draft = Draft {
                title: p.title.unwrap_or(current.title),
                description: p.description.unwrap_or(current.description),
                // A new occupation without new competences takes that occupation's competences.
                competences: p.competences.or(if occupation_changed {
                    None
                } else {
                    Some(current.competences)
                }),
                occupation: p.occupation.unwrap_or(current.occupation),
                kind: p.kind.unwrap_or(current.kind),
                hours: (
                    p.hours_min.unwrap_or(current.hours_min),
                    p.hours_max.unwrap_or(current.hours_max),
                ),
                positions: p.positions.unwrap_or(current.positions),
                place_name: p.place_name.unwrap_or(current.place_name),
                location: p.location.unwrap_or(current.location),
                max_distance_km: p.max_distance_km.unwrap_or(current.max_distance_km),
                minimum_education: p.minimum_education.unwrap_or(current.minimum_education),
                start_date: p.start_date.unwrap_or(current.start_date),
                valid_days: p.valid_days.unwrap_or(row.valid_days.clamp(1, 180) as u8),
            };
            let mut errors = Vec::new();
            let (title, place, picked) = check(&draft, &mut errors);
            invalid(errors)?;
            apply(&mut row, draft, title, place, &picked);
            if let Some(to) = p.status {
                transition(&mut row, to, now)?;
            }
            row.updated_at = now;
            store::save_vacancy(conn, &row)?;
            manager.record(
                conn,
                now,
                crate::clients::model::ClientAction::VacancyChanged,
                Some(row.id.as_str()),
            )?;
            let poster = row.posted_by_organisation.clone();
            with_poster(conn, view(row, name, city, true, now), poster.as_ref())
        })
        .await?;
    // Its candidates were ranked for the old vacancy, and its card shows the old text.
    crate::matching::feed::forget_candidates(state, &changed).await;
    crate::matching::feed::forget_card(state, &changed);
    state
        .vacancy_index
        .refresh(&state.db, vec![changed])
        .await?;
    Ok(vacancy)
}

pub async fn delete_vacancy(
    state: &AppState,
    user: Principal,
    id: VacancyId,
) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    let deleted = id.clone();
    state
        .db
        .write(move |conn| {
            let (_, _, _, manager) = load_for_change(conn, &user, &id, now)?;
            if crate::matching::store::vacancy_has_matches(conn, &id)? {
                return Err(ApiError::new(
                    ProblemCode::HasMatches,
                    "This vacancy has matches and cannot be deleted; close it instead.",
                ));
            }
            store::delete_vacancy(conn, &id)?;
            manager.record(
                conn,
                now,
                crate::clients::model::ClientAction::VacancyDeleted,
                Some(id.as_str()),
            )?;
            Ok(())
        })
        .await?;
    crate::matching::feed::forget_card(state, &deleted);
    state.vacancy_index.refresh(&state.db, vec![deleted]).await
}

pub async fn list_vacancies(
    state: &AppState,
    user: Principal,
    org: OrganisationId,
    status: Option<ShownStatus>,
    cursor: Option<VacancyId>,
    limit: u8,
) -> Result<VacancyPage, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            // Members, and the coaches of an intermediary it is an active client of.
            if crate::access::manager_of(conn, &user, &org)?.is_none() {
                return Err(org_not_found());
            }
            let organisation = store::find_organisation(conn, &org)?.ok_or_else(org_not_found)?;
            let filter = match status {
                None => ListFilter::All,
                Some(ShownStatus::Open) => ListFilter::OpenUnexpired,
                Some(ShownStatus::Expired) => ListFilter::Expired,
                Some(ShownStatus::Draft) => ListFilter::Stored("draft"),
                Some(ShownStatus::Paused) => ListFilter::Stored("paused"),
                Some(ShownStatus::Closed) => ListFilter::Stored("closed"),
                Some(ShownStatus::Filled) => ListFilter::Stored("filled"),
            };
            // One extra row tells whether there is a next page.
            let rows = store::list_vacancies(
                conn,
                &org,
                filter,
                cursor.as_ref(),
                i64::from(limit) + 1,
                now,
            )?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::Vacancies, |r| {
                    r.id.to_string()
                });
            let items = rows
                .into_iter()
                .map(|r| {
                    view(
                        r,
                        organisation.name.clone(),
                        organisation.city.clone(),
                        true,
                        now,
                    )
                })
                .collect();
            Ok(VacancyPage { items, next_cursor })
        })
        .await
}

/// Mails every member of the owning organisation once, a few days before a vacancy expires.
/// Returns how many vacancies were handled. Run periodically (and by tests, with a clock).
pub async fn send_expiry_reminders(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let due = store::due_for_reminder(conn, now, REMINDER_WINDOW)?;
            let mut handled = 0;
            for row in due {
                if !store::mark_reminded(conn, &row.id, now)? {
                    continue;
                }
                let expires = row.expires_at.unwrap_or(now).date();
                for m in store::members(conn, &row.organisation_id)? {
                    let lang = Language::parse(&m.language).unwrap_or_default();
                    let link = format!("{base_url}/vacancies/{}", row.id);
                    Outbox::enqueue(
                        conn,
                        now,
                        &m.email,
                        templates::vacancy_expiring(lang, &m.name, &row.title, expires, &link),
                    )?;
                }
                handled += 1;
            }
            Ok(handled)
        })
        .await
}
