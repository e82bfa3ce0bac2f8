//! Placements, aftercare and output reports, as the API shows them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::ids::{AccountId, IntroductionId, MatchId, OrganisationId, PlacementId};
use crate::json::wire_enum;

wire_enum!(
    /// What a youth started.
    PlacementKind {
        Job = "job",
        Internship = "internship",
        /// A BBL learning-work job: four days at work, one at school.
        Bbl = "bbl",
        SideJob = "side_job",
        BackToSchool = "back_to_school",
    }
);

wire_enum!(
    /// The contract of a placement.
    ContractType {
        FixedTerm = "fixed_term",
        Permanent = "permanent",
        OnCall = "on_call",
        Apprenticeship = "apprenticeship",
    }
);

wire_enum!(
    /// How a placement goes, at a follow-up.
    Progress {
        OnTrack = "on_track",
        AtRisk = "at_risk",
        Ended = "ended",
    }
);

wire_enum!(
    /// Why a placement ended.
    EndReason {
        /// The youth left.
        Left = "left",
        ContractEnded = "contract_ended",
        Dismissed = "dismissed",
        BackToSchool = "back_to_school",
        Other = "other",
    }
);

wire_enum!(
    /// Who recorded or confirmed: the youth, the employer or the placing coach.
    PlacementSide {
        Youth = "youth",
        Employer = "employer",
        Coach = "coach",
    }
);

wire_enum!(
    /// Whether a placement is still running.
    PlacementStatus {
        Active = "active",
        Ended = "ended",
    }
);

/// Record a placement. A youth records their own (from one of their matches, or anywhere
/// with `organisation_name`); an employer from a match of theirs (`match_id`); a coach for a
/// youth of their caseload (`youth_id`), from a match, an introduction of their organisation,
/// or their own knowledge (`organisation_name`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlacement {
    /// Coaches: the youth placed.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub youth_id: Option<AccountId>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub match_id: Option<MatchId>,
    /// Coaches: an introduction of their organisation.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub introduction_id: Option<IntroductionId>,
    pub kind: PlacementKind,
    /// The employer or school, when there is no match or introduction to take it from.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, min_length = 1, max_length = 120)]
    pub organisation_name: Option<String>,
    /// Within a year before or after today.
    pub start_date: NaiveDate,
    /// When known (a fixed term, an internship).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(minimum = 1, maximum = 40, nullable = false)]
    pub hours_per_week: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub contract: Option<ContractType>,
}

/// Who confirmed a placement, per party (null: not confirmed yet, or no such party).
#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmations {
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub youth: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub employer: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub coach: Option<DateTime<Utc>>,
}

/// One aftercare follow-up of a placement.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    /// 2, 6 or 13 weeks after the start.
    pub week: u8,
    pub due_on: NaiveDate,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub answered_at: Option<DateTime<Utc>>,
    pub progress: Option<Progress>,
    pub reason: Option<EndReason>,
    pub note: Option<String>,
}

/// A placement, as its parties see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Placement {
    pub id: PlacementId,
    pub youth_id: AccountId,
    /// Coaches and employers: the youth's name; null for the youth.
    pub youth_name: Option<String>,
    pub kind: PlacementKind,
    pub organisation_name: String,
    /// The employer's organisation, when it is in werkmatch.
    pub employer_id: Option<OrganisationId>,
    /// The intermediary whose coach follows it up.
    pub intermediary_id: Option<OrganisationId>,
    pub match_id: Option<MatchId>,
    pub introduction_id: Option<IntroductionId>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub hours_per_week: Option<u8>,
    pub contract: Option<ContractType>,
    pub recorded_as: PlacementSide,
    pub confirmed_by: Confirmations,
    /// Every party (the youth, the employer if in werkmatch, the coach if any) confirmed.
    pub confirmed: bool,
    pub status: PlacementStatus,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub reopened_at: Option<DateTime<Utc>>,
    /// The placing coach's aftercare (empty without a coach).
    pub follow_ups: Vec<FollowUp>,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
}

crate::paging::page!(
    /// A page of placements, newest first.
    PlacementPage of Placement
);

/// A coach's answer at a follow-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpAnswer {
    /// 2, 6 or 13.
    #[schema(minimum = 2, maximum = 13)]
    pub week: u8,
    pub progress: Progress,
    /// Required when `progress` is `ended`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub reason: Option<EndReason>,
    /// The last day, when `ended`; today when left out.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub ended_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, max_length = 2000)]
    pub note: Option<String>,
}

/// A follow-up on a coach's list: the placement it belongs to and when it is due.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueFollowUp {
    pub placement_id: PlacementId,
    pub youth_id: AccountId,
    pub youth_name: String,
    pub organisation_name: String,
    pub kind: PlacementKind,
    pub week: u8,
    pub due_on: NaiveDate,
}

