use atende::accounts::model::Role;
use atende::roles::Permission;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn setup() -> (TestApp, TestAccount, i64) {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    (app, acme, inbox)
}

fn conv_path(acme: &TestAccount, c: &Value, suffix: &str) -> String {
    acme.api(&format!("/conversations/{}{suffix}", c["id"]))
}

#[tokio::test]
async fn a_conversation_has_chatwoots_shape_and_per_account_display_ids() {
    let (app, acme, inbox) = setup().await;
    let first = app.create_conversation(&acme, inbox, "Maria").await;
    let second = app.create_conversation(&acme, inbox, "João").await;
    assert_eq!(
        (first["id"].as_i64(), second["id"].as_i64()),
        (Some(1), Some(2))
    );
    let beta = app.create_account("Beta").await;
    let beta_inbox = app.create_inbox(&beta, "X").await["id"]
        .as_i64()
        .expect("id");
    assert_eq!(
        app.create_conversation(&beta, beta_inbox, "Zé").await["id"],
        1,
        "each account counts from 1"
    );
    let shown = app
        .api(
            Method::GET,
            &conv_path(&acme, &first, ""),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(shown.status, 200);
    insta::assert_json_snapshot!(shown.json(), {
        ".account_id" => "[id]", ".inbox_id" => "[id]", ".uuid" => "[uuid]", ".created_at" => "[time]",
        ".updated_at" => "[time]", ".timestamp" => "[time]", ".last_activity_at" => "[time]", ".waiting_since" => "[time]",
        ".meta.sender.id" => "[id]", ".meta.sender.created_at" => "[time]",
    });
}

#[tokio::test]
async fn display_ids_stay_unique_under_concurrent_creation() {
    let (app, acme, inbox) = setup().await;
    let contact = app
        .create_contact(&acme, inbox, "Ana", "+5511911111111")
        .await;
    let body = json!({"inbox_id": inbox, "contact_id": contact["id"]});
    let path = acme.api("/conversations");
    let requests = (0..12).map(|_| app.api(Method::POST, &path, &acme.admin, Some(body.clone())));
    let responses = futures_util::future::join_all(requests).await;
    let mut ids: Vec<i64> = responses
        .iter()
        .map(|r| r.json()["id"].as_i64().expect("id"))
        .collect();
    ids.sort();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>());
}

