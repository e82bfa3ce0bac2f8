//! What every handler can reach: the shared handles built once at start-up.

use std::sync::Arc;

use crate::auth::password::Passwords;
use crate::auth::tokens::JwtKeys;
use crate::cache::Cache;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::notifications::Mailer;

/// Cheap to clone (all handles).
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub cache: Cache,
    pub clock: Clock,
    pub tokens: Arc<JwtKeys>,
    pub passwords: Passwords,
    pub mailer: Mailer,
    pub candidate_ids: Arc<crate::matching::candidate_id::CandidateIds>,
    /// Open vacancies' ranking fields, in memory (see `matching::index`).
    pub vacancy_index: Arc<crate::matching::index::VacancyIndex>,
    /// Public vacancy views for feed cards, briefly: an edit elsewhere shows within 30 s.
    pub cards: Arc<crate::matching::cards::CardCache<crate::matching::feed::CardTemplate>>,
    /// Candidate pages with the marks of the truth they were checked against (see
    /// `matching::feed::checked`).
    pub candidate_pages: Arc<crate::matching::feed::checked::CandidatePages>,
    /// Caseload pages being computed, so one request computes each (see `caseloads::page_cache`).
    pub caseload_flights: Arc<crate::caseloads::page_cache::Flights>,
    /// Counts views of anonymous cards in memory, written twice a second.
    pub card_views: Arc<crate::audit::counter::CardViews>,
    /// Writes the audit lines of reads in batches (group commit).
    pub audit: Arc<crate::audit::AuditWriter>,
    /// Reports of everyone being asked for at the same moment, computed once per batch.
    pub everyone_reports: Arc<
        crate::outcomes::gather::Gather<
            crate::outcomes::reports::EveryoneKey,
            Arc<crate::outcomes::model::OutcomeReport>,
        >,
    >,
    /// Writes the common youth swipes in batches (group commit).
    pub swipes: Arc<crate::matching::batch::SwipeWriter>,
}
