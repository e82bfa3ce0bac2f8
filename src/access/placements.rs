//! Placements: who records one for which youth, and who is a party to it.

use chrono::NaiveDateTime;

use crate::access::{
    CaseloadAccess, Member, OrganisationKind, Principal, caseload_access, coach_membership,
};
use crate::audit::{self, Action, Purpose};
use crate::auth::model::Role;
use crate::db::DbConn;
use crate::db::ids::AccountId;
use crate::error::{ApiError, ProblemCode};
use crate::outcomes::model::PlacementSide;
use crate::outcomes::store::PlacementRow;

/// Proof that the caller is a party to a placement (or may record one): the youth
/// themself, a member of the employer, or a coach who may act for the youth.
#[derive(Debug, Clone)]
pub enum PlacementParty {
    Youth(AccountId),
    Employer(Member),
    Coach(Box<CaseloadAccess>),
}

fn placement_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::PlacementNotFound,
        "There is no placement with this id that you are a party to.",
    )
}

impl PlacementParty {
    pub fn side(&self) -> PlacementSide {
        match self {
            PlacementParty::Youth(_) => PlacementSide::Youth,
            PlacementParty::Employer(_) => PlacementSide::Employer,
            PlacementParty::Coach(_) => PlacementSide::Coach,
        }
    }

    pub fn account(&self) -> &AccountId {
        match self {
            PlacementParty::Youth(a) => a,
            PlacementParty::Employer(m) => &m.account,
            PlacementParty::Coach(c) => &c.coach.account,
        }
    }

    /// Whether a placement may be recorded from this match by this recorder: the match's
    /// youth, a member of its organisation, or a coach for the match's youth.
    pub fn party_to_match(&self, m: &crate::matching::store::MatchRow) -> bool {
        match self {
            PlacementParty::Youth(y) => &m.youth_id == y,
            PlacementParty::Employer(member) => m.organisation_id == member.organisation,
            PlacementParty::Coach(c) => m.youth_id == c.youth,
        }
    }

    /// Whether a coach may record a placement from this introduction: one of their
    /// organisation, for the youth they act for.
    pub fn introduced(&self, i: &crate::clients::store::IntroductionRow) -> bool {
        matches!(self, PlacementParty::Coach(c)
            if i.organisation_id == c.coach.organisation && i.youth_id == c.youth)
    }

    /// Only the placing organisation's coach answers a follow-up (aftercare is theirs).
    pub fn follows_up(&self) -> Result<(), ApiError> {
        match self {
            PlacementParty::Coach(_) => Ok(()),
            _ => Err(crate::access::wrong_role()),
        }
    }

    /// The youth or their placing coach reopens the youth's search; the employer does not.
    pub fn may_reopen(&self) -> Result<(), ApiError> {
        match self {
            PlacementParty::Employer(_) => Err(crate::access::wrong_role()),
            _ => Ok(()),
        }
    }

    /// Logs an access to the youth's placement by someone other than the youth.
    pub fn audit(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        youth: &AccountId,
        action: Action,
        object: &str,
    ) -> Result<(), ApiError> {
        match self {
            PlacementParty::Youth(_) => Ok(()),
            PlacementParty::Coach(c) => c.audit(conn, now, action, Some(object)),
            PlacementParty::Employer(m) => {
                audit::record(
                    conn,
                    audit::Entry {
                        at: now,
                        actor: &m.account,
                        actor_role: "employer",
                        organisation: Some((&m.organisation, OrganisationKind::Employer)),
                        subject: youth,
                        action,
                        object: Some(object),
                        purpose: Purpose::MatchContact,
                        on_behalf: false,
                    },
                )?;
                Ok(())
            }
        }
    }
}

/// The caller as someone who records a placement: a youth for themself, an employer (the
/// match decides for whom), or a coach for `youth` of their caseload whom they may act for.
pub fn placement_recorder(
    conn: &mut DbConn,
    principal: &Principal,
    youth: Option<&AccountId>,
    now: NaiveDateTime,
) -> Result<PlacementParty, ApiError> {
    match principal.role {
        Role::Youth => {
            let me = principal.youth_self()?;
            // A youth records only their own placement; naming someone else is a mistake.
            if youth.is_some_and(|y| y != &me) {
                return Err(ApiError::validation(vec![crate::error::FieldError::new(
                    "youth_id",
                    "not_yours",
                    "a youth records their own placements (leave youth_id out)",
                )]));
            }
            Ok(PlacementParty::Youth(me))
        }
        Role::Employer => Ok(PlacementParty::Employer(crate::access::employer_member(
            conn,
            principal,
            "This account belongs to no organisation.",
        )?)),
        Role::Intermediary => {
            let coach = coach_membership(conn, principal)?;
            let youth = youth.ok_or_else(|| {
                ApiError::validation(vec![crate::error::FieldError::new(
                    "youth_id",
                    "required",
                    "a coach names the youth placed",
                )])
            })?;
            let access = caseload_access(conn, coach, youth, now)?;
            if !access.may_act() {
                return Err(ApiError::new(
                    ProblemCode::YouthNotInCaseload,
                    "There is no youth with this id in your caseload.",
                ));
            }
            Ok(PlacementParty::Coach(Box::new(access)))
        }
        _ => Err(crate::access::wrong_role()),
    }
}

/// The caller's side of `row`, or 404 (outsiders do not learn it exists). A coach is a party
/// while they may act for the youth in the placing organisation.
pub fn placement_party(
    conn: &mut DbConn,
    principal: &Principal,
    row: &PlacementRow,
    now: NaiveDateTime,
) -> Result<PlacementParty, ApiError> {
    if principal.delegation().is_some() {
        return Err(placement_not_found());
    }
    match principal.role {
        Role::Youth if principal.account_id == row.youth_id => {
            Ok(PlacementParty::Youth(principal.account_id.clone()))
        }
        Role::Employer => {
            let Some(org) = &row.employer_id else {
                return Err(placement_not_found());
            };
            let role = crate::employers::store::role_in(conn, org, &principal.account_id)?
                .ok_or_else(placement_not_found)?;
            Ok(PlacementParty::Employer(Member {
                account: principal.account_id.clone(),
                organisation: org.clone(),
                role,
            }))
        }
        Role::Intermediary => {
            let coach = coach_membership(conn, principal)?;
            if row.intermediary_id.as_ref() != Some(&coach.organisation) {
                return Err(placement_not_found());
            }
            let access = caseload_access(conn, coach, &row.youth_id, now)
                .map_err(|_| placement_not_found())?;
            if !access.may_act() {
                return Err(placement_not_found());
            }
            Ok(PlacementParty::Coach(Box::new(access)))
        }
        _ => Err(placement_not_found()),
    }
}