#[tokio::test]
async fn create_from_source_id_and_locked_inboxes_reuse_the_conversation() {
    let (app, acme, inbox) = setup().await;
    let contact = app
        .create_contact(&acme, inbox, "Ana", "+5511911111111")
        .await;
    let source = contact["contact_inboxes"][0]["source_id"].clone();
    let by_source = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"source_id": source})),
        )
        .await;
    assert_eq!(by_source.status, 200, "{}", by_source.text);
    let unknown = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"source_id": "nope"})),
        )
        .await;
    assert_eq!(unknown.status, 404);
    app.api(
        Method::PATCH,
        &acme.api(&format!("/inboxes/{inbox}")),
        &acme.admin,
        Some(json!({"lock_to_single_conversation": true})),
    )
    .await;
    let again = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"source_id": source})),
        )
        .await;
    assert_eq!(
        again.json()["id"],
        by_source.json()["id"],
        "locked inbox returns the last conversation"
    );
    for (body, field) in [
        (json!({"inbox_id": inbox}), "contact_id"),
        (json!({"contact_id": contact["id"]}), "inbox_id"),
        (
            json!({"inbox_id": inbox, "contact_id": 999999}),
            "contact_id",
        ),
        (
            json!({"inbox_id": "abc", "contact_id": contact["id"]}),
            "inbox_id",
        ),
        (
            json!({"inbox_id": inbox, "contact_id": contact["id"], "status": "archived"}),
            "status",
        ),
        (
            json!({"inbox_id": inbox, "contact_id": contact["id"], "assignee_id": 999999}),
            "assignee_id",
        ),
        (
            json!({"inbox_id": inbox, "contact_id": contact["id"], "custom_attributes": [1]}),
            "custom_attributes",
        ),
    ] {
        let response = app
            .api(
                Method::POST,
                &acme.api("/conversations"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(response.json()["attributes"], json!([field]), "{body}");
    }
}

#[tokio::test]
async fn toggle_status_follows_chatwoot_and_records_activity_and_events() {
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let path = conv_path(&acme, &c, "/toggle_status");
    let resolved = app
        .api(Method::POST, &path, &acme.admin, Some(json!({})))
        .await;
    assert_eq!(
        resolved.json(),
        json!({"meta": {}, "payload": {"success": true, "conversation_id": c["id"], "current_status": "resolved", "snoozed_until": null}})
    );
    let reopened = app.api(Method::POST, &path, &acme.admin, None).await;
    assert_eq!(reopened.json()["payload"]["current_status"], "open");
    let pending = app
        .api(
            Method::POST,
            &path,
            &acme.admin,
            Some(json!({"status": "pending"})),
        )
        .await;
    assert_eq!(pending.json()["payload"]["current_status"], "pending");
    let bad = app
        .api(
            Method::POST,
            &path,
            &acme.admin,
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let messages = app
        .api(
            Method::GET,
            &conv_path(&acme, &c, "/messages"),
            &acme.admin,
            None,
        )
        .await
        .json();
    let activities: Vec<_> = messages["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(
        activities,
        vec![
            json!("Conversa resolvida por Admin Acme"),
            json!("Conversa reaberta por Admin Acme"),
            json!("Conversa marcada como pendente por Admin Acme")
        ]
    );
    let kinds: Vec<String> = app
        .events(&acme)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for kind in [
        "conversation_status_changed",
        "conversation_resolved",
        "conversation_opened",
        "conversation_updated",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
    let (_, changes) = app
        .events(&acme)
        .await
        .into_iter()
        .find(|(k, _)| k == "conversation_status_changed")
        .expect("event");
    assert_eq!(
        changes,
        Some(json!([{"status": {"previous_value": "open", "current_value": "resolved"}}]))
    );
}

#[tokio::test]
async fn an_agent_who_opens_a_conversation_becomes_its_assignee() {
    let (app, acme, inbox) = setup().await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    app.add_to_inbox(&acme, inbox, &agent).await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/toggle_status"),
        &acme.admin,
        Some(json!({"status": "resolved"})),
    )
    .await;
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/toggle_status"),
        &agent,
        Some(json!({"status": "open"})),
    )
    .await;
    let shown = app
        .api(Method::GET, &conv_path(&acme, &c, ""), &agent, None)
        .await
        .json();
    assert_eq!(shown["meta"]["assignee"]["id"], json!(agent.id));
}

#[tokio::test]
async fn a_snoozed_conversation_reopens_when_the_snooze_ends() {
    // Arrange
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let until = (app.clock().now() + chrono::Duration::hours(2)).timestamp();
    let snoozed = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/toggle_status"),
            &acme.admin,
            Some(json!({"status": "snoozed", "snoozed_until": until})),
        )
        .await;
    assert_eq!(snoozed.json()["payload"]["current_status"], "snoozed");
    assert!(snoozed.json()["payload"]["snoozed_until"].is_string());
    // Act: nothing happens before the time; the timer fires after it.
    app.clock().advance(chrono::Duration::minutes(119));
    app.run_jobs().await;
    let before = app
        .api(Method::GET, &conv_path(&acme, &c, ""), &acme.admin, None)
        .await
        .json();
    assert_eq!(before["status"], "snoozed", "not before its time");
    app.clock().advance(chrono::Duration::minutes(2));
    app.run_jobs().await;
    // Assert
    let shown = app
        .api(Method::GET, &conv_path(&acme, &c, ""), &acme.admin, None)
        .await
        .json();
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["snoozed_until"], json!(null));
    let past = app.clock().now().timestamp() - 10;
    let refused = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/toggle_status"),
            &acme.admin,
            Some(json!({"status": "snoozed", "snoozed_until": past})),
        )
        .await;
    assert_eq!(refused.status, 422);
}

#[tokio::test]
async fn a_snoozed_conversation_reopens_on_the_next_incoming_message_and_its_timer_is_dropped() {
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let until = (app.clock().now() + chrono::Duration::hours(2)).timestamp();
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/toggle_status"),
        &acme.admin,
        Some(json!({"status": "snoozed", "snoozed_until": until})),
    )
    .await;
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Oi?", "message_type": "incoming"}),
    )
    .await;
    let shown = app
        .api(Method::GET, &conv_path(&acme, &c, ""), &acme.admin, None)
        .await
        .json();
    assert_eq!(shown["status"], "open");
    let timers: i64 =
        sqlx::query_scalar("select count(*) from jobs where kind = 'conversations.end_snooze'")
            .fetch_one(app.db())
            .await
            .expect("count");
    assert_eq!(timers, 0);
}

