//! Intermediary organisations, consent, acting on behalf, the caseload and its notes. Who may
//! do what is asked of `access`; this file holds the flows.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDateTime, TimeDelta};
use rand::Rng;

use crate::access::revocation::ConsentState;
use crate::access::{
    self, Admin, CaseloadAccess, Coach, OrganisationKind, Principal, Scope, Scopes, revocation,
};
use crate::audit::Action;
use crate::auth::model::{Language, MemberRole, parse_email, parse_text};
use crate::auth::tokens::{DelegatedGrant, hash_token, random_token};
use crate::caseloads::model::*;
use crate::caseloads::page_cache;
use crate::caseloads::store::{self, ConsentRow};
use crate::db::DbConn;
use crate::db::ids::{AccountId, ConsentId, NoteId, OrganisationId};
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::notifications::{Outbox, templates};
use crate::paging::{self, List, Page};
use crate::state::AppState;
use crate::youth::model::ProfileStatus;

/// Consent lasts a year unless renewed (the youth is mailed a month before).
pub const CONSENT_TTL: TimeDelta = TimeDelta::days(365);
/// A code typed in while sitting together works for a day; a mailed link for a week.
const CODE_TTL: TimeDelta = TimeDelta::hours(24);
const LINK_TTL: TimeDelta = TimeDelta::days(7);
/// Consent to coaching can be given from this age (GDPR art. 8, UAVG art. 5).
const CONSENT_AGE: i32 = 16;
/// Codes avoid look-alikes (0/O, 1/I/L) so they can be read aloud and typed on a phone.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

fn invalid(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

fn consent_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::ConsentNotFound,
        "You have no consent with this id.",
    )
}

fn consent_ended() -> ApiError {
    ApiError::new(
        ProblemCode::ConsentEnded,
        "This consent was already answered, revoked or has expired.",
    )
}

fn invalid_invitation() -> ApiError {
    ApiError::new(
        ProblemCode::InvalidInvitation,
        "This invitation is not valid: it was already used, has expired or never existed.",
    )
}

fn member_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::MemberNotFound,
        "There is no active coach with this id in your organisation.",
    )
}

fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// What an organisation of `kind` may be granted.
fn offered(kind: OrganisationKind) -> Scopes {
    Scope::ALL
        .into_iter()
        .filter(|s| *s != Scope::ViewSensitive || kind.may_see_sensitive())
        .collect()
}

// ---- Admin ----------------------------------------------------------------------------------

/// Creates an intermediary organisation and invites its first coordinator by mail.
pub async fn create_intermediary(
    state: &AppState,
    admin: Admin,
    body: NewIntermediary,
) -> Result<Intermediary, ApiError> {
    new_intermediary(state, Some(admin.account().clone()), body).await
}

/// The same, for the operator at the console (`werkmatch admin create-organisation`).
pub async fn create_intermediary_by_operator(
    state: &AppState,
    body: NewIntermediary,
) -> Result<Intermediary, ApiError> {
    new_intermediary(state, None, body).await
}

async fn new_intermediary(
    state: &AppState,
    by: Option<AccountId>,
    body: NewIntermediary,
) -> Result<Intermediary, ApiError> {
    let mut errors = Vec::new();
    let name = parse_text(&mut errors, "name", &body.name, 120);
    let city = parse_text(&mut errors, "city", &body.city, 80);
    let email = parse_email(&mut errors, "coordinator_email", &body.coordinator_email);
    if !body.kind.is_intermediary() {
        errors.push(FieldError::new(
            "kind",
            "not_an_intermediary",
            "employers register themselves; choose an intermediary kind",
        ));
    }
    invalid(errors)?;
    let (Some(name), Some(city), Some(email)) = (name, city, email) else {
        return Err(ApiError::internal("parsed fields missing"));
    };
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    let kind = body.kind;
    state
        .db
        .write(move |conn| {
            let id = OrganisationId::generate();
            store::insert_organisation(conn, &id, &name, kind, &city, now)?;
            invite_coordinator(
                conn,
                &id,
                &name,
                email.as_str(),
                by.as_ref(),
                now,
                &base_url,
            )?;
            Ok(Intermediary {
                id,
                name,
                kind,
                city,
                created_at: utc(now),
            })
        })
        .await
}

/// The coordinator's invitation: the same link an employer's colleague gets.
pub fn invite_coordinator(
    conn: &mut DbConn,
    org: &OrganisationId,
    org_name: &str,
    email: &str,
    by: Option<&AccountId>,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<String, ApiError> {
    let token = crate::employers::store::create_invitation(
        conn,
        org,
        email,
        by,
        MemberRole::Coordinator,
        now,
        LINK_TTL,
    )?;
    let link = format!("{base_url}/join?token={token}");
    let mail = templates::organisation_invitation(Language::Nl, "werkmatch", org_name, &link);
    Outbox::enqueue(conn, now, email, mail)?;
    Ok(token)
}

// ---- Coordinator: coaches -------------------------------------------------------------------

/// Deactivates a coach who leaves: their sessions end at once (and with them every delegated
/// token they hold, on every instance). Their caseload stays until handed over.
pub async fn deactivate(
    state: &AppState,
    principal: Principal,
    org: OrganisationId,
    member: AccountId,
) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    let sessions = state
        .db
        .write(move |conn| {
            access::coordinator_of(conn, &principal, &org)?;
            let found = store::member_state(conn, &org, &member)?.ok_or_else(member_not_found)?;
            if found.deactivated {
                return Ok(Vec::new());
            }
            store::deactivate_member(conn, &org, &member, now)?;
            Ok(crate::auth::store::revoke_all_sessions(
                conn,
                &member,
                now,
                "deactivated",
            )?)
        })
        .await?;
    revocation::sessions_revoked(state, &sessions).await;
    Ok(())
}

