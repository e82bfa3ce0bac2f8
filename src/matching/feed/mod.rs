//! Feeds: computed, not stored. A youth's feed scores the open vacancies of the in-process
//! index; a vacancy's candidates come from SQL (cheap filters on indexed columns) and are
//! scored in Rust. The top ids go into the cache with a TTL. A youth's page checks its ids
//! against the index (still open) and the feed's swiped set (written when a swipe commits);
//! a candidate page re-reads its rows with a filter on the truth. Either way a stale list
//! cannot bring back a closed vacancy or a swiped card.
//!
//! One concern per file: `entry` (how a ranked entry is cached, cursors), `rank` (scoring),
//! `page` (a youth's page as JSON), `candidates` (an employer's anonymous cards), `checked`
//! (candidate pages served again while the marks of their truth are unchanged),
//! `invalidate` (keeping cached lists true).

mod candidates;
pub mod checked;
mod entry;
mod invalidate;
mod page;
mod rank;

use crate::db::ids::{AccountId, VacancyId};

pub use candidates::candidates;
pub use invalidate::{
    drop_from_candidates, drop_from_youth_feed, forget_candidates, forget_youth_feed,
};
pub use page::{CardTemplate, forget_card, youth_feed};

/// How many ranked ids a feed keeps.
pub const FEED_SIZE: usize = 200;

pub fn youth_key(youth: &AccountId) -> String {
    format!("feed:y:{youth}")
}