#[tokio::test]
async fn priority_assignment_team_labels_and_attributes() {
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let team_id: i64 = sqlx::query_scalar(
        "insert into teams (account_id, name) values ($1, 'Suporte N2') returning id",
    )
    .bind(acme.id.0)
    .fetch_one(app.db())
    .await
    .expect("team");
    let patched = app
        .api(
            Method::PATCH,
            &conv_path(&acme, &c, ""),
            &acme.admin,
            Some(json!({"priority": "urgent", "status": "ignored"})),
        )
        .await;
    assert_eq!(patched.json()["priority"], "urgent");
    assert_eq!(
        patched.json()["status"],
        "open",
        "PATCH changes only the priority"
    );
    let toggled = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/toggle_priority"),
            &acme.admin,
            Some(json!({"priority": null})),
        )
        .await;
    assert_eq!((toggled.status.as_u16(), toggled.text.as_str()), (200, ""));
    let bad = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/toggle_priority"),
            &acme.admin,
            Some(json!({"priority": "asap"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let assigned = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/assignments"),
            &acme.admin,
            Some(json!({"assignee_id": bia.id})),
        )
        .await;
    assert_eq!(assigned.json()["id"], json!(bia.id));
    assert_eq!(assigned.json()["role"], "agent");
    let team = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/assignments"),
            &acme.admin,
            Some(json!({"team_id": team_id.to_string()})),
        )
        .await;
    assert_eq!(team.json()["name"], "Suporte N2");
    let unassigned = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/assignments"),
            &acme.admin,
            Some(json!({"assignee_id": null})),
        )
        .await;
    assert_eq!(unassigned.json(), json!(null));
    let labels = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/labels"),
            &acme.admin,
            Some(json!({"labels": ["billing", "vip"]})),
        )
        .await;
    assert_eq!(labels.json(), json!({"payload": ["billing", "vip"]}));
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/labels"),
        &acme.admin,
        Some(json!({"labels": ["vip"]})),
    )
    .await;
    assert_eq!(
        app.api(
            Method::GET,
            &conv_path(&acme, &c, "/labels"),
            &acme.admin,
            None
        )
        .await
        .json(),
        json!({"payload": ["vip"]})
    );
    let attrs = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/custom_attributes"),
            &acme.admin,
            Some(json!({"custom_attributes": {"pedido": "123"}})),
        )
        .await;
    assert_eq!(
        attrs.json(),
        json!({"custom_attributes": {"pedido": "123"}})
    );
    let activities: Vec<String> = sqlx::query_scalar(
        "select content from messages where message_type = 'activity' order by id",
    )
    .fetch_all(app.db())
    .await
    .expect("activities");
    assert_eq!(
        activities,
        vec![
            "Admin Acme definiu a prioridade como Urgente",
            "Admin Acme removeu a prioridade",
            "Atribuída a Bia por Admin Acme",
            "Atribuída à equipe Suporte N2 por Admin Acme",
            "Atribuição removida por Admin Acme",
            "Admin Acme adicionou billing, vip",
            "Admin Acme removeu billing",
        ]
    );
    let kinds: Vec<String> = app
        .events(&acme)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for kind in ["assignee_changed", "team_changed", "label_added"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind}");
    }
}

#[tokio::test]
async fn muting_resolves_and_blocks_the_contact() {
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    assert_eq!(
        app.api(
            Method::POST,
            &conv_path(&acme, &c, "/mute"),
            &acme.admin,
            None
        )
        .await
        .status,
        200
    );
    let shown = app
        .api(Method::GET, &conv_path(&acme, &c, ""), &acme.admin, None)
        .await
        .json();
    assert_eq!(
        (shown["status"].clone(), shown["muted"].clone()),
        (json!("resolved"), json!(true))
    );
    // A blocked contact's message does not reopen it.
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "oi", "message_type": "incoming"}),
    )
    .await;
    assert_eq!(
        app.api(Method::GET, &conv_path(&acme, &c, ""), &acme.admin, None)
            .await
            .json()["status"],
        "resolved"
    );
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/unmute"),
        &acme.admin,
        None,
    )
    .await;
    assert_eq!(
        app.api(Method::GET, &conv_path(&acme, &c, ""), &acme.admin, None)
            .await
            .json()["muted"],
        false
    );
}