/// Hands every consent (and open invitation) of one coach to another, with a reason kept in
/// each consent's history; each youth is told who their new coach is.
pub async fn handover(
    state: &AppState,
    principal: Principal,
    org: OrganisationId,
    from: AccountId,
    body: HandoverBody,
) -> Result<HandoverResult, ApiError> {
    let mut errors = Vec::new();
    let reason = parse_text(&mut errors, "reason", &body.reason, 500);
    invalid(errors)?;
    let reason = reason.unwrap_or_default();
    let now = state.clock.now_naive();
    let to = body.to_coach_id;
    let changed = state
        .db
        .write(move |conn| {
            let coordinator = access::coordinator_of(conn, &principal, &org)?;
            store::member_state(conn, &org, &from)?.ok_or_else(member_not_found)?;
            match store::member_state(conn, &org, &to)? {
                Some(m) if !m.deactivated => {}
                _ => return Err(member_not_found()),
            }
            let coach_name = crate::auth::store::find_account(conn, &to)?
                .map(|a| a.display_name)
                .unwrap_or_default();
            let mut changed = Vec::new();
            for row in store::consents_of_coach(conn, &org, &from)? {
                let to = NewCoach {
                    coach: &to,
                    name: &coach_name,
                    organisation_name: &coordinator.organisation_name,
                };
                hand_to(conn, row.clone(), to, &coordinator.account, &reason, now)?;
                changed.push(row.id);
            }
            Ok(changed)
        })
        .await?;
    let moved = changed.len();
    for id in changed {
        revocation::consent_changed(state, &id, false).await;
    }
    Ok(HandoverResult {
        moved: u32::try_from(moved).unwrap_or(u32::MAX),
    })
}

/// The coach a consent is handed to.
pub(super) struct NewCoach<'a> {
    pub coach: &'a AccountId,
    pub name: &'a str,
    pub organisation_name: &'a str,
}

/// Makes `to` the responsible coach of a consent (a caseload transfer or one accepted
/// handover): saved, kept in its history with the reason, and the youth of a live consent is
/// mailed who their new coach is. The caller publishes the change to the cache after commit.
pub(super) fn hand_to(
    conn: &mut DbConn,
    mut row: ConsentRow,
    to: NewCoach<'_>,
    actor: &AccountId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    row.coach_id = Some(to.coach.clone());
    row.updated_at = now;
    store::save_consent(conn, &row)?;
    store::add_event(
        conn,
        &row,
        now,
        Some(actor),
        ConsentChange::HandedOver,
        Some(reason),
    )?;
    if status_of(&row, now) == ConsentStatus::Active
        && let Some(youth) = &row.youth_id
        && let Some(account) = crate::auth::store::find_account(conn, youth)?
    {
        let mail = templates::new_coach(
            Language::parse(&account.language).unwrap_or_default(),
            &account.display_name,
            to.name,
            to.organisation_name,
        );
        Outbox::enqueue(conn, now, &account.email, mail)?;
    }
    Ok(())
}

// ---- Coach: inviting a youth ----------------------------------------------------------------

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..8)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A code as typed: case, spaces and dashes do not matter.
fn normalise_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

pub async fn invite_youth(
    state: &AppState,
    principal: Principal,
    body: NewCoachInvitation,
) -> Result<CoachInvitation, ApiError> {
    let mut errors = Vec::new();
    let email = body
        .email
        .as_deref()
        .map(|e| parse_email(&mut errors, "email", e));
    invalid(errors)?;
    let email = email.flatten();
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let coach = access::coach_membership(conn, &principal)?;
            let (via, secret, ttl) = match &email {
                Some(_) => (Via::Link, random_token(), LINK_TTL),
                None => (Via::Code, new_code(), CODE_TTL),
            };
            let row = ConsentRow {
                id: ConsentId::generate(),
                organisation_id: coach.organisation.clone(),
                coach_id: Some(coach.account.clone()),
                youth_id: None,
                status: "invited".into(),
                scopes: 0,
                via: if via == Via::Link { "link" } else { "code" }.into(),
                secret_hash: Some(hash_token(&secret)),
                invited_email: email.as_ref().map(|e| e.as_str().to_owned()),
                invited_at: now,
                invitation_expires_at: now + ttl,
                claimed_at: None,
                given_at: None,
                expires_at: None,
                ended_at: None,
                reminded_at: None,
                follow_up_on: None,
                updated_at: now,
            };
            store::insert_consent(conn, &row)?;
            store::add_event(
                conn,
                &row,
                now,
                Some(&coach.account),
                ConsentChange::Invited,
                None,
            )?;
            if let Some(email) = &email {
                let coach_name = crate::auth::store::find_account(conn, &coach.account)?
                    .map(|a| a.display_name)
                    .unwrap_or_default();
                let link = format!("{base_url}/coach?token={secret}");
                let mail = templates::coach_invitation(
                    Language::Nl,
                    &coach_name,
                    &coach.organisation_name,
                    &link,
                );
                Outbox::enqueue(conn, now, email.as_str(), mail)?;
            }
            Ok(CoachInvitation {
                id: row.id,
                via,
                code: (via == Via::Code).then_some(secret),
                expires_at: utc(row.invitation_expires_at),
            })
        })
        .await
}

// ---- Youth: answering and managing consent --------------------------------------------------

