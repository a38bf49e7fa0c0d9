use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use reqwest::Method;
use serde_json::{Value, json};

use super::{assert_denied, assert_invalid, assert_not_found, create};
use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};

fn names(response: &Value) -> Vec<String> {
    response
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn custom_role_member(
    app: &TestApp,
    acme: &TestAccount,
    name: &str,
    permissions: &[&str],
) -> TestUser {
    let role = create(
        app,
        acme,
        &acme.admin,
        "custom_roles",
        json!({"name": format!("Role of {name}"), "permissions": permissions}),
    )
    .await;
    app.add_member(acme, name, Role::Agent, Some(CustomRoleId(role)))
        .await
}

#[tokio::test]
async fn teams_are_created_listed_shown_updated_and_deleted() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"team": {"name": " Suporte N1 ", "description": "Primeiro nível",
                               "allow_auto_assign": "false"}});
    // Act
    let created = app
        .api(Method::POST, &acme.api("/teams"), &acme.admin, Some(body))
        .await;
    // Assert
    assert_eq!(created.status, 200, "{}", created.text);
    insta::assert_json_snapshot!("team", created.json(), {".id" => "[id]", ".account_id" => "[id]"});
    assert_eq!(created.json()["account_id"], json!(acme.id.0));
    let id = created.json()["id"].as_i64().expect("id");
    create(
        &app,
        &acme,
        &acme.admin,
        "teams",
        json!({"name": "Financeiro"}),
    )
    .await;
    let listed = app
        .api(Method::GET, &acme.api("/teams"), &acme.admin, None)
        .await;
    assert_eq!(listed.status, 200);
    insta::assert_json_snapshot!("teams", listed.json(), {"[].id" => "[id]", "[].account_id" => "[id]"});
    let path = acme.api(&format!("/teams/{id}"));
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.json(),
        created.json()
    );
    let updated = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"name": "Suporte", "description": null, "allow_auto_assign": true})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(
        updated.json(),
        json!({"id": id, "name": "Suporte", "description": null, "allow_auto_assign": true,
               "account_id": acme.id.0, "is_member": false})
    );
    let deleted = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (200, ""));
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.status,
        404
    );
    assert_eq!(
        names(
            &app.api(Method::GET, &acme.api("/teams"), &acme.admin, None)
                .await
                .json()
        ),
        vec!["Financeiro"]
    );
}

#[tokio::test]
async fn team_members_are_added_replaced_listed_and_removed() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let team = create(&app, &acme, &acme.admin, "teams", json!({"name": "Vendas"})).await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let caio = app.add_member(&acme, "Caio", Role::Agent, None).await;
    let dora = app.add_member(&acme, "Dora", Role::Agent, None).await;
    let members = acme.api(&format!("/teams/{team}/team_members"));
    // Act: add two (ids as numbers and as text).
    let added = app
        .api(
            Method::POST,
            &members,
            &acme.admin,
            Some(json!({"user_ids": [caio.id.0, bia.id.0.to_string()]})),
        )
        .await;
    // Assert: the newly added agents, in Chatwoot's agent shape.
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(names(&added.json()), vec!["Bia", "Caio"]);
    insta::assert_json_snapshot!("team_members", added.json(), {
        "[].id" => "[id]", "[].account_id" => "[id]", "[].email" => "[email]"
    });
    let again = app
        .api(
            Method::POST,
            &members,
            &acme.admin,
            Some(json!({"user_ids": [bia.id.0, dora.id.0]})),
        )
        .await;
    assert_eq!(names(&again.json()), vec!["Dora"], "only the newly added");
    let listed = app.api(Method::GET, &members, &bia, None).await;
    assert_eq!(names(&listed.json()), vec!["Bia", "Caio", "Dora"]);
    // Members see themselves in the team.
    let seen_by_bia = app
        .api(
            Method::GET,
            &acme.api(&format!("/teams/{team}")),
            &bia,
            None,
        )
        .await;
    assert_eq!(seen_by_bia.json()["is_member"], true);
    let seen_by_admin = app
        .api(Method::GET, &acme.api("/teams"), &acme.admin, None)
        .await;
    assert_eq!(seen_by_admin.json()[0]["is_member"], false);
    // Replace the set.
    let replaced = app
        .api(
            Method::PATCH,
            &members,
            &acme.admin,
            Some(json!({"user_ids": [dora.id.0, acme.admin.id.0]})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(names(&replaced.json()), vec!["Admin Acme", "Dora"]);
    // Remove with the ids in the body.
    let removed = app
        .api(
            Method::DELETE,
            &members,
            &acme.admin,
            Some(json!({"user_ids": [dora.id.0, bia.id.0]})),
        )
        .await;
    assert_eq!((removed.status.as_u16(), removed.text.as_str()), (200, ""));
    let left = app.api(Method::GET, &members, &acme.admin, None).await;
    assert_eq!(names(&left.json()), vec!["Admin Acme"]);
    assert_eq!(
        app.api(Method::GET, &acme.api("/teams"), &acme.admin, None)
            .await
            .json()[0]["is_member"],
        true
    );
    let emptied = app
        .api(
            Method::PATCH,
            &members,
            &acme.admin,
            Some(json!({"user_ids": []})),
        )
        .await;
    assert_eq!(emptied.json(), json!([]));
}

#[tokio::test]
async fn user_ids_outside_the_account_are_chatwoots_invalid_user_ids() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let team = create(&app, &acme, &acme.admin, "teams", json!({"name": "Vendas"})).await;
    let ana = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let members = acme.api(&format!("/teams/{team}/team_members"));
    app.api(
        Method::POST,
        &members,
        &acme.admin,
        Some(json!({"user_ids": [ana.id.0]})),
    )
    .await;
    for method in [Method::POST, Method::PATCH, Method::DELETE] {
        for foreign in [beta.admin.id.0, 999_999] {
            // Act
            let response = app
                .api(
                    method.clone(),
                    &members,
                    &acme.admin,
                    Some(json!({"user_ids": [acme.admin.id.0, foreign]})),
                )
                .await;
            // Assert
            assert_eq!(
                response.status, 401,
                "{method} {foreign}: {}",
                response.text
            );
            assert_eq!(response.json(), json!({"error": "Invalid User IDs"}));
        }
    }
    let listed = app.api(Method::GET, &members, &acme.admin, None).await;
    assert_eq!(names(&listed.json()), vec!["Ana"], "nothing changed");
}

