//! The coach's portal and the youth's consents, as the API shows them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{OrganisationKind, Scope};
use crate::db::ids::{AccountId, ConsentId, NoteId, OrganisationId};
use crate::youth::model::{Missing, ProfileStatus};

// ---- Admin: intermediary organisations ----------------------------------------------------

/// A new intermediary organisation and the coordinator to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntermediary {
    #[schema(
        min_length = 1,
        max_length = 120,
        example = "Gemeente Zwolle, team Werk"
    )]
    pub name: String,
    /// Not `employer`: employers register themselves.
    pub kind: OrganisationKind,
    #[schema(
        min_length = 1,
        max_length = 80,
        example = "Zwolle",
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub city: String,
    /// The first coordinator gets an invitation link by mail.
    #[schema(format = Email, max_length = 254, example = "coordinator@zwolle.nl")]
    pub coordinator_email: String,
}

/// An intermediary organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Intermediary {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub city: String,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
}

/// Hand a coach's whole caseload to a colleague.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    pub to_coach_id: AccountId,
    /// Kept in each consent's history, e.g. "left the team".
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

/// What a handover moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverResult {
    /// Consents (active and open invitations) now with the new coach.
    pub moved: u32,
}

// ---- Consent --------------------------------------------------------------------------------

/// Invite a youth: by email (a link is mailed) or, without one, a short code to type in the
/// app while sitting together.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoachInvitation {
    #[schema(format = Email, max_length = 254, example = "sanne@voorbeeld.nl")]
    pub email: Option<String>,
}

/// How consent was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Link,
    Code,
}

/// An open invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoachInvitation {
    pub id: ConsentId,
    pub via: Via,
    /// The 8-character code for the youth to type (only for `via = code`; a link goes by mail).
    pub code: Option<String>,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub expires_at: DateTime<Utc>,
}

/// The code or the link token of an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// The 8-character code the coach shows (case, spaces and dashes do not matter).
    #[schema(max_length = 16, example = "K7QM-2XPD", pattern = "^[A-Za-z0-9 -]+$")]
    pub code: Option<String>,
    /// The token from the mailed link.
    #[schema(max_length = 200, pattern = "^[A-Za-z0-9_-]+$")]
    pub token: Option<String>,
}

/// The scopes a youth grants.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopesBody {
    /// Each chosen by the youth; an empty list grants nothing (revoke instead).
    pub scopes: Vec<Scope>,
}

/// Where a consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Claimed by the youth, not yet answered.
    Pending,
    Active,
    Declined,
    Revoked,
    Expired,
}

/// The organisation asking or holding consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoachOrganisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

/// A coach of the youth, and what the youth allowed them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoachConsent {
    pub id: ConsentId,
    pub organisation: CoachOrganisation,
    /// The responsible coach's name.
    pub coach_name: Option<String>,
    pub status: ConsentStatus,
    pub scopes: Vec<Scope>,
    /// What this organisation may be granted (`view_sensitive` only for UWV and municipality).
    pub offered_scopes: Vec<Scope>,
    pub via: Via,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub given_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub ended_at: Option<DateTime<Utc>>,
}

crate::paging::page!(
    /// A page of the youth's coaches, newest first.
    CoachConsentPage of CoachConsent
);

/// What changed in a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChange {
    /// The coach made the invitation (code or link).
    Invited,
    /// You opened the invitation; it waits for your answer.
    Claimed,
    /// You gave consent, with these scopes.
    Given,
    Declined,
    /// You changed what you share.
    ScopesChanged,
    /// You renewed it for another 12 months.
    Renewed,
    Revoked,
    /// Another coach of the organisation became responsible (a handover or a caseload transfer).
    HandedOver,
}

impl ConsentChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChange::Invited => "invited",
            ConsentChange::Claimed => "claimed",
            ConsentChange::Given => "given",
            ConsentChange::Declined => "declined",
            ConsentChange::ScopesChanged => "scopes_changed",
            ConsentChange::Renewed => "renewed",
            ConsentChange::Revoked => "revoked",
            ConsentChange::HandedOver => "handed_over",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentChange> {
        [
            ConsentChange::Invited,
            ConsentChange::Claimed,
            ConsentChange::Given,
            ConsentChange::Declined,
            ConsentChange::ScopesChanged,
            ConsentChange::Renewed,
            ConsentChange::Revoked,
            ConsentChange::HandedOver,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Who made a change to a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangedBy {
    You,
    /// A coach or coordinator of the organisation.
    Organisation,
}

/// One change in the history of a consent: what, when, by whom, and where it left the consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentEvent {
    #[serde(serialize_with = "crate::json::timestamp")]
    pub at: DateTime<Utc>,
    pub change: ConsentChange,
    pub by: ChangedBy,
    /// The scopes granted after this change.
    pub scopes: Vec<Scope>,
    /// The responsible coach after this change.
    pub coach_name: Option<String>,
}

crate::paging::page!(
    /// A page of a consent's history, newest first.
    ConsentEventPage of ConsentEvent
);

// ---- Token exchange -------------------------------------------------------------------------

/// RFC 8693 token exchange: the coach (signed in with their own token) asks to act for a youth.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenExchangeBody {
    /// `urn:ietf:params:oauth:grant-type:token-exchange`
    #[schema(example = "urn:ietf:params:oauth:grant-type:token-exchange")]
    pub grant_type: String,
    /// The youth to act for.
    pub subject_id: AccountId,
    /// Space-separated scopes to narrow the token to; all the youth granted when left out. A
    /// scope the youth did not grant (or that does not exist) is refused: `scope_not_granted`.
    #[schema(max_length = 200, example = "view_profile edit_profile")]
    pub scope: Option<String>,
}