pub(super) fn status_of(row: &ConsentRow, now: NaiveDateTime) -> ConsentStatus {
    match row.status.as_str() {
        "active" if row.expires_at.is_some_and(|e| e <= now) => ConsentStatus::Expired,
        "active" => ConsentStatus::Active,
        "declined" => ConsentStatus::Declined,
        "revoked" => ConsentStatus::Revoked,
        "expired" => ConsentStatus::Expired,
        _ => ConsentStatus::Pending,
    }
}

fn consent_view(
    conn: &mut DbConn,
    row: ConsentRow,
    now: NaiveDateTime,
) -> Result<CoachConsent, ApiError> {
    let (name, kind) =
        store::organisation_kind(conn, &row.organisation_id)?.ok_or_else(consent_not_found)?;
    let coach_name = match &row.coach_id {
        Some(c) => crate::auth::store::find_account(conn, c)?.map(|a| a.display_name),
        None => None,
    };
    Ok(CoachConsent {
        status: status_of(&row, now),
        scopes: Scopes::from_mask(row.scopes).list(),
        offered_scopes: offered(kind).list(),
        via: if row.via == "link" {
            Via::Link
        } else {
            Via::Code
        },
        organisation: CoachOrganisation {
            id: row.organisation_id,
            name,
            kind,
        },
        coach_name,
        id: row.id,
        given_at: row.given_at.map(utc),
        expires_at: row.expires_at.map(utc),
        ended_at: row.ended_at.map(utc),
    })
}

/// The youth opens an invitation with its code or link token: it becomes theirs to answer.
pub async fn claim(
    state: &AppState,
    youth: AccountId,
    body: ClaimBody,
) -> Result<CoachConsent, ApiError> {
    let secret = match (&body.code, &body.token) {
        (Some(code), None) if code.chars().count() <= 16 => normalise_code(code),
        (None, Some(token)) if token.chars().count() <= 200 => token.clone(),
        (Some(_), None) | (None, Some(_)) => return Err(invalid_invitation()),
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "code",
                "code_or_token",
                "send either the code or the link token",
            )]));
        }
    };
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let mut row = store::find_invitation(conn, &hash_token(&secret), now)?
                .ok_or_else(invalid_invitation)?;
            let account = crate::auth::store::find_account(conn, &youth)?.ok_or_else(|| {
                ApiError::new(ProblemCode::InvalidToken, "This account no longer exists.")
            })?;
            if row
                .invited_email
                .as_ref()
                .is_some_and(|e| !e.eq_ignore_ascii_case(&account.email))
            {
                return Err(ApiError::new(
                    ProblemCode::InvitationForSomeoneElse,
                    "This invitation was sent to another email address.",
                ));
            }
            if store::active_consent(conn, &youth, &row.organisation_id, now)?.is_some() {
                return Err(ApiError::new(
                    ProblemCode::AlreadyCoached,
                    "You already work with this organisation: change what you share instead.",
                ));
            }
            row.youth_id = Some(youth.clone());
            row.status = "pending".into();
            row.secret_hash = None;
            row.claimed_at = Some(now);
            row.updated_at = now;
            store::save_consent(conn, &row)?;
            store::add_event(conn, &row, now, Some(&youth), ConsentChange::Claimed, None)?;
            consent_view(conn, row, now)
        })
        .await
}

/// A consent of this youth, or 404.
fn own_consent(
    conn: &mut DbConn,
    youth: &AccountId,
    id: &ConsentId,
) -> Result<ConsentRow, ApiError> {
    store::find_consent(conn, id)?
        .filter(|c| c.youth_id.as_ref() == Some(youth))
        .ok_or_else(consent_not_found)
}

fn parse_scopes(kind: OrganisationKind, asked: &[Scope]) -> Result<Scopes, ApiError> {
    let offered = offered(kind);
    let errors: Vec<FieldError> = asked
        .iter()
        .filter(|s| !offered.contains(**s))
        .map(|s| {
            FieldError::new(
                "scopes",
                "scope_not_offered",
                format!("`{}` cannot be granted to this organisation", s.as_str()),
            )
        })
        .collect();
    invalid(errors)?;
    Ok(asked.iter().copied().collect())
}

/// How a youth changes a consent.
pub enum Answer {
    Accept(Vec<Scope>),
    Decline,
    Change(Vec<Scope>),
    Renew,
    Revoke,
}

