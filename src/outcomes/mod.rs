//! Outcomes: placements with aftercare, and output reports with small-cell suppression. Who
//! may record or see a placement is decided in `access` (`access::placements`).

pub mod gather;
pub mod model;
pub mod placements;
pub mod reports;
pub mod routes;
pub mod store;

/// Registers this domain's routes (under `/v1`). Fixed paths before `{placement_id}`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::create_placement)
        .service(routes::list_placements)
        .service(routes::list_placement_follow_ups)
        .service(routes::get_placement)
        .service(routes::confirm_placement)
        .service(routes::create_placement_follow_up)
        .service(routes::reopen_placement)
        .service(routes::get_outcome_report);
}