pub fn candidates_key(vacancy: &VacancyId) -> String {
    format!("feed:v:{vacancy}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{entry::*, page::*, rank::*};
    use crate::competences::catalogue;
    use crate::db::ids::OrganisationId;
    use crate::db::ids::VacancyId;
    use crate::employers::model::{OrganisationSummary, Vacancy};
    use crate::matching::index;
    use crate::matching::score::{self, Pair, Reason};
    use std::cmp::Reverse;
    use std::sync::Arc;

    fn vacancy(title: &str, competences: &[&str], open: bool) -> Vacancy {
        Vacancy {
            id: VacancyId::generate(),
            organisation: OrganisationSummary {
                id: OrganisationId::generate(),
                name: "Bakkerij \"Zoet\" & Zn".into(),
                city: "Eindhoven".into(),
            },
            title: title.into(),
            description: "Brood bakken,\nklanten helpen — één dag per week.\u{2028}".into(),
            occupation: "baker".into(),
            competences: competences.iter().map(|c| c.to_string()).collect(),
            kind: crate::work::WorkKind::SideJob,
            hours_min: 8,
            hours_max: 12,
            positions: 2,
            place_name: "Eindhoven".into(),
            location: crate::youth::model::Location {
                lat: 51.44,
                lon: 5.47,
            },
            max_distance_km: Some(20),
            minimum_education: None,
            open_to_youth_without_start_qualification: open,
            start_date: None,
            expires_at: None,
            status: None,
            valid_days: None,
            published_at: None,
            created_at: None,
            updated_at: None,
            posted_by: None,
        }
    }

    #[test]
    fn the_pruned_grid_scan_keeps_the_same_best_as_scoring_everything() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap();
        let entries: Vec<index::Entry> = (0..20_000)
            .map(|_| index::Entry::sample(&mut rng, now))
            .collect();
        let snapshot = index::Snapshot::new(entries.clone());
        for round in 0..20 {
            let swiped: index::KeyMap<()> = entries
                .iter()
                .step_by(7 + round)
                .map(|e| (e.key(), ()))
                .collect();
            let employer: index::KeyMap<&str> = entries
                .iter()
                .skip(round)
                .step_by(5)
                .map(|e| (e.key(), if round % 2 == 0 { "like" } else { "pass" }))
                .collect();
            let hours_min = rng.random_range(4..=32);
            let y = Seeker {
                latitude: rng.random_range(51.2..52.6),
                longitude: rng.random_range(4.3..6.2),
                radius_km: rng.random_range(5..=60),
                kinds: rng.random_range(1..16),
                hours: (hours_min, rng.random_range(hours_min..=40)),
                competence_mask: rng.random::<i64>() & 0xfff,
                lacks_start_qualification: rng.random(),
                swiped: &swiped,
                employer: &employer,
                now,
            };
            // Everything scored, no grid, no bound.
            let origin = score::Origin::new(y.latitude, y.longitude);
            let mut expected: Vec<f64> = entries
                .iter()
                .filter(|v| {
                    y.kinds & i32::from(v.kind) != 0
                        && i32::from(v.hours_min) <= y.hours.1
                        && i32::from(v.hours_max) >= y.hours.0
                        && v.open_at(now)
                        && !swiped.contains_key(&v.key())
                })
                .filter_map(|v| {
                    let d = origin.km(f64::from(v.latitude), f64::from(v.longitude));
                    let range = f64::from(v.max_distance_km().unwrap_or(i32::MAX).min(y.radius_km));
                    (d <= range).then(|| {
                        score::score(&Pair {
                            required: v.competence_mask,
                            offered: y.competence_mask,
                            distance_km: d,
                            range_km: range,
                            youth_hours: y.hours,
                            vacancy_hours: (i32::from(v.hours_min), i32::from(v.hours_max)),
                            age_days: v.age_days(now),
                            education_gap: v.requires_start_qualification
                                && y.lacks_start_qualification,
                            other_side: other_side(employer.get(&v.key()).copied()),
                        })
                        .score
                    })
                })
                .collect();
            expected.sort_by(|a, b| b.total_cmp(a));
            expected.truncate(FEED_SIZE);
            let mut found: Vec<f64> = best_vacancies(&snapshot, &y)
                .heap
                .into_iter()
                .map(|Reverse(r)| r.score)
                .collect();
            found.sort_by(|a, b| b.total_cmp(a));
            assert_eq!(found, expected, "round {round}");
        }
    }

    #[test]
    fn a_page_written_from_templates_is_the_json_of_the_typed_feed() {
        let vacancies = [
            vacancy(
                "Hulp in de bakkerij",
                &["teamwork", "reliability", "hygiene"],
                true,
            ),
            vacancy("Magazijn", &["physical_fitness", "accuracy"], false),
        ];
        let items: Vec<Item> = vacancies
            .iter()
            .enumerate()
            .map(|(n, v)| Item {
                key: index::key_of(v.id.as_str()),
                distance_km: 2.71 * (n + 1) as f64,
                score: 0.5,
                matched: catalogue::mask_of(
                    v.competences
                        .iter()
                        .take(1)
                        .filter_map(|c| catalogue::by_code(c)),
                ),
                reasons: Reason::to_bits(&[Reason::Nearby]),
            })
            .collect();
        let cards: Vec<(Arc<CardTemplate>, Item)> = vacancies
            .iter()
            .zip(&items)
            .map(|(v, i)| (Arc::new(CardTemplate::new(v.clone()).unwrap()), i.clone()))
            .collect();
        let written: serde_json::Value =
            serde_json::from_slice(&page_json(&cards, Some("Y3Vyc29y")).unwrap()).unwrap();
        let typed = crate::matching::model::FeedPage {
            items: cards
                .iter()
                .zip(&vacancies)
                .map(|((t, i), v)| card(v.clone(), round_km(i.distance_km), t.why(i)))
                .collect(),
            next_cursor: Some("Y3Vyc29y".to_owned()),
        };
        assert_eq!(written, serde_json::to_value(&typed).unwrap());
        assert_eq!(
            written["items"][0]["why"]["matched_competences"],
            serde_json::json!(["teamwork"])
        );
        let empty: serde_json::Value =
            serde_json::from_slice(&page_json(&[], None).unwrap()).unwrap();
        assert_eq!(empty, serde_json::json!({"items": [], "next_cursor": null}));
    }
}
