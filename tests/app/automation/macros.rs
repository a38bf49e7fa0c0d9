//! Macros: personal and global visibility, the same actions (plus `self`), executed in the
//! background on one or many conversations as the member who ran them, which does trigger rules.

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Setup, action, condition};
use crate::core::variables::{CASES, GREETING, conversation_with};
use crate::support::accounts::TestUser;

async fn create_macro(s: &Setup, user: &TestUser, body: Value) -> Value {
    let created = s
        .app
        .api(Method::POST, &s.acme.api("/macros"), user, Some(body))
        .await;
    assert_eq!(created.status, 200, "create macro: {}", created.text);
    created.json()["payload"].clone()
}

async fn execute(s: &Setup, user: &TestUser, id: &Value, conversations: Value) -> u16 {
    s.app
        .api(
            Method::POST,
            &s.acme.api(&format!("/macros/{id}/execute")),
            user,
            Some(json!({"conversation_ids": conversations})),
        )
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn personal_macros_are_their_authors_and_global_ones_everyones() {
    let s = Setup::new().await;
    let ana = s.app.add_member(&s.acme, "Ana", Role::Agent, None).await;
    let bia = s.app.add_member(&s.acme, "Bia", Role::Agent, None).await;
    let mine = create_macro(
        &s,
        &ana,
        json!({"name": "Minha", "visibility": "personal",
               "actions": [action("assign_agent", json!(["self"]))]}),
    )
    .await;
    assert_eq!(mine["visibility"], "personal");
    assert_eq!(mine["created_by"]["id"], json!(ana.id));
    let global = create_macro(
        &s,
        &s.acme.admin,
        json!({"name": "Da casa", "visibility": "global",
               "actions": [action("resolve_conversation", json!(null))]}),
    )
    .await;
    let listed = |user: TestUser| {
        let s = &s;
        async move {
            let response = s
                .app
                .api(Method::GET, &s.acme.api("/macros"), &user, None)
                .await;
            assert_eq!(response.status, 200);
            response.json()["payload"]
                .as_array()
                .expect("payload")
                .iter()
                .map(|m| m["name"].as_str().expect("name").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(ana.clone()).await, vec!["Minha", "Da casa"]);
    assert_eq!(listed(bia.clone()).await, vec!["Da casa"]);
    assert_eq!(listed(s.acme.admin.clone()).await, vec!["Da casa"]);

    let path = s.acme.api(&format!("/macros/{}", mine["id"]));
    for user in [&bia, &s.acme.admin] {
        let shown = s.app.api(Method::GET, &path, user, None).await;
        assert_eq!(
            shown.status, 404,
            "someone else's personal macro is not there"
        );
        assert_eq!(
            execute(&s, user, &mine["id"], json!([s.conversation])).await,
            404
        );
    }
    // An agent runs a global macro but does not edit it; its author and administrators do.
    let global_path = s.acme.api(&format!("/macros/{}", global["id"]));
    let edit = s
        .app
        .api(
            Method::PATCH,
            &global_path,
            &bia,
            Some(json!({"name": "Minha agora"})),
        )
        .await;
    assert_eq!(edit.status, 401, "{}", edit.text);
    let renamed = s
        .app
        .api(
            Method::PATCH,
            &global_path,
            &s.acme.admin,
            Some(json!({"name": "Resolver"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(
        renamed.json()["payload"]["updated_by"]["id"],
        json!(s.acme.admin.id)
    );
    let deleted = s.app.api(Method::DELETE, &path, &ana, None).await;
    assert_eq!(deleted.status, 200);
}

#[tokio::test]
async fn a_macro_runs_on_many_conversations_as_the_member_and_triggers_rules() {
    let s = Setup::new().await;
    let ana = s
        .app
        .add_member(&s.acme, "Ana Souza", Role::Agent, None)
        .await;
    s.app.add_to_inbox(&s.acme, s.inbox, &ana).await;
    for title in ["cobranca", "revisado"] {
        let created = s
            .app
            .api(
                Method::POST,
                &s.acme.api("/labels"),
                &s.acme.admin,
                Some(json!({"title": title})),
            )
            .await;
        assert_eq!(created.status, 200);
    }
    let second = s
        .app
        .create_conversation(&s.acme, s.inbox, "João Pereira")
        .await["id"]
        .as_i64()
        .expect("id");
    s.settle().await;
    // A rule reacting to what the macro does: a human action triggers rules.
    s.rule(json!({
        "name": "Revisão",
        "event_name": "conversation_updated",
        "conditions": [condition("labels", "equal_to", json!(["cobranca"]), None)],
        "actions": [action("add_label", json!(["revisado"]))],
    }))
    .await;
    let cobranca = create_macro(
        &s,
        &ana,
        json!({"name": "Cobrança", "visibility": "personal", "actions": [
            action("assign_agent", json!(["self"])),
            action("add_label", json!(["cobranca"])),
            action("send_message", json!([GREETING])),
            action("change_priority", json!(["medium"])),
        ]}),
    )
    .await;
    assert_eq!(
        execute(&s, &ana, &cobranca["id"], json!([s.conversation, second])).await,
        200
    );
    // Queued, not run yet.
    assert_eq!(s.conversation().await["labels"], json!([]));
    s.settle().await;
    for (display_id, greeting) in [
        (s.conversation, "Olá Maria, tudo bem?"),
        (second, "Olá João, tudo bem?"),
    ] {
        let c = s.conversation_json(display_id).await;
        assert_eq!(c["meta"]["assignee"]["id"], json!(ana.id), "{c}");
        assert_eq!(c["priority"], "medium");
        assert_eq!(
            c["labels"],
            json!(["cobranca", "revisado"]),
            "the rule reacted to the macro"
        );
        let messages = s.messages(display_id).await;
        let sent = messages
            .iter()
            .find(|m| m["message_type"] == 1)
            .expect("the greeting");
        assert_eq!(sent["content"], greeting);
        assert_eq!(sent["sender"]["id"], json!(ana.id), "sent as the member");
        // A member's message is a human reply.
        assert!(c["first_reply_created_at"].as_i64().unwrap_or(0) > 0, "{c}");
        assert!(
            messages.iter().any(|m| m["message_type"] == 2
                && m["content"]
                    .as_str()
                    .is_some_and(|t| t.contains("Ana Souza"))),
            "activity names the member: {messages:#?}"
        );
    }
}

#[tokio::test]
async fn bad_macro_input_is_422_naming_the_field() {
    let s = Setup::new().await;
    let cases = [
        (
            json!({"visibility": "global", "actions": [action("resolve_conversation", json!(null))]}),
            "name",
        ),
        (
            json!({"name": "x", "visibility": "secret", "actions": [action("resolve_conversation", json!(null))]}),
            "visibility",
        ),
        (json!({"name": "x", "actions": []}), "actions"),
        (
            json!({"name": "x", "actions": [action("send_email_to_team", json!([{"team_ids": [1], "message": "m"}]))]}),
            "actions[0].action_name",
        ),
        (
            json!({"name": "x", "actions": [action("add_sla", json!([1]))]}),
            "actions[0].action_name",
        ),
        (
            json!({"name": "x", "actions": [action("assign_agent", json!([987_654]))]}),
            "actions[0].action_params",
        ),
    ];
    for (body, field) in cases {
        let response = s
            .app
            .api(
                Method::POST,
                &s.acme.api("/macros"),
                &s.acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert!(
            response.json()["attributes"]
                .as_array()
                .expect("attributes")
                .iter()
                .any(|a| a == field),
            "{body}: expected {field} in {}",
            response.text
        );
    }
    let ok = create_macro(
        &s,
        &s.acme.admin,
        json!({"name": "ok", "visibility": 1, "actions": [action("resolve_conversation", json!(null))]}),
    )
    .await;
    assert_eq!(ok["visibility"], "global", "Chatwoot's integer is accepted");
    for body in [json!({"conversation_ids": []}), json!({})] {
        let response = s
            .app
            .api(
                Method::POST,
                &s.acme.api(&format!("/macros/{}/execute", ok["id"])),
                &s.acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
    }
}

#[tokio::test]
async fn a_macro_message_renders_variables_for_each_kind_of_name() {
    let s = Setup::new().await;
    let greet = create_macro(
        &s,
        &s.acme.admin,
        json!({"name": "Saudar", "visibility": "global",
               "actions": [action("send_message", json!([GREETING]))]}),
    )
    .await;
    let mut conversations = Vec::new();
    for (i, (name, expected)) in CASES.iter().enumerate() {
        let id = conversation_with(
            &s.app,
            &s.acme,
            s.inbox,
            *name,
            &format!("+5511966660{i:03}"),
        )
        .await;
        conversations.push((id, *name, *expected));
    }
    let ids: Vec<i64> = conversations.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(
        execute(&s, &s.acme.admin, &greet["id"], json!(ids)).await,
        200
    );
    s.settle().await;
    for (id, name, expected) in conversations {
        let sent: Vec<Value> = s
            .messages(id)
            .await
            .into_iter()
            .filter(|m| m["message_type"] == 1)
            .collect();
        assert_eq!(sent.len(), 1, "{name:?}");
        assert_eq!(sent[0]["content"], expected, "{name:?}");
    }
}
