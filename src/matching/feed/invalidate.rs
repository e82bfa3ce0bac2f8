//! Keeping cached feeds true after swipes and edits.

use crate::db::ids::{AccountId, VacancyId};
use crate::state::AppState;

use super::*;

/// Takes a swiped vacancy out of the youth's cached feed (after the swipe has committed).
pub async fn drop_from_youth_feed(state: &AppState, youth: &AccountId, vacancy: &VacancyId) {
    let ttl = state.settings.feed_ttl;
    if !ttl.is_zero() {
        state
            .cache
            .feed_take_out(&youth_key(youth), vacancy.as_str(), ttl)
            .await;
    }
}

pub async fn drop_from_candidates(state: &AppState, vacancy: &VacancyId, youth: &AccountId) {
    let key = candidates_key(vacancy);
    if let Some(items) = state.cache.list_head(&key, FEED_SIZE).await {
        let swiped: Vec<String> = items
            .into_iter()
            .filter(|r| r.starts_with(youth.as_str()))
            .collect();
        state.cache.list_remove_many(&key, &swiped).await;
    }
}

/// A youth's profile or competences changed: their feed is computed afresh.
pub async fn forget_youth_feed(state: &AppState, youth: &AccountId) {
    state.cache.delete(&youth_key(youth)).await;
}

/// A vacancy changed: its candidate feed is computed afresh.
pub async fn forget_candidates(state: &AppState, vacancy: &VacancyId) {
    state.cache.delete(&candidates_key(vacancy)).await;
}
