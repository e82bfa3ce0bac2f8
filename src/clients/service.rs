//! Client relations: proposing, creating, answering, changing and ending them, and the log of
//! what the intermediary did for its client.

use std::collections::{HashMap, HashSet};

use crate::access::{self, Principal};
use crate::auth::model::{Language, MemberRole, Role, parse_email, parse_text};
use crate::clients::model::*;
use crate::clients::store::{self, RelationRow, Side};
use crate::db::DbConn;
use crate::db::ids::{ClientActivityId, ClientId, OrganisationId};
use crate::employers::model::OrganisationSummary;
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::notifications::{Outbox, templates};
use crate::paging::{self, List};
use crate::state::AppState;

/// How long the link to claim a client organisation stays valid.
const CLAIM_TTL: chrono::TimeDelta = chrono::TimeDelta::days(14);

fn organisation_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::OrganisationNotFound,
        "There is no employer organisation with this id.",
    )
}

fn relation_closed() -> ApiError {
    ApiError::new(
        ProblemCode::ClientRelationClosed,
        "This client relation was already answered or has ended.",
    )
}

/// The API view of relations, in a fixed number of queries.
fn views(conn: &mut DbConn, rows: Vec<RelationRow>) -> Result<Vec<Client>, ApiError> {
    let ids: Vec<OrganisationId> = rows
        .iter()
        .flat_map(|r| [r.intermediary_id.clone(), r.employer_id.clone()])
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let orgs: HashMap<OrganisationId, OrganisationSummary> = store::summaries(conn, &ids)?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let claimed: HashSet<OrganisationId> = store::with_members(conn, &ids)?.into_iter().collect();
    let summary = |id: &OrganisationId| {
        orgs.get(id).cloned().ok_or_else(|| {
            ApiError::internal(format!("organisation {id} of a client relation is gone"))
        })
    };
    rows.into_iter()
        .map(|r| {
            Ok(Client {
                intermediary: summary(&r.intermediary_id)?,
                employer: summary(&r.employer_id)?,
                status: r.status(),
                may_swipe: r.may_swipe,
                claimed: claimed.contains(&r.employer_id),
                created_at: r.created_at.and_utc(),
                decided_at: r.decided_at.map(|t| t.and_utc()),
                ended_at: r.ended_at.map(|t| t.and_utc()),
                id: r.id,
            })
        })
        .collect()
}

fn view(conn: &mut DbConn, row: RelationRow) -> Result<Client, ApiError> {
    views(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("client view missing"))
}

/// The checked fields of an employer a coach creates as a client.
struct NewEmployer {
    name: String,
    city: String,
    kvk_number: Option<String>,
    owner_email: Option<String>,
}

