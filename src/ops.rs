//! Operational endpoints: liveness, readiness, Prometheus metrics, and Chatwoot's `GET /api`.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::error::json_body;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api", get(api_info))
}

/// `GET /healthz`: the process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Operations",
    responses(
        (status = 200, description = "The process is up", body = crate::api::schemas::Health),
    )
)]
async fn healthz() -> Response {
    json_body(&json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: the database answers and every migration is applied.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Operations",
    responses(
        (status = 200, description = "Ready", body = crate::api::schemas::Readiness),
        (status = 503, description = "The database is unreachable or migrations are pending", body = crate::api::schemas::Readiness),
    )
)]
async fn readyz(State(app): State<AppState>) -> Response {
    let database = sqlx::query("select 1").execute(&app.db).await.is_ok();
    let migrations = database
        && crate::db::migrations_applied(&app.db)
            .await
            .unwrap_or(false);
    let ok = database && migrations;
    let body = json!({
        "status": if ok { "ready" } else { "not ready" },
        "database": if database { "ok" } else { "unreachable" },
        "migrations": if migrations { "ok" } else { "pending" },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, json_body(&body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Operations",
    responses(
        (status = 200, description = "Prometheus (OpenMetrics) text: requests and latency by route, jobs", content_type = "application/openmetrics-text", body = String),
    )
)]
async fn metrics(State(app): State<AppState>) -> Response {
    let counts = crate::jobs::counts(&app.db, app.clock.now())
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(counts),
    )
        .into_response()
}

/// `GET /api` (Chatwoot): version and service health, without authentication. n8n's Chatwoot
/// credential test calls it.
#[utoipa::path(
    get,
    path = "/api",
    tag = "Operations",
    responses(
        (status = 200, description = "Version and service status", body = crate::api::schemas::ApiInfo),
    )
)]
async fn api_info(State(app): State<AppState>) -> Response {
    let healthy = sqlx::query("select 1").execute(&app.db).await.is_ok();
    let state = if healthy { "ok" } else { "failing" };
    json_body(&json!({
        "version": env!("CARGO_PKG_VERSION"),
        "timestamp": app.clock.now().format("%Y-%m-%d %H:%M:%S").to_string(),
        "queue_services": state,
        "data_services": state,
    }))
    .into_response()
}
