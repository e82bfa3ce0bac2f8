//! Ranking: how well a youth and a vacancy fit, from both sides. Pure functions, so the
//! weights are easy to read, test and tune.
//!
//! score = 0.40 competence coverage (share of the vacancy's required competences the youth
//!               has: one AND and two popcounts on the 64-bit masks)
//!       + 0.20 distance (1 at the door, 0 at the edge of the allowed range)
//!       + 0.10 hours fit (share of the vacancy's hour range the youth can work)
//!       + 0.10 freshness (halves every 14 days since publishing)
//!       + 0.20 the other side's fit (reciprocal: will they like back?)

use serde::Serialize;
use utoipa::ToSchema;

/// Great-circle distance in km: the reference [`Origin::km`] is tested against.
#[cfg(test)]
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().atan2((1.0 - a).sqrt())
}

/// Where a youth is, as far as matching is concerned: the centre of their cell in a grid of
/// about a kilometre (1/111.19° of latitude, 0.0146° of longitude: 1 km at 52° N).
///
/// Every distance, score and reason that involves a youth is computed from this point, never
/// from the position they gave. An employer who moves a vacancy around and reads the distance
/// on an anonymous card each time (trilateration) can at best find the centre of the cell,
/// which every youth in it shares; the shown distance is rounded to whole kilometres as well.
pub fn youth_position(lat: f64, lon: f64) -> (f64, f64) {
    const LAT_STEP: f64 = 1.0 / 111.19;
    const LON_STEP: f64 = 0.0146;
    let snap = |v: f64, step: f64| ((v / step).floor() + 0.5) * step;
    (snap(lat, LAT_STEP), snap(lon, LON_STEP))
}

/// A distance as a card shows it: whole kilometres, at least 1 (finer than the grid of
/// [`youth_position`] would only be noise, and "0 km" would say "same cell").
pub fn shown_km(km: f64) -> f64 {
    km.round().max(1.0)
}

/// Distances from one point, for scoring many candidates around it: the equirectangular
/// approximation at the pair's mean latitude (its cosine from a first-order step off the
/// origin's), no trigonometry per candidate. Within 150 km it is within 0.2 % of the
/// great-circle distance (tested), far below the 0.1 km a card shows.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    lat: f64,
    lon: f64,
    cos: f64,
    sin: f64,
}

impl Origin {
    pub fn new(lat: f64, lon: f64) -> Origin {
        let r = lat.to_radians();
        Origin {
            lat,
            lon,
            cos: r.cos(),
            sin: r.sin(),
        }
    }

    pub fn km(&self, lat: f64, lon: f64) -> f64 {
        let dlat = (lat - self.lat).to_radians();
        let cos_mid = self.cos - self.sin * dlat / 2.0;
        let dlon = (lon - self.lon).to_radians() * cos_mid;
        6371.0 * (dlat * dlat + dlon * dlon).sqrt()
    }
}

/// A latitude/longitude box that holds every point within `km` of the centre, for an
/// index-friendly first filter in SQL; the exact distance is checked afterwards.
pub fn bounding_box(lat: f64, lon: f64, km: f64) -> (f64, f64, f64, f64) {
    let dlat = km / 111.0;
    let dlon = km / (111.320 * lat.to_radians().cos().max(0.1));
    (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
}

/// Why a card is shown, so the app can explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// At least half of the required competences match.
    CompetenceMatch,
    /// Within a third of the allowed distance.
    Nearby,
    /// The hours fit entirely.
    HoursFit,
    /// Published in the last 7 days.
    New,
    /// No start qualification is required (vacancies only).
    NoStartQualificationNeeded,
}

impl Reason {
    const ALL: [Reason; 5] = [
        Reason::CompetenceMatch,
        Reason::Nearby,
        Reason::HoursFit,
        Reason::New,
        Reason::NoStartQualificationNeeded,
    ];

    /// This reason's bit in a set of reasons kept as bits.
    pub fn bit(self) -> u8 {
        let i = Reason::ALL.iter().position(|r| *r == self).unwrap_or(0);
        1 << i
    }

    /// A set of reasons as bits, to keep them with a cached feed entry.
    pub fn to_bits(reasons: &[Reason]) -> u8 {
        Reason::ALL
            .iter()
            .enumerate()
            .filter(|(_, r)| reasons.contains(r))
            .fold(0, |b, (i, _)| b | 1 << i)
    }

