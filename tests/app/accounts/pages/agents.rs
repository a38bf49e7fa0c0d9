//! Settings → Agents.

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use super::{agent_json, agents_json, assert_refused, assert_see_other, secret, signed_in};
use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};

/// The new member `email` with `password`, for signing in.
fn member(email: &str, password: &str) -> TestUser {
    TestUser {
        id: atende::ids::UserId(0),
        email: email.into(),
        password: password.into(),
        token: String::new(),
    }
}

async fn create_role(app: &TestApp, acme: &TestAccount, name: &str) -> i64 {
    let body = json!({"name": name, "permissions": ["report_manage"]});
    let response = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await;
    response.json()["id"].as_i64().expect("id")
}

#[tokio::test]
async fn the_agents_table_shows_each_member_with_role_custom_role_and_availability() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let role = create_role(&app, &acme, "Analistas").await;
    let bia = app
        .add_member(
            &acme,
            "Bia Souza",
            Role::Agent,
            Some(atende::ids::CustomRoleId(role)),
        )
        .await;
    let browser = signed_in(&app, &acme.admin).await;
    // Act
    let page = browser.get(&acme.page("/settings/agents")).await;
    // Assert
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.text.contains("Bia Souza"));
    assert!(page.text.contains(&bia.email));
    assert!(page.text.contains(&format!(
        r#"<option value="{role}" selected>Analistas</option>"#
    )));
    assert!(
        page.text
            .contains(r#"<option value="administrator" selected>Administrador"#)
    );
    assert!(
        page.text
            .contains(r#"<option value="agent" selected>Agente"#)
    );
    assert!(page.text.contains("<td>Online</td>"));
    assert!(
        page.text
            .contains(r#"data-confirm="Remover Bia Souza desta conta?"#),
        "removing asks first"
    );
}

#[tokio::test]
async fn without_smtp_the_invitation_link_is_shown_once_and_the_row_waits_for_it() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "Duda Alves"),
        ("email", "duda@acme.test"),
        ("role", "administrator"),
        ("custom_role_id", ""),
    ];
    // Act
    let invited = browser
        .post_form(&acme.page("/settings/agents"), &form)
        .await;
    // Assert
    assert_eq!(invited.status, 200, "{}", invited.text);
    assert_eq!(invited.header("cache-control"), Some("no-store"));
    assert!(
        !invited.text.contains("type=\"password\""),
        "no password is chosen here"
    );
    let link = secret(&invited.text).expect("the link is shown");
    assert!(link.contains("/invitations/"), "{link}");
    let later = browser.get(&acme.page("/settings/agents")).await;
    assert!(!later.text.contains(&link), "shown only once");
    assert!(later.text.contains("Convite pendente"), "{}", later.text);
    assert!(later.text.contains("Enviar de novo"));
    let duda = agents_json(&app, &acme)
        .await
        .into_iter()
        .find(|a| a["email"] == "duda@acme.test")
        .expect("listed");
    assert_eq!(duda["role"], "administrator");
    assert_eq!(duda["confirmed"], false);
    let path = &link[link.find("/invitations/").expect("path")..];
    let accepted = app
        .browser()
        .post_form(
            path,
            &[
                ("name", "Duda Alves"),
                ("password", "senha-da-duda"),
                ("password_confirmation", "senha-da-duda"),
            ],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.text);
    app.browser()
        .sign_in(&member("duda@acme.test", "senha-da-duda"))
        .await;
    let page = browser.get(&acme.page("/settings/agents")).await;
    assert!(!page.text.contains("Convite pendente"), "accepted");
}

#[tokio::test]
async fn bad_invitations_are_refused_next_to_their_field_with_the_values_kept() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        ("email", bia.email.as_str(), "Este e-mail já está em uso."),
        (
            "email",
            "caio.acme.test",
            "Informe um e-mail válido, como nome@exemplo.com.br.",
        ),
        ("name", "", "Este campo é obrigatório."),
        ("custom_role_id", "999999", "Este valor não é válido."),
    ];
    for (field, value, message) in cases {
        let mut form = vec![
            ("name", "Caio Reis"),
            ("email", "caio@acme.test"),
            ("role", "agent"),
            ("custom_role_id", ""),
        ];
        for entry in &mut form {
            if entry.0 == field {
                entry.1 = value;
            }
        }
        // Act
        let response = browser
            .post_form(&acme.page("/settings/agents"), &form)
            .await;
        // Assert
        assert_refused(&response, field, message);
        if field == "email" {
            assert!(response.text.contains(&format!("value=\"{value}\"")));
        }
        if field != "name" {
            assert!(response.text.contains("value=\"Caio Reis\""), "{field}");
        }
    }
    assert_eq!(agents_json(&app, &acme).await.len(), 2, "nobody was added");
}