/// The coach acting.
#[derive(Debug, Serialize, ToSchema)]
pub struct Actor {
    pub coach_id: AccountId,
    pub organisation_id: OrganisationId,
}

/// A short-lived access token to act for a youth (no refresh token: exchange again).
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegatedToken {
    pub access_token: String,
    /// `urn:ietf:params:oauth:token-type:access_token`
    pub issued_token_type: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds, at most 900.
    pub expires_in: u64,
    /// The scopes the token carries, space separated.
    pub scope: String,
    pub subject_id: AccountId,
    pub act: Actor,
}

// ---- Caseload -------------------------------------------------------------------------------

/// How to order the caseload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseloadSort {
    /// Quietest first (never active first).
    #[default]
    LastActive,
    Name,
    /// Soonest follow-up first (none last).
    FollowUp,
    /// Soonest consent expiry first.
    ConsentExpiry,
}

/// Filters of the caseload.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseloadFilter {
    /// Only youth without activity (swipe or sign-in) for this many days.
    #[param(nullable = false, minimum = 1, maximum = 365)]
    pub quiet_days: Option<u16>,
    /// Only youth with a match where the employer wrote and the youth has not replied.
    #[param(nullable = false)]
    pub match_without_reply: Option<bool>,
    /// Only the caller's own youth (coordinators see the whole organisation otherwise).
    #[param(nullable = false)]
    pub mine: Option<bool>,
    #[param(nullable = false, inline)]
    pub sort: Option<CaseloadSort>,
}

/// Which follow-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Follow-up date before today.
    Overdue,
    /// Follow-up date from today to Sunday.
    ThisWeek,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpFilter {
    #[param(inline)]
    pub due: Due,
}

/// The coach responsible.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoachSummary {
    pub id: AccountId,
    pub name: String,
}

/// One youth in the caseload.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadEntry {
    pub youth_id: AccountId,
    pub first_name: String,
    pub last_name: Option<String>,
    pub consent_id: ConsentId,
    pub coach: Option<CoachSummary>,
    pub scopes: Vec<Scope>,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub consent_expires_at: DateTime<Utc>,
    pub profile_complete: bool,
    pub missing: Vec<Missing>,
    pub status: ProfileStatus,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub last_active_at: Option<DateTime<Utc>>,
    pub likes_this_week: u32,
    pub passes_this_week: u32,
    pub matches: u32,
    /// Matches with at least one message.
    pub open_conversations: u32,
    /// Messages from employers the youth has not read.
    pub unread_messages: u32,
    /// A match where the employer's last message has no reply.
    pub match_without_reply: bool,
    pub follow_up_on: Option<NaiveDate>,
}

crate::paging::page!(
    /// A page of the caseload.
    CaseloadPage of CaseloadEntry
);

/// Set or clear the next follow-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseloadPatch {
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable = true)]
    pub follow_up_on: Option<Option<NaiveDate>>,
}

/// A note on a youth.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// Plain text; line breaks are kept.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Note {
    pub id: NoteId,
    pub author_name: Option<String>,
    /// Written by the caller.
    pub mine: bool,
    pub text: String,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
}

crate::paging::page!(
    /// A page of notes, newest first.
    NotePage of Note
);

// ---- Handing one youth over -----------------------------------------------------------------

/// Where a handover stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverStatus {
    Pending,
    Accepted,
    Declined,
    /// Replaced by a newer handover of the same youth.
    Withdrawn,
}

/// One youth offered to another coach of the organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Handover {
    pub id: crate::db::ids::HandoverId,
    pub youth_id: AccountId,
    pub youth_first_name: String,
    pub from_coach: Option<CoachSummary>,
    pub to_coach: CoachSummary,
    pub reason: String,
    pub status: HandoverStatus,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub decided_at: Option<DateTime<Utc>>,
}

crate::paging::page!(
    /// A page of handovers waiting for the caller's answer, oldest first.
    HandoverPage of Handover
);

// ---- Selection by characteristics -------------------------------------------------------

