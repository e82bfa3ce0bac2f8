//! Youth profile types: the wire shapes of the one registration form, and their validation.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::model::parse_text;
use crate::error::FieldError;
use crate::work::{EducationLevel, WorkKind};

/// Active profiles are shown to employers and get a feed; paused ones are hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfileStatus {
    #[default]
    Active,
    Paused,
}

impl ProfileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileStatus::Active => "active",
            ProfileStatus::Paused => "paused",
        }
    }
    pub fn parse(s: &str) -> ProfileStatus {
        if s == "paused" {
            ProfileStatus::Paused
        } else {
            ProfileStatus::Active
        }
    }
}

/// A place as the phone reports it (WGS84 degrees), within the Netherlands and its border region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[schema(minimum = 50.5, maximum = 53.8, example = 51.4416)]
    pub lat: f64,
    #[schema(minimum = 3.0, maximum = 7.5, example = 5.4697)]
    pub lon: f64,
}

impl Location {
    /// The Netherlands (50.75–53.55 N, 3.36–7.23 E) plus a border region of about 20 km.
    pub const LAT: (f64, f64) = (50.5, 53.8);
    pub const LON: (f64, f64) = (3.0, 7.5);

    pub fn check(self, errors: &mut Vec<FieldError>, field: &str) -> Option<Location> {
        let ok = |v: f64, (lo, hi): (f64, f64)| v.is_finite() && (lo..=hi).contains(&v);
        if ok(self.lat, Self::LAT) && ok(self.lon, Self::LON) {
            Some(self)
        } else {
            errors.push(FieldError::new(
                field,
                "outside_service_area",
                "must be in the Netherlands or its border region",
            ));
            None
        }
    }
}

/// The profile form (`PUT` replaces it whole; competences and texts have their own endpoints).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileForm {
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Sanne"
    )]
    pub first_name: String,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "de Vries"
    )]
    pub last_name: String,
    /// Age 15 to 30 on the day of saving.
    #[schema(example = "2007-05-14")]
    pub birth_date: NaiveDate,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Eindhoven"
    )]
    pub place_name: String,
    pub location: Location,
    /// Kilometres; 25 when left out.
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 100, example = 25)]
    pub search_radius_km: Option<u8>,
    pub education_level: EducationLevel,
    #[serde(deserialize_with = "crate::json::u8_int")]
    #[schema(minimum = 1, maximum = 40, example = 16)]
    pub hours_min: u8,
    /// At least `hours_min`.
    #[serde(deserialize_with = "crate::json::u8_int")]
    #[schema(minimum = 1, maximum = 40, example = 32)]
    pub hours_max: u8,
    #[schema(example = "2027-02-01")]
    pub available_from: Option<NaiveDate>,
    /// At least one, no repeats.
    #[schema(schema_with = kinds_schema)]
    pub kinds: Vec<WorkKind>,
    #[serde(default)]
    pub driving_licence: bool,
    /// ISO 639-1 codes, e.g. `nl`, `en`, `ar`, `tr`, `pl`.
    #[serde(default)]
    #[schema(schema_with = languages_schema)]
    pub languages: Vec<String>,
    /// Up to 10 short interests, shown in the generated text.
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<InterestText>, example = json!(["voetbal", "koken"]))]
    pub interests: Vec<String>,
    #[schema(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub about: Option<String>,
    /// A short pitch for employers.
    #[schema(
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub pitch: Option<String>,
    #[serde(default)]
    pub status: ProfileStatus,
}

/// A partial update: fields left out stay as they are; `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub birth_date: Option<NaiveDate>,
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
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 100)]
    pub search_radius_km: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub education_level: Option<EducationLevel>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 40)]
    pub hours_min: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::present_u8_int")]
    #[schema(nullable = false, minimum = 1, maximum = 40)]
    pub hours_max: Option<u8>,
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub available_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, schema_with = kinds_schema)]
    pub kinds: Option<Vec<WorkKind>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub driving_licence: Option<bool>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, schema_with = languages_schema)]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, max_items = 10, value_type = Option<Vec<InterestText>>)]
    pub interests: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub about: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::double_option")]
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub pitch: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub status: Option<ProfileStatus>,
}

/// The ordered competences of a profile: 3 to 10 catalogue codes, most important first.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetencesBody {
    #[schema(schema_with = competence_list_schema)]
    pub competences: Vec<String>,
}

/// The youth's own version of the profile text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileTextBody {
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub text: String,
}

/// What is still needed before a profile gets a feed and is shown to employers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    LastName,
    BirthDate,
    PlaceName,
    Location,
    EducationLevel,
    Hours,
    Kinds,
    Competences,
}

