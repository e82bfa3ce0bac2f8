//! Employer clients: what the coaches of an intermediary may do for an employer they recruit
//! for, and what each side of a client relation may do to it.

use chrono::NaiveDateTime;

use crate::access::{Coach, Member, Principal, coach_membership};
use crate::auth::model::{MemberRole, Role};
use crate::clients::model::ClientAction;
use crate::clients::store::{self, RelationRow};
use crate::db::DbConn;
use crate::db::ids::{AccountId, ClientId, OrganisationId};
use crate::error::{ApiError, ProblemCode};

/// Proof that the caller is a coach of an intermediary with an active relation to an employer.
#[derive(Debug, Clone)]
pub struct ClientCoach {
    pub coach: Coach,
    pub relation: ClientId,
    pub employer: OrganisationId,
    pub may_swipe: bool,
}

impl ClientCoach {
    /// Writes what the coach did into the relation's log, which the employer reads.
    pub fn record(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        action: ClientAction,
        object: Option<&str>,
    ) -> Result<(), ApiError> {
        store::record(
            conn,
            &self.relation,
            now,
            &self.coach.account,
            action,
            object,
        )?;
        Ok(())
    }
}

/// The caller's active client relation with `employer`: `None` for anyone who is not an
/// active coach of an intermediary with one (the relation ended: nothing, at once).
pub fn client_coach(
    conn: &mut DbConn,
    principal: &Principal,
    employer: &OrganisationId,
) -> Result<Option<ClientCoach>, ApiError> {
    if principal.role != Role::Intermediary || principal.delegation().is_some() {
        return Ok(None);
    }
    let Ok(coach) = coach_membership(conn, principal) else {
        return Ok(None);
    };
    let relation =
        store::open_relation(conn, &coach.organisation, employer)?.filter(|r| r.status == "active");
    Ok(relation.map(|r| ClientCoach {
        coach,
        relation: r.id,
        employer: employer.clone(),
        may_swipe: r.may_swipe,
    }))
}

/// Proof that the caller may manage an employer's vacancies: a member of the employer, or a
/// coach of an intermediary the employer is an active client of.
#[derive(Debug, Clone)]
pub enum VacancyManager {
    Member(Member),
    Client(ClientCoach),
}

impl VacancyManager {
    /// The account acting.
    pub fn account(&self) -> &AccountId {
        match self {
            VacancyManager::Member(m) => &m.account,
            VacancyManager::Client(c) => &c.coach.account,
        }
    }

    /// The intermediary posting, when it is not the employer itself.
    pub fn posted_by(&self) -> Option<&OrganisationId> {
        match self {
            VacancyManager::Member(_) => None,
            VacancyManager::Client(c) => Some(&c.coach.organisation),
        }
    }

    /// 403 unless the caller may like and pass candidates: members always, a coach when the
    /// client allows it.
    pub fn may_swipe(&self) -> Result<(), ApiError> {
        match self {
            VacancyManager::Client(c) if !c.may_swipe => Err(ApiError::new(
                ProblemCode::ClientSwipeNotAllowed,
                "The client does not let your organisation like or pass its candidates.",
            )),
            _ => Ok(()),
        }
    }

    /// Logs what a coach did for the client (an employer's own members are not logged here).
    pub fn record(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        action: ClientAction,
        object: Option<&str>,
    ) -> Result<(), ApiError> {
        match self {
            VacancyManager::Member(_) => Ok(()),
            VacancyManager::Client(c) => c.record(conn, now, action, object),
        }
    }
}

/// The caller as a manager of `org`'s vacancies, or `None`.
pub fn manager_of(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
) -> Result<Option<VacancyManager>, ApiError> {
    // (Only to spare the read: `manager_from` decides.)
    if principal.delegation().is_some() {
        return Ok(None);
    }
    let role = crate::employers::store::role_in(conn, org, &principal.account_id)?;
    manager_from(conn, principal, org, role)
}

/// The caller as a manager of `org`'s vacancies, given their role in `org` as read (`None`:
/// not a member; a coach of a client may still be one).
fn manager_from(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
    role: Option<MemberRole>,
) -> Result<Option<VacancyManager>, ApiError> {
    // A delegated token acts for a youth, who manages no vacancy, whatever the coach is.
    if principal.delegation().is_some() {
        return Ok(None);
    }
    if let Some(role) = role {
        return Ok(Some(VacancyManager::Member(Member {
            account: principal.account_id.clone(),
            organisation: org.clone(),
            role,
        })));
    }
    Ok(client_coach(conn, principal, org)?.map(VacancyManager::Client))
}

/// As [`crate::access::vacancy_member`], for anyone who manages the vacancy: someone who can
/// see it but does not manage it gets 403 `not_your_vacancy`, anyone else 404.
pub fn vacancy_manager(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
    visible: bool,
    detail: &str,
) -> Result<VacancyManager, ApiError> {
    manager_or_refusal(manager_of(conn, principal, org)?, visible, detail)
}

