//! The rules, each written once.

use chrono::NaiveDateTime;

use crate::access::{Delegation, OrganisationKind, Principal, Scope};
use crate::audit::{self, Action, Purpose};
use crate::auth::model::{MemberRole, Role};
use crate::db::DbConn;
use crate::db::ids::{AccountId, OrganisationId};
use crate::error::{ApiError, ProblemCode};

/// 403: this account type cannot use the route.
pub fn wrong_role() -> ApiError {
    ApiError::new(ProblemCode::WrongRole, "Your account type cannot do this.")
}

fn not_on_behalf() -> ApiError {
    ApiError::new(
        ProblemCode::NotOnBehalf,
        "A coach cannot do this on the youth's behalf.",
    )
}

impl Principal {
    /// The caller acting for themself with one of `roles`. A coach acting for a youth never
    /// passes: routes that accept delegation ask [`Principal::youth`] instead.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.delegation().is_some() {
            return Err(not_on_behalf());
        }
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(wrong_role())
        }
    }

    /// The account holder themself, of any role, never a coach on a youth's behalf.
    pub fn account_self(&self) -> Result<AccountId, ApiError> {
        if self.delegation().is_some() {
            return Err(not_on_behalf());
        }
        Ok(self.account_id.clone())
    }

    /// The youth themself, never a coach on their behalf (password, email, consents, account).
    pub fn youth_self(&self) -> Result<AccountId, ApiError> {
        self.require(&[Role::Youth])?;
        Ok(self.account_id.clone())
    }

    /// Access to a youth's data for `scope`: the youth themself, or a coach whose token and
    /// the youth's current consent both carry the scope (and, for sensitive data, of an
    /// organisation that may see it).
    pub fn youth(&self, scope: Scope) -> Result<YouthAccess, ApiError> {
        self.youth_with(&[scope])
    }

    /// As [`Principal::youth`], for an operation that needs every one of `scopes` (changing
    /// sensitive data: `edit_profile` and `view_sensitive`).
    pub fn youth_with(&self, scopes: &[Scope]) -> Result<YouthAccess, ApiError> {
        if self.role != Role::Youth {
            return Err(wrong_role());
        }
        if let Some(d) = self.delegation() {
            for &scope in scopes {
                let allowed = d.scopes.contains(scope)
                    && (scope != Scope::ViewSensitive || d.kind.may_see_sensitive());
                if !allowed {
                    return Err(ApiError::new(
                        ProblemCode::ScopeNotGranted,
                        format!(
                            "The youth has not granted `{}` to your organisation.",
                            scope.as_str()
                        ),
                    ));
                }
            }
        }
        Ok(YouthAccess {
            youth: self.account_id.clone(),
            coach: self.delegation().cloned(),
        })
    }

    /// An intermediary account acting for itself (its organisation is checked with
    /// [`coach_membership`]).
    pub fn intermediary(&self) -> Result<AccountId, ApiError> {
        self.require(&[Role::Intermediary])?;
        Ok(self.account_id.clone())
    }

    /// An admin of werkmatch.
    pub fn admin(&self) -> Result<Admin, ApiError> {
        self.require(&[Role::Admin])?;
        Ok(Admin(self.account_id.clone()))
    }
}

/// Proof that the caller is an admin.
#[derive(Debug, Clone)]
pub struct Admin(AccountId);

impl Admin {
    pub fn account(&self) -> &AccountId {
        &self.0
    }
}

/// Proof that the caller may touch this youth's data: the youth, or a coach under consent.
#[derive(Debug, Clone)]
pub struct YouthAccess {
    youth: AccountId,
    coach: Option<Delegation>,
}

impl YouthAccess {
    pub fn youth(&self) -> &AccountId {
        &self.youth
    }

    /// The coach acting, when it is not the youth.
    pub fn coach(&self) -> Option<&Delegation> {
        self.coach.as_ref()
    }

