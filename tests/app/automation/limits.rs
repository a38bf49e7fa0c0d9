//! Per-account limits on what rules and macros send out: macro runs per minute (a 429 with
//! Retry-After, API and page), webhook and e-mail actions per minute (runs over the limit wait
//! for the next minute, untouched, and then run once), and transcripts only to the account's
//! own contacts and members.

use std::time::Duration;

use atende::accounts::model::Role;
use atende::limits::Limits;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Setup, action, condition};
use crate::support::receiver::Receiver;
use crate::support::smtp::SmtpServer;
use crate::support::{Options, TestApp};

async fn limited(limits: Limits, smtp: Option<&SmtpServer>) -> Setup {
    let smtp = smtp.map(SmtpServer::config);
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| {
            c.limits = limits;
            c.smtp = smtp;
        }),
        ..Options::default()
    })
    .await;
    Setup::with(app).await
}

async fn webhook_macro(s: &Setup, url: &str) -> Value {
    let created = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/macros"),
            &s.acme.admin,
            Some(json!({"name": "Avisar ERP", "visibility": "global",
                        "actions": [action("send_webhook_event", json!([url]))]})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    created.json()["payload"].clone()
}

#[tokio::test]
async fn macro_runs_past_the_accounts_minute_are_a_429_with_retry_after_in_the_api() {
    // Arrange: two macro runs per minute.
    let s = limited(
        Limits {
            macro_runs_per_minute: 2,
            ..Limits::default()
        },
        None,
    )
    .await;
    let globex = s.app.create_account("Globex").await;
    let created = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/macros"),
            &s.acme.admin,
            Some(json!({"name": "Resolver", "visibility": "global",
                        "actions": [action("resolve_conversation", json!(null))]})),
        )
        .await;
    let id = created.json()["payload"]["id"].clone();
    let run = |conversation: i64| {
        let s = &s;
        let id = id.clone();
        async move {
            s.app
                .api(
                    Method::POST,
                    &s.acme.api(&format!("/macros/{id}/execute")),
                    &s.acme.admin,
                    Some(json!({"conversation_ids": [conversation]})),
                )
                .await
        }
    };
    // Act
    let first = run(s.conversation).await;
    let second = run(s.conversation).await;
    let third = run(s.conversation).await;
    // Assert: the third is refused, says when to come back, and queued nothing.
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(third.status, 429, "{}", third.text);
    let wait: u64 = third
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    assert!(
        third.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("2 macros")),
        "{}",
        third.text
    );
    let queued: i64 = sqlx::query_scalar("select count(*) from jobs where kind = 'macros.execute'")
        .fetch_one(s.app.db())
        .await
        .expect("jobs");
    assert_eq!(queued, 2);
    // Another account has its own minute.
    let g_inbox = s.app.create_inbox(&globex, "Suporte").await["id"]
        .as_i64()
        .expect("inbox");
    let g_conversation = s.app.create_conversation(&globex, g_inbox, "Caio").await;
    let g_macro = s
        .app
        .api(
            Method::POST,
            &globex.api("/macros"),
            &globex.admin,
            Some(json!({"name": "Resolver", "visibility": "global",
                        "actions": [action("resolve_conversation", json!(null))]})),
        )
        .await
        .json()["payload"]["id"]
        .clone();
    let other = s
        .app
        .api(
            Method::POST,
            &globex.api(&format!("/macros/{g_macro}/execute")),
            &globex.admin,
            Some(json!({"conversation_ids": [g_conversation["id"]]})),
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.text);
    // The next minute takes runs again.
    s.app.clock().advance(chrono::Duration::seconds(60));
    assert_eq!(run(s.conversation).await.status, 200);
    s.settle().await;
}

