//! What the log says, as the youth and an auditor read it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::OrganisationKind;
use crate::db::ids::{AccountId, AuditId, OrganisationId};

/// What was done to the youth's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ViewProfile,
    EditProfile,
    ViewSensitive,
    EditSensitive,
    ViewFeed,
    ViewMatches,
    ViewConversation,
    SwipeOnBehalf,
    MessageOnBehalf,
    EndMatchOnBehalf,
    /// An employer saw the contact details released by a match.
    ViewContact,
    /// A coach opened the youth's caseload entry, notes or follow-up.
    ViewCaseload,
    WriteNote,
    /// A delegated token was issued to act for the youth.
    StartDelegation,
    /// A coach proposed the youth for a vacancy (the object).
    Introduce,
    /// A coach's search by benefit, work limitation or participation step found the youth.
    SelectedByCharacteristic,
    /// A coach searched the caseload (the object holds the filters; the subject is the coach).
    SearchCaseload,
    /// A placement of the youth was recorded, confirmed, followed up or reopened.
    RecordPlacement,
    /// A placement of the youth was read.
    ViewPlacement,
}

impl Action {
    const ALL: [Action; 19] = [
        Action::ViewProfile,
        Action::EditProfile,
        Action::ViewSensitive,
        Action::EditSensitive,
        Action::ViewFeed,
        Action::ViewMatches,
        Action::ViewConversation,
        Action::SwipeOnBehalf,
        Action::MessageOnBehalf,
        Action::EndMatchOnBehalf,
        Action::ViewContact,
        Action::ViewCaseload,
        Action::WriteNote,
        Action::StartDelegation,
        Action::Introduce,
        Action::SelectedByCharacteristic,
        Action::SearchCaseload,
        Action::RecordPlacement,
        Action::ViewPlacement,
    ];

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Done in the youth's name (a change or a step they would otherwise take themself), as
    /// opposed to looking at their data: the log marks these `on_behalf`.
    pub fn in_youths_name(self) -> bool {
        matches!(
            self,
            Action::EditProfile
                | Action::EditSensitive
                | Action::SwipeOnBehalf
                | Action::MessageOnBehalf
                | Action::EndMatchOnBehalf
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewProfile => "view_profile",
            Action::EditProfile => "edit_profile",
            Action::ViewSensitive => "view_sensitive",
            Action::EditSensitive => "edit_sensitive",
            Action::ViewFeed => "view_feed",
            Action::ViewMatches => "view_matches",
            Action::ViewConversation => "view_conversation",
            Action::SwipeOnBehalf => "swipe_on_behalf",
            Action::MessageOnBehalf => "message_on_behalf",
            Action::EndMatchOnBehalf => "end_match_on_behalf",
            Action::ViewContact => "view_contact",
            Action::ViewCaseload => "view_caseload",
            Action::WriteNote => "write_note",
            Action::StartDelegation => "start_delegation",
            Action::Introduce => "introduce",
            Action::SelectedByCharacteristic => "selected_by_characteristic",
            Action::SearchCaseload => "search_caseload",
            Action::RecordPlacement => "record_placement",
            Action::ViewPlacement => "view_placement",
        }
    }
}

/// Why: the purpose the access served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Guidance to work by a coach the youth consented to.
    Coaching,
    /// Contact after a mutual like.
    MatchContact,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Coaching => "coaching",
            Purpose::MatchContact => "match_contact",
        }
    }
}

/// Who accessed, as the youth sees it: the organisation and the role, not the person.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOrganisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

/// One access to the youth's data by someone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub at: DateTime<Utc>,
    /// The organisation of whoever accessed; `null` for werkmatch's own admins.
    pub organisation: Option<AuditOrganisation>,
    /// `coach`, `coordinator`, `employer` or `admin`.
    pub actor_role: String,
    pub action: Action,
    /// What was touched, when it has an id (a match, a vacancy).
    pub object: Option<String>,
    pub purpose: Purpose,
    /// Done in the youth's name (a like, a message, a profile change by a coach).
    pub on_behalf: bool,
}

crate::paging::page!(
    /// A page of audit lines, newest first.
    AuditPage of AuditEntry
);

/// An audit line for an organisation's coordinator or an admin: also who and for whom.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: AuditId,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub at: DateTime<Utc>,
    pub organisation: Option<AuditOrganisation>,
    pub actor_role: String,
    pub action: Action,
    pub object: Option<String>,
    pub purpose: Purpose,
    pub on_behalf: bool,
    /// The account that acted.
    pub actor_id: Option<AccountId>,
    /// The youth whose data it was.
    pub subject_id: AccountId,
    /// The request that did it, to find it in the service's logs.
    pub request_id: String,
}

crate::paging::page!(
    /// A page of audit records, newest first.
    AuditRecordPage of AuditRecord
);

/// How often employers were shown and liked the youth's anonymous card: not personal
/// accesses, so counted rather than logged.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardStats {
    pub shown_to_employers: u64,
    pub liked_by_employers: u64,
}
