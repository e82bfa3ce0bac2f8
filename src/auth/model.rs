//! Account domain types. Raw request fields are parsed into these once, at the edge; past
//! that point an `Email` is known to be an address and a `Password` to meet the policy.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::ids::{AccountId, OrganisationId};
use crate::error::FieldError;

/// Who an account is. Youth and employers register themselves; intermediaries (coaches) and
/// admins are created by an operator (`werkmatch admin create-user`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Youth,
    Employer,
    Intermediary,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Youth => "youth",
            Role::Employer => "employer",
            Role::Intermediary => "intermediary",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "youth" => Some(Role::Youth),
            "employer" => Some(Role::Employer),
            "intermediary" => Some(Role::Intermediary),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The language of mail and generated texts for an account: Dutch (default) or English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Nl,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Language> {
        match s {
            "nl" => Some(Language::Nl),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header, else Dutch.
    pub fn from_accept_language(header: Option<&str>) -> Language {
        header
            .into_iter()
            .flat_map(|h| h.split(','))
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| Language::parse(tag.split('-').next().unwrap_or_default()))
            .unwrap_or_default()
    }
}

/// The `Accept-Language` request header, declared once for every operation that reads it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // the field is the contract; `LanguageHeader::of` reads the header
pub struct LanguageHeader {
    /// The language of texts in the answer: the first of `nl` or `en` in the list; any other
    /// language falls back to Dutch (`nl`).
    #[param(
        rename = "Accept-Language",
        nullable = false,
        example = "en-GB,en;q=0.9"
    )]
    accept_language: Option<String>,
}

impl LanguageHeader {
    /// The language a request asks for: the first of nl/en in `Accept-Language`, else Dutch.
    pub fn of(req: &actix_web::HttpRequest) -> Language {
        Language::from_accept_language(Self::raw(req))
    }

    /// The language a request asks for, `None` when it sends no `Accept-Language`.
    pub fn sent(req: &actix_web::HttpRequest) -> Option<Language> {
        Self::raw(req).map(|h| Language::from_accept_language(Some(h)))
    }

    fn raw(req: &actix_web::HttpRequest) -> Option<&str> {
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
    }
}

/// An email address, trimmed and lower-cased (used as the login name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        if raw.len() > 254 {
            return Err("must be at most 254 characters");
        }
        let s = raw.trim().to_lowercase();
        let (local, domain) = s.rsplit_once('@').ok_or("must contain an @")?;
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(atext)
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2 && labels.iter().all(|l| label_ok(l));
        if !local_ok || !domain_ok || s.len() > 254 {
            return Err("must be an email address such as naam@voorbeeld.nl");
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10 to 128 characters, not only spaces. Long passphrases are welcome;
/// composition rules are not imposed (NIST SP 800-63B).
pub struct Password(String);

impl Password {
    pub const MIN: usize = 10;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Password, String> {
        let n = raw.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&n) {
            return Err(format!(
                "must be {} to {} characters long",
                Self::MIN,
                Self::MAX
            ));
        }
        if raw.trim().is_empty() {
            return Err("must not be only spaces".into());
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The contract's pattern for a line of text (repeated as a literal in the `#[schema]`
/// attributes, which take only literals): no control characters, at least one visible one.
pub const LINE_PATTERN: &str =
    r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";

/// A required line of text (a name, a city): trimmed, 1..=max characters.
pub fn parse_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    max: usize,
) -> Option<String> {
    // Length is checked before trimming, as the contract's maxLength does.
    if raw.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    let s = raw.trim();
    if s.is_empty() {
        errors.push(FieldError::new(field, "required", "must not be empty"));
        return None;
    }
    if s.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
        return None;
    }
    Some(s.to_owned())
}

/// The contract's pattern for free text (descriptions, about, pitch): no control characters
/// but tab and line breaks. Repeated as a literal in `#[schema]` attributes.
pub const PLAIN_TEXT_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";

/// Whether free text has only printable characters, tabs and line breaks.
pub fn is_plain_text(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Collects the field errors of an email field.
pub fn parse_email(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> Option<Email> {
    Email::parse(raw)
        .map_err(|m| errors.push(FieldError::new(field, "invalid_email", m)))
        .ok()
}

/// Collects the field errors of a new-password field.
pub fn parse_password(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> Option<Password> {
    Password::parse(raw)
        .map_err(|m| errors.push(FieldError::new(field, "weak_password", m)))
        .ok()
}

// ---- Wire types -------------------------------------------------------------------------

/// Register a young jobseeker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterYouth {
    #[schema(format = Email, max_length = 254, example = "sanne@voorbeeld.nl")]
    pub email: String,
    /// 10 to 128 characters.
    #[schema(
        min_length = 10,
        max_length = 128,
        pattern = r"\S",
        example = "correct horse battery"
    )]
    pub password: String,
    /// The name the app greets you with; the full profile comes later.
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Sanne"
    )]
    pub first_name: String,
    /// Language of mail and texts; from `Accept-Language` when left out.
    pub language: Option<Language>,
}

