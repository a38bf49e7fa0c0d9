//! Every action through real events: an API call commits an event, the dispatch job evaluates
//! the rules against the event's snapshot, and the actions act through the same services as the
//! API. Also the loop rule, idempotency and AND/OR chaining end to end.

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Setup, action, condition};
use crate::core::variables::{CASES, GREETING, conversation_with};
use crate::support::accounts::TestUser;
use crate::support::receiver::Receiver;

/// Fluent wraps placeables in bidi isolation marks; tests compare the visible text.
fn visible(text: &Value) -> String {
    text.as_str()
        .unwrap_or_default()
        .replace(['\u{2068}', '\u{2069}'], "")
}

async fn team_with(s: &Setup, name: &str, members: &[&TestUser]) -> i64 {
    let created = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/teams"),
            &s.acme.admin,
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json()["id"].as_i64().expect("team id");
    if !members.is_empty() {
        let ids: Vec<_> = members.iter().map(|m| m.id).collect();
        let added = s
            .app
            .api(
                Method::POST,
                &s.acme.api(&format!("/teams/{id}/team_members")),
                &s.acme.admin,
                Some(json!({"user_ids": ids})),
            )
            .await;
        assert_eq!(added.status, 200, "{}", added.text);
    }
    id
}

async fn toggle_status(s: &Setup, display_id: i64, status: &str) {
    let response = s
        .app
        .api(
            Method::POST,
            &s.acme
                .api(&format!("/conversations/{display_id}/toggle_status")),
            &s.acme.admin,
            Some(json!({"status": status})),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

fn incoming_only() -> Value {
    json!([condition(
        "message_type",
        "equal_to",
        json!(["incoming"]),
        None
    )])
}

#[tokio::test]
async fn conversation_actions_run_in_order_as_the_rule() {
    let s = Setup::new().await;
    let agent = s
        .app
        .add_member(&s.acme, "Bruna Agente", Role::Agent, None)
        .await;
    s.app.add_to_inbox(&s.acme, s.inbox, &agent).await;
    let team = team_with(&s, "Suporte", &[&agent]).await;
    s.label("vip").await;
    s.label("novo").await;
    let rule = s
        .rule(json!({
            "name": "Triagem",
            "event_name": "message_created",
            "conditions": incoming_only(),
            "actions": [
                action("assign_agent", json!([agent.id])),
                action("assign_team", json!([team])),
                action("add_label", json!(["vip", "novo"])),
                action("remove_label", json!(["novo"])),
                action("change_priority", json!(["high"])),
                action("send_message", json!([GREETING])),
                action("add_private_note", json!(["Triado para {{ agent.name }}"])),
                action("snooze_conversation", json!(null)),
            ],
        }))
        .await;
    s.incoming("Preciso de ajuda").await;
    s.settle().await;

    let c = s.conversation().await;
    assert_eq!(c["meta"]["assignee"]["id"], json!(agent.id));
    assert_eq!(c["meta"]["team"]["id"], team);
    assert_eq!(c["labels"], json!(["vip"]));
    assert_eq!(c["priority"], "high");
    assert_eq!(c["status"], "snoozed");

    let messages = s.messages(s.conversation).await;
    let outgoing: Vec<&Value> = messages
        .iter()
        .filter(|m| m["message_type"] == 1 && m["private"] == false)
        .collect();
    assert_eq!(outgoing.len(), 1, "{messages:#?}");
    assert_eq!(outgoing[0]["content"], "Olá Maria, tudo bem?");
    assert_eq!(
        outgoing[0]["content_attributes"]["automation_rule_id"],
        rule["id"]
    );
    assert!(
        messages
            .iter()
            .any(|m| m["private"] == true && m["content"] == "Triado para Bruna Agente"),
        "the note renders the assignee the rule just set: {messages:#?}"
    );
    let activity: Vec<String> = messages
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| visible(&m["content"]))
        .collect();
    for expected in [
        "Atribuída a Bruna Agente por Automação: Triagem",
        "Atribuída à equipe Suporte por Automação: Triagem",
        "Automação: Triagem adicionou vip, novo",
        "Automação: Triagem removeu novo",
        "Conversa adiada por Automação: Triagem",
    ] {
        assert!(
            activity.iter().any(|a| a == expected),
            "missing activity {expected:?} in {activity:#?}"
        );
    }
    // A message an automation sends is not a human reply: the customer is still waiting.
    assert!(
        c["first_reply_created_at"].is_null() || c["first_reply_created_at"] == 0,
        "{c}"
    );
    assert!(c["waiting_since"].as_i64().unwrap_or(0) > 0, "{c}");

    let runs = s.runs(&rule).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["matched"], true);
    assert_eq!(runs[0]["state"], "done");
    let results = runs[0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 8);
    assert!(results.iter().all(|r| r["ok"] == true), "{results:#?}");
    assert_eq!(results[0]["action_name"], "assign_agent");
    assert_eq!(results[7]["action_name"], "snooze_conversation");
}

