//! Matching: ranked feeds for youth and anonymous candidate feeds for vacancies (computed,
//! cached with a TTL, checked against the database on every page), swipes on one row per
//! pair, matches made exactly once, contact after a match, and the conversation.

pub mod batch;
pub mod candidate_id;
pub mod cards;
pub mod feed;
pub mod index;
pub mod model;
pub mod routes;
pub mod score;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::list_feed)
        .service(routes::swipe_vacancy)
        .service(routes::list_candidates)
        .service(routes::swipe_candidate)
        .service(routes::list_matches)
        .service(routes::get_match)
        .service(routes::delete_match)
        .service(routes::list_messages)
        .service(routes::update_read_marker)
        .service(routes::create_message);
}