    pub fn from_bits(bits: u8) -> Vec<Reason> {
        Reason::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, r)| *r)
            .collect()
    }
}

/// One side's decision about the other, as the reciprocal part sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherSide {
    Liked,
    Passed,
    Undecided,
}

pub struct Pair {
    /// Competences the vacancy requires.
    pub required: i64,
    /// Competences the youth has.
    pub offered: i64,
    pub distance_km: f64,
    /// The largest distance allowed for this pair.
    pub range_km: f64,
    pub youth_hours: (i32, i32),
    pub vacancy_hours: (i32, i32),
    /// Days since the vacancy was published (or the profile last changed, for candidates).
    pub age_days: f64,
    /// The vacancy demands a start qualification the youth lacks.
    pub education_gap: bool,
    pub other_side: OtherSide,
}

pub struct Scored {
    pub score: f64,
    pub matched: i64,
    /// The reasons as bits ([`Reason::to_bits`]); a scan scores thousands of pairs and keeps
    /// two hundred, so no list is built per pair.
    pub reasons: u8,
}

pub fn coverage(required: i64, offered: i64) -> f64 {
    let needed = required.count_ones();
    if needed == 0 {
        return 0.0;
    }
    f64::from((required & offered).count_ones()) / f64::from(needed)
}

/// The share of the vacancy's hour range the youth can work.
fn hours_fit(youth: (i32, i32), vacancy: (i32, i32)) -> f64 {
    let overlap = (youth.1.min(vacancy.1) - youth.0.max(vacancy.0) + 1).max(0);
    let span = (vacancy.1 - vacancy.0 + 1).max(1);
    (f64::from(overlap) / f64::from(span)).clamp(0.0, 1.0)
}

/// The most [`score`] can give this pair at any distance and age (those parts at their best;
/// everything else is known), from two popcounts and the hours: a scan skips the rest of the
/// work for a pair that cannot beat the feed's current last place.
pub fn upper_bound(
    required: i64,
    offered: i64,
    youth_hours: (i32, i32),
    vacancy_hours: (i32, i32),
    education_gap: bool,
    other_side: OtherSide,
) -> f64 {
    let cov = coverage(required, offered);
    0.40 * cov
        + 0.10 * hours_fit(youth_hours, vacancy_hours)
        + 0.30
        + 0.20 * reciprocal(cov, education_gap, other_side)
}

