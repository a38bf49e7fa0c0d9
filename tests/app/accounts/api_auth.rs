use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_request_without_a_token_gets_devises_401() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/profile").await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.json(),
        json!({"errors": ["You need to sign in or sign up before continuing."]})
    );
}

#[tokio::test]
async fn an_unknown_token_gets_invalid_access_token() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::GET, "/api/v1/profile", Some("not-a-token"), None)
        .await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json(), json!({"error": "Invalid Access Token"}));
}

#[tokio::test]
async fn both_header_spellings_work_in_any_case_and_a_bearer_header_is_ignored() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    for header in [
        "api_access_token",
        "Api-Access-Token",
        "API-ACCESS-TOKEN",
        "API_ACCESS_TOKEN",
    ] {
        for path in [acme.api("/agents"), acme.api("/agents/")] {
            let response = app
                .client
                .get(format!("{}{}", app.address, path))
                .header(header, &acme.admin.token)
                .header("authorization", "Bearer something-else")
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200, "{header} {path}");
        }
    }
}

#[tokio::test]
async fn a_member_of_another_account_gets_the_404_of_an_account_that_does_not_exist() {
    // Arrange
    let app = TestApp::spawn().await;
    let secret = app.create_account("Conta Sigilosa").await;
    let other = app.create_account("Outra").await;
    // Act
    let response = app
        .api(Method::GET, &secret.api("/agents"), &other.admin, None)
        .await;
    let missing = app
        .api(
            Method::GET,
            "/api/v1/accounts/999999/agents",
            &other.admin,
            None,
        )
        .await;
    // Assert: the same answer as for an account id that does not exist.
    assert_eq!(response.status, 404);
    assert_eq!(
        response.json(),
        json!({"error": "Resource could not be found"})
    );
    assert_eq!(response.text, missing.text);
    assert!(!response.text.contains(&secret.admin.email));
}

#[tokio::test]
async fn unknown_and_malformed_account_ids_are_404() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    for path in [
        "/api/v1/accounts/999999/agents",
        "/api/v1/accounts/abc/agents",
    ] {
        let response = app.api(Method::GET, path, &acme.admin, None).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(
            response.json(),
            json!({"error": "Resource could not be found"})
        );
    }
}

#[tokio::test]
async fn a_suspended_account_answers_account_is_suspended() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    sqlx::query("update accounts set status = 'suspended' where id = $1")
        .bind(acme.id.0)
        .execute(app.db())
        .await
        .expect("suspend");
    let response = app
        .api(Method::GET, &acme.api("/agents"), &acme.admin, None)
        .await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json(), json!({"error": "Account is suspended"}));
}

#[tokio::test]
async fn the_token_printed_by_create_account_authenticates_the_profile() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let response = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["email"], acme.admin.email);
}
