//! Who may do what to whose data: the one place that decides.
//!
//! A request resolves one [`Principal`] (account, session, role, and for a delegated token
//! the coach acting and the consent's scopes). Guards turn it into proof values: a
//! [`YouthAccess`] (the youth themself, or a coach holding the scope for that youth), a
//! [`Member`] of an organisation, a [`Coach`] of an intermediary organisation. Services take
//! proofs, not bare ids, and the proofs can only be made here, so no service can be called
//! without its check. Revocation fails closed (see [`revocation`]).

mod clients;
mod guards;
mod placements;
mod principal;
pub mod revocation;
mod scope;

pub use clients::*;
pub use guards::*;
pub use placements::*;
pub use principal::{Delegation, Principal, UncheckedPrincipal};
pub use scope::{OrganisationKind, Scope, Scopes};
