use atende::api::extract::ApiJson;
use atende::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{Options, TestApp};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct ProbeInput {
    name: String,
    count: Option<i64>,
}

async fn echo(ApiJson(input): ApiJson<ProbeInput>) -> axum::Json<Value> {
    axum::Json(json!({"name": input.name, "count": input.count}))
}

async fn boom() -> &'static str {
    panic!("probe handler panics on purpose");
}

async fn probe_app() -> TestApp {
    let routes: Router<AppState> = Router::new()
        .route("/api/v1/probe/echo", post(echo))
        .route("/api/v1/probe/boom", get(boom));
    TestApp::spawn_with(Options {
        routes,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn unknown_api_paths_get_chatwoot_404() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/nothing", "/api/v1/accounts/1/nothing/here"] {
        let response = app.get(path).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(
            response.json(),
            json!({"error": "Resource could not be found"}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn trailing_slashes_are_tolerated() {
    let app = probe_app().await;
    for path in ["/healthz/", "/api/", "/readyz/"] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/probe/echo/",
            None,
            Some(json!({"name": "Ana"})),
        )
        .await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_callers() {
    let app = TestApp::spawn().await;
    let generated = app.get("/healthz").await;
    let id = generated.header("x-request-id").expect("request id");
    assert_eq!(id.len(), 36, "{id}");
    let echoed = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("request");
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn a_panicking_handler_gets_a_500_and_the_server_keeps_serving() {
    let app = probe_app().await;
    let response = app.get("/api/v1/probe/boom").await;
    assert_eq!(response.status, 500);
    assert_eq!(response.json(), json!({"error": "Internal server error"}));
    assert!(!response.text.contains("on purpose"));
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn bad_json_bodies_get_422_naming_the_problem() {
    let app = probe_app().await;
    let cases = [
        (
            json!({"count": 1}),
            json!({"message": "Name can't be blank", "attributes": ["name"]}),
        ),
        (
            json!({"name": "Ana", "count": "lots"}),
            json!({"message": "Count is invalid (expected i64)", "attributes": ["count"]}),
        ),
        (
            json!({"name": 7}),
            json!({"message": "Name is invalid (expected a string)", "attributes": ["name"]}),
        ),
    ];
    for (body, expected) in cases {
        let response = app
            .request(
                reqwest::Method::POST,
                "/api/v1/probe/echo",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}");
        assert_eq!(response.json(), expected, "{body}");
    }
    let malformed = app
        .client
        .post(format!("{}/api/v1/probe/echo", app.address))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 422);
    let body: Value = malformed.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .starts_with("malformed JSON body"),
        "{body}"
    );
}

#[tokio::test]
async fn form_encoded_bodies_are_accepted() {
    let app = probe_app().await;
    let response = app
        .client
        .post(format!("{}/api/v1/probe/echo", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Ana+Maria")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json")["name"],
        "Ana Maria"
    );
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = probe_app().await;
    let huge = format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(atende::app::BODY_LIMIT + 10)
    );
    let response = app
        .client
        .post(format!("{}/api/v1/probe/echo", app.address))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"error": "Request body is too large"})
    );
}
