//! Settings → Teams.

use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use serde_json::{Value, json};

use super::{
    api_get, api_post, assert_flash_once, assert_refused, assert_see_other, id_of, signed_in,
};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn teams_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    api_get(app, acme, "/teams")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn member_names(app: &TestApp, acme: &TestAccount, team: i64) -> Vec<String> {
    api_get(app, acme, &format!("/teams/{team}/team_members"))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| a["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_team_is_created_edited_and_deleted_by_an_administrator() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let new = browser.get(&acme.page("/settings/teams/new")).await;
    assert!(
        new.text.contains(r#"name="allow_auto_assign" value="on" aria-describedby="allow_auto_assign-hint" checked"#),
        "auto-assign starts on"
    );
    let form = [
        ("name", " Suporte N1 "),
        ("description", "Primeiro atendimento"),
        ("allow_auto_assign", "on"),
    ];
    // Act
    let created = browser
        .post_form(&acme.page("/settings/teams"), &form)
        .await;
    // Assert: the new team's page, to add its members.
    let teams = teams_json(&app, &acme).await;
    assert_eq!(teams.len(), 1);
    let id = teams[0]["id"].as_i64().expect("id");
    assert_eq!(teams[0]["name"], "Suporte N1");
    assert_eq!(teams[0]["description"], "Primeiro atendimento");
    assert_eq!(teams[0]["allow_auto_assign"], true);
    let team_page = acme.page(&format!("/settings/teams/{id}"));
    assert_see_other(&created, &team_page);
    assert_flash_once(
        &browser,
        &team_page,
        "O time “Suporte N1” foi criado. Adicione os membros abaixo.",
    )
    .await;

    // Act: edited, auto-assign off.
    let edited = browser
        .post_form(&team_page, &[("name", "Suporte"), ("description", "")])
        .await;
    // Assert
    assert_see_other(&edited, &acme.page("/settings/teams"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/teams"),
        "O time “Suporte” foi salvo.",
    )
    .await;
    let team = &teams_json(&app, &acme).await[0];
    assert_eq!(team["name"], "Suporte");
    assert_eq!(team["description"], Value::Null);
    assert_eq!(team["allow_auto_assign"], false);

    // Act: deleted, after the page asked.
    let list = browser.get(&acme.page("/settings/teams")).await;
    assert!(list.text.contains(
        r#"data-confirm="Excluir o time “Suporte”? As conversas dele continuam, sem time.""#
    ));
    let deleted = browser.post_form(&format!("{team_page}/delete"), &[]).await;
    // Assert
    assert_see_other(&deleted, &acme.page("/settings/teams"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/teams"),
        "O time “Suporte” foi excluído.",
    )
    .await;
    assert!(teams_json(&app, &acme).await.is_empty());
}

#[tokio::test]
async fn a_blank_or_taken_team_name_is_refused_next_to_the_field() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    api_post(&app, &acme, "/teams", json!({"name": "Vendas"})).await;
    let browser = signed_in(&app, &acme.admin).await;
    let long = "x".repeat(256);
    let cases = [
        (" ", "Este campo é obrigatório."),
        ("vendas", "Este nome já está em uso."),
        (long.as_str(), "Use no máximo 255 caracteres."),
    ];
    for (name, message) in cases {
        // Act
        let response = browser
            .post_form(
                &acme.page("/settings/teams"),
                &[("name", name), ("description", "Descrição mantida")],
            )
            .await;
        // Assert
        assert_refused(&response, "name", message);
        assert!(response.text.contains("Descrição mantida"));
    }
    assert_eq!(teams_json(&app, &acme).await.len(), 1, "nothing saved");
}

#[tokio::test]
async fn team_members_are_added_and_removed() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let team = api_post(&app, &acme, "/teams", json!({"name": "Vendas"})).await["id"]
        .as_i64()
        .expect("id");
    let browser = signed_in(&app, &acme.admin).await;
    let team_page = acme.page(&format!("/settings/teams/{team}"));
    let page = browser.get(&team_page).await;
    assert!(
        page.text
            .contains(&format!(r#"<option value="{}">Bia"#, bia.id))
    );
    // Act
    let added = browser
        .post_form(
            &format!("{team_page}/members"),
            &[("user_ids", &id_of(&bia))],
        )
        .await;
    // Assert
    assert_see_other(&added, &team_page);
    assert_flash_once(&browser, &team_page, "Bia agora faz parte deste time.").await;
    assert_eq!(member_names(&app, &acme, team).await, vec!["Bia"]);
    let page = browser.get(&team_page).await;
    assert!(
        page.text
            .contains(r#"data-confirm="Remover Bia de Vendas?""#)
    );

    // Act: someone from another account.
    let refused = browser
        .post_form(
            &format!("{team_page}/members"),
            &[("user_ids", &id_of(&beta.admin))],
        )
        .await;
    // Assert
    assert_refused(&refused, "user_ids", "Escolha um agente desta conta.");

    // Act: Bia leaves.
    let removed = browser
        .post_form(
            &format!("{team_page}/members/delete"),
            &[("user_ids", &id_of(&bia))],
        )
        .await;
    // Assert
    assert_see_other(&removed, &team_page);
    assert_flash_once(&browser, &team_page, "Bia não faz mais parte deste time.").await;
    assert!(member_names(&app, &acme, team).await.is_empty());
}

#[tokio::test]
async fn members_see_teams_with_only_the_actions_their_role_allows() {
    // Arrange: a plain agent and a team manager (custom role).
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let role = api_post(
        &app,
        &acme,
        "/custom_roles",
        json!({"name": "Coordenação", "permissions": ["team_manage"]}),
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let manager = app
        .add_member(&acme, "Caio", Role::Agent, Some(CustomRoleId(role)))
        .await;
    let team = api_post(&app, &acme, "/teams", json!({"name": "Vendas"})).await["id"]
        .as_i64()
        .expect("id");
    let team_page = acme.page(&format!("/settings/teams/{team}"));

    // Act
    let as_agent = signed_in(&app, &agent).await;
    let list = as_agent.get(&acme.page("/settings/teams")).await;
    let page = as_agent.get(&team_page).await;
    // Assert: read only.
    assert_eq!(list.status, 200);
    assert!(list.text.contains("Vendas"));
    assert!(!list.text.contains("/settings/teams/new"));
    assert!(!list.text.contains("/delete"));
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("/members\""), "no add form");

    // Act
    let as_manager = signed_in(&app, &manager).await;
    let page = as_manager.get(&team_page).await;
    let added = as_manager
        .post_form(
            &format!("{team_page}/members"),
            &[("user_ids", &id_of(&agent))],
        )
        .await;
    let renamed = as_manager
        .post_form(&team_page, &[("name", "Minhas vendas")])
        .await;
    // Assert: members yes, the team itself no.
    assert!(page.text.contains(&format!("{team_page}/members\"")));
    assert!(!page.text.contains(&format!("{team_page}/edit")));
    assert_see_other(&added, &team_page);
    assert_eq!(member_names(&app, &acme, team).await, vec!["Bia"]);
    assert_eq!(renamed.status, 403);
}