#[tokio::test]
async fn a_members_role_and_custom_role_are_changed_from_their_row() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let role = create_role(&app, &acme, "Analistas").await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &acme.admin).await;
    let path = acme.page(&format!("/settings/agents/{}", bia.id));
    let role_id = role.to_string();
    // Act
    let custom = browser
        .post_form(
            &path,
            &[("role", "agent"), ("custom_role_id", role_id.as_str())],
        )
        .await;
    // Assert
    assert_see_other(&custom, &acme.page("/settings/agents"));
    let shown = agent_json(&app, &acme, &bia).await;
    assert_eq!(shown["custom_role_id"], role);
    let page = browser.get(&acme.page("/settings/agents")).await;
    assert!(page.text.contains("A função de Bia foi atualizada."));

    // Act: an administrator has no custom role.
    let promoted = browser
        .post_form(
            &path,
            &[
                ("role", "administrator"),
                ("custom_role_id", role_id.as_str()),
            ],
        )
        .await;
    // Assert
    assert_see_other(&promoted, &acme.page("/settings/agents"));
    let shown = agent_json(&app, &acme, &bia).await;
    assert_eq!(shown["role"], "administrator");
    assert_eq!(shown["custom_role_id"], Value::Null);
}

#[tokio::test]
async fn a_removed_agent_leaves_the_account() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let bia_browser = signed_in(&app, &bia).await;
    let browser = signed_in(&app, &acme.admin).await;
    // Act
    let removed = browser
        .post_form(
            &acme.page(&format!("/settings/agents/{}/delete", bia.id)),
            &[],
        )
        .await;
    // Assert
    assert_see_other(&removed, &acme.page("/settings/agents"));
    let page = browser.get(&acme.page("/settings/agents")).await;
    assert!(page.text.contains("Bia não faz mais parte desta conta."));
    assert!(!page.text.contains(&bia.email));
    assert_eq!(agents_json(&app, &acme).await.len(), 1);
    assert_eq!(bia_browser.get(&acme.page("")).await.status, 404);
}

#[tokio::test]
async fn the_last_administrator_can_be_neither_demoted_nor_removed() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let row = acme.page(&format!("/settings/agents/{}", acme.admin.id));
    let attempts = [
        (row.clone(), vec![("role", "agent"), ("custom_role_id", "")]),
        (format!("{row}/delete"), vec![]),
    ];
    for (path, form) in &attempts {
        // Act
        let response = browser.post_form(path, form).await;
        // Assert
        assert_eq!(response.status, 422, "{path}: {}", response.text);
        assert!(
            response.text.contains(
                "Não foi possível alterar Admin Acme: A conta precisa de pelo menos um administrador."
            ),
            "{path}: {}",
            response.text
        );
        assert!(response.text.contains("role=\"alert\""));
    }
    let admin = agent_json(&app, &acme, &acme.admin).await;
    assert_eq!(admin["role"], "administrator");
}

#[tokio::test]
async fn a_member_of_another_account_is_not_found_from_this_one() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let browser = signed_in(&app, &acme.admin).await;
    let paths = [
        format!("/settings/agents/{}", beta.admin.id),
        format!("/settings/agents/{}/delete", beta.admin.id),
        "/settings/agents/not-a-number".to_owned(),
    ];
    for path in paths {
        // Act
        let response = browser
            .post_form(&acme.page(&path), &[("role", "agent")])
            .await;
        // Assert
        assert_eq!(response.status, 404, "{path}");
        assert!(response.text.contains("Página não encontrada"), "{path}");
    }
    let beta_admin = agent_json(&app, &beta, &beta.admin).await;
    assert_eq!(beta_admin["role"], "administrator");
}

#[tokio::test]
async fn an_administrator_who_steps_down_or_leaves_is_sent_where_they_may_go() {
    // Arrange: two administrators.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let bia = app
        .add_member(&acme, "Bia", Role::Administrator, None)
        .await;
    let caio = app
        .add_member(&acme, "Caio", Role::Administrator, None)
        .await;
    let bia_browser = signed_in(&app, &bia).await;
    let caio_browser = signed_in(&app, &caio).await;
    // Act: Bia makes herself an agent; Caio removes himself.
    let stepped_down = bia_browser
        .post_form(
            &acme.page(&format!("/settings/agents/{}", bia.id)),
            &[("role", "agent"), ("custom_role_id", "")],
        )
        .await;
    let left = caio_browser
        .post_form(
            &acme.page(&format!("/settings/agents/{}/delete", caio.id)),
            &[],
        )
        .await;
    // Assert
    assert_see_other(&stepped_down, &acme.page(""));
    assert_eq!(
        bia_browser.get(&acme.page("/settings/agents")).await.status,
        403
    );
    assert_see_other(&left, "/app");
    assert_eq!(caio_browser.get(&acme.page("")).await.status, 404);
    assert_eq!(agent_json(&app, &acme, &bia).await["role"], "agent");
}
