use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn custom_roles_are_created_listed_shown_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"custom_role": {"name": "Gerente de Equipe", "description": "Atribui conversas",
                                      "permissions": ["team_manage", "conversation_manage", "report_manage"]}});
    let created = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    insta::assert_json_snapshot!(created.json(), {".id" => "[id]", ".created_at" => "[time]", ".updated_at" => "[time]"});
    let id = created.json()["id"].as_i64().expect("id");
    let listed = app
        .api(Method::GET, &acme.api("/custom_roles"), &acme.admin, None)
        .await;
    assert_eq!(listed.json().as_array().map(Vec::len), Some(1));
    let path = acme.api(&format!("/custom_roles/{id}"));
    let updated = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"permissions": ["report_manage"], "description": null})),
        )
        .await;
    assert_eq!(updated.json()["permissions"], json!(["report_manage"]));
    assert_eq!(updated.json()["description"], json!(null));
    assert_eq!(updated.json()["name"], "Gerente de Equipe");
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.json()["permissions"],
        json!(["report_manage"])
    );
    let deleted = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (200, ""));
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.status,
        404
    );
}

#[tokio::test]
async fn bad_custom_role_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    app.api(
        Method::POST,
        &acme.api("/custom_roles"),
        &acme.admin,
        Some(json!({"name": "Suporte"})),
    )
    .await;
    let cases = [
        (json!({"permissions": ["report_manage"]}), "name"),
        (json!({"name": "  "}), "name"),
        (json!({"name": "suporte"}), "name"),
        (json!({"name": "X", "permissions": ["fly"]}), "permissions"),
        (
            json!({"name": "X", "permissions": ["sla_manage"]}),
            "permissions",
        ),
        (
            json!({"name": "X", "permissions": "report_manage"}),
            "permissions",
        ),
        (json!({"name": ["X"]}), "name"),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/custom_roles"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(response.json()["attributes"], json!([field]), "{body}");
    }
    let unknown = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Y", "permissions": ["fly"]})),
        )
        .await;
    assert_eq!(
        unknown.json()["message"],
        "Permissions contains an unknown permission: fly"
    );
}

#[tokio::test]
async fn a_role_its_members_still_hold_cannot_be_deleted() {
    // Arrange: a reports-only analyst; as a plain agent she would see every conversation of
    // her inboxes, which the role does not allow.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let role = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Relatórios", "permissions": ["report_manage"]})),
        )
        .await
        .json();
    let role_id = atende::ids::CustomRoleId(role["id"].as_i64().expect("id"));
    let analyst = app
        .add_member(&acme, "Júlia", Role::Agent, Some(role_id))
        .await;
    let path = acme.api(&format!("/custom_roles/{role_id}"));
    // Act
    let refused = app.api(Method::DELETE, &path, &acme.admin, None).await;
    // Assert
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.json()["error"]
            .as_str()
            .expect("error")
            .contains("1 member")
    );
    let profile = app
        .api(Method::GET, "/api/v1/profile", &analyst, None)
        .await
        .json();
    assert_eq!(
        profile["accounts"][0]["permissions"],
        json!(["report_manage", "custom_role"]),
        "her rights did not widen"
    );
    // Given another role first, the role can go.
    let moved = app
        .api(
            Method::PATCH,
            &acme.api(&format!("/agents/{}", analyst.id)),
            &acme.admin,
            Some(json!({"custom_role_id": null})),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        200
    );
    // A pending invitation holds a role too.
    let second = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Supervisão", "permissions": ["report_manage"]})),
        )
        .await
        .json();
    let invited = app
        .api(
            Method::POST,
            &acme.api("/agents"),
            &acme.admin,
            Some(
                json!({"name": "Nova", "email": "nova@acme.test", "custom_role_id": second["id"]}),
            ),
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.text);
    let held = app
        .api(
            Method::DELETE,
            &acme.api(&format!("/custom_roles/{}", second["id"])),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(held.status, 409, "{}", held.text);
}

#[tokio::test]
async fn a_custom_role_cannot_carry_automation_rules() {
    // Arrange: a rule acts on every conversation, so writing one reaches beyond any custom
    // role's visibility.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let refused = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Automações", "permissions": ["automation_manage", "conversation_participating_manage"]})),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.json()["attributes"], json!(["permissions"]));
    // A role stored with it before this rule (or by hand) does not grant it.
    let role_id: i64 = sqlx::query_scalar(
        "insert into custom_roles (account_id, name, permissions) values ($1, 'Antiga', '{automation_manage,conversation_participating_manage}') returning id",
    )
    .bind(acme.id.0)
    .fetch_one(app.db())
    .await
    .expect("role");
    let member = app
        .add_member(
            &acme,
            "Rui",
            Role::Agent,
            Some(atende::ids::CustomRoleId(role_id)),
        )
        .await;
    let rules = app
        .api(Method::GET, &acme.api("/automation_rules"), &member, None)
        .await;
    assert_eq!(rules.status, 401, "{}", rules.text);
    let create = app
        .api(
            Method::POST,
            &acme.api("/automation_rules"),
            &member,
            Some(json!({"name": "Fechar tudo", "event_name": "conversation_created", "conditions": [], "actions": [{"action_name": "resolve_conversation", "action_params": []}]})),
        )
        .await;
    assert_eq!(create.status, 401, "{}", create.text);
    let browser = app.browser();
    browser.sign_in(&member).await;
    assert_eq!(
        browser.get(&acme.page("/settings/automation")).await.status,
        403
    );
}

#[tokio::test]
async fn custom_roles_belong_to_their_account() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let role = app
        .api(
            Method::POST,
            &beta.api("/custom_roles"),
            &beta.admin,
            Some(json!({"name": "Beta Role"})),
        )
        .await
        .json();
    let path = acme.api(&format!("/custom_roles/{}", role["id"]));
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let response = app
            .api(
                method.clone(),
                &path,
                &acme.admin,
                Some(json!({"name": "stolen"})),
            )
            .await;
        assert_eq!(response.status, 404, "{method}");
        assert!(!response.text.contains("Beta Role"));
    }
}
