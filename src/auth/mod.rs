//! Accounts and sessions: registration, login, JWT access tokens with rotating refresh
//! tokens, email verification, password reset. Who may do what is decided in `access`.

pub mod model;
pub mod password;
pub mod routes;
pub mod service;
pub mod store;
pub mod tokens;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::create_youth_account)
        .service(routes::create_employer_account)
        .service(routes::create_session)
        .service(routes::refresh_session)
        .service(routes::revoke_session)
        .service(routes::verify_email)
        .service(routes::resend_verification_email)
        .service(routes::request_password_reset)
        .service(routes::confirm_password_reset)
        .service(routes::get_me);
}