#[tokio::test]
async fn the_list_counts_filters_and_sorts_like_chatwoot() {
    let (app, acme, inbox) = setup().await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let a = app.create_conversation(&acme, inbox, "A").await;
    let b = app.create_conversation(&acme, inbox, "B").await;
    let c = app.create_conversation(&acme, inbox, "C").await;
    app.api(
        Method::POST,
        &conv_path(&acme, &a, "/assignments"),
        &acme.admin,
        Some(json!({"assignee_id": acme.admin.id})),
    )
    .await;
    app.api(
        Method::POST,
        &conv_path(&acme, &b, "/assignments"),
        &acme.admin,
        Some(json!({"assignee_id": bia.id})),
    )
    .await;
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/labels"),
        &acme.admin,
        Some(json!({"labels": ["vip"]})),
    )
    .await;
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/toggle_status"),
        &acme.admin,
        Some(json!({"status": "pending"})),
    )
    .await;
    let list = app
        .api(
            Method::GET,
            &acme.api("/conversations?assignee_type=me"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(
        list["data"]["meta"],
        json!({"mine_count": 1, "assigned_count": 2, "unassigned_count": 0, "all_count": 2})
    );
    assert_eq!(list["data"]["payload"].as_array().map(Vec::len), Some(1));
    let all = app
        .api(
            Method::GET,
            &acme.api("/conversations?status=all&assignee_type=unassigned"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(all["data"]["meta"]["all_count"], 3);
    assert_eq!(all["data"]["payload"][0]["id"], c["id"]);
    for query in ["labels[]=vip", "labels=vip", "labels=vip,other"] {
        let by_label = app
            .api(
                Method::GET,
                &acme.api(&format!("/conversations?status=all&{query}")),
                &acme.admin,
                None,
            )
            .await
            .json();
        assert_eq!(by_label["data"]["meta"]["all_count"], 1, "{query}");
    }
    let meta = app
        .api(
            Method::GET,
            &acme.api("/conversations/meta?status=open"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(
        meta,
        json!({"meta": {"mine_count": 1, "assigned_count": 2, "unassigned_count": 0, "all_count": 2}})
    );
    let sorted = app
        .api(
            Method::GET,
            &acme.api("/conversations?status=all&sort_by=created_at_asc"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(sorted["data"]["payload"][0]["id"], a["id"]);
    let bad = app
        .api(
            Method::GET,
            &acme.api("/conversations?inbox_id=abc"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
    app.post_message(
        &acme,
        &acme.admin,
        &b["id"],
        json!({"content": "o boleto venceu ontem"}),
    )
    .await;
    let searched = app
        .api(
            Method::GET,
            &acme.api("/conversations?q=boleto"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(searched["data"]["payload"][0]["id"], b["id"]);
}

#[tokio::test]
async fn the_filter_endpoint_honours_every_value_and_and_before_or() {
    let (app, acme, inbox) = setup().await;
    let a = app.create_conversation(&acme, inbox, "A").await;
    let b = app.create_conversation(&acme, inbox, "B").await;
    let c = app.create_conversation(&acme, inbox, "C").await;
    app.api(
        Method::POST,
        &conv_path(&acme, &b, "/toggle_status"),
        &acme.admin,
        Some(json!({"status": "pending"})),
    )
    .await;
    app.api(
        Method::PATCH,
        &conv_path(&acme, &c, ""),
        &acme.admin,
        Some(json!({"priority": "high"})),
    )
    .await;
    app.api(
        Method::POST,
        &conv_path(&acme, &c, "/toggle_status"),
        &acme.admin,
        Some(json!({"status": "resolved"})),
    )
    .await;
    let filter = |payload: Value| {
        let app = &app;
        let acme = &acme;
        async move {
            let response = app
                .api(
                    Method::POST,
                    &acme.api("/conversations/filter"),
                    &acme.admin,
                    Some(json!({"payload": payload})),
                )
                .await;
            assert_eq!(response.status, 200, "{}", response.text);
            let mut ids: Vec<i64> = response.json()["payload"]
                .as_array()
                .expect("payload")
                .iter()
                .map(|c| c["id"].as_i64().expect("id"))
                .collect();
            ids.sort();
            (ids, response.json()["meta"].clone())
        }
    };
    // status in (open, pending): both values count.
    let (ids, meta) = filter(json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open", "pending"]}])).await;
    assert_eq!(
        ids,
        vec![a["id"].as_i64().expect("a"), b["id"].as_i64().expect("b")]
    );
    assert_eq!(
        meta,
        json!({"mine_count": 0, "unassigned_count": 2, "all_count": 2})
    );
    // status = pending OR priority = high AND status = resolved  →  b, c (AND binds tighter).
    let (ids, _) = filter(json!([
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["pending"], "query_operator": "OR"},
        {"attribute_key": "priority", "filter_operator": "equal_to", "values": ["high"], "query_operator": "AND"},
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["resolved"]},
    ]))
    .await;
    assert_eq!(
        ids,
        vec![b["id"].as_i64().expect("b"), c["id"].as_i64().expect("c")]
    );
    let (ids, _) = filter(json!([{"attribute_key": "display_id", "filter_operator": "equal_to", "values": [a["id"]]}])).await;
    assert_eq!(ids, vec![a["id"].as_i64().expect("a")]);
    let bad = app
        .api(Method::POST, &acme.api("/conversations/filter"), &acme.admin, Some(json!({"payload": [{"attribute_key": "status", "filter_operator": "contains", "values": ["o"]}]})))
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.json()["error"].is_string());
}

#[tokio::test]
async fn visibility_follows_the_role_in_lists_counts_and_single_loads() {
    let (app, acme, inbox) = setup().await;
    let other_inbox = app.create_inbox(&acme, "Email").await["id"]
        .as_i64()
        .expect("id");
    let agent = app.add_member(&acme, "Agente", Role::Agent, None).await;
    app.add_to_inbox(&acme, inbox, &agent).await;
    let unassigned_role = create_role(&app, &acme, Permission::ConversationUnassignedManage).await;
    let limited = app
        .add_member(&acme, "Limitada", Role::Agent, Some(unassigned_role))
        .await;
    app.add_to_inbox(&acme, inbox, &limited).await;
    let mine_role = create_role(&app, &acme, Permission::ConversationParticipatingManage).await;
    let own = app
        .add_member(&acme, "Própria", Role::Agent, Some(mine_role))
        .await;
    app.add_to_inbox(&acme, inbox, &own).await;
    let reports_role = create_role(&app, &acme, Permission::ReportManage).await;
    let analyst = app
        .add_member(&acme, "Analista", Role::Agent, Some(reports_role))
        .await;
    let in_inbox = app.create_conversation(&acme, inbox, "A").await;
    let assigned_to_admin = app.create_conversation(&acme, inbox, "B").await;
    app.api(
        Method::POST,
        &conv_path(&acme, &assigned_to_admin, "/assignments"),
        &acme.admin,
        Some(json!({"assignee_id": acme.admin.id})),
    )
    .await;
    let assigned_to_own = app.create_conversation(&acme, inbox, "C").await;
    app.api(
        Method::POST,
        &conv_path(&acme, &assigned_to_own, "/assignments"),
        &acme.admin,
        Some(json!({"assignee_id": own.id})),
    )
    .await;
    let elsewhere = app.create_conversation(&acme, other_inbox, "D").await;
    let id = |c: &Value| c["id"].as_i64().expect("id");
    for (user, expected) in [
        (
            &acme.admin,
            vec![
                id(&in_inbox),
                id(&assigned_to_admin),
                id(&assigned_to_own),
                id(&elsewhere),
            ],
        ),
        (
            &agent,
            vec![id(&in_inbox), id(&assigned_to_admin), id(&assigned_to_own)],
        ),
        (&limited, vec![id(&in_inbox)]),
        (&own, vec![id(&assigned_to_own)]),
        (&analyst, vec![]),
    ] {
        let list = app
            .api(
                Method::GET,
                &acme.api("/conversations?status=all"),
                user,
                None,
            )
            .await
            .json();
        let mut ids: Vec<i64> = list["data"]["payload"]
            .as_array()
            .expect("payload")
            .iter()
            .map(|c| c["id"].as_i64().expect("id"))
            .collect();
        ids.sort();
        assert_eq!(ids, expected, "{}", user.email);
        assert_eq!(
            list["data"]["meta"]["all_count"],
            json!(expected.len()),
            "{}",
            user.email
        );
        let filtered = app
            .api(Method::POST, &acme.api("/conversations/filter"), user, Some(json!({"payload": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["all"]}]})))
            .await
            .json();
        assert_eq!(
            filtered["meta"]["all_count"],
            json!(expected.len()),
            "filter {}",
            user.email
        );
        let hidden = app
            .api(Method::GET, &conv_path(&acme, &elsewhere, ""), user, None)
            .await
            .status;
        let visible = expected.contains(&id(&elsewhere));
        assert_eq!(
            hidden.as_u16(),
            if visible { 200 } else { 404 },
            "{}",
            user.email
        );
    }
}

async fn create_role(
    app: &TestApp,
    acme: &TestAccount,
    permission: Permission,
) -> atende::ids::CustomRoleId {
    let body = json!({"name": format!("Só {permission}"), "permissions": [permission.as_str()]});
    let role = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await
        .json();
    atende::ids::CustomRoleId(role["id"].as_i64().expect("id"))
}

#[tokio::test]
async fn assigning_others_needs_permission_but_self_assignment_does_not() {
    let (app, acme, inbox) = setup().await;
    let role = create_role(&app, &acme, Permission::ConversationUnassignedManage).await;
    let limited = app
        .add_member(&acme, "Limitada", Role::Agent, Some(role))
        .await;
    app.add_to_inbox(&acme, inbox, &limited).await;
    let other = app.add_member(&acme, "Outro", Role::Agent, None).await;
    let c = app.create_conversation(&acme, inbox, "A").await;
    let denied = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/assignments"),
            &limited,
            Some(json!({"assignee_id": other.id})),
        )
        .await;
    assert_eq!(denied.status, 401);
    let taken = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/assignments"),
            &limited,
            Some(json!({"assignee_id": limited.id})),
        )
        .await;
    assert_eq!(taken.status, 200);
    let manager_role = create_role(&app, &acme, Permission::TeamManage).await;
    let manager = app
        .add_member(&acme, "Gerente", Role::Agent, Some(manager_role))
        .await;
    let hidden = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/assignments"),
            &manager,
            Some(json!({"assignee_id": other.id})),
        )
        .await;
    assert_eq!(
        hidden.status, 404,
        "team_manage alone does not show conversations"
    );
}

#[tokio::test]
async fn participants_and_bulk_actions() {
    let (app, acme, inbox) = setup().await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let a = app.create_conversation(&acme, inbox, "A").await;
    let b = app.create_conversation(&acme, inbox, "B").await;
    let added = app
        .api(
            Method::POST,
            &conv_path(&acme, &a, "/participants"),
            &acme.admin,
            Some(json!({"user_ids": [bia.id]})),
        )
        .await;
    assert_eq!(added.json()[0]["name"], "Bia");
    let beta = app.create_account("Beta").await;
    let foreign = app
        .api(
            Method::POST,
            &conv_path(&acme, &a, "/participants"),
            &acme.admin,
            Some(json!({"user_ids": [beta.admin.id]})),
        )
        .await;
    assert_eq!(foreign.status, 422);
    let body = json!({"type": "Conversation", "ids": [a["id"], b["id"].to_string()], "fields": {"status": "resolved", "assignee_id": bia.id}, "labels": {"add": ["lote"]}});
    let bulk = app
        .api(
            Method::POST,
            &acme.api("/bulk_actions"),
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.text);
    assert!(app.run_jobs().await >= 1);
    for c in [&a, &b] {
        let shown = app
            .api(Method::GET, &conv_path(&acme, c, ""), &acme.admin, None)
            .await
            .json();
        assert_eq!(shown["status"], "resolved");
        assert_eq!(shown["meta"]["assignee"]["id"], json!(bia.id));
        assert_eq!(shown["labels"], json!(["lote"]));
    }
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_event() {
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "A").await;
    let before = app.events(&acme).await.len();
    let refused = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "contact_id": 999999})),
        )
        .await;
    assert_eq!(refused.status, 422);
    let failed = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/messages"),
            &acme.admin,
            Some(json!({"content": ""})),
        )
        .await;
    assert_eq!(failed.status, 422);
    assert_eq!(app.events(&acme).await.len(), before);
}

