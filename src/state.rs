//! Shared application state handed to handlers (`State<AppState>`) and to jobs.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::jobs::registry::Registry;
use crate::metrics::Metrics;
use crate::secret::Secret;

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// The parts of the running application.
#[derive(Debug)]
pub struct App {
    /// Connection pool shared by handlers and workers.
    pub db: PgPool,
    /// Configuration the process started with.
    pub config: Config,
    /// Source of every "now".
    pub clock: Clock,
    /// Prometheus metrics of this process.
    pub metrics: Metrics,
    /// Job kinds this process can run.
    pub jobs: Registry,
    /// Instance secret for signatures (shared by all processes through the database).
    pub secret: Secret,
    /// Cancelled when the process starts shutting down; long-lived responses (SSE) end on it.
    pub shutdown: CancellationToken,
    /// HTTP client for user-configured targets (webhooks), guarded against internal addresses.
    pub http: reqwest::Client,
    /// Which addresses outbound requests may reach.
    pub outbound: std::sync::Arc<crate::outbound::OutboundPolicy>,
    /// Fan-out of live updates to this process's browsers.
    pub hub: crate::realtime::Hub,
    /// What acts on recorded events (registered in `app.rs`).
    pub consumers: crate::events::Consumers,
    /// Where page-by-page walkers of lists left off.
    pub page_cursors: crate::pagination::PageCursors,
    /// Slots for password checks, so a flood of sign-ins cannot take every CPU.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Whether this process already warned that `X-Forwarded-For` arrives but is not trusted.
    pub forwarded_for_warned: std::sync::atomic::AtomicBool,
}

impl App {
    /// Public base URL without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.config.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.config.bind),
        }
    }
}