/// A youth's own profile. Sensitive characteristics are never part of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub first_name: String,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u8>,
    pub place_name: Option<String>,
    pub location: Option<Location>,
    pub search_radius_km: u8,
    pub education_level: Option<EducationLevel>,
    /// Derived from the education level: havo, vwo, mbo 2 or higher.
    pub has_start_qualification: Option<bool>,
    pub hours_min: Option<u8>,
    pub hours_max: Option<u8>,
    pub available_from: Option<NaiveDate>,
    pub kinds: Vec<WorkKind>,
    pub driving_licence: bool,
    pub languages: Vec<String>,
    pub interests: Vec<String>,
    pub about: Option<String>,
    pub pitch: Option<String>,
    pub status: ProfileStatus,
    /// Competence codes, most important first.
    #[schema(value_type = Vec<crate::competences::catalogue::CompetenceCode>)]
    pub competences: Vec<String>,
    /// The last text from the competence generator.
    pub generated_text: Option<String>,
    /// The youth's own edit, kept apart from the generated text.
    pub edited_text: Option<String>,
    /// What employers see: the edit if there is one, else the generated text.
    pub profile_text: Option<String>,
    /// True when nothing is missing.
    pub complete: bool,
    pub missing: Vec<Missing>,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The last change a coach made on the youth's behalf; `null` when none did.
    pub changed_by_coach: Option<CoachChange>,
}

/// Something a coach did on the youth's behalf (a profile change, a like): which
/// organisation the coach acted for, and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoachChange {
    /// The coach's organisation.
    pub organisation: String,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub at: DateTime<Utc>,
}

/// Whole years between `birth` and `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The profile form's fields after validation.
#[derive(Debug, Clone)]
pub struct ValidForm {
    pub first_name: String,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub place_name: Option<String>,
    pub location: Option<Location>,
    pub search_radius_km: u8,
    pub education_level: Option<EducationLevel>,
    pub hours: Option<(u8, u8)>,
    pub available_from: Option<NaiveDate>,
    pub kinds: Vec<WorkKind>,
    pub driving_licence: bool,
    pub languages: Vec<String>,
    pub interests: Vec<String>,
    pub about: Option<String>,
    pub pitch: Option<String>,
    pub status: ProfileStatus,
}

fn optional_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value?;
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    if !crate::auth::model::is_plain_text(&value) {
        errors.push(FieldError::new(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
        return None;
    }
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Every rule of the profile form, applied to the merged result of a PUT or PATCH.
#[allow(clippy::too_many_arguments)]
pub fn validate(
    errors: &mut Vec<FieldError>,
    today: NaiveDate,
    first_name: &str,
    last_name: Option<&str>,
    birth_date: Option<NaiveDate>,
    place_name: Option<&str>,
    location: Option<Location>,
    search_radius_km: u8,
    education_level: Option<EducationLevel>,
    hours: (Option<u8>, Option<u8>),
    available_from: Option<NaiveDate>,
    kinds: Vec<WorkKind>,
    driving_licence: bool,
    languages: Vec<String>,
    interests: Vec<String>,
    about: Option<String>,
    pitch: Option<String>,
    status: ProfileStatus,
) -> ValidForm {
    let first_name = parse_text(errors, "first_name", first_name, 50).unwrap_or_default();
    let last_name = last_name.and_then(|v| parse_text(errors, "last_name", v, 80));
    let place_name = place_name.and_then(|v| parse_text(errors, "place_name", v, 80));
    if let Some(birth) = birth_date {
        let age = age_on(birth, today);
        if !(15..=30).contains(&age) {
            errors.push(FieldError::new(
                "birth_date",
                "age_out_of_range",
                format!("werkmatch is for ages 15 to 30; this birth date gives {age}"),
            ));
        }
    }
    let location = location.and_then(|l| l.check(errors, "location"));
    if !(1..=100).contains(&search_radius_km) {
        errors.push(FieldError::new(
            "search_radius_km",
            "out_of_range",
            "must be 1 to 100 km",
        ));
    }
    let hours = match hours {
        (Some(min), Some(max)) => {
            let mut ok = true;
            for (field, v) in [("hours_min", min), ("hours_max", max)] {
                if !(1..=40).contains(&v) {
                    errors.push(FieldError::new(
                        field,
                        "out_of_range",
                        "must be 1 to 40 hours a week",
                    ));
                    ok = false;
                }
            }
            if ok && min > max {
                errors.push(FieldError::new(
                    "hours_max",
                    "less_than_minimum",
                    "must be at least hours_min",
                ));
                ok = false;
            }
            ok.then_some((min, max))
        }
        (None, None) => None,
        _ => {
            errors.push(FieldError::new(
                "hours_max",
                "incomplete",
                "give both hours_min and hours_max",
            ));
            None
        }
    };
    let mut seen = 0;
    for k in &kinds {
        if seen & k.bit() != 0 {
            errors.push(FieldError::new(
                "kinds",
                "duplicate",
                "lists a kind of work twice",
            ));
        }
        seen |= k.bit();
    }
    if languages.len() > 10 {
        errors.push(FieldError::new(
            "languages",
            "too_many",
            "at most 10 languages",
        ));
    }
    let mut langs: Vec<String> = Vec::new();
    for (i, l) in languages.iter().enumerate() {
        if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            errors.push(FieldError::new(
                format!("languages[{i}]"),
                "invalid_language",
                "must be a two-letter ISO 639-1 code such as nl",
            ));
        } else if langs.contains(l) {
            errors.push(FieldError::new(
                format!("languages[{i}]"),
                "duplicate",
                "lists a language twice",
            ));
        } else {
            langs.push(l.clone());
        }
    }
    if interests.len() > 10 {
        errors.push(FieldError::new(
            "interests",
            "too_many",
            "at most 10 interests",
        ));
    }
    let interests: Vec<String> = interests
        .iter()
        .enumerate()
        .filter_map(|(i, v)| parse_text(errors, &format!("interests[{i}]"), v, 40))
        .collect();
    let about = optional_text(errors, "about", about, 2000);
    let pitch = optional_text(errors, "pitch", pitch, 500);
    ValidForm {
        first_name,
        last_name,
        birth_date,
        place_name,
        location,
        search_radius_km,
        education_level,
        hours,
        available_from,
        kinds,
        driving_licence,
        languages: langs,
        interests,
        about,
        pitch,
        status,
    }
}

// ---- Sensitive characteristics ------------------------------------------------------------

/// The benefit a youth receives: WW (unemployment insurance, UWV), bijstand (social
/// assistance, municipality), Wajong (young disabled persons, UWV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Benefit {
    None,
    Ww,
    Bijstand,
    Wajong,
    Other,
}