/// Accepts, declines, changes, renews or revokes a consent of the youth.
pub async fn answer(
    state: &AppState,
    youth: AccountId,
    id: ConsentId,
    answer: Answer,
) -> Result<CoachConsent, ApiError> {
    let now = state.clock.now_naive();
    let today = now.date();
    let view = state
        .db
        .write(move |conn| {
            let mut row = own_consent(conn, &youth, &id)?;
            let (_, kind) = store::organisation_kind(conn, &row.organisation_id)?
                .ok_or_else(consent_not_found)?;
            let status = status_of(&row, now);
            let change = match answer {
                Answer::Accept(scopes) => {
                    if status != ConsentStatus::Pending {
                        return Err(consent_ended());
                    }
                    let scopes = parse_scopes(kind, &scopes)?;
                    let birth = crate::youth::store::find_profile(conn, &youth)?
                        .and_then(|p| p.birth_date);
                    match birth {
                        None => {
                            return Err(ApiError::new(
                                ProblemCode::ProfileIncomplete,
                                "Add your birth date first: consent to coaching can be given from 16.",
                            ));
                        }
                        Some(b) if crate::youth::model::age_on(b, today) < CONSENT_AGE => {
                            return Err(ApiError::new(
                                ProblemCode::TooYoungToConsent,
                                "Consent to coaching can be given from 16; ask a parent or guardian to contact the coach.",
                            ));
                        }
                        Some(_) => {}
                    }
                    if store::active_consent(conn, &youth, &row.organisation_id, now)?.is_some() {
                        return Err(ApiError::new(
                            ProblemCode::AlreadyCoached,
                            "You already work with this organisation: change what you share instead.",
                        ));
                    }
                    row.status = "active".into();
                    row.scopes = scopes.mask();
                    row.given_at = Some(now);
                    row.expires_at = Some(now + CONSENT_TTL);
                    ConsentChange::Given
                }
                Answer::Decline => {
                    if status != ConsentStatus::Pending {
                        return Err(consent_ended());
                    }
                    row.status = "declined".into();
                    row.ended_at = Some(now);
                    ConsentChange::Declined
                }
                Answer::Change(scopes) => {
                    if status != ConsentStatus::Active {
                        return Err(consent_ended());
                    }
                    row.scopes = parse_scopes(kind, &scopes)?.mask();
                    ConsentChange::ScopesChanged
                }
                Answer::Renew => {
                    if status != ConsentStatus::Active {
                        return Err(consent_ended());
                    }
                    row.expires_at = Some(now + CONSENT_TTL);
                    row.reminded_at = None;
                    ConsentChange::Renewed
                }
                Answer::Revoke => {
                    if !matches!(status, ConsentStatus::Active | ConsentStatus::Pending) {
                        return Err(consent_ended());
                    }
                    row.status = "revoked".into();
                    row.ended_at = Some(now);
                    ConsentChange::Revoked
                }
            };
            row.updated_at = now;
            store::save_consent(conn, &row)?;
            store::add_event(conn, &row, now, Some(&youth), change, None)?;
            consent_view(conn, row, now)
        })
        .await?;
    revocation::consent_changed(state, &view.id, view.status != ConsentStatus::Active).await;
    // A new youth in the caseload: cached pages of the organisation are not served again.
    page_cache::bump(state, &view.organisation.id).await;
    Ok(view)
}

pub async fn list_coaches(
    state: &AppState,
    youth: AccountId,
    page: Page,
) -> Result<CoachConsentPage, ApiError> {
    let cursor = page.after(ConsentId::parse)?;
    let limit = page.limit();
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            let rows = store::consents_of_youth(conn, &youth, cursor.as_ref(), limit as i64 + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, limit, List::Coaches, |r| r.id.to_string());
            let items = rows
                .into_iter()
                .map(|r| consent_view(conn, r, now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CoachConsentPage { items, next_cursor })
        })
        .await
}

/// The history of one of the youth's consents, newest first: every change, who made it and
/// where it left the scopes and the responsible coach (the reason a coordinator gives for a
/// handover is for the organisation's own records and is not shown).
pub async fn consent_history(
    state: &AppState,
    youth: AccountId,
    id: ConsentId,
    page: Page,
) -> Result<ConsentEventPage, ApiError> {
    // Ids are UUIDv7 strings: a cursor that is not one was not handed out by this list.
    let cursor = page.after(|p| uuid::Uuid::parse_str(p).ok().map(|u| u.to_string()))?;
    let limit = page.limit();
    state
        .db
        .run(move |conn| {
            own_consent(conn, &youth, &id)?;
            let rows = store::events(conn, &id, cursor.as_deref(), limit as i64 + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, limit, List::ConsentEvents, |r| r.id.clone());
            let coaches: Vec<AccountId> = rows.iter().filter_map(|r| r.coach_id.clone()).collect();
            let names: HashMap<AccountId, String> =
                store::names(conn, &coaches)?.into_iter().collect();
            let items = rows
                .into_iter()
                .filter_map(|r| {
                    // A change this version does not know (written by a newer one) is left
                    // out rather than shown as something it is not.
                    let change = ConsentChange::parse(&r.change)?;
                    Some(ConsentEvent {
                        at: utc(r.at),
                        change,
                        by: if r.actor_id.as_ref() == Some(&youth) {
                            ChangedBy::You
                        } else {
                            ChangedBy::Organisation
                        },
                        scopes: Scopes::from_mask(r.scopes).list(),
                        coach_name: r.coach_id.as_ref().and_then(|c| names.get(c).cloned()),
                    })
                })
                .collect();
            Ok(ConsentEventPage { items, next_cursor })
        })
        .await
}

// ---- Acting on behalf -----------------------------------------------------------------------

