//! Who read or changed whose data, and why: one line per access to a youth's data by anyone
//! but the youth (NEN 7513, "Logboek Dataverwerkingen"). The youth reads their own log
//! (GDPR art. 15: dates, organisations and purposes, no staff names); coordinators read their
//! organisation's lines, admins all.

pub mod counter;
pub mod model;
pub mod routes;
pub mod store;
pub mod writer;

pub use model::{Action, Purpose};
pub use store::{Entry, Line, record};
pub use writer::AuditWriter;

/// Registers this domain's routes (under `/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::list_my_audit)
        .service(routes::get_my_card_stats)
        .service(routes::list_organisation_audit)
        .service(routes::list_all_audit);
}
