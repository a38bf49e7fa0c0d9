use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn agents_are_a_bare_array_sorted_by_name() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    app.add_member(&acme, "Zeca", Role::Agent, None).await;
    app.add_member(&acme, "bia", Role::Agent, None).await;
    let agent = app.add_member(&acme, "Carla", Role::Agent, None).await;
    let response = app
        .api(Method::GET, &acme.api("/agents"), &agent, None)
        .await;
    assert_eq!(response.status, 200);
    let names: Vec<_> = response
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![
            json!("Admin Acme"),
            json!("bia"),
            json!("Carla"),
            json!("Zeca")
        ]
    );
    insta::assert_json_snapshot!(response.json()[2], {".id" => "[id]", ".account_id" => "[id]", ".email" => "[email]"});
}

#[tokio::test]
async fn an_invited_agent_is_listed_unconfirmed_and_not_a_member_until_they_accept() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"agent": {"name": "Davi", "email": "Davi@Acme.test", "role": "agent"}});
    // Act
    let response = app
        .api(Method::POST, &acme.api("/agents"), &acme.admin, Some(body))
        .await;
    // Assert
    assert_eq!(response.status, 200, "{}", response.text);
    let agent = response.json();
    assert_eq!(agent["email"], "davi@acme.test");
    assert_eq!(agent["name"], "Davi");
    assert_eq!(agent["role"], "agent");
    assert_eq!(agent["confirmed"], false);
    assert_eq!(agent["availability_status"], "offline");
    let listed = app
        .api(Method::GET, &acme.api("/agents"), &acme.admin, None)
        .await
        .json();
    let pending = listed
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["email"] == "davi@acme.test")
        .expect("listed");
    assert_eq!(pending["confirmed"], false);
    assert_eq!(pending["id"], agent["id"]);
    let users: i64 =
        sqlx::query_scalar("select count(*) from users where email = 'davi@acme.test'")
            .fetch_one(app.db())
            .await
            .expect("count");
    assert_eq!(users, 0, "no user exists before they accept");
}

#[tokio::test]
async fn a_password_chosen_by_the_administrator_is_refused() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "Davi", "email": "davi@acme.test", "password": "senha-inicial-1"});
    let response = app
        .api(Method::POST, &acme.api("/agents"), &acme.admin, Some(body))
        .await;
    assert_eq!(response.status, 422, "{}", response.text);
    assert_eq!(response.json()["attributes"], json!(["password"]));
    assert_eq!(
        crate::accounts::pages::agents_json(&app, &acme).await.len(),
        1
    );
}

#[tokio::test]
async fn bad_agent_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let foreign_role = app
        .api(
            Method::POST,
            &beta.api("/custom_roles"),
            &beta.admin,
            Some(json!({"name": "X", "permissions": []})),
        )
        .await
        .json()["id"]
        .clone();
    let existing = app.add_member(&acme, "Eva", Role::Agent, None).await;
    let cases = [
        (json!({"name": "A"}), "email"),
        (json!({"name": "A", "email": "not-an-email"}), "email"),
        (json!({"email": "new@acme.test"}), "name"),
        (json!({"name": "A", "email": existing.email}), "email"),
        (
            json!({"name": "A", "email": "r@acme.test", "role": "owner"}),
            "role",
        ),
        (
            json!({"name": "A", "email": "r@acme.test", "availability": "away"}),
            "availability",
        ),
        (
            json!({"name": "A", "email": "r@acme.test", "auto_offline": "maybe"}),
            "auto_offline",
        ),
        (
            json!({"name": "A", "email": "r@acme.test", "custom_role_id": "abc"}),
            "custom_role_id",
        ),
        (
            json!({"name": "A", "email": "r@acme.test", "custom_role_id": foreign_role}),
            "custom_role_id",
        ),
        (
            json!({"name": "A", "email": "r@acme.test", "custom_role_id": 999999}),
            "custom_role_id",
        ),
        (
            json!({"name": "A", "email": "r@acme.test", "password": "short"}),
            "password",
        ),
        (json!({"name": 12, "email": "r@acme.test"}), "name"),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/agents"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(
            response.json()["attributes"],
            json!([field]),
            "{body}: {}",
            response.text
        );
    }
    let count: i64 = sqlx::query_scalar(
        "select count(*) from users where email = 'r@acme.test' or email = 'new@acme.test'",
    )
    .fetch_one(app.db())
    .await
    .expect("count");
    assert_eq!(count, 0, "a refused invitation leaves no user behind");
}

#[tokio::test]
async fn custom_role_ids_may_be_sent_as_strings() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let role = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Gerente", "permissions": ["team_manage"]})),
        )
        .await
        .json();
    let id = role["id"].as_i64().expect("id").to_string();
    let body = json!({"name": "Fábio", "email": "fabio@acme.test", "custom_role_id": id, "auto_offline": "false"});
    let response = app
        .api(Method::POST, &acme.api("/agents"), &acme.admin, Some(body))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json()["custom_role_id"], role["id"]);
    assert_eq!(response.json()["auto_offline"], false);
}

#[tokio::test]
async fn an_administrator_changes_roles_and_removes_agents() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let gil = app.add_member(&acme, "Gil", Role::Agent, None).await;
    let path = acme.api(&format!("/agents/{}", gil.id));
    let promoted = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"role": "administrator", "name": "Gil Souza"})),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    assert_eq!(promoted.json()["role"], "administrator");
    assert_eq!(promoted.json()["name"], "Gil Souza");
    let removed = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!(removed.status, 200);
    assert_eq!(removed.text, "");
    let gone = app.api(Method::GET, &acme.api("/agents"), &gil, None).await;
    assert_eq!(gone.status, 404, "a removed member loses access at once");
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.api(
            Method::PATCH,
            &acme.api("/agents/abc"),
            &acme.admin,
            Some(json!({}))
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn the_last_administrator_can_be_neither_demoted_nor_removed() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let path = acme.api(&format!("/agents/{}", acme.admin.id));
    let demoted = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(demoted.status, 422);
    assert_eq!(demoted.json()["attributes"], json!(["role"]));
    let removed = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!(removed.status, 422);
    let second = app
        .add_member(&acme, "Hugo", Role::Administrator, None)
        .await;
    assert_eq!(
        app.api(Method::DELETE, &path, &second, None).await.status,
        200
    );
}

#[tokio::test]
async fn agents_cannot_manage_agents() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app.add_member(&acme, "Ivo", Role::Agent, None).await;
    let response = app
        .api(
            Method::POST,
            &acme.api("/agents"),
            &agent,
            Some(json!({"name": "X", "email": "x@acme.test"})),
        )
        .await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.json(),
        json!({"error": "You are not authorized to do this action"})
    );
    let path = acme.api(&format!("/agents/{}", agent.id));
    let promoted = app
        .api(
            Method::PATCH,
            &path,
            &agent,
            Some(json!({"role": "administrator"})),
        )
        .await;
    assert_eq!(promoted.status, 401, "an agent cannot promote themselves");
}
