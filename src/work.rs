//! The shared vocabulary of the labour market: kinds of work and education levels. Youth
//! profiles and vacancies both use it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of work. BBL (beroepsbegeleidende leerweg) is a learning-work route in vocational
/// education: four days at an employer, one day at school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    Job,
    Internship,
    Bbl,
    SideJob,
}

impl WorkKind {
    pub const ALL: [WorkKind; 4] = [
        WorkKind::Job,
        WorkKind::Internship,
        WorkKind::Bbl,
        WorkKind::SideJob,
    ];

    /// The bit of this kind in a kinds mask (stored as one INTEGER).
    pub fn bit(self) -> i32 {
        match self {
            WorkKind::Job => 1,
            WorkKind::Internship => 2,
            WorkKind::Bbl => 4,
            WorkKind::SideJob => 8,
        }
    }

    pub fn mask(kinds: &[WorkKind]) -> i32 {
        kinds.iter().fold(0, |m, k| m | k.bit())
    }

    pub fn from_mask(mask: i32) -> Vec<WorkKind> {
        WorkKind::ALL
            .into_iter()
            .filter(|k| mask & k.bit() != 0)
            .collect()
    }
}

/// Highest completed education level, in Dutch terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    None,
    Vmbo,
    Mbo1,
    Mbo2,
    Mbo3,
    Mbo4,
    Havo,
    Vwo,
    Hbo,
    Wo,
}

impl EducationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            EducationLevel::None => "none",
            EducationLevel::Vmbo => "vmbo",
            EducationLevel::Mbo1 => "mbo1",
            EducationLevel::Mbo2 => "mbo2",
            EducationLevel::Mbo3 => "mbo3",
            EducationLevel::Mbo4 => "mbo4",
            EducationLevel::Havo => "havo",
            EducationLevel::Vwo => "vwo",
            EducationLevel::Hbo => "hbo",
            EducationLevel::Wo => "wo",
        }
    }

    pub const ALL: [EducationLevel; 10] = [
        EducationLevel::None,
        EducationLevel::Vmbo,
        EducationLevel::Mbo1,
        EducationLevel::Mbo2,
        EducationLevel::Mbo3,
        EducationLevel::Mbo4,
        EducationLevel::Havo,
        EducationLevel::Vwo,
        EducationLevel::Hbo,
        EducationLevel::Wo,
    ];

    pub fn parse(s: &str) -> Option<EducationLevel> {
        EducationLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// A start qualification (startkwalificatie) is at least a havo or vwo diploma or mbo
    /// level 2: the minimum the Dutch government considers a good start on the labour market.
    pub fn is_start_qualification(self) -> bool {
        !matches!(
            self,
            EducationLevel::None | EducationLevel::Vmbo | EducationLevel::Mbo1
        )
    }

    pub fn label(self, nl: bool) -> &'static str {
        match (self, nl) {
            (EducationLevel::None, true) => "geen diploma",
            (EducationLevel::None, false) => "no diploma",
            (EducationLevel::Vmbo, true) => "een vmbo-diploma",
            (EducationLevel::Vmbo, false) => "a VMBO (pre-vocational) diploma",
            (EducationLevel::Mbo1, true) => "mbo niveau 1",
            (EducationLevel::Mbo1, false) => "MBO level 1 (vocational)",
            (EducationLevel::Mbo2, true) => "mbo niveau 2",
            (EducationLevel::Mbo2, false) => "MBO level 2 (vocational)",
            (EducationLevel::Mbo3, true) => "mbo niveau 3",
            (EducationLevel::Mbo3, false) => "MBO level 3 (vocational)",
            (EducationLevel::Mbo4, true) => "mbo niveau 4",
            (EducationLevel::Mbo4, false) => "MBO level 4 (vocational)",
            (EducationLevel::Havo, true) => "een havo-diploma",
            (EducationLevel::Havo, false) => "a HAVO diploma",
            (EducationLevel::Vwo, true) => "een vwo-diploma",
            (EducationLevel::Vwo, false) => "a VWO diploma",
            (EducationLevel::Hbo, true) => "een hbo-diploma",
            (EducationLevel::Hbo, false) => "an HBO (applied sciences) degree",
            (EducationLevel::Wo, true) => "een universitair diploma",
            (EducationLevel::Wo, false) => "a university degree",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_qualification_is_havo_vwo_or_mbo2_and_up() {
        assert!(!EducationLevel::None.is_start_qualification());
        assert!(!EducationLevel::Vmbo.is_start_qualification());
        assert!(!EducationLevel::Mbo1.is_start_qualification());
        for l in [
            EducationLevel::Mbo2,
            EducationLevel::Mbo4,
            EducationLevel::Havo,
            EducationLevel::Vwo,
            EducationLevel::Hbo,
            EducationLevel::Wo,
        ] {
            assert!(l.is_start_qualification(), "{l:?}");
        }
    }

    #[test]
    fn kinds_round_trip_through_their_mask() {
        let kinds = [WorkKind::Bbl, WorkKind::SideJob];
        assert_eq!(WorkKind::from_mask(WorkKind::mask(&kinds)), kinds);
    }
}
