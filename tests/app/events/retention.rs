//! Retention: event snapshots, finished webhook deliveries (payloads and attempts), finished
//! rule runs and dead jobs go once older than `ATENDE_RETENTION_DAYS`; work still waiting
//! stays whatever its age, and the conversation itself is untouched.

use reqwest::Method;
use serde_json::json;

use crate::support::receiver::Receiver;
use crate::support::{Options, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(app.db())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Queues the periodic prune as a worker's start-up does (the tests run no worker loop).
async fn schedule_prune(app: &TestApp) {
    let mut conn = app.db().acquire().await.expect("conn");
    let spec = atende::jobs::JobSpec::default().keyed_with(
        atende::retention::Prune::KEY,
        atende::jobs::KeyMode::Preserve,
    );
    atende::jobs::enqueue(
        &mut conn,
        app.clock().now(),
        &atende::retention::Prune,
        spec,
    )
    .await
    .expect("prune");
}

async fn app_keeping(days: u32) -> TestApp {
    TestApp::spawn_with(Options {
        configure: Box::new(move |c| c.retention_days = days),
        ..Options::default()
    })
    .await
}

/// A delivered message, a delivery that keeps failing, a rule run and a dead job, all at the
/// test clock's now. Returns the conversation's display id.
async fn history(
    app: &TestApp,
    failing: &Receiver,
    ok: &Receiver,
) -> (crate::support::accounts::TestAccount, i64) {
    let acme = app.create_account("Acme").await;
    for (url, name) in [(&ok.url, "ERP"), (&failing.url, "Fora do ar")] {
        let created = app
            .api(
                Method::POST,
                &acme.api("/webhooks"),
                &acme.admin,
                Some(json!({"webhook": {"url": url, "subscriptions": ["message_created"], "name": name}})),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.text);
    }
    let label = app
        .api(
            Method::POST,
            &acme.api("/labels"),
            &acme.admin,
            Some(json!({"title": "visto"})),
        )
        .await;
    assert_eq!(label.status, 200);
    let rule = app
        .api(
            Method::POST,
            &acme.api("/automation_rules"),
            &acme.admin,
            Some(
                json!({"name": "Etiquetar", "event_name": "message_created", "conditions": [],
                        "actions": [{"action_name": "add_label", "action_params": ["visto"]}]}),
            ),
        )
        .await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("inbox");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "CPF 123.456.789-00", "message_type": "incoming"}),
    )
    .await;
    schedule_prune(app).await;
    app.run_jobs().await;
    sqlx::query(
        "insert into jobs (kind, payload, state, run_at, max_attempts, attempts, last_error, failed_at, created_at)
         values ('mail.send', '{\"to\": \"maria@cliente.test\", \"text\": \"CPF 123\"}', 'dead', $1, 1, 1, 'smtp down', $1, $1)",
    )
    .bind(app.clock().now())
    .execute(app.db())
    .await
    .expect("dead job");
    (acme, c["id"].as_i64().expect("id"))
}

#[tokio::test]
async fn logs_older_than_the_retention_period_are_pruned_and_waiting_work_is_kept() {
    // Arrange: 30 days of retention; a month-old history.
    let ok = Receiver::start(&[]).await;
    let failing = Receiver::start(&[500; 40]).await;
    let app = app_keeping(30).await;
    let (acme, display_id) = history(&app, &failing, &ok).await;
    assert_eq!(
        count(
            &app,
            "select count(*) from webhook_deliveries where state = 'succeeded'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from webhook_deliveries where state = 'pending'"
        )
        .await,
        1
    );
    // The failing one waits in backoff past the month (its next attempt is not due yet).
    sqlx::query(
        "update webhook_deliveries set next_attempt_at = $1 + interval '40 days' where state = 'pending'",
    )
    .bind(app.clock().now())
    .execute(app.db())
    .await
    .expect("backoff");
    let old_events = count(&app, "select count(*) from events").await;
    assert!(old_events > 0);
    // Act: 31 days later, a new message, and the jobs that are due (the periodic prune too).
    app.clock().advance(chrono::Duration::days(31));
    app.post_message(
        &acme,
        &acme.admin,
        &json!(display_id),
        json!({"content": "Obrigada", "message_type": "incoming"}),
    )
    .await;
    app.run_jobs().await;
    // Assert: the finished month-old logs are gone; the pending delivery and its event stay;
    // this month's rows stay; the conversation keeps its messages.
    assert_eq!(
        count(&app, "select count(*) from webhook_deliveries where state = 'succeeded' and payload::text like '%123.456%'").await,
        0,
        "the delivered month-old payload is gone"
    );
    assert_eq!(
        count(&app, "select count(*) from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.state = 'succeeded' and d.payload::text like '%123.456%'").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from webhook_deliveries where state = 'pending' and payload::text like '%123.456%'").await,
        1,
        "the delivery still being retried is kept"
    );
    let kept_event = count(
        &app,
        "select count(*) from events e
         where e.created_at < (select max(created_at) from events) - interval '30 days'
           and exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.state = 'pending')",
    )
    .await;
    assert_eq!(kept_event, 1, "the event of the pending delivery is kept");
    assert_eq!(
        count(
            &app,
            "select count(*) from events where created_at < (select max(created_at) from events) - interval '30 days'"
        )
        .await,
        1,
        "the other month-old events are gone"
    );
    assert!(
        count(
            &app,
            "select count(*) from events where created_at >= (select max(created_at) from events) - interval '1 day'"
        )
        .await
            >= 1,
        "this month's events stay"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from jobs where state = 'dead' and payload::text like '%CPF%'"
        )
        .await,
        0
    );
    let runs = count(&app, "select count(*) from automation_runs").await;
    assert_eq!(runs, 1, "only this month's rule run is left");
    let messages = app
        .api(
            Method::GET,
            &acme.api(&format!("/conversations/{display_id}/messages")),
            &acme.admin,
            None,
        )
        .await
        .json();
    let texts: Vec<&str> = messages["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(texts.contains(&"CPF 123.456.789-00"), "{texts:?}");
}

#[tokio::test]
async fn a_retention_of_zero_days_keeps_everything() {
    let ok = Receiver::start(&[]).await;
    let failing = Receiver::start(&[500; 40]).await;
    let app = app_keeping(0).await;
    let _ = history(&app, &failing, &ok).await;
    let before = (
        count(&app, "select count(*) from events").await,
        count(&app, "select count(*) from webhook_deliveries").await,
        count(&app, "select count(*) from automation_runs").await,
    );
    app.clock().advance(chrono::Duration::days(400));
    app.run_jobs().await;
    let after = (
        count(&app, "select count(*) from events").await,
        count(&app, "select count(*) from webhook_deliveries").await,
        count(&app, "select count(*) from automation_runs").await,
    );
    assert_eq!(before, after);
    assert_eq!(
        count(&app, "select count(*) from jobs where state = 'dead'").await,
        1
    );
    app.allow_failed_jobs();
}
