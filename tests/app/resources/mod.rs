//! Account resources behind Chatwoot's settings screens: labels, teams and their members,
//! canned responses and custom attribute definitions; and the OpenAPI document that describes
//! the whole API.

mod canned_responses;
mod custom_attributes;
mod labels;
mod openapi;
mod teams;

use reqwest::Method;
use serde_json::Value;

use crate::support::accounts::{TestAccount, TestUser};
use crate::support::{TestApp, TestResponse};

/// `POST`s `body` to `A/<resource>` as `user` and returns the new record's id (asserting 200).
async fn create(
    app: &TestApp,
    account: &TestAccount,
    user: &TestUser,
    resource: &str,
    body: Value,
) -> i64 {
    let response = app
        .api(
            Method::POST,
            &account.api(&format!("/{resource}")),
            user,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200, "{resource}: {}", response.text);
    response.json()["id"].as_i64().expect("id")
}

/// Asserts a 422 whose `attributes` name exactly `field`.
fn assert_invalid(response: &TestResponse, field: &str, context: &Value) {
    assert_eq!(response.status, 422, "{context}: {}", response.text);
    assert_eq!(
        response.json()["attributes"],
        serde_json::json!([field]),
        "{context}: {}",
        response.text
    );
}

/// Asserts Chatwoot's permission denial.
fn assert_denied(response: &TestResponse) {
    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(
        response.json(),
        serde_json::json!({"error": "You are not authorized to do this action"})
    );
}

/// Asserts Chatwoot's 404 and that `secret` does not appear in the body.
fn assert_not_found(response: &TestResponse, secret: &str) {
    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(
        response.json(),
        serde_json::json!({"error": "Resource could not be found"})
    );
    assert!(!response.text.contains(secret));
}
