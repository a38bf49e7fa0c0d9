use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn the_profile_has_chatwoots_user_shape_with_every_membership() {
    // Arrange: Ana administers Acme and is an agent of Beta.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    app.join(&beta, &acme.admin, Role::Agent).await;
    // Act
    let response = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await;
    // Assert
    assert_eq!(response.status, 200);
    let profile = response.json();
    insta::assert_json_snapshot!(profile, {
        ".id" => "[id]", ".account_id" => "[id]", ".access_token" => "[token]",
        ".accounts[].id" => "[id]", ".accounts[].active_at" => "[time]",
    });
    assert_eq!(
        profile["access_token"], acme.admin.token,
        "the caller's own token is echoed"
    );
    assert_eq!(profile["accounts"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_profile_accepts_wrapped_and_top_level_fields() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let wrapped = json!({"profile": {"name": "Ana Souza", "display_name": "Ana", "locale": "en"}});
    let response = app
        .api(Method::PUT, "/api/v1/profile", &acme.admin, Some(wrapped))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json()["available_name"], "Ana");
    assert_eq!(response.json()["locale"], "en");
    let top = json!({"message_signature": "-- Ana", "display_name": null});
    let response = app
        .api(Method::PATCH, "/api/v1/profile", &acme.admin, Some(top))
        .await;
    assert_eq!(response.json()["available_name"], "Ana Souza");
    assert_eq!(response.json()["message_signature"], "-- Ana");
}

#[tokio::test]
async fn bad_profile_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let cases = [
        (json!({"profile": {"name": "  "}}), "name"),
        (json!({"profile": {"email": "nope"}}), "email"),
        (json!({"profile": {"email": beta.admin.email}}), "email"),
        (json!({"profile": {"locale": "fr"}}), "locale"),
        (
            json!({"profile": {"phone_number": "call me"}}),
            "phone_number",
        ),
        (json!({"profile": {"ui_settings": "dark"}}), "ui_settings"),
        (
            json!({"profile": {"availability": "sleeping", "account_id": acme.id}}),
            "availability",
        ),
        (json!({"profile": {"availability": "busy"}}), "account_id"),
        (
            json!({"profile": {"availability": "busy", "account_id": "abc"}}),
            "account_id",
        ),
        (
            json!({"profile": {"availability": "busy", "account_id": beta.id}}),
            "account_id",
        ),
        (
            json!({"profile": {"password": "new-password-1"}}),
            "current_password",
        ),
        (
            json!({"profile": {"current_password": "wrong", "password": "new-password-1"}}),
            "current_password",
        ),
        (
            json!({"profile": {"current_password": acme.admin.password, "password": "short"}}),
            "password",
        ),
        (
            json!({"profile": {"current_password": acme.admin.password, "password": "new-password-1", "password_confirmation": "other-password"}}),
            "password_confirmation",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::PUT,
                "/api/v1/profile",
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        let attributes = response.json()["attributes"].clone();
        assert!(
            attributes
                .as_array()
                .is_some_and(|a| a.contains(&json!(field))),
            "{body}: {}",
            response.text
        );
    }
}

#[tokio::test]
async fn availability_is_set_per_account() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"profile": {"account_id": acme.id.0.to_string(), "availability": "busy"}});
    let response = app
        .api(
            Method::POST,
            "/api/v1/profile/availability",
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json()["accounts"][0]["availability"], "busy");
    let agents = app
        .api(Method::GET, &acme.api("/agents"), &acme.admin, None)
        .await;
    assert_eq!(agents.json()[0]["availability_status"], "busy");
}

#[tokio::test]
async fn resetting_the_token_returns_a_new_one_and_voids_the_old() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let response = app
        .api(
            Method::POST,
            "/api/v1/profile/reset_access_token",
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(response.status, 200);
    let new_token = response.json()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_ne!(new_token, acme.admin.token);
    let old = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await;
    assert_eq!(old.status, 401);
    let new = app
        .request(Method::GET, "/api/v1/profile", Some(&new_token), None)
        .await;
    assert_eq!(new.status, 200);
}

#[tokio::test]
async fn set_active_account_moves_the_profiles_account() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    app.join(&beta, &acme.admin, Role::Agent).await;
    let body = json!({"profile": {"account_id": beta.id}});
    let response = app
        .api(
            Method::PUT,
            "/api/v1/profile/set_active_account",
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["account_id"], json!(beta.id));
    assert_eq!(response.json()["role"], "agent");
    let other = app.create_account("Gama").await;
    let denied = app
        .api(
            Method::PUT,
            "/api/v1/profile/set_active_account",
            &acme.admin,
            Some(json!({"profile": {"account_id": other.id}})),
        )
        .await;
    assert_eq!(
        denied.status, 404,
        "not a member: the account cannot be told from a missing one"
    );
}

#[tokio::test]
async fn the_account_can_be_read_by_members_and_changed_by_administrators() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app
        .add_member(&acme, "Bia", atende::accounts::model::Role::Agent, None)
        .await;
    let shown = app.api(Method::GET, &acme.api(""), &agent, None).await;
    assert_eq!(shown.status, 200);
    insta::assert_json_snapshot!(shown.json(), {".id" => "[id]", ".created_at" => "[time]", ".latest_chatwoot_version" => "[version]"});
    let body = json!({"name": "Acme Ltda", "timezone": "America/Recife", "locale": "en", "auto_resolve_after": "60"});
    let denied = app
        .api(Method::PATCH, &acme.api(""), &agent, Some(body.clone()))
        .await;
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.json(),
        json!({"error": "You are not authorized to do this action"})
    );
    let changed = app
        .api(Method::PATCH, &acme.api(""), &acme.admin, Some(body))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json()["name"], "Acme Ltda");
    assert_eq!(changed.json()["timezone"], "America/Recife");
    assert_eq!(changed.json()["settings"]["auto_resolve_after"], 60);
    for (body, field) in [
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"locale": "xx"}), "locale"),
        (json!({"name": ""}), "name"),
        (json!({"support_email": "nope"}), "support_email"),
        (json!({"auto_resolve_after": 1}), "auto_resolve_after"),
        (json!({"auto_resolve_after": "soon"}), "auto_resolve_after"),
    ] {
        let response = app
            .api(
                Method::PATCH,
                &acme.api(""),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}");
        assert_eq!(response.json()["attributes"], json!([field]), "{body}");
    }
}