#[tokio::test]
async fn bad_team_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let team = create(
        &app,
        &acme,
        &acme.admin,
        "teams",
        json!({"name": "Suporte"}),
    )
    .await;
    let cases = [
        (json!({}), "name"),
        (json!({"description": "x"}), "name"),
        (json!({"name": "  "}), "name"),
        (json!({"name": "SUPORTE"}), "name"),
        (json!({"team": {"name": " suporte "}}), "name"),
        (json!({"name": 12}), "name"),
        (
            json!({"name": "Outro", "allow_auto_assign": "maybe"}),
            "allow_auto_assign",
        ),
        (
            json!({"name": "Outro", "description": ["x"]}),
            "description",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/teams"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_invalid(&response, field, &body);
    }
    create(&app, &acme, &acme.admin, "teams", json!({"name": "Vendas"})).await;
    let path = acme.api(&format!("/teams/{team}"));
    for (body, field) in [
        (json!({"name": "vendas"}), "name"),
        (json!({"name": ""}), "name"),
    ] {
        let response = app
            .api(Method::PATCH, &path, &acme.admin, Some(body.clone()))
            .await;
        assert_invalid(&response, field, &body);
    }
    let members = acme.api(&format!("/teams/{team}/team_members"));
    for method in [Method::POST, Method::PATCH, Method::DELETE] {
        for body in [
            json!({}),
            json!({"user_ids": ["abc"]}),
            json!({"user_ids": {"id": 1}}),
        ] {
            let response = app
                .api(method.clone(), &members, &acme.admin, Some(body.clone()))
                .await;
            assert_invalid(&response, "user_ids", &body);
        }
    }
    let count: i64 = sqlx::query_scalar("select count(*) from teams")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(count, 2);
}

#[tokio::test]
async fn teams_of_another_account_are_not_found_and_never_shown() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let theirs = create(
        &app,
        &beta,
        &beta.admin,
        "teams",
        json!({"name": "Equipe Secreta Beta"}),
    )
    .await;
    let beta_agent = app.add_member(&beta, "Beto", Role::Agent, None).await;
    app.api(
        Method::POST,
        &beta.api(&format!("/teams/{theirs}/team_members")),
        &beta.admin,
        Some(json!({"user_ids": [beta_agent.id.0]})),
    )
    .await;
    let path = acme.api(&format!("/teams/{theirs}"));
    let members = format!("{path}/team_members");
    let user_ids = json!({"user_ids": [acme.admin.id.0]});
    // Act and assert
    for (method, path, body) in [
        (Method::GET, &path, None),
        (Method::PATCH, &path, Some(json!({"name": "Roubada"}))),
        (Method::DELETE, &path, None),
        (Method::GET, &members, None),
        (Method::POST, &members, Some(user_ids.clone())),
        (Method::PATCH, &members, Some(user_ids.clone())),
        (Method::DELETE, &members, Some(user_ids.clone())),
    ] {
        let response = app.api(method.clone(), path, &acme.admin, body).await;
        assert_not_found(&response, "Secreta");
        assert!(
            !response.text.contains(&beta_agent.email),
            "{method} {path}"
        );
    }
    assert_eq!(
        app.api(Method::GET, &acme.api("/teams"), &acme.admin, None)
            .await
            .json(),
        json!([])
    );
    let still = app
        .api(
            Method::GET,
            &beta.api(&format!("/teams/{theirs}/team_members")),
            &beta.admin,
            None,
        )
        .await;
    assert_eq!(names(&still.json()), vec!["Beto"]);
}

