//! Matching wire types: feed cards, anonymous candidate cards, swipes, matches, messages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::ids::{MatchId, MessageId, VacancyId};
use crate::employers::model::OrganisationSummary;
use crate::matching::score::Reason;
use crate::work::{EducationLevel, WorkKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Like,
    Pass,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Like => "like",
            Decision::Pass => "pass",
        }
    }
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "like" => Some(Decision::Like),
            "pass" => Some(Decision::Pass),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwipeBody {
    pub decision: Decision,
}

/// The outcome of a swipe. Sending the same swipe again answers the same.
#[derive(Debug, Serialize, ToSchema)]
pub struct SwipeResult {
    pub decision: Decision,
    /// Set when this pair is a match (now or earlier).
    pub match_id: Option<MatchId>,
}

/// Why a card is in the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Why {
    /// Competence codes both sides have, in the vacancy's order.
    #[schema(value_type = Vec<crate::competences::catalogue::CompetenceCode>)]
    pub matched_competences: Vec<String>,
    /// Share of the vacancy's required competences that match, 0 to 1.
    pub coverage: f64,
    pub reasons: Vec<Reason>,
}

/// A vacancy in a youth's feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedCard {
    pub vacancy_id: VacancyId,
    pub title: String,
    pub description: String,
    #[schema(value_type = crate::competences::occupations::OccupationCode)]
    pub occupation: String,
    /// Required competence codes, most important first.
    #[schema(value_type = Vec<crate::competences::catalogue::CompetenceCode>)]
    pub competences: Vec<String>,
    pub kind: WorkKind,
    pub hours_min: u8,
    pub hours_max: u8,
    pub positions: u8,
    pub place_name: String,
    pub minimum_education: Option<EducationLevel>,
    pub open_to_youth_without_start_qualification: bool,
    pub start_date: Option<NaiveDate>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
    pub organisation: OrganisationSummary,
    /// Whole kilometres (at least 1) from the centre of the youth's grid cell of about a
    /// kilometre: the same number the employer sees on the youth's card.
    pub distance_km: f64,
    pub why: Why,
}

crate::paging::page!(
    /// One page of a youth's feed, best first.
    FeedPage of FeedCard
);

/// A youth as an employer sees them before a match: no name, birth date, age, photo, contact
/// details or sensitive characteristics.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateCard {
    /// Stable for this vacancy; meaningless anywhere else.
    pub candidate_id: String,
    #[schema(value_type = Vec<crate::competences::catalogue::CompetenceCode>)]
    pub competences: Vec<String>,
    pub profile_text: Option<String>,
    pub pitch: Option<String>,
    pub education_level: Option<EducationLevel>,
    pub has_start_qualification: Option<bool>,
    pub hours_min: Option<u8>,
    pub hours_max: Option<u8>,
    pub available_from: Option<NaiveDate>,
    pub driving_licence: bool,
    pub languages: Vec<String>,
    /// Whole kilometres (at least 1) from the centre of the youth's grid cell of about a
    /// kilometre, never from their exact position: moving the vacancy and reading this again
    /// cannot locate the youth more closely than that cell.
    pub distance_km: f64,
    pub why: Why,
    /// Set when a coach introduced this youth for the vacancy and the youth said yes: these
    /// cards come first.
    pub introduced_by: Option<CandidateIntroduction>,
}

/// "Introduced by a coach of <organisation>", with the coach's note.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateIntroduction {
    pub organisation_name: String,
    pub note: String,
}

crate::paging::page!(
    /// One page of a vacancy's anonymous candidates: those a coach introduced first, then the
    /// best ranked.
    CandidatePage of CandidateCard
);

/// The other side's contact details, released by the match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub name: String,
    pub email: String,
    /// The organisation, when the contact is an employer.
    pub organisation: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Match {
    pub id: MatchId,
    pub vacancy_id: VacancyId,
    pub vacancy_title: String,
    pub organisation: OrganisationSummary,
    /// The youth's candidate id for this vacancy (for employers; null for the youth).
    pub candidate_id: Option<String>,
    /// The other side; null once the match has ended.
    pub contact: Option<Contact>,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub ended_at: Option<DateTime<Utc>>,
    pub unread_messages: u32,
    /// For the youth: their like that made this match was placed by their coach (which
    /// organisation, and when); null when they liked it themselves, and always null for the
    /// employer.
    pub liked_by_coach: Option<crate::youth::model::CoachChange>,
}

crate::paging::page!(
    /// One page of matches, newest first.
    MatchPage of Match
);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchFilter {
    /// Employers: only the matches of this vacancy.
    #[param(nullable = false, value_type = Option<uuid::Uuid>)]
    pub vacancy_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub text: String,
}

/// How far the reader has read a conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMarker {
    /// The newest message the reader has seen: it and every earlier message of the other side
    /// count as read (a message that arrived after the reader's page stays unread).
    #[schema(value_type = uuid::Uuid)]
    pub up_to: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    /// True for messages you (your side) sent.
    pub mine: bool,
    pub sender_name: Option<String>,
    /// Written by the youth's coach on the youth's behalf (`sender_name` is the coach's).
    pub on_behalf: bool,
    /// Who wrote it: the youth, the employer, or a coach (on the youth's behalf, the
    /// coach who introduced the youth, or a client's recruiter).
    pub author: MessageAuthor,
    pub text: String,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the other side read it.
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub read_at: Option<DateTime<Utc>>,
}

/// Who wrote a message (a three-way thread after an introduction has all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageAuthor {
    Youth,
    Employer,
    Coach,
}

impl MessageAuthor {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageAuthor::Youth => "youth",
            MessageAuthor::Employer => "employer",
            MessageAuthor::Coach => "coach",
        }
    }

    /// A stored message's author; older messages tell by their side and sender.
    pub fn of(row: &crate::matching::store::MessageRow, youth: &crate::db::ids::AccountId) -> Self {
        match row.sender_role.as_deref() {
            Some("youth") => MessageAuthor::Youth,
            Some("employer") => MessageAuthor::Employer,
            Some(_) => MessageAuthor::Coach,
            None if !row.from_youth => MessageAuthor::Employer,
            None if row.sender_id.as_ref() == Some(youth) => MessageAuthor::Youth,
            None => MessageAuthor::Coach,
        }
    }

    /// Whether a coach wrote it on the youth's behalf (with their delegated token).
    pub fn on_behalf(
        row: &crate::matching::store::MessageRow,
        youth: &crate::db::ids::AccountId,
    ) -> bool {
        match row.sender_role.as_deref() {
            Some(role) => role == "coach_on_behalf",
            None => row.from_youth && row.sender_id.as_ref() != Some(youth),
        }
    }
}

crate::paging::page!(
    /// One page of a conversation, newest first.
    MessagePage of Message
);