/// The organisation an employer registers with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Bakkerij De Korenschoof"
    )]
    pub name: String,
    /// Chamber of Commerce (KvK) number: 8 digits.
    #[schema(pattern = "^[0-9]{8}$", example = "12345678")]
    pub kvk_number: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Eindhoven"
    )]
    pub city: String,
}

/// Register an employer together with their organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterEmployer {
    #[schema(format = Email, max_length = 254, example = "p.jansen@korenschoof.nl")]
    pub email: String,
    #[schema(
        min_length = 10,
        max_length = 128,
        pattern = r"\S",
        example = "correct horse battery"
    )]
    pub password: String,
    /// The contact person youth see after a match.
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Petra Jansen"
    )]
    pub contact_name: String,
    pub language: Option<Language>,
    pub organisation: NewOrganisation,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[schema(max_length = 320, example = "sanne@voorbeeld.nl")]
    pub email: String,
    #[schema(max_length = 1024, example = "correct horse battery")]
    pub password: String,
}

/// A refresh token, for `refresh` and `logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshTokenBody {
    #[schema(max_length = 200, example = "b3BhcXVlLXJlZnJlc2gtdG9rZW4")]
    pub refresh_token: String,
}

/// A one-time token from an email link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailTokenBody {
    #[schema(max_length = 200, example = "b3BhcXVlLW9uZS10aW1lLXRva2Vu")]
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(max_length = 320, example = "sanne@voorbeeld.nl")]
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    #[schema(max_length = 200, example = "b3BhcXVlLW9uZS10aW1lLXRva2Vu")]
    pub token: String,
    #[schema(
        min_length = 10,
        max_length = 128,
        pattern = r"\S",
        example = "a new long passphrase"
    )]
    pub new_password: String,
}

/// A signed-in session: tokens for API calls (a short-lived JWT and an opaque refresh token
/// that rotates on use) and the account they act for. Registration, login and refresh all
/// answer with this one shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Single use: each refresh returns a new one. Reusing an old one ends the session.
    pub refresh_token: String,
    /// The session ends at this time, however often it is refreshed.
    #[serde(serialize_with = "crate::json::timestamp")]
    pub refresh_expires_at: DateTime<Utc>,
    /// The signed-in account.
    pub account: Me,
}

/// The organisation an employer account belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Membership {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub role: MemberRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Owner,
    Member,
    /// Runs an intermediary organisation: invites and deactivates coaches, hands caseloads
    /// over, reads the organisation's audit log.
    Coordinator,
    /// Coaches youth of an intermediary organisation.
    Coach,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Owner => "owner",
            MemberRole::Member => "member",
            MemberRole::Coordinator => "coordinator",
            MemberRole::Coach => "coach",
        }
    }

    pub fn parse(s: &str) -> Option<MemberRole> {
        match s {
            "owner" => Some(MemberRole::Owner),
            "member" => Some(MemberRole::Member),
            "coordinator" => Some(MemberRole::Coordinator),
            "coach" => Some(MemberRole::Coach),
            _ => None,
        }
    }
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: AccountId,
    pub email: String,
    pub role: Role,
    pub language: Language,
    pub display_name: String,
    pub email_verified: bool,
    #[serde(serialize_with = "crate::json::timestamp")]
    pub created_at: DateTime<Utc>,
    /// Set for employer accounts that belong to an organisation.
    pub organisation: Option<Membership>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Sanne@Voorbeeld.NL ").unwrap().as_str(),
            "sanne@voorbeeld.nl"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "a",
            "a@",
            "@b.nl",
            "a@b",
            "a b@c.nl",
            "a@-b.nl",
            "a..b@c.nl",
            "a@b..nl",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn password_length_bounds_count_characters_not_bytes() {
        assert!(Password::parse("123456789").is_err());
        assert!(Password::parse("ééééééééééé").is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("          ").is_err());
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Language::from_accept_language(Some("de-DE, en-GB;q=0.8")),
            Language::En
        );
        assert_eq!(Language::from_accept_language(Some("fr")), Language::Nl);
        assert_eq!(Language::from_accept_language(None), Language::Nl);
    }
}