#[tokio::test]
async fn a_macro_run_past_the_accounts_minute_is_a_429_page_in_the_inbox() {
    // Arrange: one macro run per minute, used up through the API.
    let s = limited(
        Limits {
            macro_runs_per_minute: 1,
            ..Limits::default()
        },
        None,
    )
    .await;
    let created = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/macros"),
            &s.acme.admin,
            Some(json!({"name": "Resolver", "visibility": "global",
                        "actions": [action("resolve_conversation", json!(null))]})),
        )
        .await;
    let id = created.json()["payload"]["id"].as_i64().expect("id");
    let api = s
        .app
        .api(
            Method::POST,
            &s.acme.api(&format!("/macros/{id}/execute")),
            &s.acme.admin,
            Some(json!({"conversation_ids": [s.conversation]})),
        )
        .await;
    assert_eq!(api.status, 200, "{}", api.text);
    let browser = s.app.browser();
    browser.sign_in(&s.acme.admin).await;
    // Act
    let page = browser
        .post_form(
            &s.acme
                .page(&format!("/conversations/{}/macros", s.conversation)),
            &[("macro_id", &id.to_string())],
        )
        .await;
    // Assert
    assert_eq!(page.status, 429, "{}", page.text);
    assert!(page.header("retry-after").is_some());
    assert!(page.text.contains("Muitas solicitações"), "{}", page.text);
    s.settle().await;
}

