//! Employer organisations (members, invitations) and their vacancies, with the vacancy status
//! machine and expiry reminders.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::get_organisation)
        .service(routes::patch_organisation)
        .service(routes::members)
        .service(routes::invite)
        .service(routes::accept_invitation)
        .service(routes::register_invited)
        .service(routes::create_vacancy)
        .service(routes::get_vacancy)
        .service(routes::patch_vacancy)
        .service(routes::delete_vacancy)
        .service(routes::list_vacancies);
}
