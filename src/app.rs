//! Assembling and running the application: `Application::build` opens the database, applies
//! migrations, binds the listener and builds the state; `run_until_stopped` serves HTTP and runs
//! the workers until the shutdown token fires, then stops the HTTP server, the workers and the
//! embedded database, in that order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::{self, Database};
use crate::error::Error;
use crate::jobs::registry::Registry;
use crate::metrics::Metrics;
use crate::state::{App, AppState};

/// Largest request body by default; uploads raise it on their own routes.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A built application, ready to run.
pub struct Application {
    state: AppState,
    listener: TcpListener,
    database: Database,
    extra_routes: Router<AppState>,
}

impl Application {
    /// Opens the database (starting the embedded one if configured), applies migrations, binds
    /// the listener (port 0 picks a free port) and, when `config.bootstrap` is set, creates the
    /// first account of an empty database.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, job_registry(), Router::new()).await
    }

    /// [`Application::build`] with a custom job registry and extra routes (tests add probes).
    pub async fn build_with(
        mut config: Config,
        jobs: Registry,
        extra_routes: Router<AppState>,
    ) -> anyhow::Result<Self> {
        let database = Database::open(&config.database, config.max_connections).await?;
        db::migrate(&database.pool).await?;
        db::check_server_settings(&database.pool).await;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        config.bind = listener.local_addr()?;
        let state = build_state(config, database.pool.clone(), jobs).await?;
        if state.config.bootstrap {
            crate::instance::bootstrap(&state).await?;
        }
        Ok(Self {
            state,
            listener,
            database,
            extra_routes,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.state.config.bind.port()
    }

    /// The shared state (tests use it to drain jobs and read the clock).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Cancel this token to shut the application down gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.state.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled; then stops the HTTP server (open SSE
    /// streams end on the same token), the workers and the embedded database, in that order.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Application {
            state,
            listener,
            database,
            extra_routes,
        } = self;
        let stop = state.shutdown.clone();
        let grace = state.config.shutdown_grace;
        let service = NormalizePathLayer::trim_trailing_slash()
            .layer(router_with(state.clone(), extra_routes));
        let make_service =
            axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service);
        tracing::info!(address = %state.config.bind, "listening");
        let hub = tokio::spawn(state.hub.clone().run(state.db.clone(), stop.clone()));
        let server = axum::serve(listener, make_service)
            .with_graceful_shutdown(stop.clone().cancelled_owned());
        let mut server = tokio::spawn(server.into_future());

        // The workers stop claiming as soon as shutdown starts, finish or give back what they
        // hold within the grace period, and return before the pool closes.
        let mut workers = if state.config.workers.concurrency > 0 {
            let (state, token) = (state.clone(), stop.clone());
            Some(tokio::spawn(async move {
                crate::jobs::worker::run(state, token, grace).await
            }))
        } else {
            None
        };

        // Run until asked to stop, or until the server or the workers die on their own.
        tokio::select! {
            _ = stop.cancelled() => {}
            result = &mut server => {
                tracing::error!(?result, "HTTP server exited; shutting down");
                stop.cancel();
            }
            result = async { workers.as_mut().expect("guarded").await }, if workers.is_some() => {
                tracing::error!(?result, "job worker exited; shutting down");
                workers = None;
                stop.cancel();
            }
        }
        let started = Instant::now();
        if !server.is_finished() {
            match tokio::time::timeout(grace, &mut server).await {
                Ok(_) => tracing::info!("HTTP server stopped"),
                Err(_) => {
                    tracing::warn!("open HTTP connections did not finish in time; closing them");
                    server.abort();
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), hub).await;
        if let Some(workers) = workers {
            // The worker's own grace has been running since `stop`; giving jobs back takes a
            // few statements more.
            let budget = (grace + Duration::from_secs(5)).saturating_sub(started.elapsed());
            if tokio::time::timeout(budget.max(Duration::from_secs(1)), workers)
                .await
                .is_err()
            {
                tracing::warn!(
                    "job worker did not stop in time; its jobs are retried when their lease expires"
                );
            }
        }
        database.close(true).await?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "shutdown complete"
        );
        Ok(())
    }
}

/// The shared state over an open pool (the CLI's one-shot commands use it without a server).
pub async fn build_state(
    config: Config,
    pool: sqlx::PgPool,
    jobs: Registry,
) -> anyhow::Result<AppState> {
    let secret = crate::secret::load_secret(&pool, config.secret_key.as_deref()).await?;
    let outbound = Arc::new(config.outbound.clone());
    Ok(AppState(Arc::new(App {
        http: crate::outbound::guarded_client(outbound.clone()),
        hub: crate::realtime::Hub::default(),
        consumers: event_consumers(),
        page_cursors: Default::default(),
        password_checks: Arc::new(tokio::sync::Semaphore::new(config.password_checks.max(1))),
        forwarded_for_warned: Default::default(),
        outbound,
        db: pool,
        clock: config.clock.clone(),
        config,
        metrics: Metrics::default(),
        jobs,
        secret,
        shutdown: CancellationToken::new(),
    })))
}

/// Every job the application defines; the periodic ones are queued at start-up.
pub fn job_registry() -> Registry {
    let mut registry = Registry::default();
    registry
        .register_periodic::<crate::auth::sessions::DeleteExpiredSessions>(
            crate::auth::sessions::DeleteExpiredSessions::KEY,
        )
        .register::<crate::conversations::service::EndSnooze>()
        .register::<crate::conversations::service::BulkAction>()
        .register::<crate::events::Dispatch>()
        .register::<crate::webhooks::delivery::Send>()
        .register::<crate::automation::runner::RunActions>()
        .register::<crate::mail::SendMail>()
        .register::<crate::macros::Execute>()
        .register_periodic::<crate::automation::files::DeleteUnownedFiles>(
            crate::automation::files::DeleteUnownedFiles::KEY,
        )
        .register::<crate::storage::RemoveFiles>()
        .register_periodic::<crate::storage::SweepRemovals>(crate::storage::SweepRemovals::KEY)
        .register_periodic::<crate::retention::Prune>(crate::retention::Prune::KEY);
    registry
}

/// What acts on recorded events, in the order each batch reaches them.
pub fn event_consumers() -> crate::events::Consumers {
    vec![
        Box::new(crate::webhooks::dispatch::Deliveries),
        Box::new(crate::automation::runner::Rules),
    ]
}

/// Every route, with the cross-cutting layers: request ids, tracing, panics → 500, body
/// limits and per-route metrics.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] plus `extra` routes under the same layers (tests mount probes this way).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    Router::new()
        .merge(extra)
        .merge(crate::ops::router())
        .merge(crate::api::router())
        .merge(crate::web::router(&state))
        .route("/static/{*path}", get(crate::web::assets::serve))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), track_metrics))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .extensions()
                    .get::<RequestId>()
                    .and_then(|id| id.header_value().to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    // File links are credentials: logged without their signature.
                    path = %crate::storage::loggable_path(request.uri().path()),
                    request.id = %request_id,
                    account.id = tracing::field::Empty,
                    user.id = tracing::field::Empty,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Unknown paths: Chatwoot's JSON 404 under `/api`, an HTML page elsewhere.
async fn fallback(request: Request) -> Response {
    if request.uri().path().starts_with("/api") {
        Error::NotFound.into_response()
    } else {
        let tr = crate::web::extract::locale_from_headers(request.headers());
        crate::web::error_page(StatusCode::NOT_FOUND, tr)
    }
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Error::Other(anyhow::anyhow!("handler panicked")).into_response()
}

async fn track_metrics(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    app.metrics.request_finished(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
