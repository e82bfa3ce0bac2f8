//! Mail: an outbox table written in the same transaction as the event that causes a message,
//! a worker that sends what is due with retries and backoff, and the transports (SMTP,
//! `.eml` files, memory for tests). Templates are in Dutch and English.

pub mod outbox;
pub mod templates;
pub mod transport;

pub use outbox::{Outbox, run_worker};
pub use templates::Rendered;
pub use transport::{Mailer, SentMail};
