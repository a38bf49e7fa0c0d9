use std::time::Duration;

use atende::accounts::model::Role;
use atende::config::WorkerSettings;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::accounts::TestAccount;
use crate::support::receiver::{Received, Receiver};
use crate::support::{Options, TestApp};

async fn create_webhook(app: &TestApp, acme: &TestAccount, url: &str, events: &[&str]) -> Value {
    let body = json!({"webhook": {"url": url, "subscriptions": events, "name": "CRM"}});
    let response = app
        .api(
            Method::POST,
            &acme.api("/webhooks"),
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()["payload"]["webhook"].clone()
}

/// A conversation with one agent message; returns (conversation, message).
async fn conversation_with_message(app: &TestApp, acme: &TestAccount) -> (Value, Value) {
    let inbox = app.create_inbox(acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(acme, inbox, "Maria").await;
    let m = app
        .post_message(
            acme,
            &acme.admin,
            &c["id"],
            json!({"content": "Seu pedido saiu para entrega"}),
        )
        .await;
    (c, m)
}

fn verify(secret: &str, received: &Received) -> bool {
    let timestamp = received.header("x-atende-timestamp");
    let expected = received
        .header("x-atende-signature")
        .strip_prefix("sha256=")
        .map(str::to_owned)
        .unwrap_or_default();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{}", received.body).as_bytes());
    mac.verify_slice(&hex::decode(expected).unwrap_or_default())
        .is_ok()
}

#[tokio::test]
async fn webhooks_have_chatwoots_wrappers_and_the_secret_is_shown_once() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    let created = create_webhook(
        &app,
        &acme,
        &receiver.url,
        &["message_created", "conversation_created"],
    )
    .await;
    assert_eq!(created["secret"].as_str().map(str::len), Some(64));
    let listed = app
        .api(Method::GET, &acme.api("/webhooks"), &acme.admin, None)
        .await
        .json();
    assert_eq!(listed["payload"]["webhooks"][0]["url"], receiver.url);
    assert!(
        listed["payload"]["webhooks"][0].get("secret").is_none(),
        "never listed again"
    );
    let path = acme.api(&format!("/webhooks/{}", created["id"]));
    let updated = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"subscriptions": ["contact_created"]})),
        )
        .await;
    assert_eq!(
        updated.json()["payload"]["webhook"]["subscriptions"],
        json!(["contact_created"])
    );
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.status,
        404
    );
}

