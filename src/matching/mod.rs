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
    cfg.service(routes::my_feed)
        .service(routes::youth_swipe)
        .service(routes::candidates)
        .service(routes::employer_swipe)
        .service(routes::list_matches)
        .service(routes::get_match)
        .service(routes::end_match)
        .service(routes::messages)
        .service(routes::send_message);
}
