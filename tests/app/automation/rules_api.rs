//! `A/automation_rules`: Chatwoot's shapes, validation at save time with the field named,
//! clone (files included), the run log, and tenant isolation.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Setup, action, condition};
use crate::support::TestApp;

fn greeting_rule() -> Value {
    json!({
        "name": "Saudação",
        "description": "Responde quem escreve",
        "event_name": "message_created",
        "conditions": [condition("message_type", "equal_to", json!(["incoming"]), None)],
        "actions": [action("add_label", json!(["novo"]))],
    })
}

#[tokio::test]
async fn rules_are_created_listed_shown_updated_and_deleted_in_chatwoot_shapes() {
    let s = Setup::new().await;
    s.label("novo").await;
    let created = s.rule(greeting_rule()).await;
    assert_eq!(created["name"], "Saudação");
    assert_eq!(created["description"], "Responde quem escreve");
    assert_eq!(created["event_name"], "message_created");
    assert_eq!(created["active"], true);
    assert_eq!(created["account_id"], json!(s.acme.id));
    assert!(created["created_on"].is_i64(), "{created}");
    assert_eq!(created["files"], json!([]));
    assert_eq!(
        created["conditions"][0]["attribute_key"], "message_type",
        "conditions are kept as sent"
    );
    assert_eq!(
        created["actions"],
        json!([action("add_label", json!(["novo"]))])
    );
    let id = created["id"].as_i64().expect("id");

    let list = s
        .app
        .api(
            Method::GET,
            &s.acme.api("/automation_rules"),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["payload"][0]["id"], id);

    // Chatwoot's wrapper is accepted too, and only the fields sent change.
    let updated = s
        .app
        .api(
            Method::PATCH,
            &s.acme.api(&format!("/automation_rules/{id}")),
            &s.acme.admin,
            Some(json!({"automation_rule": {"active": false, "name": "Saudação 2"}})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let payload = &updated.json()["payload"];
    assert_eq!(payload["active"], false);
    assert_eq!(payload["name"], "Saudação 2");
    assert_eq!(payload["description"], "Responde quem escreve");
    assert_eq!(payload["actions"], created["actions"]);

    let shown = s
        .app
        .api(
            Method::GET,
            &s.acme.api(&format!("/automation_rules/{id}")),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(shown.json()["payload"], *payload);

    let deleted = s
        .app
        .api(
            Method::DELETE,
            &s.acme.api(&format!("/automation_rules/{id}")),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    let gone = s
        .app
        .api(
            Method::GET,
            &s.acme.api(&format!("/automation_rules/{id}")),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn invalid_rules_are_rejected_at_save_time_naming_the_field() {
    let s = Setup::new().await;
    let ok_conditions = json!([condition("status", "equal_to", json!(["open"]), None)]);
    let ok_actions = json!([action("resolve_conversation", json!(null))]);
    let with = |patch: Value| {
        let mut body = json!({"name": "R", "event_name": "conversation_updated",
                              "conditions": ok_conditions, "actions": ok_actions});
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (with(json!({"name": " "})), "name"),
        (
            with(json!({"event_name": "conversation_deleted"})),
            "event_name",
        ),
        (with(json!({"conditions": "status"})), "conditions"),
        (
            with(json!({"conditions": [condition("colour", "equal_to", json!(["x"]), None)]})),
            "conditions[0].attribute_key",
        ),
        (
            with(json!({"conditions": [condition("status", "contains", json!(["open"]), None)]})),
            "conditions[0].filter_operator",
        ),
        (
            with(json!({"conditions": [
                condition("status", "equal_to", json!(["open"]), Some("and")),
                condition("status", "equal_to", json!(["sleeping"]), None)
            ]})),
            "conditions[1].values",
        ),
        (
            with(json!({"conditions": [condition("content", "contains", json!(["oi"]), None)]})),
            "conditions[0].attribute_key",
        ),
        (
            with(json!({"conditions": [condition("status", "equal_to", json!([]), None)]})),
            "conditions[0].values",
        ),
        (with(json!({"actions": []})), "actions"),
        (
            with(json!({"actions": [action("launch_rocket", json!([]))]})),
            "actions[0].action_name",
        ),
        (
            with(
                json!({"actions": [ok_actions[0].clone(), action("assign_agent", json!(["self"]))]}),
            ),
            "actions[1].action_params",
        ),
        (
            with(json!({"actions": [action("assign_team", json!([999_999]))]})),
            "actions[0].action_params",
        ),
        (
            with(json!({"actions": [action("add_label", json!(["nao-existe"]))]})),
            "actions[0].action_params",
        ),
        (
            with(json!({"actions": [action("send_message", json!([""]))]})),
            "actions[0].action_params",
        ),
        (
            with(json!({"actions": [action("send_webhook_event", json!(["ftp://x"]))]})),
            "actions[0].action_params",
        ),
        (
            with(json!({"actions": [action("send_attachment", json!([424_242]))]})),
            "actions[0].action_params",
        ),
        (
            with(json!({"actions": [action("send_email_transcript", json!(["não é e-mail"]))]})),
            "actions[0].action_params",
        ),
    ];
    for (body, field) in cases {
        let response = s
            .app
            .api(
                Method::POST,
                &s.acme.api("/automation_rules"),
                &s.acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        let attributes = response.json()["attributes"].clone();
        assert!(
            attributes
                .as_array()
                .expect("attributes")
                .iter()
                .any(|a| a == field),
            "{body}: expected {field} in {}",
            response.text
        );
    }
    let none = s
        .app
        .api(
            Method::GET,
            &s.acme.api("/automation_rules"),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(
        none.json()["payload"],
        json!([]),
        "nothing invalid was saved"
    );
}

pub(super) async fn attach(s: &Setup, name: &str, bytes: &'static [u8]) -> i64 {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("application/pdf")
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("attachment", part);
    let response = s
        .app
        .client
        .post(format!(
            "{}{}",
            s.app.address,
            s.acme.api("/automation_rules/attach_file")
        ))
        .header("api_access_token", &s.acme.admin.token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["blob_id"].as_i64().expect("blob_id")
}

#[tokio::test]
async fn a_clone_is_an_exact_copy_with_its_own_files() {
    let s = Setup::new().await;
    let file = attach(&s, "tabela.pdf", b"%PDF-1.4 tabela de precos").await;
    let original = s
        .rule(json!({
            "name": "Tabela",
            "event_name": "message_created",
            "conditions": [
                condition("content", "contains", json!(["preço", "valor"]), Some("or")),
                condition("status", "equal_to", json!(["pending"]), None),
            ],
            "actions": [
                action("send_attachment", json!([file])),
                action("add_private_note", json!(["Tabela enviada para {{contact.name}}"])),
            ],
        }))
        .await;
    assert_eq!(original["files"][0]["filename"], "tabela.pdf");
    let cloned = s
        .app
        .api(
            Method::POST,
            &s.acme
                .api(&format!("/automation_rules/{}/clone", original["id"])),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(cloned.status, 200, "{}", cloned.text);
    let copy = cloned.json()["payload"].clone();
    assert_ne!(copy["id"], original["id"]);
    for key in ["name", "description", "event_name", "conditions", "active"] {
        assert_eq!(copy[key], original[key], "{key}");
    }
    let copy_file = copy["files"][0]["id"].as_i64().expect("copied file");
    assert_ne!(copy_file, file, "the clone owns its own copy of the file");
    assert_eq!(copy["files"][0]["filename"], "tabela.pdf");
    assert_eq!(
        copy["files"][0]["byte_size"],
        original["files"][0]["byte_size"]
    );
    assert_eq!(
        copy["actions"],
        json!([
            action("send_attachment", json!([copy_file])),
            original["actions"][1].clone(),
        ])
    );

    // Deleting the original leaves the clone whole, and the clone still sends its file.
    let deleted = s
        .app
        .api(
            Method::DELETE,
            &s.acme.api(&format!("/automation_rules/{}", original["id"])),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    s.app
        .api(
            Method::POST,
            &s.acme
                .api(&format!("/conversations/{}/toggle_status", s.conversation)),
            &s.acme.admin,
            Some(json!({"status": "pending"})),
        )
        .await;
    s.incoming("qual o valor?").await;
    s.settle().await;
    let messages = s.messages(s.conversation).await;
    let sent = messages
        .iter()
        .find(|m| !m["attachments"].as_array().is_none_or(Vec::is_empty))
        .expect("a message with the file");
    assert_eq!(sent["attachments"][0]["file_type"], "file");
    assert!(
        messages
            .iter()
            .any(|m| m["private"] == true && m["content"] == "Tabela enviada para Maria da Silva"),
        "{messages:#?}"
    );
}

#[tokio::test]
async fn another_accounts_rules_are_not_found_and_never_listed() {
    let s = Setup::new().await;
    s.label("novo").await;
    let rule = s.rule(greeting_rule()).await;
    let other = s.app.create_account("Globex").await;
    let path = other.api(&format!("/automation_rules/{}", rule["id"]));
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let response = s
            .app
            .api(
                method.clone(),
                &path,
                &other.admin,
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(response.status, 404, "{method} {}", response.text);
    }
    for suffix in ["clone", "runs"] {
        let method = if suffix == "clone" {
            Method::POST
        } else {
            Method::GET
        };
        let response = s
            .app
            .api(method, &format!("{path}/{suffix}"), &other.admin, None)
            .await;
        assert_eq!(response.status, 404, "{suffix}");
    }
    // The acme admin's token does not open Globex's account.
    let foreign = s
        .app
        .api(
            Method::GET,
            &other.api("/automation_rules"),
            &s.acme.admin,
            None,
        )
        .await;
    assert_eq!(foreign.status, 404, "{}", foreign.text);
    let listed = s
        .app
        .api(
            Method::GET,
            &other.api("/automation_rules"),
            &other.admin,
            None,
        )
        .await;
    assert_eq!(listed.json()["payload"], json!([]));
    // A label of another account is not a label of this one.
    let labels = s
        .app
        .api(
            Method::POST,
            &other.api("/labels"),
            &other.admin,
            Some(json!({"title": "so-globex"})),
        )
        .await;
    assert_eq!(labels.status, 200);
    let mut body = greeting_rule();
    body["actions"] = json!([action("add_label", json!(["so-globex"]))]);
    let refused = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/automation_rules"),
            &s.acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
}

#[tokio::test]
async fn the_run_log_keeps_the_last_hundred_evaluations() {
    let app = TestApp::spawn().await;
    let s = Setup::with(app).await;
    s.label("novo").await;
    let rule = s
        .rule(json!({
            "name": "Só pendentes",
            "event_name": "message_created",
            "conditions": [condition("status", "equal_to", json!(["pending"]), None)],
            "actions": [action("add_label", json!(["novo"]))],
        }))
        .await;
    s.incoming("oi").await;
    s.settle().await;
    let runs = s.runs(&rule).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["matched"], false);
    assert_eq!(runs[0]["conversation_id"], s.conversation);
    assert_eq!(runs[0]["failed_condition"], 0);
    assert!(
        runs[0]["failed_reason"]
            .as_str()
            .is_some_and(|r| r.contains("status")),
        "{runs:#?}"
    );
    // Fill the log past its size, then one more real evaluation prunes it.
    sqlx::query(
        "insert into automation_runs (account_id, rule_id, event_id, conversation_id, matched,
                                      state, created_at, finished_at)
         select r.account_id, r.id, -g, null, false, 'done', now(), now()
         from automation_rules r, generate_series(1, 150) g where r.id = $1",
    )
    .bind(rule["id"].as_i64())
    .execute(s.app.db())
    .await
    .expect("fill");
    s.incoming("de novo").await;
    s.settle().await;
    let runs = s.runs(&rule).await;
    assert_eq!(runs.len(), 100);
    assert_eq!(runs[0]["conversation_id"], s.conversation, "newest first");
}

#[tokio::test]
async fn files_never_saved_into_a_rule_are_swept_after_a_day() {
    // Arrange: two uploads; only one is named by a rule.
    let s = Setup::new().await;
    let kept = attach(&s, "tabela.pdf", b"%PDF-1.4 tabela").await;
    let orphan = attach(&s, "rascunho.pdf", b"%PDF-1.4 rascunho").await;
    s.rule(json!({
        "name": "Tabela",
        "event_name": "conversation_created",
        "conditions": [],
        "actions": [action("send_attachment", json!([kept]))],
    }))
    .await;
    let ids = || async {
        sqlx::query_scalar::<_, i64>("select id from automation_files order by id")
            .fetch_all(s.app.db())
            .await
            .expect("files")
    };
    let sweep = || async {
        let mut conn = s.app.db().acquire().await.expect("conn");
        atende::jobs::enqueue(
            &mut conn,
            s.app.clock().now(),
            &atende::automation::files::DeleteUnownedFiles,
            atende::jobs::JobSpec::default()
                .keyed(atende::automation::files::DeleteUnownedFiles::KEY),
        )
        .await
        .expect("enqueue");
        drop(conn);
        s.app.run_jobs().await;
    };

    // Act: a sweep within the day leaves the upload alone (a builder page may still save it).
    sweep().await;
    let within_a_day = ids().await;
    s.app.clock().advance(chrono::Duration::hours(25));
    sweep().await;

    // Assert
    assert_eq!(within_a_day, [kept, orphan]);
    assert_eq!(ids().await, [kept], "only the unowned upload is gone");
    let next: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select run_at from jobs where key = $1 and state = 'pending'")
            .bind(atende::automation::files::DeleteUnownedFiles::KEY)
            .fetch_one(s.app.db())
            .await
            .expect("rescheduled");
    assert!(next > s.app.clock().now() + chrono::Duration::minutes(59));
}
