//! Employer organisations (members, invitations) and their vacancies, with the vacancy status
//! machine and expiry reminders.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::get_organisation)
        .service(routes::update_organisation)
        .service(routes::list_members)
        .service(routes::create_invitation)
        .service(routes::accept_invitation)
        .service(routes::create_invited_account)
        .service(routes::create_vacancy)
        .service(routes::get_vacancy)
        .service(routes::update_vacancy)
        .service(routes::delete_vacancy)
        .service(routes::list_vacancies);
}
