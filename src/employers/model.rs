//! Organisation and vacancy types: wire shapes, the vacancy status machine, validation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::model::{Language, MemberRole};
use crate::db::ids::{AccountId, OrganisationId, VacancyId};
use crate::work::{EducationLevel, WorkKind};
use crate::youth::model::Location;

// ---- Organisations ------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    /// Chamber of Commerce (KvK) number.
    pub kvk_number: Option<String>,
    pub city: String,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    /// Your role in this organisation.
    pub your_role: MemberRole,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// 8 digits; `null` removes it.
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{8}$")]
    pub kvk_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub city: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub account_id: AccountId,
    pub name: String,
    pub email: String,
    pub role: MemberRole,
}

/// Invite a colleague by email.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationBody {
    #[schema(format = Email, max_length = 254, example = "collega@korenschoof.nl")]
    pub email: String,
}

/// Accept an invitation with the token from its mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    #[schema(max_length = 200)]
    pub token: String,
}

/// Register as a new employer account through an invitation; the email is the invited one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInvited {
    #[schema(max_length = 200)]
    pub token: String,
    #[schema(min_length = 10, max_length = 128, pattern = r"\S")]
    pub password: String,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub contact_name: String,
    pub language: Option<Language>,
}

// ---- Vacancy status -----------------------------------------------------------------------

/// The stored status of a vacancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VacancyStatus {
    Draft,
    Open,
    Paused,
    Closed,
    Filled,
}

impl VacancyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VacancyStatus::Draft => "draft",
            VacancyStatus::Open => "open",
            VacancyStatus::Paused => "paused",
            VacancyStatus::Closed => "closed",
            VacancyStatus::Filled => "filled",
        }
    }

    pub fn parse(s: &str) -> Option<VacancyStatus> {
        [
            VacancyStatus::Draft,
            VacancyStatus::Open,
            VacancyStatus::Paused,
            VacancyStatus::Closed,
            VacancyStatus::Filled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// The status as owners see it: an open vacancy past its expiry shows as `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShownStatus {
    Draft,
    Open,
    Paused,
    Closed,
    Filled,
    Expired,
}

impl ShownStatus {
    pub fn of(status: VacancyStatus, expired: bool) -> ShownStatus {
        match status {
            VacancyStatus::Open if expired => ShownStatus::Expired,
            VacancyStatus::Draft => ShownStatus::Draft,
            VacancyStatus::Open => ShownStatus::Open,
            VacancyStatus::Paused => ShownStatus::Paused,
            VacancyStatus::Closed => ShownStatus::Closed,
            VacancyStatus::Filled => ShownStatus::Filled,
        }
    }

    /// The status machine: draft → open; open ↔ paused; open, paused or expired → closed or
    /// filled; an expired vacancy can be opened again (with a new expiry). Closed and filled
    /// are final. Staying in the same status is allowed (and changes nothing).
    pub fn can_become(self, to: VacancyStatus) -> bool {
        use ShownStatus as S;
        use VacancyStatus as V;
        matches!(
            (self, to),
            (S::Draft, V::Draft)
                | (S::Open, V::Open)
                | (S::Paused, V::Paused)
                | (S::Closed, V::Closed)
                | (S::Filled, V::Filled)
                | (S::Draft, V::Open)
                | (S::Open, V::Paused)
                | (S::Paused, V::Open)
                | (S::Expired, V::Open)
                | (S::Open | S::Paused | S::Expired, V::Closed | V::Filled)
        )
    }

    pub fn is_final(self) -> bool {
        matches!(self, ShownStatus::Closed | ShownStatus::Filled)
    }
}

/// What a new vacancy can start as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewVacancyStatus {
    #[default]
    Draft,
    Open,
}

// ---- Vacancies ----------------------------------------------------------------------------

/// A vacancy. Fields marked "members only" are null for anyone outside the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vacancy {
    pub id: VacancyId,
    pub organisation: OrganisationSummary,
    pub title: String,
    pub description: String,
    /// Occupation code (see `GET /v1/occupations`).
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
    pub location: Location,
    /// Only youth within this distance see it (besides their own search radius).
    pub max_distance_km: Option<u8>,
    pub minimum_education: Option<EducationLevel>,
    /// True unless the minimum education demands a start qualification: by default a
    /// vacancy is open to youth without one.
    pub open_to_youth_without_start_qualification: bool,
    pub start_date: Option<NaiveDate>,
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Members only.
    pub status: Option<ShownStatus>,
    /// Members only: days an opened vacancy stays up.
    pub valid_days: Option<u8>,
    /// Members only.
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub published_at: Option<DateTime<Utc>>,
    /// Members only.
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    /// Members only.
    #[serde(serialize_with = "crate::json::opt_timestamp")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The intermediary that posted it for the organisation ("posted by … for …"); null when
    /// the organisation posted it itself.
    pub posted_by: Option<OrganisationSummary>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationSummary {
    pub id: OrganisationId,
    pub name: String,
    pub city: String,
}