    /// In a write's transaction: 401 when the youth's account is gone (deleted by an operator)
    /// while its session is still cached as live, instead of a write that breaks the
    /// account's foreign key.
    pub fn account_exists(&self, conn: &mut DbConn) -> Result<(), ApiError> {
        match crate::auth::store::find_account(conn, &self.youth)? {
            Some(_) => Ok(()),
            None => Err(ApiError::new(
                ProblemCode::SessionRevoked,
                "This account no longer exists.",
            )),
        }
    }

    /// Writes the audit line for this access when someone other than the youth acts (in the
    /// caller's transaction, so a write and its line commit together).
    pub fn audit(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        action: Action,
        object: Option<&str>,
    ) -> Result<(), ApiError> {
        let Some(d) = &self.coach else {
            return Ok(());
        };
        audit::record(
            conn,
            audit::Entry {
                at: now,
                actor: &d.coach,
                actor_role: "coach",
                organisation: Some((&d.organisation, d.kind)),
                subject: &self.youth,
                action,
                object,
                purpose: Purpose::Coaching,
                on_behalf: action.in_youths_name(),
            },
        )?;
        Ok(())
    }
}

// ---- Organisation members -------------------------------------------------------------------

/// Proof that an account is an active member of an organisation, with its role there.
#[derive(Debug, Clone)]
pub struct Member {
    pub account: AccountId,
    pub organisation: OrganisationId,
    pub role: MemberRole,
}

fn org_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::OrganisationNotFound,
        "There is no organisation with this id that you belong to.",
    )
}

/// The caller's membership of `org`, or 404 (not 403: outsiders do not learn it exists).
pub fn member_of(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
) -> Result<Member, ApiError> {
    // A coach acting for a youth is the youth here: no organisation of theirs.
    if principal.delegation().is_some() {
        return Err(org_not_found());
    }
    let role = crate::employers::store::role_in(conn, org, &principal.account_id)?
        .ok_or_else(org_not_found)?;
    Ok(Member {
        account: principal.account_id.clone(),
        organisation: org.clone(),
        role,
    })
}

/// The organisation an employer acts for; 403 `no_organisation` without one.
pub fn employer_member(
    conn: &mut DbConn,
    principal: &Principal,
    detail: &str,
) -> Result<Member, ApiError> {
    principal.require(&[Role::Employer])?;
    let m = crate::employers::store::membership_of(conn, &principal.account_id)?
        .ok_or_else(|| ApiError::new(ProblemCode::NoOrganisation, detail.to_owned()))?;
    Ok(Member {
        account: principal.account_id.clone(),
        organisation: m.organisation_id,
        role: m.role,
    })
}

// ---- Coaches ----------------------------------------------------------------------------------

/// 403 unless `kind` may select and group youth by benefit, work limitation and participation
/// step (the caseload search, the output report): `uwv` and `municipality` only, and admins
/// (`None`) never, as for seeing them.
pub fn sensitive_selection(kind: Option<OrganisationKind>) -> Result<(), ApiError> {
    if kind.is_some_and(OrganisationKind::may_see_sensitive) {
        Ok(())
    } else {
        Err(ApiError::new(
            ProblemCode::SensitiveSelectionNotAllowed,
            "Selecting or grouping by benefit, work limitation or participation step is only for UWV and municipalities.",
        ))
    }
}

/// Proof that the caller is an active coach or coordinator of an intermediary organisation.
#[derive(Debug, Clone)]
pub struct Coach {
    pub account: AccountId,
    pub organisation: OrganisationId,
    pub kind: OrganisationKind,
    pub organisation_name: String,
    pub coordinator: bool,
}