#[tokio::test]
async fn an_updated_within_beyond_the_calendar_lists_everything_and_a_days_before_beyond_it_is_a_422()
 {
    let (app, acme, inbox) = setup().await;
    app.create_conversation(&acme, inbox, "Ana").await;
    // A window longer than the calendar (Chatwoot clients send large values to mean "all").
    for path in [
        "/conversations?status=all&updated_within=9223372036854775807",
        "/conversations?status=all&updated_within=999999999999",
        "/conversations?status=all&updated_within=315360000",
    ] {
        let response = app
            .api(Method::GET, &acme.api(path), &acme.admin, None)
            .await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        assert_eq!(
            response.json()["data"]["payload"].as_array().map(Vec::len),
            Some(1),
            "{path}"
        );
    }
    let meta = app
        .api(
            Method::GET,
            &acme.api("/conversations/meta?updated_within=9223372036854775807"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(meta.status, 200, "{}", meta.text);
    let negative = app
        .api(
            Method::GET,
            &acme.api("/conversations?updated_within=-1"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(negative.status, 422, "{}", negative.text);
    assert!(
        negative.text.contains("updated_within"),
        "{}",
        negative.text
    );
    for days in [i64::MAX, i64::MIN, 999_999_999_999] {
        let response = app
            .api(
                Method::POST,
                &acme.api("/conversations/filter"),
                &acme.admin,
                Some(json!({"payload": [{"attribute_key": "created_at", "filter_operator": "days_before", "values": [days.to_string()]}]})),
            )
            .await;
        assert_eq!(response.status, 422, "{days}: {}", response.text);
    }
    // Older than 137,000 years: a date chrono holds and PostgreSQL does not; nothing is that old.
    let ancient = app
        .api(
            Method::POST,
            &acme.api("/conversations/filter"),
            &acme.admin,
            Some(json!({"payload": [{"attribute_key": "created_at", "filter_operator": "days_before", "values": ["50000000"]}]})),
        )
        .await;
    assert_eq!(ancient.status, 200, "{}", ancient.text);
    assert_eq!(ancient.json()["payload"], json!([]));
}

#[tokio::test]
async fn a_conversation_is_created_from_an_inbox_and_a_source_id_as_chatwoot_clients_send_it() {
    let (app, acme, inbox) = setup().await;
    let other = app.create_inbox(&acme, "Email").await["id"]
        .as_i64()
        .expect("id");
    let contact = app
        .create_contact(&acme, inbox, "Ana", "+5511911111111")
        .await;
    let source = contact["contact_inboxes"][0]["source_id"]
        .as_str()
        .expect("source id")
        .to_owned();
    // Ids as strings, as Rails accepts them; the contact comes from the contact inbox.
    let created = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox.to_string(), "source_id": source})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json()["inbox_id"], inbox);
    assert_eq!(created.json()["meta"]["sender"]["id"], contact["id"]);
    // The source id of another inbox, a blank one, and one nobody has.
    for (body, status) in [
        (json!({"inbox_id": other, "source_id": source}), 404),
        (json!({"inbox_id": inbox, "source_id": "   "}), 422),
        (json!({"inbox_id": inbox, "source_id": "nope"}), 404),
        (json!({"inbox_id": inbox}), 422),
    ] {
        let response = app
            .api(
                Method::POST,
                &acme.api("/conversations"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, status, "{body}: {}", response.text);
    }
    // Another account's source id is not found either.
    let globex = app.create_account("Globex").await;
    let theirs = app.create_inbox(&globex, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let response = app
        .api(
            Method::POST,
            &globex.api("/conversations"),
            &globex.admin,
            Some(json!({"inbox_id": theirs, "source_id": source})),
        )
        .await;
    assert_eq!(response.status, 404, "{}", response.text);
}

#[tokio::test]
async fn custom_attribute_values_are_checked_against_their_definition_and_old_bad_ones_never_fail_a_filter()
 {
    let (app, acme, inbox) = setup().await;
    for (key, kind, model) in [
        ("entrega", "date", "conversation_attribute"),
        ("valor", "number", "conversation_attribute"),
        ("urgente", "checkbox", "conversation_attribute"),
        ("nascimento", "date", "contact_attribute"),
    ] {
        let created = app
            .api(
                Method::POST,
                &acme.api("/custom_attribute_definitions"),
                &acme.admin,
                Some(json!({"attribute_display_name": key, "attribute_key": key,
                            "attribute_display_type": kind, "attribute_model": model})),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.text);
    }
    let c = app.create_conversation(&acme, inbox, "Ana").await;
    let huge = format!("1{}", "0".repeat(400));
    for (attributes, field) in [
        (
            json!({"entrega": "2024-99-99"}),
            "custom_attributes.entrega",
        ),
        (json!({"valor": huge}), "custom_attributes.valor"),
        (json!({"valor": "doze"}), "custom_attributes.valor"),
        (json!({"urgente": "talvez"}), "custom_attributes.urgente"),
    ] {
        let response = app
            .api(
                Method::POST,
                &conv_path(&acme, &c, "/custom_attributes"),
                &acme.admin,
                Some(json!({"custom_attributes": attributes})),
            )
            .await;
        assert_eq!(response.status, 422, "{attributes}: {}", response.text);
        assert_eq!(
            response.json()["attributes"],
            json!([field]),
            "{}",
            response.text
        );
    }
    let fine = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/custom_attributes"),
            &acme.admin,
            Some(json!({"custom_attributes": {"entrega": "2024-05-06", "valor": "12.5", "urgente": true, "livre": "x"}})),
        )
        .await;
    assert_eq!(fine.status, 200, "{}", fine.text);
    let created = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "contact_id": c["meta"]["sender"]["id"], "custom_attributes": {"valor": "muito"}})),
        )
        .await;
    assert_eq!(created.status, 422, "{}", created.text);
    let contact = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(json!({"name": "Bia", "email": "bia@example.com", "custom_attributes": {"nascimento": "31/02/1990"}})),
        )
        .await;
    assert_eq!(contact.status, 422, "{}", contact.text);
    assert_eq!(
        contact.json()["attributes"],
        json!(["custom_attributes.nascimento"])
    );
    // Values stored before the check (or under a definition whose type changed) read as
    // nothing in a filter: never a 500.
    sqlx::query(
        "update conversations set custom_attributes = jsonb_build_object('entrega', '2024-99-99', 'valor', $2::text)
         where account_id = $1",
    )
    .bind(acme.id.0)
    .bind(&huge)
    .execute(app.db())
    .await
    .expect("legacy values");
    for (key, value) in [("entrega", "2024-01-01"), ("valor", "5")] {
        let response = app
            .api(
                Method::POST,
                &acme.api("/conversations/filter"),
                &acme.admin,
                Some(json!({"payload": [{"attribute_key": key, "filter_operator": "is_greater_than", "values": [value]}]})),
            )
            .await;
        assert_eq!(response.status, 200, "{key}: {}", response.text);
        assert_eq!(response.json()["payload"], json!([]), "{key}");
    }
}