#[tokio::test]
async fn administrators_manage_teams_and_team_managers_manage_membership() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let team = create(&app, &acme, &acme.admin, "teams", json!({"name": "Vendas"})).await;
    let agent = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let manager = custom_role_member(&app, &acme, "Gil", &["team_manage"]).await;
    let path = acme.api(&format!("/teams/{team}"));
    let members = format!("{path}/team_members");
    // Everyone reads teams and members.
    for user in [&agent, &manager] {
        assert_eq!(
            app.api(Method::GET, &acme.api("/teams"), user, None)
                .await
                .status,
            200
        );
        assert_eq!(app.api(Method::GET, &path, user, None).await.status, 200);
        assert_eq!(app.api(Method::GET, &members, user, None).await.status, 200);
    }
    // Neither a plain agent nor a team manager creates, changes or deletes teams.
    for user in [&agent, &manager] {
        assert_denied(
            &app.api(
                Method::POST,
                &acme.api("/teams"),
                user,
                Some(json!({"name": "Nova"})),
            )
            .await,
        );
        assert_denied(
            &app.api(Method::PATCH, &path, user, Some(json!({"name": "Outra"})))
                .await,
        );
        assert_denied(&app.api(Method::DELETE, &path, user, None).await);
    }
    // A plain agent cannot change membership, not even their own.
    let own = json!({"user_ids": [agent.id.0]});
    for method in [Method::POST, Method::PATCH, Method::DELETE] {
        assert_denied(&app.api(method, &members, &agent, Some(own.clone())).await);
    }
    // team_manage may.
    let added = app
        .api(Method::POST, &members, &manager, Some(own.clone()))
        .await;
    assert_eq!(names(&added.json()), vec!["Ana"]);
    let replaced = app
        .api(
            Method::PATCH,
            &members,
            &manager,
            Some(json!({"user_ids": [agent.id.0, manager.id.0]})),
        )
        .await;
    assert_eq!(names(&replaced.json()), vec!["Ana", "Gil"]);
    let removed = app.api(Method::DELETE, &members, &manager, Some(own)).await;
    assert_eq!(removed.status, 200);
}

#[tokio::test]
async fn deleting_a_team_leaves_its_conversations_without_a_team() {
    // Arrange: an API inbox, a contact and a conversation assigned to the team.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let team = create(&app, &acme, &acme.admin, "teams", json!({"name": "Vendas"})).await;
    let inbox = app.create_inbox(&acme, "API").await["id"].clone();
    let contact = app
        .create_contact(
            &acme,
            inbox.as_i64().expect("inbox"),
            "Cliente",
            "+5511999990000",
        )
        .await;
    let conversation = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "contact_id": contact["id"], "team_id": team})),
        )
        .await;
    assert_eq!(conversation.status, 200, "{}", conversation.text);
    assert_eq!(conversation.json()["meta"]["team"]["name"], "Vendas");
    let display_id = conversation.json()["id"].as_i64().expect("id");
    let team_of = || async {
        sqlx::query_scalar::<_, Option<i64>>(
            "select team_id from conversations where account_id = $1 and display_id = $2",
        )
        .bind(acme.id.0)
        .bind(display_id)
        .fetch_one(app.db())
        .await
        .expect("conversation")
    };
    assert_eq!(team_of().await, Some(team));
    // Act
    let deleted = app
        .api(
            Method::DELETE,
            &acme.api(&format!("/teams/{team}")),
            &acme.admin,
            None,
        )
        .await;
    // Assert
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(team_of().await, None);
    let shown = app
        .api(
            Method::GET,
            &acme.api(&format!("/conversations/{display_id}")),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.json()["meta"]["team"], json!(null));
}
