//! `TestApp`: the real application on 127.0.0.1:0 over a fresh database, with the test clock,
//! typed request helpers, `run_jobs()`, and a check on drop that no job failed unexpectedly.

pub mod accounts;
pub mod browser;
pub mod cluster;
pub mod core;
pub mod logs;
pub mod receiver;
pub mod smtp;

use std::cell::Cell;
use std::net::SocketAddr;

use atende::app::Application;
use atende::clock::Clock;
use atende::config::{Config, DatabaseSource, PasswordCost, WorkerSettings};
use atende::jobs::registry::Registry;
use atende::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// Options of [`TestApp::spawn_with`].
pub struct Options {
    /// Adjusts the configuration before the application is built.
    pub configure: Box<dyn FnOnce(&mut Config) + Send>,
    /// Job kinds (the standard ones plus probes).
    pub jobs: Registry,
    /// Extra routes mounted under the application's layers.
    pub routes: axum::Router<AppState>,
    /// Database to use instead of a fresh one (tests with two processes share one).
    pub database: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            configure: Box::new(|_| {}),
            jobs: atende::app::job_registry(),
            routes: axum::Router::new(),
            database: None,
        }
    }
}

/// A running application and what tests need to drive it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Shared state: pool, clock, config.
    pub state: AppState,
    /// A client without cookies or redirects.
    pub client: reqwest::Client,
    db_name: String,
    owns_database: bool,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    allow_failed_jobs: Cell<bool>,
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text.
    pub text: String,
}

impl TestResponse {
    /// The body as JSON (panics with the text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The test configuration: port 0, no background workers, test clock, cheap password hashing.
pub fn test_config(database_url: String) -> Config {
    let mut config = Config::new(DatabaseSource::Url(database_url));
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.workers = WorkerSettings {
        concurrency: 0,
        ..WorkerSettings::default()
    };
    config.clock = Clock::test();
    config.max_connections = 5;
    config.password_cost = PasswordCost::Fast;
    config.outbound = atende::outbound::OutboundPolicy::parse("127.0.0.0/8").expect("policy");
    config.data_dir =
        std::env::temp_dir().join(format!("atende-test-{}", uuid::Uuid::new_v4().simple()));
    config
}

impl TestApp {
    /// The application with default options.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    /// The application with custom options.
    pub async fn spawn_with(options: Options) -> Self {
        let (db_name, owns_database) = match options.database {
            Some(name) => (name, false),
            None => (cluster::create_database().await, true),
        };
        let mut config = test_config(cluster::database_url(&db_name));
        (options.configure)(&mut config);
        let app = Application::build_with(config, options.jobs, options.routes)
            .await
            .expect("build application");
        let state = app.state();
        let shutdown = app.shutdown_token();
        let address = format!("http://127.0.0.1:{}", app.port());
        let server = tokio::spawn(app.run_until_stopped());
        Self::assemble(address, state, db_name, owns_database, shutdown, server)
    }

    fn assemble(
        address: String,
        state: AppState,
        db_name: String,
        owns_database: bool,
        shutdown: CancellationToken,
        server: tokio::task::JoinHandle<anyhow::Result<()>>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            address,
            state,
            client,
            db_name,
            owns_database,
            shutdown,
            server: Some(server),
            allow_failed_jobs: Cell::new(false),
        }
    }

    /// The database's name.
    pub fn database_name(&self) -> String {
        self.db_name.clone()
    }

    /// The application's clock.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// The pool.
    pub fn db(&self) -> &sqlx::PgPool {
        &self.state.db
    }

    /// Runs every due job; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        atende::jobs::worker::run_due_jobs(&self.state)
            .await
            .expect("run jobs")
    }

    /// This test expects failed jobs; skip the check on drop.
    pub fn allow_failed_jobs(&self) {
        self.allow_failed_jobs.set(true);
    }

    /// Sends a request and reads the body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            request = request.header("api_access_token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request")).await
    }

    /// `GET path` without credentials.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path, None, None).await
    }

    /// Stops the application and waits for it (graceful shutdown), returning how long it took.
    pub async fn stop(&mut self) -> std::time::Duration {
        let started = std::time::Instant::now();
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
        started.elapsed()
    }
}

/// Reads a response fully.
pub async fn read(response: reqwest::Response) -> TestResponse {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    TestResponse {
        status,
        headers,
        text,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        let url = cluster::database_url(&self.db_name);
        let (name, owns, check) = (
            self.db_name.clone(),
            self.owns_database,
            !self.allow_failed_jobs.get(),
        );
        let failed = cluster::block_on(async move {
            let mut failed = Vec::new();
            if check && let Ok(pool) = sqlx::PgPool::connect(&url).await {
                failed = atende::jobs::list_failed(&pool).await.unwrap_or_default();
                pool.close().await;
            }
            if owns {
                cluster::drop_database(name).await;
            }
            failed
        });
        if !failed.is_empty() && !std::thread::panicking() {
            panic!("the test left failed jobs behind: {failed:#?}");
        }
    }
}