fn check_new(body: NewClient) -> Result<Result<OrganisationId, NewEmployer>, ApiError> {
    let mut errors = Vec::new();
    let target = match (body.organisation_id, body.new_organisation) {
        (Some(id), None) => match OrganisationId::parse(&id) {
            Some(id) => Some(Ok(id)),
            None => {
                errors.push(FieldError::new(
                    "organisation_id",
                    "invalid_id",
                    "must be an organisation id",
                ));
                None
            }
        },
        (None, Some(o)) => {
            let name = parse_text(&mut errors, "new_organisation.name", &o.name, 120);
            let city = parse_text(&mut errors, "new_organisation.city", &o.city, 80);
            let kvk = o.kvk_number.filter(|k| {
                let ok = k.len() == 8 && k.bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    errors.push(FieldError::new(
                        "new_organisation.kvk_number",
                        "invalid_kvk_number",
                        "must be eight digits",
                    ));
                }
                ok
            });
            let owner = o.owner_email.as_deref().and_then(|e| {
                parse_email(&mut errors, "new_organisation.owner_email", e)
                    .map(|e| e.as_str().to_owned())
            });
            match (name, city) {
                (Some(name), Some(city)) => Some(Err(NewEmployer {
                    name,
                    city,
                    kvk_number: kvk,
                    owner_email: owner,
                })),
                _ => None,
            }
        }
        _ => {
            errors.push(FieldError::new(
                "organisation_id",
                "one_of",
                "give either organisation_id (an employer with an account) or new_organisation",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    target.ok_or_else(|| ApiError::internal("checked client target missing"))
}

/// A coach proposes a relation to an employer with an account, or creates an employer
/// without one as an active client (and mails its owner a link to claim it).
pub async fn create_client(
    state: &AppState,
    user: Principal,
    body: NewClient,
) -> Result<Client, ApiError> {
    user.require(&[Role::Intermediary])?;
    let may_swipe = body.may_swipe;
    let target = check_new(body)?;
    let now = state.clock.now_naive();
    let base_url = state.settings.public_base_url.clone();
    state
        .db
        .write(move |conn| {
            let coach = access::coach_membership(conn, &user)?;
            let (employer, status) = match target {
                Ok(id) => {
                    let kind = crate::caseloads::store::organisation_kind(conn, &id)?;
                    if !matches!(kind, Some((_, access::OrganisationKind::Employer))) {
                        return Err(organisation_not_found());
                    }
                    if store::open_relation(conn, &coach.organisation, &id)?.is_some() {
                        return Err(ApiError::new(
                            ProblemCode::AlreadyAClient,
                            "Your organisation already has a proposed or active relation with this employer.",
                        ));
                    }
                    (id, ClientStatus::Proposed)
                }
                Err(new) => {
                    let id = store::create_employer(conn, &new.name, new.kvk_number, &new.city, now)?;
                    if let Some(email) = &new.owner_email {
                        let token = crate::employers::store::create_invitation(
                            conn,
                            &id,
                            email,
                            Some(&coach.account),
                            MemberRole::Owner,
                            now,
                            CLAIM_TTL,
                        )?;
                        let inviter = crate::auth::store::find_account(conn, &coach.account)?;
                        let lang = inviter
                            .as_ref()
                            .and_then(|a| Language::parse(&a.language))
                            .unwrap_or_default();
                        let name = inviter.map(|a| a.display_name).unwrap_or_default();
                        let link = format!("{base_url}/join?token={token}");
                        let mail = templates::organisation_invitation(lang, &name, &new.name, &link);
                        Outbox::enqueue(conn, now, email, mail)?;
                    }
                    (id, ClientStatus::Active)
                }
            };
            let row = RelationRow {
                id: ClientId::generate(),
                intermediary_id: coach.organisation.clone(),
                employer_id: employer.clone(),
                status: status.as_str().to_owned(),
                may_swipe,
                proposed_by: Some(coach.account.clone()),
                created_at: now,
                decided_at: (status == ClientStatus::Active).then_some(now),
                ended_at: None,
                ended_by: None,
                updated_at: now,
            };
            store::insert_relation(conn, &row)?;
            let action = if status == ClientStatus::Active {
                ClientAction::Created
            } else {
                ClientAction::Proposed
            };
            store::record(conn, &row.id, now, &coach.account, action, None)?;
            if status == ClientStatus::Proposed {
                let link = format!("{base_url}/clients/{}", row.id);
                for owner in store::owners_of(conn, &employer)? {
                    let lang = Language::parse(&owner.language).unwrap_or_default();
                    let mail = templates::client_proposed(
                        lang,
                        &owner.display_name,
                        &coach.organisation_name,
                        &link,
                    );
                    Outbox::enqueue(conn, now, &owner.email, mail)?;
                }
            }
            view(conn, row)
        })
        .await
}

/// The caller's organisation's client relations: an intermediary's clients, or the
/// intermediaries an employer works with.
pub async fn list_clients(
    state: &AppState,
    user: Principal,
    status: Option<ClientStatus>,
    cursor: Option<ClientId>,
    limit: u8,
) -> Result<ClientPage, ApiError> {
    user.require(&[Role::Intermediary, Role::Employer])?;
    state
        .db
        .run(move |conn| {
            // The caller's organisation, and which side of its relations it is on.
            let (org, intermediary) = if user.role == Role::Intermediary {
                (access::coach_membership(conn, &user)?.organisation, true)
            } else {
                let member = access::employer_member(
                    conn,
                    &user,
                    "This account belongs to no organisation.",
                )?;
                (member.organisation, false)
            };
            let side = if intermediary {
                Side::Intermediary(&org)
            } else {
                Side::Employer(&org)
            };
            let rows =
                store::list_relations(conn, side, status, cursor.as_ref(), i64::from(limit) + 1)?;
            let (rows, next_cursor) = paging::split(rows, usize::from(limit), List::Clients, |r| {
                r.id.to_string()
            });
            Ok(ClientPage {
                items: views(conn, rows)?,
                next_cursor,
            })
        })
        .await
}

pub async fn get_client(
    state: &AppState,
    user: Principal,
    id: ClientId,
) -> Result<Client, ApiError> {
    state
        .db
        .run(move |conn| {
            let (row, _) = access::find_client(conn, &user, &id)?;
            view(conn, row)
        })
        .await
}

/// What the employer's owner does with a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Decline,
}

pub async fn answer_client(
    state: &AppState,
    user: Principal,
    id: ClientId,
    answer: Answer,
) -> Result<Client, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (_, party) = access::find_client(conn, &user, &id)?;
            party.owner()?;
            let (to, action) = match answer {
                Answer::Accept => (ClientStatus::Active, ClientAction::Accepted),
                Answer::Decline => (ClientStatus::Declined, ClientAction::Declined),
            };
            if !store::set_status(
                conn,
                &id,
                &[ClientStatus::Proposed],
                to,
                party.account(),
                now,
            )? {
                return Err(relation_closed());
            }
            store::record(conn, &id, now, party.account(), action, None)?;
            let row = store::find_relation(conn, &id)?.ok_or_else(relation_closed)?;
            view(conn, row)
        })
        .await
}