crate::paging::page!(
    /// A page of follow-ups, the earliest due first.
    DueFollowUpPage of DueFollowUp
);

/// Which follow-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpDue {
    /// Due before today and not answered.
    Overdue,
    /// Due by Sunday and not answered (overdue ones too).
    ThisWeek,
    /// Every one not answered.
    Open,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpDueFilter {
    #[param(inline)]
    pub due: FollowUpDue,
}

// ---- Output reports -------------------------------------------------------------------

wire_enum!(
    /// What a report's rows are.
    ReportGrouping {
        /// The months of the year (each figure by the month it happened in).
        Month = "month",
        /// 15–17, 18–20, 21–23, 24–27 (age today), or unknown.
        AgeBand = "age_band",
        /// yes, no, unknown.
        StartQualification = "start_qualification",
        /// The kind of work the youth looks for (the first of job, BBL, internship, side job).
        Kind = "kind",
        /// The place the youth gave, as they wrote it (free text: the same place may be
        /// spelled several ways); `province` groups by where they live.
        Region = "region",
        /// `uwv` and `municipality` only; `not_shared` for youth without `view_sensitive`.
        Benefit = "benefit",
        /// `uwv` and `municipality` only; `not_shared` for youth without `view_sensitive`.
        WorkLimitation = "work_limitation",
        /// The province the youth's location is in (Drenthe, Flevoland, Fryslân, Gelderland,
        /// Groningen, Limburg, Noord-Brabant, Noord-Holland, Overijssel, Utrecht, Zeeland,
        /// Zuid-Holland), `abroad`, or `unknown` without a location. Found on a grid of
        /// 1 km cells, each the province of its nearest place of 500 inhabitants or more
        /// (GeoNames): every such place falls in its own province; a location between places
        /// within a kilometre or two of a border may fall in the neighbouring one.
        Province = "province",
    }
);

/// Which report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The calendar year (reports cover whole years, so that two reports cannot be
    /// subtracted to single out a few youth); this year when left out.
    #[param(nullable = false, minimum = 2016, maximum = 2100)]
    pub year: Option<i32>,
    /// `month` when left out.
    #[param(nullable = false, inline)]
    pub group_by: Option<ReportGrouping>,
}

/// One figure: its value, or suppressed (fewer than `min_cell` youth, or needed to keep a
/// suppressed figure from following from the total).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ReportCell {
    /// Null when suppressed.
    pub value: Option<u64>,
    pub suppressed: bool,
}

/// The figures of one group (or of all of them: the total).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportRow {
    /// The group: a month (`2026-03`), an age band, `yes`/`no`/`unknown`, a kind of work, a
    /// place, a benefit; `total` for the total.
    pub group: String,
    /// Youth who registered.
    pub registrations: ReportCell,
    /// Of those, with a complete profile (competences, place, hours, kinds, birth date).
    pub profiles_complete: ReportCell,
    /// Youth who liked or passed a vacancy.
    pub active_youth: ReportCell,
    pub likes: ReportCell,
    pub matches: ReportCell,
    /// Matches with at least one message.
    pub conversations: ReportCell,
    pub introductions: ReportCell,
    pub placements_started: ReportCell,
    /// Placements started that still ran 13 weeks after their start.
    pub placements_running_13_weeks: ReportCell,
    /// Median days from registration to the first match, of the youth who registered.
    pub median_days_to_first_match: ReportCell,
    /// Median days from registration to the start of the first placement.
    pub median_days_to_placement: ReportCell,
}

/// Output monitoring: what the caseload (or, for admins, everyone) did in a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeReport {
    pub year: i32,
    pub group_by: ReportGrouping,
    /// The intermediary whose caseload it covers; null for an admin's report of everyone.
    pub organisation_id: Option<OrganisationId>,
    /// Figures of fewer youth than this are suppressed.
    pub min_cell: u32,
    pub rows: Vec<ReportRow>,
    pub total: ReportRow,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::wire_names_agree;

    #[test]
    fn wire_names_agree_with_the_stored_ones() {
        let checks = [
            wire_names_agree(PlacementKind::ALL, PlacementKind::as_str),
            wire_names_agree(ContractType::ALL, ContractType::as_str),
            wire_names_agree(Progress::ALL, Progress::as_str),
            wire_names_agree(EndReason::ALL, EndReason::as_str),
            wire_names_agree(PlacementSide::ALL, PlacementSide::as_str),
            wire_names_agree(PlacementStatus::ALL, PlacementStatus::as_str),
            wire_names_agree(ReportGrouping::ALL, ReportGrouping::as_str),
        ];
        for check in checks {
            assert_eq!(check, Ok(()));
        }
    }
}