#[tokio::test]
async fn creating_a_conversation_needs_the_rights_of_what_it_does() {
    // Arrange: Lia sees unassigned conversations and her own, and contacts; Rui only
    // unassigned conversations (no contacts).
    let (app, acme, inbox) = setup().await;
    let queue = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Fila com contatos", "permissions": ["conversation_unassigned_manage", "contact_manage"]})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("role");
    let lia = app
        .add_member(
            &acme,
            "Lia",
            Role::Agent,
            Some(atende::ids::CustomRoleId(queue)),
        )
        .await;
    let no_contacts = create_role(&app, &acme, Permission::ConversationUnassignedManage).await;
    let rui = app
        .add_member(&acme, "Rui", Role::Agent, Some(no_contacts))
        .await;
    app.add_to_inbox(&acme, inbox, &lia).await;
    app.add_to_inbox(&acme, inbox, &rui).await;
    let other = app.add_member(&acme, "Outro", Role::Agent, None).await;
    let team = app
        .api(
            Method::POST,
            &acme.api("/teams"),
            &acme.admin,
            Some(json!({"name": "Vendas"})),
        )
        .await
        .json()["id"]
        .clone();
    let contact = app
        .create_contact(&acme, inbox, "Cliente", "+5511988887777")
        .await;
    let create = |user: crate::support::accounts::TestUser, extra: Value| {
        let app = &app;
        let path = acme.api("/conversations");
        let mut body = json!({"inbox_id": inbox, "contact_id": contact["id"]});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        async move { app.api(Method::POST, &path, &user, Some(body)).await }
    };
    // Act
    let assigned_to_other = create(lia.clone(), json!({"assignee_id": other.id})).await;
    let with_team = create(lia.clone(), json!({"team_id": team})).await;
    let without_contacts = create(rui.clone(), json!({})).await;
    let to_herself = create(lia.clone(), json!({"assignee_id": lia.id})).await;
    let plain = create(lia.clone(), json!({})).await;
    // Assert: each refusal is the one the separate action gives, and creates nothing.
    assert_eq!(assigned_to_other.status, 401, "{}", assigned_to_other.text);
    assert_eq!(with_team.status, 401, "{}", with_team.text);
    assert_eq!(without_contacts.status, 401, "{}", without_contacts.text);
    assert!(!without_contacts.text.contains("Cliente"));
    assert_eq!(to_herself.status, 200, "{}", to_herself.text);
    assert_eq!(plain.status, 200, "{}", plain.text);
    let count: i64 = sqlx::query_scalar("select count(*) from conversations where account_id = $1")
        .bind(acme.id.0)
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(count, 2);
}

