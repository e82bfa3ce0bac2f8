//! Youth profiles built from one short form and chosen competences, the generated and edited
//! profile texts, and the sensitive characteristics kept apart from the profile.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::get_profile)
        .service(routes::replace_profile)
        .service(routes::update_profile)
        .service(routes::replace_competences)
        .service(routes::generate_profile_text)
        .service(routes::replace_profile_text)
        .service(routes::delete_profile_text)
        .service(routes::get_sensitive)
        .service(routes::replace_sensitive)
        .service(routes::delete_sensitive);
}
