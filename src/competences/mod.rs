//! The competence catalogue (52 competences in six clusters), the occupations that ask for
//! them, and the competence generator that turns chosen competences into a profile text.

pub mod catalogue;
pub mod generator;
pub mod occupations;
pub mod routes;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::list_competences)
        .service(routes::list_occupations)
        .service(routes::preview_profile_text);
}