/// RFC 8693 token exchange: a short-lived token whose `sub` is the youth and `act` the coach,
/// with exactly the scopes the youth granted (narrowed to `scope` when asked).
pub async fn exchange(
    state: &AppState,
    principal: Principal,
    body: TokenExchangeBody,
) -> Result<DelegatedToken, ApiError> {
    if body.grant_type != TOKEN_EXCHANGE {
        return Err(ApiError::validation(vec![FieldError::new(
            "grant_type",
            "unsupported_grant_type",
            format!("must be {TOKEN_EXCHANGE}"),
        )]));
    }
    // A scope that does not exist was not granted either (RFC 8693 `invalid_scope`).
    let asked = match body.scope.as_deref() {
        None => None,
        Some(s) => Some(Scopes::from_oauth(s).ok_or_else(|| {
            ApiError::new(
                ProblemCode::ScopeNotGranted,
                "A scope asked for does not exist or was not granted.",
            )
        })?),
    };
    let now = state.clock.now_naive();
    let session = principal.session_id.clone();
    let youth = body.subject_id;
    let (access, consent) = state
        .db
        .write(move |conn| {
            let coach = access::coach_membership(conn, &principal)?;
            let access = access::caseload_access(conn, coach, &youth, now)?;
            if !access.may_act() {
                return Err(ApiError::new(
                    ProblemCode::YouthNotInCaseload,
                    "This youth has not allowed colleagues of their coach to act for them.",
                ));
            }
            access.audit(conn, now, Action::StartDelegation, None)?;
            let consent = access.consent_state().ok_or_else(consent_ended)?;
            Ok((access, consent))
        })
        .await?;
    let granted = consent.scopes;
    let scopes = match asked {
        Some(a) if a.and(granted) != a => {
            return Err(ApiError::new(
                ProblemCode::ScopeNotGranted,
                "The youth has not granted every scope asked for.",
            ));
        }
        Some(a) => a,
        None => granted,
    };
    let (token, ttl) = state
        .tokens
        .issue_delegated(
            DelegatedGrant {
                youth: &access.youth,
                coach: &access.coach.account,
                organisation: &access.coach.organisation,
                kind: access.coach.kind,
                session: &session,
                consent: &access.consent.id,
                scopes,
            },
            state.clock.now(),
        )
        .map_err(|e| ApiError::internal(format!("signing a delegated token: {e}")))?;
    // The consent as just read, so the token's first request needs no query (unless a change
    // was published meanwhile: that wins).
    revocation::remember_consent(state, &access.consent.id, &consent).await;
    Ok(DelegatedToken {
        access_token: token,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token".into(),
        token_type: "Bearer".into(),
        expires_in: u64::try_from(ttl.num_seconds()).unwrap_or(0),
        scope: scopes.to_oauth(),
        subject_id: access.youth.clone(),
        act: Actor {
            coach_id: access.coach.account.clone(),
            organisation_id: access.coach.organisation.clone(),
        },
    })
}

// ---- The caseload ---------------------------------------------------------------------------

/// The figures of a set of consents' youth, a few grouped queries for all of them.
pub(super) fn entries(
    conn: &mut DbConn,
    rows: Vec<ConsentRow>,
    now: NaiveDateTime,
) -> Result<Vec<CaseloadEntry>, ApiError> {
    let ids: Vec<AccountId> = rows.iter().filter_map(|r| r.youth_id.clone()).collect();
    let mut profiles: HashMap<AccountId, crate::youth::store::ProfileRow> = HashMap::new();
    let mut week: HashMap<AccountId, (u32, u32)> = HashMap::new();
    let mut talks = Conversations::default();
    let monday =
        now.date() - TimeDelta::days(i64::from(now.date().weekday().num_days_from_monday()));
    // Chunks keep the IN lists within every backend's parameter limit.
    for chunk in ids.chunks(500) {
        for p in crate::youth::store::profiles_of(conn, chunk)? {
            profiles.insert(p.account_id.clone(), p);
        }
        for (y, likes, passes) in store::week_of_swipes(conn, chunk, monday)? {
            let count = |n: i32| u32::try_from(n).unwrap_or(0);
            week.insert(y, (count(likes), count(passes)));
        }
        talks.read(conn, chunk)?;
    }
    let coach_ids: Vec<AccountId> = rows.iter().filter_map(|r| r.coach_id.clone()).collect();
    let names: HashMap<AccountId, String> = store::names(conn, &coach_ids)?.into_iter().collect();
    let today = now.date();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (Some(youth), Some(expires)) = (row.youth_id.clone(), row.expires_at) else {
            continue;
        };
        let Some(profile) = profiles.remove(&youth) else {
            continue;
        };
        let status = ProfileStatus::parse(&profile.status);
        let last_active_at = profile.last_active_at.map(utc);
        let view = crate::youth::service::view(profile, today);
        let own_matches = talks.matches.get(&youth).cloned().unwrap_or_default();
        let (mut conversations, mut unread) = (0u32, 0u32);
        for m in &own_matches {
            let Some(msgs) = talks.messages.get(m) else {
                continue;
            };
            conversations += 1;
            unread += msgs.iter().filter(|(y, read, _)| !y && !read).count() as u32;
        }
        let waiting = talks.waiting_for_reply(&youth);
        let (likes, passes) = week.get(&youth).copied().unwrap_or_default();
        out.push(CaseloadEntry {
            first_name: view.first_name,
            last_name: view.last_name,
            consent_id: row.id,
            coach: row.coach_id.map(|c| CoachSummary {
                name: names.get(&c).cloned().unwrap_or_default(),
                id: c,
            }),
            scopes: Scopes::from_mask(row.scopes).list(),
            consent_expires_at: utc(expires),
            profile_complete: view.complete,
            missing: view.missing,
            status,
            last_active_at,
            likes_this_week: likes,
            passes_this_week: passes,
            matches: own_matches.len() as u32,
            open_conversations: conversations,
            unread_messages: unread,
            match_without_reply: waiting,
            follow_up_on: row.follow_up_on,
            youth_id: youth,
        });
    }
    Ok(out)
}

/// What sorting and filtering need of every youth the coach sees (one query for the whole
/// caseload); the full figures are read only for the page shown. A coordinator sees the whole
/// organisation (or only their own with `mine`), a coach their own and those shared.
fn light_entries(
    conn: &mut DbConn,
    coach: &Coach,
    mine: bool,
    now: NaiveDateTime,
) -> Result<Vec<Light>, ApiError> {
    Ok(store::caseload_light(conn, &coach.organisation, now)?
        .into_iter()
        .filter(|c| {
            if mine {
                coach.is_responsible(c.coach.as_ref())
            } else {
                coach.sees(c.coach.as_ref(), c.scopes)
            }
        })
        .collect())
}

type Light = store::LightRow;

