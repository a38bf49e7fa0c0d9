//! Settings → Custom roles.

use atende::accounts::model::Role;
use atende::i18n::Locale;
use atende::ids::CustomRoleId;
use atende::roles::Permission;
use reqwest::Method;
use serde_json::{Value, json};

use super::{agent_json, assert_refused, assert_see_other, signed_in};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn role_json(app: &TestApp, acme: &TestAccount, id: i64) -> Value {
    app.api(
        Method::GET,
        &acme.api(&format!("/custom_roles/{id}")),
        &acme.admin,
        None,
    )
    .await
    .json()
}

async fn roles_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    app.api(Method::GET, &acme.api("/custom_roles"), &acme.admin, None)
        .await
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_new_role_form_lists_every_assignable_permission_with_its_description() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    // Act
    let page = browser.get(&acme.page("/settings/custom_roles/new")).await;
    // Assert
    assert_eq!(page.status, 200);
    for permission in Permission::ASSIGNABLE {
        let value = format!(r#"name="permissions" value="{permission}""#);
        assert!(page.text.contains(&value), "{permission}");
        assert!(
            page.text.contains(&permission.label(Locale::PtBr)),
            "{permission}"
        );
        assert!(
            page.text.contains(&permission.description(Locale::PtBr)),
            "{permission}"
        );
    }
    assert!(
        !page.text.contains("value=\"sla_manage\""),
        "not assignable"
    );
}

#[tokio::test]
async fn a_role_created_from_the_checklist_is_listed_and_offered_for_agents() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "Supervisão"),
        ("description", "Relatórios e equipes"),
        ("permissions", "report_manage"),
        ("permissions", "team_manage"),
    ];
    // Act
    let created = browser
        .post_form(&acme.page("/settings/custom_roles"), &form)
        .await;
    // Assert
    assert_see_other(&created, &acme.page("/settings/custom_roles"));
    let roles = roles_json(&app, &acme).await;
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["name"], "Supervisão");
    assert_eq!(roles[0]["description"], "Relatórios e equipes");
    assert_eq!(
        roles[0]["permissions"],
        json!(["report_manage", "team_manage"])
    );
    let id = roles[0]["id"].as_i64().expect("id");
    let list = browser.get(&acme.page("/settings/custom_roles")).await;
    assert!(list.text.contains("A função “Supervisão” foi criada."));
    assert!(
        list.text
            .contains("<li>Relatórios</li><li>Gestão de equipe</li>")
    );
    let agents = browser.get(&acme.page("/settings/agents")).await;
    assert!(
        agents
            .text
            .contains(&format!(r#"<option value="{id}">Supervisão</option>"#)),
        "offered in the agents page"
    );
}

#[tokio::test]
async fn editing_a_role_replaces_its_permissions() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "Vendas", "permissions": ["contact_manage", "report_manage"]});
    let id = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let browser = signed_in(&app, &acme.admin).await;
    let edit = browser
        .get(&acme.page(&format!("/settings/custom_roles/{id}/edit")))
        .await;
    assert!(edit.text.contains(
        r#"value="contact_manage" aria-describedby="permission-contact_manage-description" checked"#
    ));
    assert!(!edit.text.contains(
        r#"value="label_manage" aria-describedby="permission-label_manage-description" checked"#
    ));
    let form = [
        ("name", "Vendas B2B"),
        ("description", ""),
        ("permissions", "label_manage"),
    ];
    // Act
    let saved = browser
        .post_form(&acme.page(&format!("/settings/custom_roles/{id}")), &form)
        .await;
    // Assert
    assert_see_other(&saved, &acme.page("/settings/custom_roles"));
    let role = role_json(&app, &acme, id).await;
    assert_eq!(role["name"], "Vendas B2B");
    assert_eq!(role["description"], Value::Null);
    assert_eq!(role["permissions"], json!(["label_manage"]));

    // Act: no box checked is no permission at all.
    let emptied = browser
        .post_form(
            &acme.page(&format!("/settings/custom_roles/{id}")),
            &[("name", "Vendas B2B"), ("description", "")],
        )
        .await;
    // Assert
    assert_see_other(&emptied, &acme.page("/settings/custom_roles"));
    assert_eq!(role_json(&app, &acme, id).await["permissions"], json!([]));
}

#[tokio::test]
async fn a_role_members_still_hold_is_not_deleted_until_they_have_another() {
    // Arrange: Bia has the role.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "Vendas", "permissions": ["report_manage"]});
    let id = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let bia = app
        .add_member(&acme, "Bia", Role::Agent, Some(CustomRoleId(id)))
        .await;
    let browser = signed_in(&app, &acme.admin).await;
    let list = browser.get(&acme.page("/settings/custom_roles")).await;
    assert!(
        list.text.contains(
            r#"data-confirm="Excluir a função “Vendas”? Um membro ainda tem esta função: dê outra a ele antes, ou a exclusão será recusada.""#
        ),
        "{}",
        list.text
    );
    let delete = acme.page(&format!("/settings/custom_roles/{id}/delete"));
    // Act
    let refused = browser.post_form(&delete, &[]).await;
    // Assert
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.text.contains("Vendas não foi excluída"),
        "{}",
        refused.text
    );
    assert_eq!(roles_json(&app, &acme).await.len(), 1);
    let profile = app
        .api(Method::GET, "/api/v1/profile", &bia, None)
        .await
        .json();
    assert_eq!(profile["accounts"][0]["custom_role_id"], json!(id));
    // Given another role, the role goes.
    let moved = browser
        .post_form(
            &acme.page(&format!("/settings/agents/{}", bia.id)),
            &[("role", "agent"), ("custom_role_id", "")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.text);
    let deleted = browser.post_form(&delete, &[]).await;
    assert_see_other(&deleted, &acme.page("/settings/custom_roles"));
    let after = browser.get(&acme.page("/settings/custom_roles")).await;
    assert!(after.text.contains("A função “Vendas” foi excluída."));
    assert!(roles_json(&app, &acme).await.is_empty());
    assert_eq!(agent_json(&app, &acme, &bia).await["role"], "agent");
}

#[tokio::test]
async fn bad_roles_are_refused_next_to_their_field_with_the_choices_kept() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "Vendas", "permissions": []});
    app.api(
        Method::POST,
        &acme.api("/custom_roles"),
        &acme.admin,
        Some(body),
    )
    .await;
    let browser = signed_in(&app, &acme.admin).await;
    let long = "x".repeat(101);
    let cases = [
        ("name", " ", "contact_manage", "Este campo é obrigatório."),
        (
            "name",
            "vendas",
            "contact_manage",
            "Este nome já está em uso.",
        ),
        (
            "name",
            long.as_str(),
            "contact_manage",
            "Use no máximo 100 caracteres.",
        ),
        (
            "permissions",
            "Gerência",
            "sla_manage",
            "Permissão desconhecida: sla_manage.",
        ),
    ];
    for (field, name, permission, message) in cases {
        let form = [
            ("name", name),
            ("description", "Descrição mantida"),
            ("permissions", "report_manage"),
            ("permissions", permission),
        ];
        // Act
        let response = browser
            .post_form(&acme.page("/settings/custom_roles"), &form)
            .await;
        // Assert
        assert_refused(&response, field, message);
        assert!(response.text.contains("Descrição mantida"), "{field}");
        assert!(
            response.text.contains(
                r#"value="report_manage" aria-describedby="permission-report_manage-description" checked"#
            ),
            "{field}: the checked boxes stay checked"
        );
    }
    assert_eq!(roles_json(&app, &acme).await.len(), 1);
}
