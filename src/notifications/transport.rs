//! Where mail goes: SMTP (`SMTP_URL`), `.eml` files (the embedded default), or memory (tests).

use std::sync::{Arc, Mutex};

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailSettings;

/// The longest one SMTP exchange may take: 30 s, or half the outbox lease when that is
/// shorter, so a send always ends while its lease holds.
pub fn send_timeout(lease: std::time::Duration) -> std::time::Duration {
    (lease / 2).min(std::time::Duration::from_secs(30))
}

/// A message as the memory transport keeps it, for tests to read.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

impl Mailer {
    /// The transport the settings name; `lease` is the outbox's (see [`send_timeout`]).
    pub fn from_settings(
        mail: &MailSettings,
        lease: std::time::Duration,
    ) -> Result<Mailer, String> {
        Ok(match mail {
            MailSettings::Smtp(url) => Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(send_timeout(lease)))
                    .build(),
            ),
            MailSettings::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("mail folder {}: {e}", dir.display()))?;
                Mailer::Files(AsyncFileTransport::new(dir))
            }
            MailSettings::Memory => Mailer::Memory(Arc::default()),
        })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Mailer::Smtp(_) => "smtp",
            Mailer::Files(_) => "files",
            Mailer::Memory(_) => "memory",
        }
    }

    /// What the memory transport holds (empty for the others).
    pub fn sent(&self) -> Vec<SentMail> {
        match self {
            Mailer::Memory(sent) => match sent.lock() {
                Ok(v) => v.clone(),
                Err(p) => p.into_inner().clone(),
            },
            _ => Vec::new(),
        }
    }

    /// Sends one message; `id` (the outbox row's) makes its `Message-ID`, the same on a retry.
    pub async fn send(
        &self,
        id: &str,
        from: &str,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<(), String> {
        let from: Mailbox = from.parse().map_err(|e| format!("sender: {e}"))?;
        let message_id = format!("<{id}@{}>", from.email.domain());
        if let Mailer::Memory(sent) = self {
            let mail = SentMail {
                message_id,
                to: to.to_owned(),
                subject: subject.to_owned(),
                text: text.to_owned(),
                html: html.to_owned(),
            };
            match sent.lock() {
                Ok(mut v) => v.push(mail),
                Err(p) => p.into_inner().push(mail),
            }
            return Ok(());
        }
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .message_id(Some(message_id))
            .from(from)
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            ))
            .map_err(|e| format!("building message: {e}"))?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Files(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Memory(_) => Ok(()),
        }
    }
}