impl Benefit {
    pub const ALL: [Benefit; 5] = [
        Benefit::None,
        Benefit::Ww,
        Benefit::Bijstand,
        Benefit::Wajong,
        Benefit::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Benefit::None => "none",
            Benefit::Ww => "ww",
            Benefit::Bijstand => "bijstand",
            Benefit::Wajong => "wajong",
            Benefit::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Benefit> {
        Benefit::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// Sensitive characteristics: special-category data, kept in their own table and shown only
/// here (and, later, to UWV and municipality coaches with consent). Null: not shared.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Sensitive {
    pub benefit: Option<Benefit>,
    /// Whether the youth has a work limitation (arbeidsbeperking).
    pub work_limitation: Option<bool>,
    /// Step on the municipal participation ladder: 1 isolated … 6 paid work.
    #[schema(minimum = 1, maximum = 6)]
    pub participation_ladder_step: Option<u8>,
}

/// What to share of the sensitive characteristics (replaces what was there; left out or null
/// is not shared).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitiveForm {
    pub benefit: Option<Benefit>,
    /// Whether the youth has a work limitation (arbeidsbeperking).
    pub work_limitation: Option<bool>,
    /// Step on the municipal participation ladder: 1 isolated … 6 paid work.
    #[serde(default, deserialize_with = "crate::json::opt_u8_int")]
    #[schema(minimum = 1, maximum = 6)]
    pub participation_ladder_step: Option<u8>,
}

/// Contract type of an interest: a short line of text.
pub struct InterestText;

impl utoipa::PartialSchema for InterestText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(40))
            .pattern(Some(crate::auth::model::LINE_PATTERN))
            .into()
    }
}

impl utoipa::ToSchema for InterestText {}

/// Contract type of a language: an ISO 639-1 code.
pub struct LanguageCode;

impl utoipa::PartialSchema for LanguageCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[a-z]{2}$"))
            .into()
    }
}

impl utoipa::ToSchema for LanguageCode {}

// ---- Array schemas with `uniqueItems` (the derive has no attribute for it) ----------------

fn unique_array(
    items: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    min: usize,
    max: usize,
) -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(items)
        .min_items(Some(min))
        .max_items(Some(max))
        .unique_items(true)
        .build()
}

/// 3 to 10 distinct competence codes.
pub fn competence_list_schema() -> utoipa::openapi::schema::Array {
    unique_array(
        utoipa::openapi::Ref::from_schema_name("CompetenceCode").into(),
        3,
        10,
    )
}

/// 1 to 4 distinct kinds of work.
pub fn kinds_schema() -> utoipa::openapi::schema::Array {
    unique_array(
        utoipa::openapi::Ref::from_schema_name("WorkKind").into(),
        1,
        4,
    )
}

/// 0 to 4 distinct kinds of work.
pub fn optional_kinds_schema() -> utoipa::openapi::schema::Array {
    unique_array(
        utoipa::openapi::Ref::from_schema_name("WorkKind").into(),
        0,
        4,
    )
}

/// 0 to 10 distinct ISO 639-1 codes.
pub fn languages_schema() -> utoipa::openapi::schema::Array {
    use utoipa::PartialSchema;
    unique_array(LanguageCode::schema(), 0, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(age_on(d(2010, 6, 15), d(2025, 6, 14)), 14);
        assert_eq!(age_on(d(2010, 6, 15), d(2025, 6, 15)), 15);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
    }

    #[test]
    fn locations_outside_the_netherlands_are_refused() {
        let mut e = Vec::new();
        assert!(
            Location {
                lat: 52.37,
                lon: 4.89
            }
            .check(&mut e, "l")
            .is_some()
        );
        assert!(
            Location {
                lat: 48.85,
                lon: 2.35
            }
            .check(&mut e, "l")
            .is_none()
        );
        assert!(
            Location {
                lat: f64::NAN,
                lon: 4.0
            }
            .check(&mut e, "l")
            .is_none()
        );
        assert_eq!(e.len(), 2);
    }
}
