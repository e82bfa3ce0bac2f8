//! What a youth can allow a coach, and the kinds of organisation that may ask.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One thing a youth allows the coaches of an organisation. Nothing is granted by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the profile, its competences and the feed as the youth sees it.
    ViewProfile,
    /// Change the profile and its competences.
    EditProfile,
    /// Read matches and conversations (without marking anything read).
    ViewMatches,
    /// Like or pass vacancies for the youth.
    SwipeOnBehalf,
    /// Write to employers in the youth's conversations (and end a match).
    MessageOnBehalf,
    /// Benefit, work limitation, participation step: only offered to `uwv` and `municipality`.
    ViewSensitive,
    /// Other coaches of the organisation may help, not only the responsible one.
    ShareWithColleagues,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::ViewProfile,
        Scope::EditProfile,
        Scope::ViewMatches,
        Scope::SwipeOnBehalf,
        Scope::MessageOnBehalf,
        Scope::ViewSensitive,
        Scope::ShareWithColleagues,
    ];

    /// Its bit in the stored mask: never renumber, only add.
    fn bit(self) -> i32 {
        1 << (self as u8)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ViewProfile => "view_profile",
            Scope::EditProfile => "edit_profile",
            Scope::ViewMatches => "view_matches",
            Scope::SwipeOnBehalf => "swipe_on_behalf",
            Scope::MessageOnBehalf => "message_on_behalf",
            Scope::ViewSensitive => "view_sensitive",
            Scope::ShareWithColleagues => "share_with_colleagues",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A set of scopes, stored as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(i32);

impl Scopes {
    pub const NONE: Scopes = Scopes(0);

    pub fn from_mask(mask: i32) -> Scopes {
        Scopes(mask & Scope::ALL.iter().fold(0, |m, s| m | s.bit()))
    }

    pub fn mask(self) -> i32 {
        self.0
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn and(self, other: Scopes) -> Scopes {
        Scopes(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn list(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.contains(*s))
            .collect()
    }

    /// The OAuth `scope` string: names separated by spaces.
    pub fn to_oauth(self) -> String {
        self.list()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses an OAuth `scope` string; `None` when a name is unknown.
    pub fn from_oauth(s: &str) -> Option<Scopes> {
        s.split_whitespace()
            .map(Scope::parse)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.into_iter().collect())
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Scopes {
        Scopes(iter.into_iter().fold(0, |m, s| m | s.bit()))
    }
}

/// What an organisation is: employers post vacancies; the others coach youth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Employer,
    Municipality,
    Uwv,
    YouthWork,
    School,
    Agency,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Employer => "employer",
            OrganisationKind::Municipality => "municipality",
            OrganisationKind::Uwv => "uwv",
            OrganisationKind::YouthWork => "youth_work",
            OrganisationKind::School => "school",
            OrganisationKind::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<OrganisationKind> {
        [
            OrganisationKind::Employer,
            OrganisationKind::Municipality,
            OrganisationKind::Uwv,
            OrganisationKind::YouthWork,
            OrganisationKind::School,
            OrganisationKind::Agency,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn is_intermediary(self) -> bool {
        self != OrganisationKind::Employer
    }

    /// Only UWV and the municipality may see benefit, work limitation and participation step
    /// (they administer them); no other kind is even offered the scope.
    pub fn may_see_sensitive(self) -> bool {
        matches!(self, OrganisationKind::Uwv | OrganisationKind::Municipality)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_bits_are_stable_and_round_trip() {
        // The mask is stored: a renumbered scope would grant something else.
        let bits: Vec<i32> = Scope::ALL.iter().map(|s| s.bit()).collect();
        assert_eq!(bits, vec![1, 2, 4, 8, 16, 32, 64]);
        let set: Scopes = [Scope::ViewProfile, Scope::ViewSensitive]
            .into_iter()
            .collect();
        assert_eq!(set.to_oauth(), "view_profile view_sensitive");
        assert_eq!(Scopes::from_oauth("view_sensitive view_profile"), Some(set));
        assert_eq!(Scopes::from_oauth("view_profile admin"), None);
        assert_eq!(
            Scopes::from_mask(1 << 20 | 1).list(),
            vec![Scope::ViewProfile]
        );
    }

    #[test]
    fn only_uwv_and_municipality_may_see_sensitive_data() {
        for kind in [
            "employer",
            "municipality",
            "uwv",
            "youth_work",
            "school",
            "agency",
        ] {
            let k = OrganisationKind::parse(kind).unwrap();
            assert_eq!(k.as_str(), kind);
            assert_eq!(
                k.may_see_sensitive(),
                kind == "uwv" || kind == "municipality"
            );
        }
    }
}
