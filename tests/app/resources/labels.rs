use atende::accounts::model::Role;
use atende::roles::Permission;
use reqwest::Method;
use serde_json::json;

use super::{assert_denied, assert_invalid, assert_not_found, create};
use crate::support::TestApp;

const REDACT_ID: &str = "[id]";

#[tokio::test]
async fn labels_are_created_listed_shown_updated_and_deleted() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"label": {"title": " Cliente-VIP ", "description": "Clientes do plano ouro",
                                "color": "#FFAA00", "show_on_sidebar": "false"}});
    // Act
    let created = app
        .api(Method::POST, &acme.api("/labels"), &acme.admin, Some(body))
        .await;
    // Assert
    assert_eq!(created.status, 200, "{}", created.text);
    insta::assert_json_snapshot!("label", created.json(), {".id" => REDACT_ID});
    let id = created.json()["id"].as_i64().expect("id");
    create(
        &app,
        &acme,
        &acme.admin,
        "labels",
        json!({"title": "atendimento"}),
    )
    .await;
    let listed = app
        .api(Method::GET, &acme.api("/labels"), &acme.admin, None)
        .await;
    assert_eq!(listed.status, 200);
    insta::assert_json_snapshot!("labels", listed.json(), {".payload[].id" => REDACT_ID});
    let path = acme.api(&format!("/labels/{id}"));
    let shown = app.api(Method::GET, &path, &acme.admin, None).await;
    assert_eq!(shown.json(), created.json());
    let updated = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"title": "VIP", "description": null, "show_on_sidebar": true})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(
        updated.json(),
        json!({"id": id, "title": "vip", "description": null, "color": "#FFAA00", "show_on_sidebar": true})
    );
    let deleted = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (200, ""));
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.status,
        404
    );
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn label_params_may_be_wrapped_or_top_level_with_rails_spellings() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let cases = [
        json!({"label": {"title": "wrapped", "show_on_sidebar": "0"}}),
        json!({"title": "top-level", "show_on_sidebar": false}),
    ];
    for body in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/labels"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 200, "{body}: {}", response.text);
        assert_eq!(response.json()["show_on_sidebar"], false, "{body}");
        assert_eq!(response.json()["color"], "#1f93ff", "{body}");
    }
    let titles: Vec<_> = app
        .api(Method::GET, &acme.api("/labels"), &acme.admin, None)
        .await
        .json()["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|l| l["title"].clone())
        .collect();
    assert_eq!(titles, vec![json!("top-level"), json!("wrapped")]);
}

#[tokio::test]
async fn bad_label_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let existing = create(
        &app,
        &acme,
        &acme.admin,
        "labels",
        json!({"title": "urgente"}),
    )
    .await;
    let cases = [
        (json!({}), "title"),
        (json!({"description": "sem título"}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "com espaço"}), "title"),
        (json!({"title": "a.b"}), "title"),
        (json!({"title": "atenção"}), "title"),
        (json!({"title": "URGENTE"}), "title"),
        (json!({"title": 12}), "title"),
        (json!({"label": {"title": ["x"]}}), "title"),
        (json!({"title": "ok", "color": "red"}), "color"),
        (json!({"title": "ok", "color": "#12345"}), "color"),
        (
            json!({"title": "ok", "show_on_sidebar": "maybe"}),
            "show_on_sidebar",
        ),
        (json!({"title": "ok", "description": 5}), "description"),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/labels"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_invalid(&response, field, &body);
    }
    create(
        &app,
        &acme,
        &acme.admin,
        "labels",
        json!({"title": "outra"}),
    )
    .await;
    let path = acme.api(&format!("/labels/{existing}"));
    for (body, field) in [
        (json!({"title": " Outra "}), "title"),
        (json!({"title": ""}), "title"),
        (json!({"color": "#gggggg"}), "color"),
    ] {
        let response = app
            .api(Method::PATCH, &path, &acme.admin, Some(body.clone()))
            .await;
        assert_invalid(&response, field, &body);
    }
    let count: i64 = sqlx::query_scalar("select count(*) from labels")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(count, 2, "refused input leaves no label behind");
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.json()["title"],
        "urgente"
    );
}

