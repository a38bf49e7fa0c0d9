//! Runtime configuration: one typed struct with the defaults in one place. The CLI
//! ([`crate::cli`]) fills it from flags and environment variables; tests build it in code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;

/// Which PostgreSQL to use.
#[derive(Clone)]
pub enum DatabaseSource {
    /// A server named by `DATABASE_URL`; nothing else is started.
    Url(String),
    /// A private cluster under the data directory, run with the system's PostgreSQL binaries.
    Embedded {
        /// The cluster lives in `<data_dir>/postgres`.
        data_dir: PathBuf,
        /// Directory holding `initdb` and `pg_ctl`, if given explicitly (`ATENDE_PG_BIN`).
        pg_bin: Option<PathBuf>,
    },
}

impl std::fmt::Debug for DatabaseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseSource::Url(url) => f.debug_tuple("Url").field(&redact_url(url)).finish(),
            DatabaseSource::Embedded { data_dir, pg_bin } => f
                .debug_struct("Embedded")
                .field("data_dir", data_dir)
                .field("pg_bin", pg_bin)
                .finish(),
        }
    }
}

/// How background workers run in this process.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Jobs run concurrently by this process; 0 disables the workers (tests drain jobs by hand).
    pub concurrency: usize,
    /// Longest sleep between looks at the queue when no notification arrives.
    pub poll_interval: Duration,
    /// How long a claimed job is held without its process renewing the hold (every third of
    /// this); a job whose hold ran out is presumed abandoned by a dead process and retried.
    pub lease: Duration,
    /// Longest a single job may run before it is cancelled and retried.
    pub job_timeout: Duration,
    /// Jobs of one account this process runs at once (`ATENDE_JOBS_PER_ACCOUNT`; by default all
    /// slots but one, so another account's job always finds a slot).
    pub per_account: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            poll_interval: Duration::from_secs(5),
            lease: Duration::from_secs(10),
            job_timeout: Duration::from_secs(120),
            per_account: 3,
        }
    }
}

/// Cost of password hashing. Tests use [`PasswordCost::Fast`] so a sign-in does not take 50 ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasswordCost {
    /// argon2id defaults (m=19456 KiB, t=2, p=1).
    #[default]
    Standard,
    /// The minimum parameters; only for tests.
    Fast,
}

/// Everything [`crate::app::Application::build`] needs.
#[derive(Clone)]
pub struct Config {
    /// Database to connect to.
    pub database: DatabaseSource,
    /// Address the HTTP server binds; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Public URL of this instance, for links and cookie flags; defaults to `http://<bind>`.
    pub base_url: Option<String>,
    /// Secret for signatures and cookies; generated and stored in the database when absent.
    pub secret_key: Option<String>,
    /// Directory for the embedded database and stored files.
    pub data_dir: PathBuf,
    /// Background worker settings.
    pub workers: WorkerSettings,
    /// Source of time.
    pub clock: Clock,
    /// Size of the connection pool.
    pub max_connections: u32,
    /// On an empty database, create a default account and administrator and print the login.
    pub bootstrap: bool,
    /// Password hashing cost.
    pub password_cost: PasswordCost,
    /// How long in-flight HTTP requests may take to finish at shutdown.
    pub shutdown_grace: Duration,
    /// Take the client address from the last `X-Forwarded-For` hop (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// Password checks (argon2, CPU-heavy) run at once by this process.
    pub password_checks: usize,
    /// How long a sign-in waits for a password check slot before it is answered 429.
    pub password_wait: Duration,
    /// Live streams one user may hold open in this process.
    pub streams_per_user: usize,
    /// Days logs that copy conversation content are kept; 0 keeps them (see [`crate::retention`]).
    pub retention_days: u32,
    /// Per-account rates of macro runs and outbound actions.
    pub limits: crate::limits::Limits,
    /// Internal address ranges outbound requests (webhooks) may reach anyway.
    pub outbound: crate::outbound::OutboundPolicy,
    /// Outgoing e-mail; `None` when `ATENDE_SMTP_HOST` is unset (e-mail actions then fail
    /// visibly in the run log).
    pub smtp: Option<SmtpConfig>,
    /// Storage quota per account and the lifetime of file links.
    pub storage: StorageSettings,
}