/// The most [`score`] can give any pair at least `min_km` apart when the youth searches
/// within `radius_km` (competences, hours and freshness at their best; the other side's part
/// at its best for an undecided one, or a like when `any_decided`): past the point where
/// this falls below the feed's last place, nothing farther can get in.
pub fn best_at_distance(min_km: f64, radius_km: f64, any_decided: bool) -> f64 {
    let dist = if radius_km > 0.0 {
        (1.0 - min_km / radius_km).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let other = if any_decided { 1.0 } else { 0.7 };
    0.40 + 0.20 * dist + 0.10 + 0.10 + 0.20 * other
}

/// The other side's fit: will they like back?
fn reciprocal(cov: f64, education_gap: bool, other_side: OtherSide) -> f64 {
    let other = match other_side {
        OtherSide::Liked => 1.0,
        OtherSide::Passed => 0.0,
        OtherSide::Undecided => 0.3 + 0.4 * cov,
    };
    if education_gap { other * 0.25 } else { other }
}

pub fn score(p: &Pair) -> Scored {
    let cov = coverage(p.required, p.offered);
    let dist = if p.range_km > 0.0 {
        (1.0 - p.distance_km / p.range_km).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let hours = hours_fit(p.youth_hours, p.vacancy_hours);
    let fresh = 0.5f64.powf(p.age_days.max(0.0) / 14.0);
    let score = 0.40 * cov
        + 0.20 * dist
        + 0.10 * hours
        + 0.10 * fresh
        + 0.20 * reciprocal(cov, p.education_gap, p.other_side);
    let mut reasons = 0;
    if cov >= 0.5 {
        reasons |= Reason::CompetenceMatch.bit();
    }
    if p.distance_km <= p.range_km / 3.0 {
        reasons |= Reason::Nearby.bit();
    }
    if hours >= 1.0 {
        reasons |= Reason::HoursFit.bit();
    }
    if p.age_days <= 7.0 {
        reasons |= Reason::New.bit();
    }
    Scored {
        score,
        matched: p.required & p.offered,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upper_bound_is_never_below_the_score() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..20_000 {
            let hours = |rng: &mut rand::rngs::StdRng| {
                let a = rng.random_range(1..=40);
                (a, rng.random_range(a..=40))
            };
            let p = Pair {
                required: rng.random::<i64>() & 0xff,
                offered: rng.random::<i64>() & 0xff,
                distance_km: rng.random_range(0.0..30.0),
                range_km: rng.random_range(0.0..30.0),
                youth_hours: hours(&mut rng),
                vacancy_hours: hours(&mut rng),
                age_days: rng.random_range(-1.0..60.0),
                education_gap: rng.random(),
                other_side: [OtherSide::Liked, OtherSide::Passed, OtherSide::Undecided]
                    [rng.random_range(0..3)],
            };
            let bound = upper_bound(
                p.required,
                p.offered,
                p.youth_hours,
                p.vacancy_hours,
                p.education_gap,
                p.other_side,
            );
            assert!(bound >= score(&p).score - 1e-12);
            if p.range_km <= 30.0 {
                let decided = p.other_side != OtherSide::Undecided;
                let far = best_at_distance(p.distance_km, 30.0, decided);
                assert!(far >= score(&p).score - 1e-12);
            }
        }
    }

    fn pair(required: i64, offered: i64, distance_km: f64) -> Pair {
        Pair {
            required,
            offered,
            distance_km,
            range_km: 25.0,
            youth_hours: (16, 32),
            vacancy_hours: (20, 24),
            age_days: 3.0,
            education_gap: false,
            other_side: OtherSide::Undecided,
        }
    }

    #[test]
    fn full_coverage_nearby_beats_half_coverage_far_away() {
        let near_full = score(&pair(0b1111, 0b1111, 2.0));
        let far_half = score(&pair(0b1111, 0b0011, 22.0));
        assert!(
            near_full.score > far_half.score + 0.3,
            "{} vs {}",
            near_full.score,
            far_half.score
        );
        assert_eq!(near_full.matched, 0b1111);
        assert!(
            Reason::from_bits(near_full.reasons).contains(&Reason::CompetenceMatch)
                && Reason::from_bits(near_full.reasons).contains(&Reason::Nearby)
        );
    }

    #[test]
    fn reasons_round_trip_through_their_bits() {
        let r = vec![Reason::Nearby, Reason::New];
        assert_eq!(Reason::from_bits(Reason::to_bits(&r)), r);
        assert_eq!(Reason::from_bits(0), vec![]);
    }

    #[test]
    fn a_like_from_the_other_side_ranks_higher_and_a_pass_lower() {
        let mut p = pair(0b11, 0b01, 10.0);
        let undecided = score(&p).score;
        p.other_side = OtherSide::Liked;
        let liked = score(&p).score;
        p.other_side = OtherSide::Passed;
        let passed = score(&p).score;
        assert!(liked > undecided && undecided > passed);
    }

    #[test]
    fn distances_are_right_and_the_box_holds_the_circle() {
        // Eindhoven to Amsterdam is about 108 km in a straight line.
        let from = Origin::new(51.4416, 5.4697);
        for (lat, lon) in [
            (52.3676, 4.9041),
            (51.4416, 5.4697),
            (50.8, 6.9),
            (52.7, 4.2),
            (51.45, 5.48),
        ] {
            let exact = distance_km(51.4416, 5.4697, lat, lon);
            assert!(
                (from.km(lat, lon) - exact).abs() <= exact * 0.002 + 1e-9,
                "{lat},{lon}: {exact}"
            );
        }
        let d = distance_km(51.4416, 5.4697, 52.3676, 4.9041);
        assert!((d - 108.0).abs() < 3.0, "{d}");
        let (lat0, lat1, lon0, lon1) = bounding_box(52.0, 5.0, 25.0);
        for (lat, lon) in [
            (52.0 + 24.9 / 111.0, 5.0),
            (52.0, 5.0 + 24.9 / (111.32 * 52f64.to_radians().cos())),
        ] {
            assert!(distance_km(52.0, 5.0, lat, lon) <= 25.0);
            assert!((lat0..=lat1).contains(&lat) && (lon0..=lon1).contains(&lon));
        }
    }
}