crate::paging::page!(
    /// One page of vacancies, newest first.
    VacancyPage of Vacancy
);

crate::paging::page!(
    /// One page of an organisation's members, owners first, then by when they joined.
    MemberPage of Member
);

/// A new vacancy.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVacancy {
    #[schema(
        min_length = 3,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Medewerker bakkerij (BBL)"
    )]
    pub title: String,
    /// Plain text; line breaks are kept.
    #[schema(
        min_length = 20,
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub description: String,
    #[schema(value_type = crate::competences::occupations::OccupationCode)]
    pub occupation: String,
    /// 1 to 8 codes, most important first; the occupation's competences when left out.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = vacancy_competences_schema)]
    pub competences: Option<Vec<String>>,
    pub kind: WorkKind,
    #[serde(deserialize_with = "crate::json::u8_int")]
    #[schema(minimum = 1, maximum = 40)]
    pub hours_min: u8,
    /// At least `hours_min`.
    #[serde(deserialize_with = "crate::json::u8_int")]
    #[schema(minimum = 1, maximum = 40)]
    pub hours_max: u8,
    /// 1 when left out.
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 100)]
    pub positions: Option<u8>,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Eindhoven"
    )]
    pub place_name: String,
    pub location: Location,
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 100)]
    pub max_distance_km: Option<u8>,
    pub minimum_education: Option<EducationLevel>,
    pub start_date: Option<NaiveDate>,
    /// Days the vacancy stays up once opened: 1 to 180, 60 when left out.
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 180)]
    pub valid_days: Option<u8>,
    /// `draft` (default) or `open` (publish at once).
    #[serde(default)]
    pub status: NewVacancyStatus,
    /// Coaches: the employer client to post for (an active client of your organisation).
    /// Employers leave it out (or give their own organisation).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, value_type = Option<uuid::Uuid>)]
    pub organisation_id: Option<String>,
}

/// A partial update; `status` moves the vacancy through its status machine.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VacancyPatch {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 3,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 20,
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, value_type = crate::competences::occupations::OccupationCode)]
    pub occupation: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, schema_with = vacancy_competences_schema)]
    pub competences: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub kind: Option<WorkKind>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 40)]
    pub hours_min: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 40)]
    pub hours_max: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 100)]
    pub positions: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub place_name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub location: Option<Location>,
    /// `null` removes the limit.
    #[serde(default, deserialize_with = "crate::json::double_option_u8")]
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 100)]
    pub max_distance_km: Option<Option<u8>>,
    /// `null` removes the minimum.
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<EducationLevel>)]
    pub minimum_education: Option<Option<EducationLevel>>,
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 180)]
    pub valid_days: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub status: Option<VacancyStatus>,
}

/// 1 to 8 distinct competence codes.
pub fn vacancy_competences_schema() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("CompetenceCode"))
        .min_items(Some(1))
        .max_items(Some(8))
        .unique_items(true)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_machine_allows_exactly_these_moves() {
        use ShownStatus as S;
        use VacancyStatus as V;
        let from = [
            S::Draft,
            S::Open,
            S::Paused,
            S::Closed,
            S::Filled,
            S::Expired,
        ];
        let to = [V::Draft, V::Open, V::Paused, V::Closed, V::Filled];
        let allowed = [
            (S::Draft, V::Draft),
            (S::Draft, V::Open),
            (S::Open, V::Open),
            (S::Open, V::Paused),
            (S::Open, V::Closed),
            (S::Open, V::Filled),
            (S::Paused, V::Paused),
            (S::Paused, V::Open),
            (S::Paused, V::Closed),
            (S::Paused, V::Filled),
            (S::Closed, V::Closed),
            (S::Filled, V::Filled),
            (S::Expired, V::Open),
            (S::Expired, V::Closed),
            (S::Expired, V::Filled),
        ];
        for f in from {
            for t in to {
                assert_eq!(f.can_become(t), allowed.contains(&(f, t)), "{f:?} -> {t:?}");
            }
        }
    }
}
