//! Settings → Webhooks.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{
    api_get, api_post, assert_flash_once, assert_see_other, field_error, input_tag, secret,
    signed_in,
};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;
use crate::support::receiver::{Received, Receiver};

/// Whether `received` carries the signature the documented formula gives with `secret`.
fn signed_with(secret: &str, received: &Received) -> bool {
    let timestamp = received.header("x-atende-timestamp");
    let given = received
        .header("x-atende-signature")
        .strip_prefix("sha256=")
        .and_then(|hex| hex::decode(hex).ok())
        .unwrap_or_default();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{}", received.body).as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// A conversation in a new inbox with one agent message.
async fn message_posted(app: &TestApp, acme: &TestAccount) {
    let inbox = app.create_inbox(acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let conversation = app.create_conversation(acme, inbox, "Maria").await;
    app.post_message(
        acme,
        &acme.admin,
        &conversation["id"],
        json!({"content": "Seu pedido saiu para entrega"}),
    )
    .await;
}

async fn webhooks_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    api_get(app, acme, "/webhooks").await["payload"]["webhooks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn create_webhook(app: &TestApp, acme: &TestAccount, url: &str, events: &[&str]) -> i64 {
    let body = json!({"url": url, "subscriptions": events});
    api_post(app, acme, "/webhooks", body).await["payload"]["webhook"]["id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn a_webhook_created_in_the_page_shows_its_secret_once_and_the_secret_signs_deliveries() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    let browser = signed_in(&app, &acme.admin).await;
    let form_page = browser.get(&acme.page("/settings/webhooks/new")).await;
    for event in [
        "conversation_created",
        "conversation_updated",
        "conversation_status_changed",
        "message_created",
        "message_updated",
        "contact_created",
        "contact_updated",
    ] {
        assert!(
            form_page
                .text
                .contains(&format!(r#"name="subscriptions" value="{event}""#)),
            "{event} offered"
        );
    }
    assert!(form_page.text.contains("Mensagem criada"));
    let form = [
        ("url", receiver.url.as_str()),
        ("name", "CRM"),
        ("subscriptions", "message_created"),
        ("inbox_id", ""),
    ];
    // Act
    let created = browser
        .post_form(&acme.page("/settings/webhooks"), &form)
        .await;
    // Assert: the secret, once, with how to check signatures.
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let shown = secret(&created.text).expect("the secret is shown");
    assert_eq!(shown.len(), 64, "{shown}");
    assert!(created.text.contains("X-Atende-Signature"));
    assert!(created.text.contains("data-copy=\"webhook-secret\""));
    let later = browser.get(&acme.page("/settings/webhooks")).await;
    assert!(later.text.contains(&receiver.url));
    assert!(!later.text.contains(&shown), "shown only once");
    let listed = webhooks_json(&app, &acme).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "CRM");
    assert_eq!(listed[0]["subscriptions"], json!(["message_created"]));

    // Act: a message is posted through the API and the deliveries run.
    message_posted(&app, &acme).await;
    app.run_jobs().await;
    // Assert: the delivery verifies with the secret the page showed.
    let delivered = receiver.events("message_created");
    assert_eq!(delivered.len(), 1, "{:?}", receiver.received());
    assert!(signed_with(&shown, &delivered[0]), "signature verifies");
    assert!(!signed_with("not-the-secret", &delivered[0]));
    let list = browser.get(&acme.page("/settings/webhooks")).await;
    assert!(list.text.contains("Entregue"), "last delivery state");
}

#[tokio::test]
async fn internal_and_bad_urls_and_missing_events_are_refused_next_to_their_field() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        (
            "http://10.1.2.3/x",
            Some("message_created"),
            "url",
            "10.1.2.3",
        ),
        (
            "gopher://127.0.0.1/x",
            Some("message_created"),
            "url",
            "O endereço precisa começar com http:// ou https://.",
        ),
        (
            "http://127.0.0.1:9/x",
            None,
            "subscriptions",
            "Escolha pelo menos um evento.",
        ),
    ];
    for (url, event, field, message) in cases {
        let mut form = vec![("url", url), ("name", "Nome mantido"), ("inbox_id", "")];
        if let Some(event) = event {
            form.push(("subscriptions", event));
        }
        // Act
        let response = browser
            .post_form(&acme.page("/settings/webhooks"), &form)
            .await;
        // Assert
        assert_eq!(response.status, 422, "{url}: {}", response.text);
        let shown = field_error(&response.text, field).unwrap_or_default();
        assert!(shown.contains(message), "{url}: {shown}");
        let input = input_tag(&response.text, field);
        assert!(input.contains(&format!("{field}-error")), "{input}");
        assert!(response.text.contains("Nome mantido"), "values kept");
        assert!(response.text.contains("role=\"alert\""));
        assert!(secret(&response.text).is_none());
    }
    assert!(webhooks_json(&app, &acme).await.is_empty(), "nothing saved");
    // The reason is the guard's, in the page language.
    let internal = browser
        .post_form(
            &acme.page("/settings/webhooks"),
            &[
                ("url", "http://10.1.2.3/x"),
                ("subscriptions", "message_created"),
            ],
        )
        .await;
    assert_eq!(
        field_error(&internal.text, "url").as_deref(),
        Some(
            "Este endereço aponta para o endereço interno 10.1.2.3, que não é permitido. Se ele for seu, peça ao operador para liberá-lo com ATENDE_OUTBOUND_ALLOW."
        )
    );
    assert!(input_tag(&internal.text, "url").contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn the_delivery_log_shows_a_failed_delivery_and_resending_delivers_it() {
    // Arrange: the receiver answers 410 once, which is not retried.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[410]).await;
    let id = create_webhook(&app, &acme, &receiver.url, &["message_created"]).await;
    message_posted(&app, &acme).await;
    app.run_jobs().await;
    let browser = signed_in(&app, &acme.admin).await;
    let log_path = acme.page(&format!("/settings/webhooks/{id}"));
    // Act
    let log = browser.get(&log_path).await;
    // Assert
    assert_eq!(log.status, 200, "{}", log.text);
    assert!(log.text.contains("Mensagem criada"));
    assert!(log.text.contains("Falhou"));
    assert!(log.text.contains("<td>410</td>"), "{}", log.text);
    assert!(log.text.contains(" ms</td>"), "latency shown");
    assert!(log.text.contains("Reenviar"));
    let list = browser.get(&acme.page("/settings/webhooks")).await;
    assert!(list.text.contains("Falhou"), "last delivery in the list");
    let deliveries = api_get(&app, &acme, &format!("/webhooks/{id}/deliveries")).await;
    let delivery = deliveries["payload"][0]["id"].to_string();

    // Act: send it again.
    let resent = browser
        .post_form(
            &format!("{log_path}/resend"),
            &[("delivery", delivery.as_str())],
        )
        .await;
    // Assert
    assert_see_other(&resent, &log_path);
    assert_flash_once(
        &browser,
        &log_path,
        "A entrega “Mensagem criada” será reenviada em instantes.",
    )
    .await;
    app.run_jobs().await;
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("x-atende-delivery"),
        received[1].header("x-atende-delivery")
    );
    let after = browser.get(&log_path).await;
    assert!(after.text.contains("Entregue"), "{}", after.text);
    assert!(
        !after.text.contains("name=\"delivery\""),
        "nothing left to send again"
    );

    // Act: a delivery that did not fail cannot be sent again.
    let again = browser
        .post_form(
            &format!("{log_path}/resend"),
            &[("delivery", delivery.as_str())],
        )
        .await;
    // Assert
    assert_eq!(again.status, 422);
    assert!(
        again
            .text
            .contains("Só entregas que falharam podem ser reenviadas."),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn a_webhook_is_edited_disabled_re_enabled_and_deleted() {
    // Arrange: a webhook subscribed (through the API) to an event the page does not offer.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let id = create_webhook(
        &app,
        &acme,
        "http://127.0.0.1:9/crm",
        &["message_created", "inbox_created"],
    )
    .await;
    let browser = signed_in(&app, &acme.admin).await;
    let edit = browser
        .get(&acme.page(&format!("/settings/webhooks/{id}/edit")))
        .await;
    assert!(
        edit.text
            .contains(r#"name="subscriptions" value="message_created" checked"#)
    );
    assert!(
        edit.text
            .contains(r#"<input type="hidden" name="subscriptions" value="inbox_created">"#)
    );
    let inbox_id = inbox.to_string();
    let form = [
        ("url", "http://127.0.0.1:9/erp"),
        ("name", "ERP"),
        ("subscriptions", "contact_created"),
        ("subscriptions", "inbox_created"),
        ("inbox_id", inbox_id.as_str()),
    ];
    // Act: saved with the switch off.
    let saved = browser
        .post_form(&acme.page(&format!("/settings/webhooks/{id}")), &form)
        .await;
    // Assert
    assert_see_other(&saved, &acme.page("/settings/webhooks"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/webhooks"),
        "O webhook de http://127.0.0.1:9/erp foi salvo.",
    )
    .await;
    let webhook = &webhooks_json(&app, &acme).await[0];
    assert_eq!(webhook["url"], "http://127.0.0.1:9/erp");
    assert_eq!(webhook["name"], "ERP");
    assert_eq!(
        webhook["subscriptions"],
        json!(["contact_created", "inbox_created"])
    );
    assert_eq!(webhook["inbox"]["id"], inbox);
    assert_eq!(webhook["enabled"], false);

    // Arrange: disabled by the deliverer after 24 hours of failures.
    sqlx::query("update webhooks set disabled_reason = $2 where id = $1")
        .bind(id)
        .bind("Disabled on 2024-05-01 12:00 UTC: every delivery failed for 24 hours")
        .execute(app.db())
        .await
        .expect("disable");
    let list = browser.get(&acme.page("/settings/webhooks")).await;
    assert!(list.text.contains("Desativado"));
    assert!(list.text.contains("every delivery failed for 24 hours"));
    let mut enabled = form.to_vec();
    enabled.push(("enabled", "on"));
    // Act: turned on again.
    let saved = browser
        .post_form(&acme.page(&format!("/settings/webhooks/{id}")), &enabled)
        .await;
    // Assert
    assert_see_other(&saved, &acme.page("/settings/webhooks"));
    let webhook = &webhooks_json(&app, &acme).await[0];
    assert_eq!(webhook["enabled"], true);
    assert_eq!(webhook["disabled_reason"], Value::Null);

    // Act: deleted, after the page asked.
    let list = browser.get(&acme.page("/settings/webhooks")).await;
    assert!(list.text.contains(
        r#"data-confirm="Excluir o webhook de http://127.0.0.1:9/erp e o registro de entregas dele?""#
    ));
    let deleted = browser
        .post_form(&acme.page(&format!("/settings/webhooks/{id}/delete")), &[])
        .await;
    // Assert
    assert_see_other(&deleted, &acme.page("/settings/webhooks"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/webhooks"),
        "O webhook de http://127.0.0.1:9/erp foi excluído.",
    )
    .await;
    assert!(webhooks_json(&app, &acme).await.is_empty());
}