#[tokio::test]
async fn status_events_trigger_their_rules_and_the_rules_change_status_and_mute() {
    let s = Setup::new().await;
    let agent = s
        .app
        .add_member(&s.acme, "Bruna Agente", Role::Agent, None)
        .await;
    s.app.add_to_inbox(&s.acme, s.inbox, &agent).await;
    let team = team_with(&s, "Suporte", &[&agent]).await;
    s.label("resolvida").await;
    let on_created = s
        .rule(json!({
            "name": "Fecha vazias",
            "event_name": "conversation_created",
            "conditions": [condition("inbox_id", "equal_to", json!([s.inbox]), None)],
            "actions": [action("resolve_conversation", json!(null))],
        }))
        .await;
    s.rule(json!({
        "name": "Ao resolver",
        "event_name": "conversation_resolved",
        "conditions": [],
        "actions": [
            action("assign_agent", json!(["nil"])),
            action("assign_team", json!([null])),
            action("add_label", json!(["resolvida"])),
            action("mute_conversation", json!(null)),
        ],
    }))
    .await;
    s.rule(json!({
        "name": "Ao reabrir",
        "event_name": "conversation_opened",
        "conditions": [],
        "actions": [
            action("change_priority", json!(["urgent"])),
            action("change_status", json!(["pending"])),
        ],
    }))
    .await;

    // conversation_created → resolved by the rule; its own resolution triggers nothing.
    let fresh = s.app.create_conversation(&s.acme, s.inbox, "Zé Novo").await["id"]
        .as_i64()
        .expect("id");
    s.settle().await;
    let c = s.conversation_json(fresh).await;
    assert_eq!(c["status"], "resolved");
    assert_eq!(
        c["labels"],
        json!([]),
        "automation events do not trigger rules"
    );
    assert_eq!(
        s.runs(&on_created).await.len(),
        1,
        "only conversations created while the rule was active"
    );

    // A person resolves → conversation_resolved: unassign, remove the team, label, mute.
    for (path, body) in [
        ("assignments", json!({"assignee_id": agent.id})),
        ("assignments", json!({"team_id": team})),
    ] {
        let response = s
            .app
            .api(
                Method::POST,
                &s.acme
                    .api(&format!("/conversations/{}/{path}", s.conversation)),
                &s.acme.admin,
                Some(body),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
    toggle_status(&s, s.conversation, "resolved").await;
    s.settle().await;
    let c = s.conversation().await;
    assert!(c["meta"]["assignee"].is_null(), "{c}");
    assert!(c["meta"]["team"].is_null(), "{c}");
    assert_eq!(c["labels"], json!(["resolvida"]));
    assert_eq!(c["muted"], true);

    // A person reopens → conversation_opened: priority and status.
    toggle_status(&s, s.conversation, "open").await;
    s.settle().await;
    let c = s.conversation().await;
    assert_eq!(c["priority"], "urgent");
    assert_eq!(c["status"], "pending");
}

#[tokio::test]
async fn one_failing_action_is_logged_and_the_rest_still_run() {
    let s = Setup::new().await;
    s.label("vip").await;
    let rule = s
        .rule(json!({
            "name": "Com SLA",
            "event_name": "message_created",
            "conditions": incoming_only(),
            "actions": [
                action("add_sla", json!([7])),
                action("pending_conversation", json!(null)),
                action("add_label", json!(["vip"])),
            ],
        }))
        .await;
    s.incoming("oi").await;
    s.settle().await;
    let c = s.conversation().await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["labels"], json!(["vip"]));
    let runs = s.runs(&rule).await;
    let results = runs[0]["results"].as_array().expect("results");
    assert_eq!(results[0]["action_name"], "add_sla");
    assert_eq!(results[0]["ok"], false);
    assert!(
        results[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("SLA"),
        "{results:#?}"
    );
    assert_eq!(results[1]["ok"], true);
    assert_eq!(results[2]["ok"], true);
}

#[tokio::test]
async fn events_caused_by_automation_do_not_trigger_rules() {
    let s = Setup::new().await;
    s.label("loop").await;
    let echo = s
        .rule(json!({
            "name": "Eco",
            "event_name": "message_created",
            "conditions": [],
            "actions": [
                action("send_message", json!(["eco"])),
                action("change_priority", json!(["high"])),
            ],
        }))
        .await;
    let on_outgoing = s
        .rule(json!({
            "name": "Rotula respostas",
            "event_name": "message_created",
            "conditions": [condition("message_type", "equal_to", json!(["outgoing"]), None)],
            "actions": [action("add_label", json!(["loop"]))],
        }))
        .await;
    let on_update = s
        .rule(json!({
            "name": "Prioridade alta",
            "event_name": "conversation_updated",
            "conditions": [condition("priority", "equal_to", json!(["high"]), None)],
            "actions": [action("add_label", json!(["loop"]))],
        }))
        .await;
    s.incoming("oi").await;
    s.settle().await;
    s.settle().await;
    let messages = s.messages(s.conversation).await;
    let echoes = messages.iter().filter(|m| m["content"] == "eco").count();
    assert_eq!(echoes, 1, "{messages:#?}");
    assert_eq!(s.conversation().await["labels"], json!([]));
    assert_eq!(s.runs(&echo).await.len(), 1);
    let outgoing_runs = s.runs(&on_outgoing).await;
    assert_eq!(
        outgoing_runs.len(),
        1,
        "evaluated for the customer's message only"
    );
    assert_eq!(outgoing_runs[0]["matched"], false);
    assert_eq!(s.conversation().await["priority"], "high");
    // The rule's own priority change is never evaluated; a person's changes may be, unmatched.
    assert!(
        s.runs(&on_update)
            .await
            .iter()
            .all(|r| r["matched"] == false)
    );

    // A person's reply does trigger it.
    s.app
        .post_message(
            &s.acme,
            &s.acme.admin,
            &json!(s.conversation),
            json!({"content": "resposta humana"}),
        )
        .await;
    s.settle().await;
    assert_eq!(s.conversation().await["labels"], json!(["loop"]));
}

#[tokio::test]
async fn the_same_rule_never_runs_twice_for_one_event() {
    let s = Setup::new().await;
    let rule = s
        .rule(json!({
            "name": "Uma vez",
            "event_name": "message_created",
            "conditions": incoming_only(),
            "actions": [action("add_private_note", json!(["visto"]))],
        }))
        .await;
    s.incoming("oi").await;
    s.settle().await;
    let (event_id,): (i64,) = sqlx::query_as(
        "select id from events where account_id = $1 and kind = 'message_created'
         and performed_by ->> 'type' = 'user' order by id desc limit 1",
    )
    .bind(s.acme.id.0)
    .fetch_one(s.app.db())
    .await
    .expect("event");
    // The event is dispatched again (a crash after the rule ran, a second instance): nothing
    // repeats.
    for _ in 0..2 {
        let mut conn = s.app.db().acquire().await.expect("conn");
        sqlx::query("insert into event_dispatch (account_id, event_id) values ($1, $2)")
            .bind(s.acme.id.0)
            .bind(event_id)
            .execute(&mut *conn)
            .await
            .expect("queue the event again");
        atende::jobs::enqueue(
            &mut conn,
            s.app.clock().now(),
            &atende::events::Dispatch {
                account_id: s.acme.id,
            },
            atende::jobs::JobSpec::default(),
        )
        .await
        .expect("enqueue");
        s.settle().await;
    }
    s.settle().await;
    let notes = s
        .messages(s.conversation)
        .await
        .into_iter()
        .filter(|m| m["content"] == "visto")
        .count();
    assert_eq!(notes, 1);
    assert_eq!(s.runs(&rule).await.len(), 1);
}

#[tokio::test]
async fn rules_see_the_conversation_as_it_was_when_the_event_happened() {
    let s = Setup::new().await;
    s.label("vip").await;
    s.label("atendido").await;
    let rule = s
        .rule(json!({
            "name": "VIP",
            "event_name": "message_created",
            "conditions": [
                condition("message_type", "equal_to", json!(["incoming"]), Some("and")),
                condition("labels", "equal_to", json!(["vip"]), None),
            ],
            "actions": [action("add_label", json!(["atendido"]))],
        }))
        .await;
    let set_labels = |labels: Value| {
        let s = &s;
        async move {
            let response = s
                .app
                .api(
                    Method::POST,
                    &s.acme
                        .api(&format!("/conversations/{}/labels", s.conversation)),
                    &s.acme.admin,
                    Some(json!({"labels": labels})),
                )
                .await;
            assert_eq!(response.status, 200, "{}", response.text);
        }
    };
    // The message arrives before the label; the label lands before the job runs.
    s.incoming("primeira").await;
    set_labels(json!(["vip"])).await;
    s.settle().await;
    assert_eq!(s.conversation().await["labels"], json!(["vip"]));
    let runs = s.runs(&rule).await;
    assert_eq!(runs[0]["matched"], false);
    assert_eq!(runs[0]["failed_condition"], 1);

    // The message arrives while labelled; the label is gone before the job runs.
    s.incoming("segunda").await;
    set_labels(json!([])).await;
    s.settle().await;
    assert_eq!(s.conversation().await["labels"], json!(["atendido"]));
    assert_eq!(s.runs(&rule).await[0]["matched"], true);
}

#[tokio::test]
async fn conditions_chain_in_order_with_and_binding_tighter_than_or() {
    let s = Setup::new().await;
    s.label("financeiro").await;
    // content ~ boleto AND status = resolved OR content ~ urgente
    let rule = s
        .rule(json!({
            "name": "Financeiro",
            "event_name": "message_created",
            "conditions": [
                condition("content", "contains", json!(["boleto"]), Some("and")),
                condition("status", "equal_to", json!(["resolved"]), Some("or")),
                condition("content", "contains", json!(["urgente", "agora"]), None),
            ],
            "actions": [action("add_label", json!(["financeiro"]))],
        }))
        .await;
    s.incoming("segunda via do boleto").await;
    s.settle().await;
    let runs = s.runs(&rule).await;
    assert_eq!(
        runs[0]["matched"], false,
        "boleto AND open is false, and no urgente"
    );
    assert_eq!(runs[0]["failed_condition"], 1);
    assert_eq!(s.conversation().await["labels"], json!([]));

    // Any value of the list counts: "agora" is the second value of the last condition.
    s.incoming("preciso disso agora").await;
    s.settle().await;
    assert_eq!(s.runs(&rule).await[0]["matched"], true);
    assert_eq!(s.conversation().await["labels"], json!(["financeiro"]));
}

#[tokio::test]
async fn send_webhook_event_posts_the_conversation_as_chatwoot_does() {
    let s = Setup::new().await;
    let receiver = Receiver::start(&[]).await;
    s.rule(json!({
        "name": "Avisa o ERP",
        "event_name": "message_created",
        "conditions": incoming_only(),
        "actions": [action("send_webhook_event", json!([receiver.url]))],
    }))
    .await;
    s.incoming("oi").await;
    s.settle().await;
    let received = receiver
        .wait_for(1, std::time::Duration::from_secs(5))
        .await;
    assert_eq!(received.len(), 1);
    let body = received[0].json();
    assert_eq!(body["event"], "automation_event.message_created");
    assert_eq!(body["id"], s.conversation);
    assert_eq!(body["inbox_id"], s.inbox);
    assert_eq!(body["meta"]["sender"]["name"], "Maria da Silva");
    assert_eq!(
        received[0].header("x-atende-event"),
        "automation_event.message_created"
    );
    assert_eq!(
        received[0].header("x-atende-signature"),
        "",
        "a URL typed into a rule has no shared secret to sign with"
    );
}

#[tokio::test]
async fn sent_messages_render_message_variables_for_each_contact() {
    let s = Setup::new().await;
    s.rule(json!({
        "name": "Saudação",
        "event_name": "conversation_created",
        "conditions": [],
        "actions": [action("send_message", json!([GREETING]))],
    }))
    .await;
    for (i, (name, expected)) in CASES.iter().enumerate() {
        let display_id = conversation_with(
            &s.app,
            &s.acme,
            s.inbox,
            *name,
            &format!("+5511977770{i:03}"),
        )
        .await;
        s.settle().await;
        let sent: Vec<Value> = s
            .messages(display_id)
            .await
            .into_iter()
            .filter(|m| m["message_type"] == 1)
            .collect();
        assert_eq!(sent.len(), 1, "{name:?}: {sent:#?}");
        assert_eq!(sent[0]["content"], *expected, "{name:?}");
    }
}