impl Config {
    /// Defaults for everything but the database.
    pub fn new(database: DatabaseSource) -> Self {
        Self {
            database,
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            base_url: None,
            secret_key: None,
            data_dir: PathBuf::from("./data"),
            workers: WorkerSettings::default(),
            clock: Clock::System,
            max_connections: 10,
            bootstrap: false,
            password_cost: PasswordCost::Standard,
            shutdown_grace: Duration::from_secs(5),
            trust_forwarded_for: false,
            password_checks: std::thread::available_parallelism().map_or(2, |n| n.get()),
            password_wait: Duration::from_secs(2),
            streams_per_user: crate::realtime::STREAMS_PER_USER,
            retention_days: DEFAULT_RETENTION_DAYS,
            limits: crate::limits::Limits::default(),
            outbound: crate::outbound::OutboundPolicy::default(),
            smtp: None,
            storage: StorageSettings::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database)
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("data_dir", &self.data_dir)
            .field("workers", &self.workers)
            .field("max_connections", &self.max_connections)
            .field("bootstrap", &self.bootstrap)
            .field("password_cost", &self.password_cost)
            .field("password_checks", &self.password_checks)
            .field("smtp", &self.smtp)
            .field("storage", &self.storage)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:[redacted]@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:[redacted]@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let mut config = Config::new(DatabaseSource::Url(
            "postgres://app:hunter2@db/atende".into(),
        ));
        config.secret_key = Some("topsecret".into());
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("topsecret"), "{printed}");
        assert!(
            printed.contains("postgres://app:[redacted]@db/atende"),
            "{printed}"
        );
    }

    #[test]
    fn urls_without_password_are_unchanged() {
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }
}

// ---------------------------------------------------------------------------------------------
// Settings of features, held here so the configuration needs no feature module

/// Days logs that copy conversation content (event snapshots, webhook payloads) are kept.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required). Port 587 by default.
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS"). Port 465 by default.
    Tls,
    /// No encryption (a relay on the same host or network). Port 25 by default.
    None,
}

impl SmtpTls {
    /// Parses `starttls`, `tls` or `none`.
    pub fn parse(text: &str) -> Option<SmtpTls> {
        match text.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(SmtpTls::StartTls),
            "tls" | "smtps" => Some(SmtpTls::Tls),
            "none" | "plain" => Some(SmtpTls::None),
            _ => None,
        }
    }

    /// The port a connection secured this way uses by default.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// Where and as whom e-mail is sent.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Port; `None` = the TLS mode's default.
    pub port: Option<u16>,
    /// Connection security.
    pub tls: SmtpTls,
    /// User name, when the server wants one.
    pub user: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// The `From` address (`Atende <suporte@example.com>`).
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from", &self.from)
            .finish()
    }
}

/// The instance's storage settings (`ATENDE_STORAGE_QUOTA_MB`, `ATENDE_FILE_LINK_TTL`).
#[derive(Clone, Debug)]
pub struct StorageSettings {
    /// Most bytes one account keeps stored (message attachments and rule and macro files,
    /// counting deleted files until they are removed from disk); `None` for no limit.
    pub quota_bytes: Option<u64>,
    /// How long a file link works after it is rendered (signed into the link).
    pub link_ttl: std::time::Duration,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            quota_bytes: Some(DEFAULT_QUOTA_MB * 1024 * 1024),
            link_ttl: DEFAULT_LINK_TTL,
        }
    }
}

/// The default quota per account: 10 GiB.
pub const DEFAULT_QUOTA_MB: u64 = 10 * 1024;

/// The default lifetime of a file link: a week, ample for a WhatsApp gateway that fetches an
/// outgoing file after its webhook, retried for a day.
pub const DEFAULT_LINK_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
