//! Outgoing e-mail over SMTP (lettre): the configuration read from `ATENDE_SMTP_*` and the
//! `mail.send` job that delivers one message, retried with backoff when the server is down or
//! answers with a transient (4xx) error.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

pub use crate::config::{SmtpConfig, SmtpTls};
use crate::jobs::{Job, JobError};
use crate::state::AppState;

impl SmtpConfig {
    /// The transport this configuration describes.
    pub fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = match self.tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host)?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host),
        };
        let mut builder = builder
            .port(self.port.unwrap_or(self.tls.default_port()))
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &self.user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(builder.build())
    }
}

/// Checks an e-mail address the way recipients are checked before anything is queued.
pub fn valid_address(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}

/// One e-mail to deliver. Queued by automation and macro actions; its own job, so a failing
/// server delays the mail, not the action that sent it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendMail {
    /// The recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body, sent as the alternative to the text.
    pub html: Option<String>,
}

impl Job for SendMail {
    const KIND: &'static str = "mail.send";
    const MAX_ATTEMPTS: i32 = 10;

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let Some(config) = &app.config.smtp else {
            return Err(JobError::Fatal(anyhow::anyhow!(
                "e-mail is not configured: set ATENDE_SMTP_HOST"
            )));
        };
        let from: Mailbox = config.from.parse().map_err(|e| {
            JobError::Fatal(anyhow::anyhow!("ATENDE_SMTP_FROM is not an address: {e}"))
        })?;
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| JobError::Fatal(anyhow::anyhow!("{} is not an address: {e}", self.to)))?;
        let builder = Message::builder()
            .from(from)
            .to(to)
            .subject(self.subject.clone());
        let message = match &self.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                html.clone(),
            )),
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(self.text.clone()),
        }
        .map_err(|e| JobError::Fatal(anyhow::anyhow!("cannot build the message: {e}")))?;
        let transport = config
            .transport()
            .map_err(|e| JobError::Fatal(anyhow::anyhow!("bad SMTP settings: {e}")))?;
        match transport.send(message).await {
            Ok(_) => {
                tracing::info!(to = %self.to, "e-mail sent");
                Ok(())
            }
            Err(e) if e.is_permanent() => Err(JobError::Fatal(anyhow::anyhow!(
                "the SMTP server refused the message: {e}"
            ))),
            Err(e) => Err(JobError::Retry(anyhow::anyhow!(
                "SMTP delivery failed: {e}"
            ))),
        }
    }
}
