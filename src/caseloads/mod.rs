//! The intermediary portal: intermediary organisations and their coaches, the youth's consent
//! per scope, acting on a youth's behalf (RFC 8693 token exchange), the caseload, notes and
//! follow-ups. Who may do what is decided in `access`.

pub mod handovers;
pub mod jobs;
pub mod model;
pub mod page_cache;
pub mod routes;
pub mod search;
pub mod service;
pub mod store;

/// Registers this domain's routes (under `/v1`). Fixed paths before `{youth_id}`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::create_intermediary)
        .service(routes::deactivate_member)
        .service(routes::transfer_caseload)
        .service(routes::create_coach_invitation)
        .service(routes::list_handovers)
        .service(routes::accept_handover)
        .service(routes::decline_handover)
        .service(routes::list_caseload)
        .service(routes::list_follow_ups)
        .service(routes::list_selected_youth)
        .service(routes::get_caseload_entry)
        .service(routes::update_caseload_entry)
        .service(routes::list_notes)
        .service(routes::create_note)
        .service(routes::create_handover)
        .service(routes::exchange_token)
        .service(routes::claim_coach_invitation)
        .service(routes::list_coaches)
        .service(routes::list_consent_events)
        .service(routes::accept_consent)
        .service(routes::decline_consent)
        .service(routes::update_consent)
        .service(routes::renew_consent)
        .service(routes::revoke_consent);
}