/// Select youth of the caseload by characteristics. Every filter is optional; all given must
/// hold. `benefit`, `work_limitation` and `participation_step_*` are for `uwv` and
/// `municipality` organisations only, and select only among youth who granted
/// `view_sensitive`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchFilter {
    /// Age in whole years today, at least.
    #[param(nullable = false, minimum = 15, maximum = 30)]
    pub age_min: Option<u8>,
    /// Age in whole years today, at most.
    #[param(nullable = false, minimum = 15, maximum = 30)]
    pub age_max: Option<u8>,
    #[param(nullable = false, inline)]
    pub education_level: Option<crate::work::EducationLevel>,
    /// With (true) or without (false) a start qualification (havo, vwo, or mbo level 2 and up).
    #[param(nullable = false)]
    pub start_qualification: Option<bool>,
    /// Youth who want this kind of work.
    #[param(nullable = false, inline)]
    pub kind: Option<crate::work::WorkKind>,
    /// Youth whose hours overlap `hours_min`..`hours_max`.
    #[param(nullable = false, minimum = 1, maximum = 40)]
    pub hours_min: Option<u8>,
    #[param(nullable = false, minimum = 1, maximum = 40)]
    pub hours_max: Option<u8>,
    /// With `lon` and `radius_km`: youth within the radius of this place.
    #[param(nullable = false, minimum = -90.0, maximum = 90.0)]
    pub lat: Option<f64>,
    #[param(nullable = false, minimum = -180.0, maximum = 180.0)]
    pub lon: Option<f64>,
    #[param(nullable = false, minimum = 1, maximum = 200)]
    pub radius_km: Option<u16>,
    /// Competence codes separated by commas: youth who have all of them.
    #[param(nullable = false, max_length = 600, pattern = "^[a-z_]+(,[a-z_]+)*$")]
    pub competences: Option<String>,
    /// Youth available from this date or earlier (or from now).
    #[param(nullable = false)]
    pub available_by: Option<NaiveDate>,
    /// Youth active (signed in, swiped or wrote) in the last this many days.
    #[param(nullable = false, minimum = 1, maximum = 365)]
    pub active_within_days: Option<u16>,
    /// `uwv` and `municipality` only.
    #[param(nullable = false, inline)]
    pub benefit: Option<crate::youth::model::Benefit>,
    /// `uwv` and `municipality` only.
    #[param(nullable = false)]
    pub work_limitation: Option<bool>,
    /// `uwv` and `municipality` only: step on the participation ladder, at least.
    #[param(nullable = false, minimum = 1, maximum = 6)]
    pub participation_step_min: Option<u8>,
    /// `uwv` and `municipality` only: step on the participation ladder, at most.
    #[param(nullable = false, minimum = 1, maximum = 6)]
    pub participation_step_max: Option<u8>,
}

impl SearchFilter {
    /// Whether a filter on sensitive characteristics is asked.
    pub fn is_sensitive(&self) -> bool {
        self.benefit.is_some()
            || self.work_limitation.is_some()
            || self.participation_step_min.is_some()
            || self.participation_step_max.is_some()
    }

    /// The filters given, as `name=value` pairs in a fixed order (for the audit line).
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        };
        add("age_min", self.age_min.map(|v| v.to_string()));
        add("age_max", self.age_max.map(|v| v.to_string()));
        add(
            "education_level",
            self.education_level.map(|v| v.as_str().to_owned()),
        );
        add(
            "start_qualification",
            self.start_qualification.map(|v| v.to_string()),
        );
        add("kind", self.kind.map(|v| plain(&v)));
        add("hours_min", self.hours_min.map(|v| v.to_string()));
        add("hours_max", self.hours_max.map(|v| v.to_string()));
        add("lat", self.lat.map(|v| format!("{v:.3}")));
        add("lon", self.lon.map(|v| format!("{v:.3}")));
        add("radius_km", self.radius_km.map(|v| v.to_string()));
        add("competences", self.competences.clone());
        add("available_by", self.available_by.map(|v| v.to_string()));
        add(
            "active_within_days",
            self.active_within_days.map(|v| v.to_string()),
        );
        add("benefit", self.benefit.map(|v| v.as_str().to_owned()));
        add(
            "work_limitation",
            self.work_limitation.map(|v| v.to_string()),
        );
        add(
            "participation_step_min",
            self.participation_step_min.map(|v| v.to_string()),
        );
        add(
            "participation_step_max",
            self.participation_step_max.map(|v| v.to_string()),
        );
        parts.join("&")
    }

    /// The names of the sensitive filters given (what the youth's log says they were
    /// selected by, without the values).
    pub fn sensitive_names(&self) -> String {
        [
            ("benefit", self.benefit.is_some()),
            ("work_limitation", self.work_limitation.is_some()),
            (
                "participation_step",
                self.participation_step_min.is_some() || self.participation_step_max.is_some(),
            ),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| n)
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// An enum's wire name.
fn plain(v: &impl Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