/// The youth among `ids` with a match where the employer wrote last.
fn waiting_for_reply(
    conn: &mut DbConn,
    ids: &[AccountId],
) -> Result<std::collections::HashSet<AccountId>, ApiError> {
    let mut talks = Conversations::default();
    for chunk in ids.chunks(500) {
        talks.read(conn, chunk)?;
    }
    Ok(ids
        .iter()
        .filter(|y| talks.waiting_for_reply(y))
        .cloned()
        .collect())
}

/// The open matches of a set of youth and the messages in them (from the youth, read, sent
/// at), for the caseload's conversation figures.
#[derive(Default)]
struct Conversations {
    matches: HashMap<AccountId, Vec<crate::db::ids::MatchId>>,
    messages: HashMap<crate::db::ids::MatchId, Vec<(bool, bool, NaiveDateTime)>>,
}

impl Conversations {
    /// Adds the conversations of `youth` (at most 500, within every backend's IN limit).
    fn read(&mut self, conn: &mut DbConn, youth: &[AccountId]) -> Result<(), ApiError> {
        let open = store::open_matches(conn, youth)?;
        let match_ids: Vec<_> = open.iter().map(|(m, _)| m.clone()).collect();
        for (m, y) in open {
            self.matches.entry(y).or_default().push(m);
        }
        for ids in match_ids.chunks(500) {
            for (m, from_youth, read, at) in store::message_flags(conn, ids)? {
                self.messages
                    .entry(m)
                    .or_default()
                    .push((from_youth, read, at));
            }
        }
        Ok(())
    }

    /// Whether the employer wrote last in one of the youth's open matches.
    fn waiting_for_reply(&self, youth: &AccountId) -> bool {
        self.matches.get(youth).is_some_and(|ms| {
            ms.iter().any(|m| {
                self.messages
                    .get(m)
                    .and_then(|msgs| msgs.iter().max_by_key(|(_, _, at)| *at))
                    .is_some_and(|last| !last.0)
            })
        })
    }
}

/// The sort key of an entry as a string that orders as the entries should, then the id.
fn sort_key(sort: CaseloadSort, e: &Light) -> String {
    match sort {
        CaseloadSort::LastActive => format!(
            "{:020}",
            e.last_active
                .map_or(0, |t| t.and_utc().timestamp_millis().max(0))
        ),
        CaseloadSort::Name => format!(
            "{} {}",
            e.first_name.to_lowercase(),
            e.last_name.as_deref().unwrap_or("").to_lowercase()
        ),
        CaseloadSort::FollowUp => e
            .follow_up_on
            .map_or_else(|| "9999-12-31".to_owned(), |d| d.to_string()),
        CaseloadSort::ConsentExpiry => format!(
            "{:020}",
            e.expires_at
                .map_or(0, |t| t.and_utc().timestamp_millis().max(0))
        ),
    }
}

fn sort_name(sort: CaseloadSort) -> &'static str {
    match sort {
        CaseloadSort::LastActive => "last_active",
        CaseloadSort::Name => "name",
        CaseloadSort::FollowUp => "follow_up",
        CaseloadSort::ConsentExpiry => "consent_expiry",
    }
}

/// Orders and pages the youth in view, reads the full figures of the page only, and audits
/// (one line per youth shown).
fn page_of(
    conn: &mut DbConn,
    coach: &Coach,
    items: Vec<Light>,
    sort: CaseloadSort,
    after: Option<String>,
    limit: usize,
    now: NaiveDateTime,
) -> Result<Computed, ApiError> {
    let mut keyed: Vec<(String, Light)> =
        items.into_iter().map(|e| (sort_key(sort, &e), e)).collect();
    keyed.sort_by(|a, b| (&a.0, &a.1.youth).cmp(&(&b.0, &b.1.youth)));
    let start = match after {
        None => 0,
        Some(pos) => {
            let bad = || {
                ApiError::new(
                    ProblemCode::InvalidQuery,
                    "cursor is not the next_cursor of a previous page of this list.",
                )
            };
            let (name, rest) = pos.split_once('|').ok_or_else(bad)?;
            let (key, id) = rest.rsplit_once('|').ok_or_else(bad)?;
            let id = AccountId::parse(id).ok_or_else(bad)?;
            if name != sort_name(sort) {
                return Err(bad());
            }
            keyed.partition_point(|(k, e)| (k.as_str(), &e.youth) <= (key, &id))
        }
    };
    let rest: Vec<(String, Light)> = keyed.into_iter().skip(start).take(limit + 1).collect();
    let (rest, next_cursor) = paging::split(rest, limit, List::Caseload, |(k, e)| {
        format!("{}|{k}|{}", sort_name(sort), e.youth)
    });
    let order: Vec<AccountId> = rest.iter().map(|(_, e)| e.youth.clone()).collect();
    // Each consent's state as the page shows it, for checking a cached copy later.
    let states: HashMap<AccountId, (ConsentId, ConsentState)> = rest
        .iter()
        .filter_map(|(_, e)| {
            Some((
                e.youth.clone(),
                (
                    e.consent.clone(),
                    ConsentState {
                        scopes: Scopes::from_mask(e.scopes),
                        expires_at: e.expires_at?,
                        coach: e.coach.clone(),
                        organisation: coach.organisation.clone(),
                        kind: coach.kind,
                    },
                ),
            ))
        })
        .collect();
    let ids: Vec<ConsentId> = rest.into_iter().map(|(_, e)| e.consent).collect();
    let page = store::consents_by_id(conn, &ids)?;
    let mut full: HashMap<AccountId, CaseloadEntry> = entries(conn, page, now)?
        .into_iter()
        .map(|e| (e.youth_id.clone(), e))
        .collect();
    let items: Vec<CaseloadEntry> = order.iter().filter_map(|y| full.remove(y)).collect();
    let shown = items
        .iter()
        .filter_map(|e| {
            let (c, st) = states.get(&e.youth_id)?;
            Some((e.youth_id.clone(), c.clone(), st.clone()))
        })
        .collect();
    Ok(Computed {
        page: CaseloadPage { items, next_cursor },
        shown,
    })
}