/// As [`vacancy_manager`], given the caller's role in `org` as read with the vacancy (one
/// statement for both, on a read that is mostly that statement: the candidate feed).
pub fn vacancy_manager_with_role(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
    role: Option<MemberRole>,
    visible: bool,
    detail: &str,
) -> Result<VacancyManager, ApiError> {
    manager_or_refusal(manager_from(conn, principal, org, role)?, visible, detail)
}

fn manager_or_refusal(
    manager: Option<VacancyManager>,
    visible: bool,
    detail: &str,
) -> Result<VacancyManager, ApiError> {
    match manager {
        Some(m) => Ok(m),
        None if visible => Err(ApiError::new(
            ProblemCode::NotYourVacancy,
            detail.to_owned(),
        )),
        None => Err(ApiError::new(
            ProblemCode::VacancyNotFound,
            "There is no vacancy with this id that you can see.",
        )),
    }
}

// ---- The relation itself ----------------------------------------------------------------------

fn client_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::ClientNotFound,
        "There is no client relation with this id of your organisation.",
    )
}

/// Proof that the caller is on one side of a client relation.
#[derive(Debug, Clone)]
pub enum ClientParty {
    /// A coach or coordinator of the intermediary.
    Intermediary(Coach),
    /// A member of the employer.
    Employer(Member),
}

impl ClientParty {
    pub fn account(&self) -> &AccountId {
        match self {
            ClientParty::Intermediary(c) => &c.account,
            ClientParty::Employer(m) => &m.account,
        }
    }

    /// The employer's owner: accepts, declines, changes what the intermediary may do.
    pub fn owner(&self) -> Result<(), ApiError> {
        match self {
            ClientParty::Employer(m) if m.role == MemberRole::Owner => Ok(()),
            ClientParty::Employer(_) => Err(ApiError::new(
                ProblemCode::NotTheOwner,
                "Only the organisation's owner can do this.",
            )),
            ClientParty::Intermediary(_) => Err(crate::access::wrong_role()),
        }
    }

    /// Who sets what the intermediary may do (`may_swipe`): the employer's owner; while
    /// nobody has claimed the employer (`claimed` false), its intermediary's coaches.
    pub fn may_change_settings(&self, claimed: bool) -> Result<(), ApiError> {
        match self {
            ClientParty::Intermediary(_) if !claimed => Ok(()),
            _ => self.owner(),
        }
    }

    /// Who may end the relation: the employer's owner, or the intermediary's coordinator.
    pub fn may_end(&self) -> Result<(), ApiError> {
        match self {
            ClientParty::Intermediary(c) if c.coordinator => Ok(()),
            ClientParty::Intermediary(_) => Err(ApiError::new(
                ProblemCode::NotACoordinator,
                "Only a coordinator of the organisation can end a client relation.",
            )),
            ClientParty::Employer(_) => self.owner(),
        }
    }
}

/// The caller's side of `relation`, or 404 for anyone on neither side.
pub fn client_party(
    conn: &mut DbConn,
    principal: &Principal,
    relation: &RelationRow,
) -> Result<ClientParty, ApiError> {
    if principal.delegation().is_some() {
        return Err(client_not_found());
    }
    match principal.role {
        Role::Intermediary => {
            let coach = coach_membership(conn, principal)?;
            if coach.organisation != relation.intermediary_id {
                return Err(client_not_found());
            }
            Ok(ClientParty::Intermediary(coach))
        }
        Role::Employer => {
            let role = crate::employers::store::role_in(
                conn,
                &relation.employer_id,
                &principal.account_id,
            )?
            .ok_or_else(client_not_found)?;
            Ok(ClientParty::Employer(Member {
                account: principal.account_id.clone(),
                organisation: relation.employer_id.clone(),
                role,
            }))
        }
        _ => Err(crate::access::wrong_role()),
    }
}

/// The relation with `id` and the caller's side of it.
pub fn find_client(
    conn: &mut DbConn,
    principal: &Principal,
    id: &ClientId,
) -> Result<(RelationRow, ClientParty), ApiError> {
    let relation = store::find_relation(conn, id)?.ok_or_else(client_not_found)?;
    let party = client_party(conn, principal, &relation)?;
    Ok((relation, party))
}

/// The youth's own introduction, or 404 (another youth's does not exist for them).
pub fn own_introduction(
    youth: &AccountId,
    row: Option<crate::clients::store::IntroductionRow>,
) -> Result<crate::clients::store::IntroductionRow, ApiError> {
    row.filter(|i| &i.youth_id == youth).ok_or_else(|| {
        ApiError::new(
            ProblemCode::IntroductionNotFound,
            "There is no introduction with this id that you can see.",
        )
    })
}
