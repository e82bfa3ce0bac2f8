//! Employer clients of intermediaries and introductions: an intermediary's coaches post and
//! manage vacancies for the employers they recruit for, see and (when the client allows it)
//! swipe their candidates; and they propose youth of their caseload for a vacancy. Who may do
//! what is decided in `access` (`access::clients`).

pub mod introductions;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::create_client)
        .service(routes::list_clients)
        .service(routes::get_client)
        .service(routes::update_client)
        .service(routes::accept_client)
        .service(routes::decline_client)
        .service(routes::delete_client)
        .service(routes::list_client_activity)
        .service(routes::list_caseload_introductions)
        .service(routes::create_introduction)
        .service(routes::list_introductions)
        .service(routes::accept_introduction)
        .service(routes::decline_introduction);
}