#[tokio::test]
async fn labels_of_another_account_are_not_found_and_never_shown() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let theirs = create(
        &app,
        &beta,
        &beta.admin,
        "labels",
        json!({"title": "segredo-beta"}),
    )
    .await;
    let path = acme.api(&format!("/labels/{theirs}"));
    // Act and assert
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"title": "roubado"}))),
        (Method::DELETE, None),
    ] {
        let response = app.api(method.clone(), &path, &acme.admin, body).await;
        assert_not_found(&response, "segredo-beta");
    }
    let listed = app
        .api(Method::GET, &acme.api("/labels"), &acme.admin, None)
        .await;
    assert_eq!(listed.json(), json!({"payload": []}));
    let theirs_now = app
        .api(
            Method::GET,
            &beta.api(&format!("/labels/{theirs}")),
            &beta.admin,
            None,
        )
        .await;
    assert_eq!(theirs_now.json()["title"], "segredo-beta");
    // Reaching Beta's path is refused before any label is looked at.
    let outsider = app
        .api(
            Method::GET,
            &beta.api(&format!("/labels/{theirs}")),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(outsider.status, 404);
    assert!(!outsider.text.contains("segredo-beta"));
}

#[tokio::test]
async fn only_label_managers_read_one_label_or_write_labels() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let label = create(&app, &acme, &acme.admin, "labels", json!({"title": "vip"})).await;
    let agent = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let role = |permissions: &[Permission]| {
        let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
        json!({"name": format!("Role {}", names.join(" ")), "permissions": names})
    };
    let labeller_role = create(
        &app,
        &acme,
        &acme.admin,
        "custom_roles",
        role(&[Permission::LabelManage]),
    )
    .await;
    let reporter_role = create(
        &app,
        &acme,
        &acme.admin,
        "custom_roles",
        role(&[Permission::ReportManage]),
    )
    .await;
    let labeller = app
        .add_member(
            &acme,
            "Bruno",
            Role::Agent,
            Some(atende::ids::CustomRoleId(labeller_role)),
        )
        .await;
    let reporter = app
        .add_member(
            &acme,
            "Caio",
            Role::Agent,
            Some(atende::ids::CustomRoleId(reporter_role)),
        )
        .await;
    let path = acme.api(&format!("/labels/{label}"));
    // Act and assert: everyone lists.
    for user in [&agent, &labeller, &reporter] {
        let listed = app.api(Method::GET, &acme.api("/labels"), user, None).await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.json()["payload"][0]["title"], "vip");
    }
    // Plain agents and other custom roles cannot read one label or write.
    for user in [&agent, &reporter] {
        assert_denied(&app.api(Method::GET, &path, user, None).await);
        assert_denied(
            &app.api(
                Method::POST,
                &acme.api("/labels"),
                user,
                Some(json!({"title": "nova"})),
            )
            .await,
        );
        assert_denied(
            &app.api(
                Method::PATCH,
                &path,
                user,
                Some(json!({"color": "#000000"})),
            )
            .await,
        );
        assert_denied(&app.api(Method::DELETE, &path, user, None).await);
    }
    // A custom role with label_manage may.
    let created = app
        .api(
            Method::POST,
            &acme.api("/labels"),
            &labeller,
            Some(json!({"label": {"title": "nova"}})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(
        app.api(Method::GET, &path, &labeller, None).await.status,
        200
    );
    let recolored = app
        .api(
            Method::PATCH,
            &path,
            &labeller,
            Some(json!({"color": "#000000"})),
        )
        .await;
    assert_eq!(recolored.json()["color"], "#000000");
    assert_eq!(
        app.api(Method::DELETE, &path, &labeller, None).await.status,
        200
    );
}