/// The employer's owner sets what the intermediary may do; for a client nobody has claimed
/// yet, the intermediary's coaches decide (there is no owner to ask).
pub async fn update_client(
    state: &AppState,
    user: Principal,
    id: ClientId,
    patch: ClientPatch,
) -> Result<Client, ApiError> {
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (row, party) = access::find_client(conn, &user, &id)?;
            let claimed =
                !store::with_members(conn, std::slice::from_ref(&row.employer_id))?.is_empty();
            party.may_change_settings(claimed)?;
            if matches!(row.status(), ClientStatus::Declined | ClientStatus::Ended) {
                return Err(relation_closed());
            }
            store::set_may_swipe(conn, &id, patch.may_swipe, now)?;
            store::record(
                conn,
                &id,
                now,
                party.account(),
                ClientAction::SettingsChanged,
                None,
            )?;
            let row = store::find_relation(conn, &id)?.ok_or_else(relation_closed)?;
            view(conn, row)
        })
        .await
}

/// Ends a relation (or withdraws a proposal): the intermediary's coaches lose access to the
/// client at once. Vacancies they posted for a client nobody claimed are paused, as nobody
/// could answer their candidates any more.
pub async fn end_client(state: &AppState, user: Principal, id: ClientId) -> Result<(), ApiError> {
    let now = state.clock.now_naive();
    let paused = state
        .db
        .write(move |conn| {
            let (row, party) = access::find_client(conn, &user, &id)?;
            party.may_end()?;
            if !store::set_status(
                conn,
                &id,
                &[ClientStatus::Proposed, ClientStatus::Active],
                ClientStatus::Ended,
                party.account(),
                now,
            )? {
                return Err(relation_closed());
            }
            store::record(conn, &id, now, party.account(), ClientAction::Ended, None)?;
            let claimed =
                !store::with_members(conn, std::slice::from_ref(&row.employer_id))?.is_empty();
            if claimed {
                return Ok(Vec::new());
            }
            Ok(store::pause_posted_by(
                conn,
                &row.employer_id,
                &row.intermediary_id,
                now,
            )?)
        })
        .await?;
    if !paused.is_empty() {
        state.vacancy_index.refresh(&state.db, paused).await?;
    }
    Ok(())
}

pub async fn list_activity(
    state: &AppState,
    user: Principal,
    id: ClientId,
    cursor: Option<ClientActivityId>,
    limit: u8,
) -> Result<ClientActivityPage, ApiError> {
    state
        .db
        .run(move |conn| {
            access::find_client(conn, &user, &id)?;
            let rows = store::list_activity(conn, &id, cursor.as_ref(), i64::from(limit) + 1)?;
            let (rows, next_cursor) =
                paging::split(rows, usize::from(limit), List::ClientActivity, |r| {
                    r.id.to_string()
                });
            let items = rows
                .into_iter()
                .filter_map(|r| {
                    Some(ClientActivity {
                        action: ClientAction::parse(&r.action)?,
                        id: r.id,
                        at: r.at.and_utc(),
                        actor_name: r.actor_name,
                        object: r.object,
                    })
                })
                .collect();
            Ok(ClientActivityPage { items, next_cursor })
        })
        .await
}
