//! Youth profiles built from one short form and chosen competences, the generated and edited
//! profile texts, and the sensitive characteristics kept apart from the profile.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::get_profile)
        .service(routes::put_profile)
        .service(routes::patch_profile)
        .service(routes::put_competences)
        .service(routes::generate)
        .service(routes::put_text)
        .service(routes::delete_text)
        .service(routes::get_sensitive)
        .service(routes::put_sensitive)
        .service(routes::delete_sensitive);
}