/// The caller's intermediary membership. A deactivated coach's sessions are revoked, so this
/// only refuses them if a token outlived that (it cannot: revocation fails closed).
pub fn coach_membership(conn: &mut DbConn, principal: &Principal) -> Result<Coach, ApiError> {
    let account = principal.intermediary()?;
    let m = crate::caseloads::store::active_membership(conn, &account)?.ok_or_else(|| {
        ApiError::new(
            ProblemCode::NoOrganisation,
            "This account belongs to no intermediary organisation (or was deactivated).",
        )
    })?;
    Ok(Coach {
        account,
        organisation: m.organisation_id,
        kind: m.kind,
        organisation_name: m.organisation_name,
        coordinator: m.role == MemberRole::Coordinator,
    })
}

fn shared_with_colleagues(scopes: i32) -> bool {
    crate::access::Scopes::from_mask(scopes).contains(Scope::ShareWithColleagues)
}

impl Coach {
    /// Whether this coach is the one a consent names as responsible.
    pub fn is_responsible(&self, responsible: Option<&AccountId>) -> bool {
        responsible == Some(&self.account)
    }

    /// Whether this coach sees a youth of their organisation's caseload, given the consent's
    /// responsible coach and scopes: the responsible coach, a colleague under
    /// `share_with_colleagues`, or a coordinator.
    pub fn sees(&self, responsible: Option<&AccountId>, scopes: i32) -> bool {
        self.is_responsible(responsible) || self.coordinator || shared_with_colleagues(scopes)
    }

    /// The audit entry of something this coach did in coaching, about `subject`.
    pub fn audit_entry<'a>(
        &'a self,
        at: NaiveDateTime,
        subject: &'a AccountId,
        action: Action,
        object: Option<&'a str>,
    ) -> audit::Entry<'a> {
        audit::Entry {
            at,
            actor: &self.account,
            actor_role: if self.coordinator {
                "coordinator"
            } else {
                "coach"
            },
            organisation: Some((&self.organisation, self.kind)),
            subject,
            action,
            object,
            purpose: Purpose::Coaching,
            on_behalf: false,
        }
    }
}

/// The caller as a coordinator of `org`: 404 for another organisation (outsiders do not learn
/// it exists), 403 for a coach who does not coordinate.
pub fn coordinator_of(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
) -> Result<Coach, ApiError> {
    let coach = coach_membership(conn, principal)?;
    if &coach.organisation != org {
        return Err(org_not_found());
    }
    if !coach.coordinator {
        return Err(not_a_coordinator());
    }
    Ok(coach)
}

fn not_a_coordinator() -> ApiError {
    ApiError::new(
        ProblemCode::NotACoordinator,
        "Only a coordinator of the organisation can do this.",
    )
}

/// 403 unless the coach coordinates their organisation.
pub fn coordinator(conn: &mut DbConn, principal: &Principal) -> Result<Coach, ApiError> {
    let coach = coach_membership(conn, principal)?;
    if !coach.coordinator {
        return Err(not_a_coordinator());
    }
    Ok(coach)
}

/// Proof that a coach may work on this youth's caseload entry: an active consent to their
/// organisation, and they are the responsible coach, a colleague the youth allowed
/// (`share_with_colleagues`), or the organisation's coordinator.
#[derive(Debug, Clone)]
pub struct CaseloadAccess {
    pub coach: Coach,
    pub youth: AccountId,
    pub consent: crate::caseloads::store::ConsentRow,
}

fn not_in_caseload() -> ApiError {
    ApiError::new(
        ProblemCode::YouthNotInCaseload,
        "There is no youth with this id in your caseload.",
    )
}

pub fn caseload_access(
    conn: &mut DbConn,
    coach: Coach,
    youth: &AccountId,
    now: NaiveDateTime,
) -> Result<CaseloadAccess, ApiError> {
    let consent = crate::caseloads::store::active_consent(conn, youth, &coach.organisation, now)?
        .ok_or_else(not_in_caseload)?;
    if !coach.sees(consent.coach_id.as_ref(), consent.scopes) {
        return Err(not_in_caseload());
    }
    Ok(CaseloadAccess {
        coach,
        youth: youth.clone(),
        consent,
    })
}