/// A computed page and the consents it shows.
struct Computed {
    page: CaseloadPage,
    shown: Vec<(AccountId, ConsentId, ConsentState)>,
}

/// The audit lines of a caseload page: one per youth shown.
fn caseload_lines(
    viewer: &AccountId,
    org: &page_cache::Viewer,
    youth: &[AccountId],
    now: NaiveDateTime,
) -> Vec<crate::audit::Line> {
    youth
        .iter()
        .map(|y| {
            crate::audit::Entry {
                at: now,
                actor: viewer,
                actor_role: if org.coordinator {
                    "coordinator"
                } else {
                    "coach"
                },
                organisation: Some((&org.organisation, org.kind)),
                subject: y,
                action: Action::ViewCaseload,
                object: None,
                purpose: crate::audit::Purpose::Coaching,
                on_behalf: false,
            }
            .line()
        })
        .collect()
}

/// A caseload page as JSON: from the page cache when it can be trusted, else computed (and
/// kept), one computation per page at a time. Either way each youth shown is logged, and
/// committed, before the answer.
async fn cached_page<F>(
    state: &AppState,
    principal: Principal,
    key: String,
    compute: F,
) -> Result<String, ApiError>
where
    F: FnOnce(&mut DbConn, &Coach) -> Result<Computed, ApiError> + Send + 'static,
{
    let viewer = principal.intermediary()?;
    let now = state.clock.now_naive();
    let key = format!("caseload:{viewer}:{key}");
    let org = state.caseload_flights.organisation_of(&viewer);
    let found = match page_cache::lookup(state, org.as_ref(), &key).await {
        Some(hit) => Ok(hit),
        None => {
            // The others wait for the one computing this page, then find it in the cache.
            let flight = state.caseload_flights.lock_for(&key);
            let guard = flight.lock().await;
            let result = match page_cache::lookup(state, org.as_ref(), &key).await {
                Some(hit) => Ok(hit),
                None => compute_page(state, principal, &key, compute).await,
            };
            drop(guard);
            drop(flight);
            state.caseload_flights.done(&key);
            result
        }
    };
    let hit = found?;
    let lines = caseload_lines(&viewer, &hit.viewer, &hit.shown, now);
    state.audit.log(lines).await?;
    Ok(hit.body)
}

/// Computes a page and keeps it.
async fn compute_page<F>(
    state: &AppState,
    principal: Principal,
    key: &str,
    compute: F,
) -> Result<page_cache::Hit, ApiError>
where
    F: FnOnce(&mut DbConn, &Coach) -> Result<Computed, ApiError> + Send + 'static,
{
    let coach = state
        .db
        .run(move |conn| access::coach_membership(conn, &principal))
        .await?;
    state
        .caseload_flights
        .remember(&coach.account, &coach.organisation);
    // The version is read before computing: a change meanwhile leaves the page stale-marked.
    let version = page_cache::version(state, &coach.organisation).await;
    let c = coach.clone();
    let computed = state.db.run(move |conn| compute(conn, &c)).await?;
    let body = serde_json::to_string(&computed.page)
        .map_err(|e| ApiError::internal(format!("caseload page: {e}")))?;
    let viewer = page_cache::Viewer {
        organisation: coach.organisation.clone(),
        kind: coach.kind,
        coordinator: coach.coordinator,
    };
    let shown: Vec<AccountId> = computed.shown.iter().map(|(y, _, _)| y.clone()).collect();
    page_cache::store(state, key, version, viewer.clone(), &body, computed.shown).await;
    Ok(page_cache::Hit {
        body,
        shown,
        viewer,
    })
}

pub async fn caseload(
    state: &AppState,
    principal: Principal,
    filter: CaseloadFilter,
    page: Page,
) -> Result<String, ApiError> {
    let now = state.clock.now_naive();
    let after = page.after(|p| Some(p.to_owned()))?;
    let sort = filter.sort.unwrap_or_default();
    let key = format!(
        "list:{}:{:?}:{:?}:{}:{}:{}",
        filter.mine.unwrap_or(false),
        filter.quiet_days,
        filter.match_without_reply,
        sort_name(sort),
        after.as_deref().unwrap_or(""),
        page.limit()
    );
    let limit = page.limit();
    cached_page(state, principal, key, move |conn, coach| {
        let mut items = light_entries(conn, coach, filter.mine.unwrap_or(false), now)?;
        if let Some(days) = filter.quiet_days {
            let since = now - TimeDelta::days(i64::from(days));
            items.retain(|e| e.last_active.is_none_or(|t| t < since));
        }
        if let Some(wanted) = filter.match_without_reply {
            let ids: Vec<AccountId> = items.iter().map(|e| e.youth.clone()).collect();
            let waiting = waiting_for_reply(conn, &ids)?;
            items.retain(|e| waiting.contains(&e.youth) == wanted);
        }
        page_of(conn, coach, items, sort, after, limit, now)
    })
    .await
}