#[tokio::test]
async fn rule_runs_past_the_outbound_limit_wait_for_the_next_minute_and_run_once() {
    // Arrange: two webhook or e-mail actions per minute; a rule that posts every message.
    let receiver = Receiver::start(&[]).await;
    let s = limited(
        Limits {
            outbound_actions_per_minute: 2,
            ..Limits::default()
        },
        None,
    )
    .await;
    s.label("visto").await;
    let rule = s
        .rule(json!({
            "name": "ERP",
            "event_name": "message_created",
            "conditions": [condition("message_type", "equal_to", json!(["incoming"]), None)],
            "actions": [action("send_webhook_event", json!([receiver.url])),
                        action("add_label", json!(["visto"]))],
        }))
        .await;
    let labels_only = s
        .rule(json!({
            "name": "Etiquetar",
            "event_name": "message_created",
            "conditions": [condition("message_type", "equal_to", json!(["incoming"]), None)],
            "actions": [action("add_label", json!(["visto"]))],
        }))
        .await;
    // Act: three customer messages in one minute.
    for text in ["um", "dois", "três"] {
        s.incoming(text).await;
    }
    s.settle().await;
    // Assert: two went out; the third run waits untouched, the rule without outbound actions
    // ran all three times.
    let sent = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(sent.len(), 2);
    let runs = s.runs(&rule).await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    let done: Vec<&Value> = runs.iter().filter(|r| r["results"] != json!([])).collect();
    assert_eq!(done.len(), 2, "{runs:?}");
    assert_eq!(s.runs(&labels_only).await.len(), 3);
    let waiting: i64 = sqlx::query_scalar(
        "select count(*) from automation_runs where state = 'pending' and deferred_until is not null",
    )
    .fetch_one(s.app.db())
    .await
    .expect("waiting");
    assert_eq!(waiting, 1);
    // Act: the next minute.
    s.app.clock().advance(chrono::Duration::seconds(60));
    s.settle().await;
    // Assert: the third goes out, once; nothing is left waiting.
    let sent = receiver.wait_for(3, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 3, "{sent:?}");
    let runs = s.runs(&rule).await;
    assert!(
        runs.iter().all(|r| r["results"][0]["ok"] == true),
        "{runs:?}"
    );
    let left: i64 =
        sqlx::query_scalar("select count(*) from automation_runs where state <> 'done'")
            .fetch_one(s.app.db())
            .await
            .expect("left");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_macro_past_the_outbound_limit_gets_the_rest_of_its_conversations_next_minute() {
    // Arrange: one webhook or e-mail action per minute; a webhook macro on three conversations.
    let receiver = Receiver::start(&[]).await;
    let s = limited(
        Limits {
            outbound_actions_per_minute: 1,
            ..Limits::default()
        },
        None,
    )
    .await;
    let mut conversations = vec![s.conversation];
    for name in ["Bia", "Caio"] {
        let c = s.app.create_conversation(&s.acme, s.inbox, name).await;
        conversations.push(c["id"].as_i64().expect("id"));
    }
    let found = webhook_macro(&s, &receiver.url).await;
    // Act
    let run = s
        .app
        .api(
            Method::POST,
            &s.acme.api(&format!("/macros/{}/execute", found["id"])),
            &s.acme.admin,
            Some(json!({"conversation_ids": conversations})),
        )
        .await;
    assert_eq!(run.status, 200, "{}", run.text);
    s.settle().await;
    // Assert: one a minute, each conversation once.
    receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(receiver.received().len(), 1);
    s.app.clock().advance(chrono::Duration::seconds(60));
    s.settle().await;
    receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(receiver.received().len(), 2);
    s.app.clock().advance(chrono::Duration::seconds(60));
    s.settle().await;
    receiver.wait_for(3, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ids: Vec<i64> = receiver
        .received()
        .iter()
        .map(|r| r.json()["id"].as_i64().expect("conversation id"))
        .collect();
    ids.sort();
    let mut expected = conversations.clone();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn a_transcript_goes_only_to_the_accounts_contacts_and_members() {
    // Arrange: the contact has an address; a member; an outsider; another account's contact.
    let smtp = SmtpServer::start();
    let s = limited(Limits::default(), Some(&smtp)).await;
    let contact_id = s.conversation().await["meta"]["sender"]["id"].clone();
    let updated = s
        .app
        .api(
            Method::PUT,
            &s.acme.api(&format!("/contacts/{contact_id}")),
            &s.acme.admin,
            Some(json!({"email": "Maria@Cliente.test"})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let ana = s.app.add_member(&s.acme, "Ana", Role::Agent, None).await;
    let globex = s.app.create_account("Globex").await;
    let elsewhere = s
        .app
        .api(
            Method::POST,
            &globex.api("/contacts"),
            &globex.admin,
            Some(json!({"name": "Zé", "email": "ze@globex.test"})),
        )
        .await;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.text);
    let rule = s
        .rule(json!({
            "name": "Transcrição",
            "event_name": "message_created",
            "conditions": [condition("message_type", "equal_to", json!(["incoming"]), None)],
            "actions": [action("send_email_transcript", json!([format!(
                "{{{{ contact.email }}}}, {}, alvo@fora.test, ze@globex.test", ana.email
            )]))],
        }))
        .await;
    // Act
    s.incoming("Preciso da segunda via").await;
    s.settle().await;
    // Assert: the contact and the member got it; the others were skipped, and the log says why.
    let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut to: Vec<String> = smtp
        .received()
        .iter()
        .flat_map(|m| m.to.clone())
        .map(|a| a.to_lowercase())
        .collect();
    to.sort();
    let mut expected = vec!["maria@cliente.test".to_owned(), ana.email.clone()];
    expected.sort();
    assert_eq!(to, expected, "{mails:?}");
    let runs = s.runs(&rule).await;
    let detail = runs[0]["results"][0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("alvo@fora.test (not a contact or member of this account)"),
        "{detail}"
    );
    assert!(
        detail.contains("ze@globex.test (not a contact or member of this account)"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_transcript_to_outsiders_only_sends_nothing_and_fails_visibly() {
    let smtp = SmtpServer::start();
    let s = limited(Limits::default(), Some(&smtp)).await;
    let rule = s
        .rule(json!({
            "name": "Relay",
            "event_name": "message_created",
            "conditions": [condition("message_type", "equal_to", json!(["incoming"]), None)],
            "actions": [action("send_email_transcript", json!(["vitima@fora.test"]))],
        }))
        .await;
    s.incoming("oi").await;
    s.settle().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(smtp.received().is_empty());
    let runs = s.runs(&rule).await;
    assert_eq!(runs[0]["results"][0]["ok"], false, "{runs:?}");
}
