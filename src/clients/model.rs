//! Employer clients and introductions, as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::ids::{ClientActivityId, ClientId, IntroductionId, OrganisationId, VacancyId};
use crate::employers::model::OrganisationSummary;
use crate::json::wire_enum;

// ---- Client relations -----------------------------------------------------------------------

wire_enum!(
    /// Where a client relation stands.
    ClientStatus {
        /// Proposed by the intermediary; the employer's owner has not answered.
        Proposed = "proposed",
        /// The intermediary's coaches recruit for the employer.
        Active = "active",
        Declined = "declined",
        Ended = "ended",
    }
);

/// An employer without an account, created by a coach as a client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientOrganisation {
    #[schema(min_length = 1, max_length = 120, example = "Bakkerij De Korenschoof")]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 80,
        example = "Zwolle",
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub city: String,
    /// Eight digits (KvK number), optional.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(pattern = "^[0-9]{8}$", nullable = false)]
    pub kvk_number: Option<String>,
    /// The employer's owner gets a link by mail to claim the organisation; left out, the
    /// intermediary manages the client alone.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(format = Email, max_length = 254, nullable = false)]
    pub owner_email: Option<String>,
}

/// A client relation to propose (`organisation_id`: an employer with an account) or an
/// employer to create as a client (`new_organisation`): exactly one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, value_type = Option<uuid::Uuid>)]
    pub organisation_id: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub new_organisation: Option<NewClientOrganisation>,
    /// Whether the intermediary's coaches may like and pass candidates for the client; the
    /// employer's owner decides for an employer with an account. `false` when left out.
    #[serde(default)]
    pub may_swipe: bool,
}

/// A change to a client relation by the employer's owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    pub may_swipe: bool,
}

/// An intermediary's relation with an employer client, as both sides see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    pub id: ClientId,
    /// The intermediary that recruits.
    pub intermediary: OrganisationSummary,
    /// The employer it recruits for.
    pub employer: OrganisationSummary,
    pub status: ClientStatus,
    pub may_swipe: bool,
    /// False while the employer has no account: the intermediary manages it alone.
    pub claimed: bool,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub ended_at: Option<DateTime<Utc>>,
}

crate::paging::page!(
    /// A page of client relations, newest first.
    ClientPage of Client
);

/// Filter on the list of client relations.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientFilter {
    #[param(nullable = false)]
    pub status: Option<ClientStatus>,
}

wire_enum!(
    /// What an intermediary did for its client.
    ClientAction {
        Proposed = "proposed",
        Created = "created",
        Accepted = "accepted",
        Declined = "declined",
        Ended = "ended",
        SettingsChanged = "settings_changed",
        VacancyCreated = "vacancy_created",
        VacancyChanged = "vacancy_changed",
        VacancyDeleted = "vacancy_deleted",
        CandidateLiked = "candidate_liked",
        CandidatePassed = "candidate_passed",
        MatchesViewed = "matches_viewed",
    }
);

/// One thing done in a client relation, and by which side.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientActivity {
    pub id: ClientActivityId,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub at: DateTime<Utc>,
    pub action: ClientAction,
    /// The name of whoever did it (a coach, or the employer's owner).
    pub actor_name: Option<String>,
    /// What it was done to: a vacancy id, or a candidate id of that vacancy.
    pub object: Option<String>,
}

crate::paging::page!(
    /// A page of what was done in a client relation, newest first.
    ClientActivityPage of ClientActivity
);

// ---- Introductions ----------------------------------------------------------------------

/// A coach proposes a youth of their caseload for a vacancy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntroduction {
    pub vacancy_id: VacancyId,
    /// Why this youth fits; the employer reads it on the anonymous card.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub note: String,
}

wire_enum!(
    /// Where an introduction stands.
    IntroductionStatus {
        /// Waiting for the youth.
        Proposed = "proposed",
        /// The youth liked the vacancy; the employer sees the card first.
        Accepted = "accepted",
        Declined = "declined",
    }
);

wire_enum!(
    /// What the employer did with an accepted introduction.
    IntroductionOutcome {
        Matched = "matched",
        Passed = "passed",
    }
);

/// The vacancy an introduction is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntroducedVacancy {
    pub id: VacancyId,
    pub title: String,
    pub organisation: OrganisationSummary,
    pub place_name: String,
}

/// A coach's proposal of a youth for a vacancy, as the youth and the coaches see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Introduction {
    pub id: IntroductionId,
    pub vacancy: IntroducedVacancy,
    /// The coach's organisation.
    pub introduced_by: IntroducedBy,
    pub note: String,
    pub status: IntroductionStatus,
    /// The employer's answer, once the youth accepted.
    pub outcome: Option<IntroductionOutcome>,
    /// Coaches only: the youth introduced (null for the youth).
    pub youth_id: Option<crate::db::ids::AccountId>,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub answered_at: Option<DateTime<Utc>>,
}

/// Who introduced: the organisation (a youth's card never names the coach to an employer).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntroducedBy {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
}

crate::paging::page!(
    /// A page of introductions, newest first.
    IntroductionPage of Introduction
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::wire_names_agree;

    #[test]
    fn wire_names_agree_with_the_stored_ones() {
        let checks = [
            wire_names_agree(ClientStatus::ALL, ClientStatus::as_str),
            wire_names_agree(ClientAction::ALL, ClientAction::as_str),
            wire_names_agree(IntroductionStatus::ALL, IntroductionStatus::as_str),
            wire_names_agree(IntroductionOutcome::ALL, IntroductionOutcome::as_str),
        ];
        for check in checks {
            assert_eq!(check, Ok(()));
        }
    }
}