impl CaseloadAccess {
    /// May this coach act for the youth (not only read the caseload entry)? The responsible
    /// coach, or any colleague (the coordinator too) under `share_with_colleagues`.
    pub fn may_act(&self) -> bool {
        self.coach.is_responsible(self.consent.coach_id.as_ref())
            || shared_with_colleagues(self.consent.scopes)
    }

    /// The consent as delegated requests check it (`None` if it has no expiry: not given).
    pub fn consent_state(&self) -> Option<crate::access::revocation::ConsentState> {
        Some(crate::access::revocation::ConsentState {
            scopes: crate::access::Scopes::from_mask(self.consent.scopes),
            expires_at: self.consent.expires_at?,
            coach: self.consent.coach_id.clone(),
            organisation: self.consent.organisation_id.clone(),
            kind: self.coach.kind,
        })
    }

    /// 404 unless this coach may act for the youth, 403 unless the youth granted `scope`: what
    /// a coach does for the youth in their own name (an introduction).
    pub fn require_to_act(&self, scope: Scope) -> Result<(), ApiError> {
        if !self.may_act() {
            return Err(not_in_caseload());
        }
        if !crate::access::Scopes::from_mask(self.consent.scopes).contains(scope) {
            return Err(ApiError::new(
                ProblemCode::ScopeNotGranted,
                format!(
                    "The youth has not granted `{}` to your organisation.",
                    scope.as_str()
                ),
            ));
        }
        Ok(())
    }

    /// May this coach hand the youth to a colleague? The responsible coach or a coordinator.
    pub fn may_hand_over(&self) -> bool {
        self.coach.is_responsible(self.consent.coach_id.as_ref()) || self.coach.coordinator
    }

    pub fn audit(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        action: Action,
        object: Option<&str>,
    ) -> Result<(), ApiError> {
        audit::record(
            conn,
            self.coach.audit_entry(now, &self.youth, action, object),
        )?;
        Ok(())
    }
}

// ---- Matches ----------------------------------------------------------------------------------

/// Proof that the caller is a party to a match: its youth (or their coach, with the scope
/// asked), or a member of the vacancy's organisation.
#[derive(Debug, Clone)]
pub enum MatchParty {
    Youth(YouthAccess),
    Organisation(Member),
    /// A coach of an intermediary the vacancy's organisation is an active client of: on the
    /// employer's side.
    Client(crate::access::ClientCoach),
    /// The coach whose introduction led to the match (still allowed to act for the youth with
    /// `message_on_behalf`): on the youth's side, in their own name.
    Introducer(Box<CaseloadAccess>),
}

impl MatchParty {
    pub fn youth_side(&self) -> bool {
        matches!(self, MatchParty::Youth(_) | MatchParty::Introducer(_))
    }

    /// The coach taking part in their own name (a client's recruiter or an introducer).
    pub fn coach(&self) -> Option<&Coach> {
        match self {
            MatchParty::Client(c) => Some(&c.coach),
            MatchParty::Introducer(a) => Some(&a.coach),
            _ => None,
        }
    }

    /// The party reading for themself, never a coach on the youth's behalf: what only the
    /// reader's own eyes can do (moving the read marker; the youth has not seen it when their
    /// coach has).
    pub fn reading_for_themself(&self) -> Result<(), ApiError> {
        match self {
            MatchParty::Youth(a) if a.coach().is_some() => Err(not_on_behalf()),
            // The marker is the youth's or the employer's own, not a coach's in between.
            MatchParty::Client(_) | MatchParty::Introducer(_) => Err(wrong_role()),
            _ => Ok(()),
        }
    }
}