#[tokio::test]
async fn conversation_and_contact_labels_are_stored_as_label_titles_are() {
    // One normaliser for every way labels arrive (API, page, rules): trimmed, lowercased as
    // Chatwoot lowercases tags, blanks dropped, each once.
    let (app, acme, inbox) = setup().await;
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let labels = app
        .api(
            Method::POST,
            &conv_path(&acme, &c, "/labels"),
            &acme.admin,
            Some(json!({"labels": ["Urgente", " urgente ", "VIP", ""]})),
        )
        .await;
    assert_eq!(labels.status, 200, "{}", labels.text);
    assert_eq!(labels.json(), json!({"payload": ["urgente", "vip"]}));
    let contact = c["meta"]["sender"]["id"].as_i64().expect("contact");
    let labels = app
        .api(
            Method::POST,
            &acme.api(&format!("/contacts/{contact}/labels")),
            &acme.admin,
            Some(json!({"labels": ["Cliente-Ouro", "cliente-ouro"]})),
        )
        .await;
    assert_eq!(labels.status, 200, "{}", labels.text);
    assert_eq!(labels.json(), json!({"payload": ["cliente-ouro"]}));
    // Lists filter by label as the labels are stored, whatever case the client sends.
    let listed = app
        .api(
            Method::GET,
            &acme.api("/conversations?status=all&labels[]=VIP"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(
        listed.json()["data"]["payload"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
    let listed = app
        .api(
            Method::GET,
            &acme.api("/contacts?labels=Cliente-Ouro"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json()["meta"]["count"], 1, "{}", listed.text);
}