#[tokio::test]
async fn bad_webhooks_and_internal_targets_are_refused_when_saved() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    let cases = [
        (
            json!({"url": receiver.url, "subscriptions": ["message_created"]}),
            "url",
            "Url has already been taken",
        ),
        (
            json!({"url": "http://127.0.0.1:9/other", "subscriptions": ["message_exploded"]}),
            "subscriptions",
            "Subscriptions Invalid events",
        ),
        (
            json!({"url": "http://127.0.0.1:9/other", "subscriptions": []}),
            "subscriptions",
            "Subscriptions Invalid events",
        ),
        (
            json!({"url": "http://10.1.2.3/hook", "subscriptions": ["message_created"]}),
            "url",
            "internal address 10.1.2.3",
        ),
        (
            json!({"url": "http://169.254.169.254/latest/meta-data", "subscriptions": ["message_created"]}),
            "url",
            "internal address",
        ),
        (
            json!({"url": "gopher://127.0.0.1/", "subscriptions": ["message_created"]}),
            "url",
            "http or https",
        ),
        (
            json!({"subscriptions": ["message_created"]}),
            "url",
            "can't be blank",
        ),
    ];
    for (body, field, message) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/webhooks"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(response.json()["attributes"], json!([field]), "{body}");
        assert!(
            response.json()["message"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{body}: {}",
            response.text
        );
    }
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    assert_eq!(
        app.api(Method::GET, &acme.api("/webhooks"), &agent, None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_delivery_is_signed_with_the_documented_formula_and_carries_chatwoots_payload() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    let webhook = create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    // Act
    let (c, m) = conversation_with_message(&app, &acme).await;
    app.run_jobs().await;
    // Assert
    let received = receiver.events("message_created");
    assert_eq!(received.len(), 1, "{:?}", receiver.received());
    let delivery = &received[0];
    assert!(
        verify(webhook["secret"].as_str().expect("secret"), delivery),
        "signature"
    );
    assert!(!verify("another-secret", delivery));
    assert_eq!(delivery.header("content-type"), "application/json");
    assert_eq!(delivery.header("x-atende-delivery").len(), 36);
    let payload = delivery.json();
    assert_eq!(payload["event"], "message_created");
    assert_eq!(payload["id"], m["id"]);
    assert_eq!(payload["message_type"], "outgoing", "a string in webhooks");
    assert_eq!(payload["conversation"]["id"], c["id"]);
    assert_eq!(payload["account"]["name"], "Acme");
    insta::assert_json_snapshot!(payload, {
        ".id" => "[id]", ".created_at" => "[time]", ".account.id" => "[id]", ".inbox.id" => "[id]", ".sender.id" => "[id]",
        ".conversation.inbox_id" => "[id]", ".conversation.contact_inbox" => "[contact_inbox]",
        ".conversation.meta.sender.id" => "[id]", ".conversation.messages[].id" => "[id]",
        ".conversation.messages[].inbox_id" => "[id]", ".conversation.messages[].account_id" => "[id]",
        ".conversation.messages[].sender_id" => "[id]", ".conversation.messages[].sender.id" => "[id]",
        ".conversation.messages[].created_at" => "[time]", ".conversation.messages[].updated_at" => "[time]",
        ".conversation.messages[].conversation.last_activity_at" => "[time]",
        ".conversation.messages[].conversation.contact_inbox.source_id" => "[uuid]",
        ".conversation.created_at" => "[time]", ".conversation.updated_at" => "[time]", ".conversation.timestamp" => "[time]",
        ".conversation.last_activity_at" => "[time]", ".conversation.first_reply_created_at" => "[time]",
    });
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_event_once_more_with_the_same_delivery_id() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[500, 503]).await;
    let webhook = create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    conversation_with_message(&app, &acme).await;
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 1);
    app.clock().advance(chrono::Duration::seconds(31));
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 2);
    app.clock().advance(chrono::Duration::minutes(3));
    app.run_jobs().await;
    app.clock().advance(chrono::Duration::hours(30));
    app.run_jobs().await;
    let received = receiver.received();
    assert_eq!(
        received.len(),
        3,
        "exactly once more after the two failures"
    );
    let ids: Vec<&str> = received
        .iter()
        .map(|r| r.header("x-atende-delivery"))
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(
        received.windows(2).all(|w| w[0].body == w[1].body),
        "the same payload every time"
    );
    let log = app
        .api(
            Method::GET,
            &acme.api(&format!("/webhooks/{}/deliveries", webhook["id"])),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(log["payload"][0]["state"], "succeeded");
    assert_eq!(log["payload"][0]["attempts"], 3);
}

#[tokio::test]
async fn a_410_is_not_retried_and_can_be_resent_by_hand() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[410]).await;
    let webhook = create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    conversation_with_message(&app, &acme).await;
    app.run_jobs().await;
    app.clock().advance(chrono::Duration::days(2));
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 1);
    let log_path = acme.api(&format!("/webhooks/{}/deliveries", webhook["id"]));
    let log = app
        .api(Method::GET, &log_path, &acme.admin, None)
        .await
        .json();
    assert_eq!(
        (
            log["payload"][0]["state"].clone(),
            log["payload"][0]["last_status"].clone()
        ),
        (json!("failed"), json!(410))
    );
    let delivery = log["payload"][0]["id"].clone();
    let resent = app
        .api(
            Method::POST,
            &format!("{log_path}/{delivery}/resend"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(resent.status, 200, "{}", resent.text);
    app.run_jobs().await;
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("x-atende-delivery"),
        received[1].header("x-atende-delivery")
    );
    let again = app
        .api(
            Method::POST,
            &format!("{log_path}/{delivery}/resend"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(again.status, 422, "only failed deliveries are re-sent");
}

#[tokio::test]
async fn a_webhook_failing_for_24_hours_is_disabled_with_the_reason() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[500; 40]).await;
    let webhook = create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    conversation_with_message(&app, &acme).await;
    for _ in 0..12 {
        app.run_jobs().await;
        app.clock().advance(chrono::Duration::hours(3));
    }
    app.run_jobs().await;
    let shown = app
        .api(
            Method::GET,
            &acme.api(&format!("/webhooks/{}", webhook["id"])),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(shown["payload"]["webhook"]["enabled"], false);
    let reason = shown["payload"]["webhook"]["disabled_reason"]
        .as_str()
        .expect("reason");
    assert!(
        reason.contains("every delivery failed for 24 hours") && reason.contains("HTTP 500"),
        "{reason}"
    );
    let attempts = receiver.received().len();
    assert!((8..=12).contains(&attempts), "{attempts} attempts");
    // Nothing more is sent to a disabled webhook.
    app.post_message(
        &acme,
        &acme.admin,
        &json!(1),
        json!({"content": "mais uma"}),
    )
    .await;
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), attempts);
}