/// The caller's side of the match between `youth` and `org` (`introduced_by`: the
/// organisation whose introduction led to it); `None` when not a party (the caller answers 404
/// then, so outsiders do not learn the match exists).
pub fn match_party(
    conn: &mut DbConn,
    principal: &Principal,
    (youth, org): (&AccountId, &OrganisationId),
    introduced_by: Option<&OrganisationId>,
    scope: Scope,
    now: NaiveDateTime,
) -> Result<Option<MatchParty>, ApiError> {
    match principal.role {
        Role::Intermediary if principal.delegation().is_none() => {
            if let Some(c) = crate::access::client_coach(conn, principal, org)? {
                return Ok(Some(MatchParty::Client(c)));
            }
            let Some(by) = introduced_by else {
                return Ok(None);
            };
            let Ok(coach) = coach_membership(conn, principal) else {
                return Ok(None);
            };
            if &coach.organisation != by {
                return Ok(None);
            }
            let Ok(access) = caseload_access(conn, coach, youth, now) else {
                return Ok(None);
            };
            Ok(access
                .require_to_act(Scope::MessageOnBehalf)
                .is_ok()
                .then(|| MatchParty::Introducer(Box::new(access))))
        }
        // Another youth's match is "not found" before any scope is judged.
        Role::Youth if &principal.account_id != youth => Ok(None),
        Role::Youth => Ok(Some(MatchParty::Youth(principal.youth(scope)?))),
        Role::Employer if principal.delegation().is_none() => {
            let role = crate::employers::store::role_in(conn, org, &principal.account_id)?;
            Ok(role.map(|role| {
                MatchParty::Organisation(Member {
                    account: principal.account_id.clone(),
                    organisation: org.clone(),
                    role,
                })
            }))
        }
        _ => Ok(None),
    }
}

impl Member {
    /// The role someone this member invites joins with: an employer's members invite
    /// members; in an intermediary organisation only a coordinator invites, and invites coaches.
    pub fn invites_as(&self) -> Result<MemberRole, ApiError> {
        match self.role {
            MemberRole::Owner | MemberRole::Member => Ok(MemberRole::Member),
            MemberRole::Coordinator => Ok(MemberRole::Coach),
            MemberRole::Coach => Err(ApiError::new(
                ProblemCode::NotACoordinator,
                "Only a coordinator invites coaches.",
            )),
        }
    }

    /// An employer saw a youth's contact details, released by their match.
    pub fn audit_contact(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        youth: &AccountId,
        match_id: &str,
    ) -> Result<(), ApiError> {
        audit::record(
            conn,
            audit::Entry {
                at: now,
                actor: &self.account,
                actor_role: "employer",
                organisation: Some((&self.organisation, OrganisationKind::Employer)),
                subject: youth,
                action: Action::ViewContact,
                object: Some(match_id),
                purpose: Purpose::MatchContact,
                on_behalf: false,
            },
        )?;
        Ok(())
    }
}

// ---- Vacancies --------------------------------------------------------------------------------

fn vacancy_not_found() -> ApiError {
    ApiError::new(
        ProblemCode::VacancyNotFound,
        "There is no vacancy with this id that you can see.",
    )
}

/// Whether the caller is a member of the organisation (for what of a vacancy they may see).
pub fn is_member(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
) -> Result<bool, ApiError> {
    Ok(principal.delegation().is_none()
        && crate::employers::store::role_in(conn, org, &principal.account_id)?.is_some())
}

/// Proof that the caller is a member of a vacancy's organisation. Someone who can see the
/// vacancy (`visible`) but is not a member gets 403 `not_your_vacancy` with `detail`; anyone
/// else 404, so a draft's existence does not leak.
pub fn vacancy_member(
    conn: &mut DbConn,
    principal: &Principal,
    org: &OrganisationId,
    visible: bool,
    detail: &str,
) -> Result<Member, ApiError> {
    let role = match principal.delegation() {
        Some(_) => None,
        None => crate::employers::store::role_in(conn, org, &principal.account_id)?,
    };
    match role {
        Some(role) => Ok(Member {
            account: principal.account_id.clone(),
            organisation: org.clone(),
            role,
        }),
        None if visible => Err(ApiError::new(
            ProblemCode::NotYourVacancy,
            detail.to_owned(),
        )),
        None => Err(vacancy_not_found()),
    }
}
