use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn readyz_reports_a_reachable_database_with_all_migrations() {
    let app = TestApp::spawn().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"status": "ready", "database": "ok", "migrations": "ok"})
    );
}

#[tokio::test]
async fn readyz_fails_when_a_migration_is_missing() {
    // Arrange: forget one applied migration, as on a database an older binary migrated.
    let app = TestApp::spawn().await;
    sqlx::query(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .execute(app.db())
    .await
    .expect("delete");
    // Act
    let response = app.get("/readyz").await;
    // Assert
    assert_eq!(response.status, 503);
    assert_eq!(response.json()["migrations"], "pending");
}

#[tokio::test]
async fn api_root_answers_like_chatwoot_without_a_token() {
    let app = TestApp::spawn().await;
    let response = app.get("/api").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = response.json();
    assert_eq!(body["queue_services"], "ok");
    assert_eq!(body["data_services"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let timestamp = body["timestamp"].as_str().expect("timestamp");
    assert!(
        chrono::NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{timestamp}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_jobs_by_state() {
    // Arrange
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/no/such/page").await;
    // Act
    let response = app.get("/metrics").await;
    // Assert
    assert_eq!(response.status, 200);
    let text = response.text;
    assert!(
        text.contains(
            r#"atende_http_requests_total{method="GET",route="/healthz",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains("atende_http_request_duration_seconds_bucket"),
        "{text}"
    );
    for state in ["ready", "scheduled", "running", "dead"] {
        assert!(
            text.contains(&format!(r#"atende_jobs{{state="{state}"}}"#)),
            "{state}: {text}"
        );
    }
}