pub async fn follow_ups(
    state: &AppState,
    principal: Principal,
    due: Due,
    page: Page,
) -> Result<String, ApiError> {
    let now = state.clock.now_naive();
    let today = now.date();
    let sunday = today + TimeDelta::days(6 - i64::from(today.weekday().num_days_from_monday()));
    let after = page.after(|p| Some(p.to_owned()))?;
    let limit = page.limit();
    let key = format!(
        "follow-ups:{due:?}:{today}:{}:{limit}",
        after.as_deref().unwrap_or("")
    );
    cached_page(state, principal, key, move |conn, coach| {
        let items: Vec<Light> = light_entries(conn, coach, true, now)?
            .into_iter()
            .filter(|c| match (due, c.follow_up_on) {
                (Due::Overdue, Some(d)) => d < today,
                (Due::ThisWeek, Some(d)) => d >= today && d <= sunday,
                (_, None) => false,
            })
            .collect();
        page_of(
            conn,
            coach,
            items,
            CaseloadSort::FollowUp,
            after,
            limit,
            now,
        )
    })
    .await
}

fn access_for(
    conn: &mut DbConn,
    principal: &Principal,
    youth: &AccountId,
    now: NaiveDateTime,
) -> Result<CaseloadAccess, ApiError> {
    let coach = access::coach_membership(conn, principal)?;
    access::caseload_access(conn, coach, youth, now)
}

fn one_entry(
    conn: &mut DbConn,
    consent: ConsentRow,
    now: NaiveDateTime,
) -> Result<CaseloadEntry, ApiError> {
    entries(conn, vec![consent], now)?.pop().ok_or_else(|| {
        ApiError::new(
            ProblemCode::YouthNotInCaseload,
            "This youth has no profile.",
        )
    })
}

pub async fn get_entry(
    state: &AppState,
    principal: Principal,
    youth: AccountId,
) -> Result<CaseloadEntry, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let access = access_for(conn, &principal, &youth, now)?;
            access.audit(conn, now, Action::ViewCaseload, None)?;
            one_entry(conn, access.consent, now)
        })
        .await
}

pub async fn patch_entry(
    state: &AppState,
    principal: Principal,
    youth: AccountId,
    patch: CaseloadPatch,
) -> Result<CaseloadEntry, ApiError> {
    let now = state.clock.now_naive();
    let (entry, org) = state
        .db
        .write(move |conn| {
            let access = access_for(conn, &principal, &youth, now)?;
            let mut row = access.consent.clone();
            if let Some(date) = patch.follow_up_on {
                row.follow_up_on = date;
                row.updated_at = now;
                store::save_consent(conn, &row)?;
            }
            access.audit(conn, now, Action::ViewCaseload, None)?;
            Ok((one_entry(conn, row, now)?, access.coach.organisation))
        })
        .await?;
    page_cache::bump(state, &org).await;
    Ok(entry)
}

pub async fn add_note(
    state: &AppState,
    principal: Principal,
    youth: AccountId,
    body: NewNote,
) -> Result<Note, ApiError> {
    let text = body.text;
    let n = text.chars().count();
    if !(1..=4000).contains(&n)
        || text.trim().is_empty()
        || !crate::auth::model::is_plain_text(&text)
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "text",
            "invalid_text",
            "write 1 to 4000 characters of plain text",
        )]));
    }
    let text = text.trim().to_owned();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let access = access_for(conn, &principal, &youth, now)?;
            let row = store::NoteRow {
                id: NoteId::generate(),
                organisation_id: access.coach.organisation.clone(),
                youth_id: youth.clone(),
                author_id: Some(access.coach.account.clone()),
                body: text,
                created_at: now,
            };
            store::insert_note(conn, &row)?;
            access.audit(conn, now, Action::WriteNote, Some(row.id.as_str()))?;
            let author = crate::auth::store::find_account(conn, &access.coach.account)?
                .map(|a| a.display_name);
            Ok(Note {
                id: row.id,
                author_name: author,
                mine: true,
                text: row.body,
                created_at: utc(now),
            })
        })
        .await
}

pub async fn notes(
    state: &AppState,
    principal: Principal,
    youth: AccountId,
    page: Page,
) -> Result<NotePage, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let access = access_for(conn, &principal, &youth, now)?;
            let cursor = page.after(NoteId::parse)?;
            let limit = page.limit();
            let rows = store::notes(
                conn,
                &access.coach.organisation,
                &youth,
                cursor.as_ref(),
                limit as i64 + 1,
            )?;
            let (rows, next_cursor) = paging::split(rows, limit, List::Notes, |r| r.id.to_string());
            let authors: Vec<AccountId> = rows.iter().filter_map(|r| r.author_id.clone()).collect();
            let names: HashMap<AccountId, String> =
                store::names(conn, &authors)?.into_iter().collect();
            access.audit(conn, now, Action::ViewCaseload, None)?;
            let items = rows
                .into_iter()
                .map(|r| Note {
                    mine: r.author_id.as_ref() == Some(&access.coach.account),
                    author_name: r.author_id.as_ref().and_then(|a| names.get(a).cloned()),
                    id: r.id,
                    text: r.body,
                    created_at: utc(r.created_at),
                })
                .collect();
            Ok(NotePage { items, next_cursor })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_unambiguous_characters_and_typing_is_forgiving() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 8);
            assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
            assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
        }
        assert_eq!(normalise_code(" k7qm-2xpd "), "K7QM2XPD");
    }

    #[test]
    fn sensitive_data_is_offered_only_to_uwv_and_municipality() {
        assert!(offered(OrganisationKind::Uwv).contains(Scope::ViewSensitive));
        assert!(offered(OrganisationKind::Municipality).contains(Scope::ViewSensitive));
        for k in [
            OrganisationKind::YouthWork,
            OrganisationKind::School,
            OrganisationKind::Agency,
        ] {
            assert!(!offered(k).contains(Scope::ViewSensitive));
            assert!(offered(k).contains(Scope::ViewProfile));
        }
    }
}