#[tokio::test]
async fn a_target_that_became_internal_is_refused_in_the_delivery_log() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    let webhook = create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    sqlx::query("update webhooks set url = 'http://10.20.30.40/hook' where id = $1")
        .bind(webhook["id"].as_i64())
        .execute(app.db())
        .await
        .expect("update");
    conversation_with_message(&app, &acme).await;
    app.run_jobs().await;
    let log = app
        .api(
            Method::GET,
            &acme.api(&format!("/webhooks/{}/deliveries", webhook["id"])),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(log["payload"][0]["state"], "failed");
    assert!(
        log["payload"][0]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("target refused"),
        "{log}"
    );
}

#[tokio::test]
async fn the_inbox_webhook_url_gets_every_conversation_and_message_event_but_no_contact_events() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    let inbox = app
        .create_inbox_with_webhook(&acme, "Evolution", Some(&receiver.url))
        .await;
    let c = app
        .create_conversation(&acme, inbox["id"].as_i64().expect("id"), "Maria")
        .await;
    app.post_message(&acme, &acme.admin, &c["id"], json!({"content": "Olá!"}))
        .await;
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "nota", "private": true}),
    )
    .await;
    app.api(
        Method::POST,
        &acme.api(&format!("/conversations/{}/toggle_status", c["id"])),
        &acme.admin,
        Some(json!({"status": "resolved"})),
    )
    .await;
    app.run_jobs().await;
    let kinds: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.header("x-atende-event").to_owned())
        .collect();
    for kind in [
        "conversation_created",
        "message_created",
        "conversation_status_changed",
        "conversation_updated",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
    assert!(
        !kinds.iter().any(|k| k.starts_with("contact_")),
        "{kinds:?}"
    );
    let messages: Vec<Value> = receiver
        .events("message_created")
        .iter()
        .map(Received::json)
        .collect();
    assert_eq!(messages.len(), 2, "activity messages are not delivered");
    assert_eq!(
        (
            messages[0]["message_type"].clone(),
            messages[0]["private"].clone()
        ),
        (json!("outgoing"), json!(false))
    );
    assert_eq!(
        messages[1]["private"], true,
        "private notes are delivered, flagged"
    );
    assert_eq!(
        messages[0]["conversation"]["contact_inbox"]["source_id"]
            .as_str()
            .map(str::len),
        Some(36)
    );
    let status = receiver.events("conversation_status_changed")[0].json();
    assert_eq!(
        status["changed_attributes"],
        json!([{"status": {"previous_value": "open", "current_value": "resolved"}}])
    );
    let secret = inbox["hmac_token"].as_str().expect("hmac token");
    assert!(
        receiver.received().iter().all(|r| verify(secret, r)),
        "signed with the inbox's hmac_token"
    );
}

#[tokio::test]
async fn events_of_one_conversation_arrive_in_order_with_background_workers() {
    let workers = WorkerSettings {
        concurrency: 4,
        poll_interval: Duration::from_millis(200),
        ..WorkerSettings::default()
    };
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| c.workers = workers),
        ..Options::default()
    })
    .await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let mut sent = Vec::new();
    for i in 0..8 {
        sent.push(
            app.post_message(
                &acme,
                &acme.admin,
                &c["id"],
                json!({"content": format!("parte {i}")}),
            )
            .await["id"]
                .clone(),
        );
    }
    let received = receiver.wait_for(8, Duration::from_secs(20)).await;
    let order: Vec<Value> = received.iter().map(|r| r.json()["id"].clone()).collect();
    assert_eq!(order, sent);
}

#[tokio::test]
async fn a_delivery_survives_a_kill_between_enqueue_and_delivery() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    // Arrange: a server process without workers, so nothing gets delivered by it.
    let db = crate::support::cluster::create_database().await;
    let url = crate::support::cluster::database_url(&db);
    let created = tokio::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args([
            "create-account",
            "--name",
            "Acme",
            "--admin-email",
            "admin@acme.test",
            "--json",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .await
        .expect("create-account");
    let token = serde_json::from_slice::<Value>(&created.stdout).expect("json")["api_access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (mut child, base, _) = crate::foundation::start_binary(
        &[
            ("DATABASE_URL", &url),
            ("ATENDE_WORKERS", "0"),
            ("ATENDE_OUTBOUND_ALLOW", "127.0.0.0/8"),
        ],
        &[],
    )
    .await;
    let receiver = Receiver::start(&[]).await;
    let client = reqwest::Client::new();
    let call = |method: Method, path: &str, body: Value| {
        client
            .request(method, format!("{base}/api/v1/accounts/1{path}"))
            .header("api_access_token", &token)
            .json(&body)
            .send()
    };
    let webhook = call(
        Method::POST,
        "/webhooks",
        json!({"url": receiver.url, "subscriptions": ["message_created"]}),
    )
    .await
    .expect("webhook");
    assert_eq!(webhook.status(), 200);
    let inbox: Value = call(
        Method::POST,
        "/inboxes",
        json!({"name": "X", "channel": {"type": "api"}}),
    )
    .await
    .expect("inbox")
    .json()
    .await
    .expect("json");
    let contact: Value = call(
        Method::POST,
        "/contacts",
        json!({"inbox_id": inbox["id"], "name": "Maria", "phone_number": "+5511999990000"}),
    )
    .await
    .expect("contact")
    .json()
    .await
    .expect("json");
    let conversation: Value = call(
        Method::POST,
        "/conversations",
        json!({"inbox_id": inbox["id"], "contact_id": contact["payload"]["contact"]["id"]}),
    )
    .await
    .expect("conversation")
    .json()
    .await
    .expect("json");
    let message: Value = call(
        Method::POST,
        &format!("/conversations/{}/messages", conversation["id"]),
        json!({"content": "olá"}),
    )
    .await
    .expect("message")
    .json()
    .await
    .expect("json");
    // Act: the process dies hard with the delivery queued.
    kill(
        Pid::from_raw(child.id().expect("pid") as i32),
        Signal::SIGKILL,
    )
    .expect("kill");
    child.wait().await.expect("wait");
    assert!(receiver.received().is_empty());
    let workers = WorkerSettings {
        concurrency: 2,
        poll_interval: Duration::from_millis(200),
        ..WorkerSettings::default()
    };
    let restarted = TestApp::spawn_with(Options {
        database: Some(db.clone()),
        configure: Box::new(move |c| {
            c.workers = workers;
            c.clock = atende::clock::Clock::System;
        }),
        ..Options::default()
    })
    .await;
    // Assert: the restarted process delivers it.
    let received = receiver.wait_for(1, Duration::from_secs(20)).await;
    let delivered: Vec<&Received> = received
        .iter()
        .filter(|r| r.header("x-atende-event") == "message_created")
        .collect();
    assert_eq!(delivered.len(), 1, "{received:?}");
    assert_eq!(delivered[0].json()["id"], message["id"]);
    drop(restarted);
    crate::support::cluster::drop_database(db).await;
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_signature_never_reaches_the_second_host() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let elsewhere = Receiver::start(&[]).await;
    // A target that answers every delivery with a 307 to another host (here another port).
    let location = elsewhere.url.clone();
    let redirecting = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let location = location.clone();
            async move {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, location)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, redirecting).await });
    let webhook = create_webhook(&app, &acme, &url, &["message_created"]).await;
    conversation_with_message(&app, &acme).await;
    app.run_jobs().await;
    app.clock().advance(chrono::Duration::days(2));
    app.run_jobs().await;
    assert!(
        elsewhere.received().is_empty(),
        "nothing reaches the redirect's target"
    );
    let log = app
        .api(
            Method::GET,
            &acme.api(&format!("/webhooks/{}/deliveries", webhook["id"])),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(log["payload"][0]["state"], "failed", "{log}");
    assert_eq!(log["payload"][0]["last_status"], 307, "{log}");
    assert!(
        log["payload"][0]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("redirects are not followed"),
        "{log}"
    );
}
