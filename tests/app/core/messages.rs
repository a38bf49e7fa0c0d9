use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn setup() -> (TestApp, TestAccount, Value) {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    (app, acme, c)
}

async fn conversation(app: &TestApp, acme: &TestAccount, c: &Value) -> Value {
    app.api(
        Method::GET,
        &acme.api(&format!("/conversations/{}", c["id"])),
        &acme.admin,
        None,
    )
    .await
    .json()
}

#[tokio::test]
async fn messages_have_chatwoots_rest_shape() {
    let (app, acme, c) = setup().await;
    let sent = app
        .post_message(
            &acme,
            &acme.admin,
            &c["id"],
            json!({"content": "Olá, Maria!", "echo_id": "tmp-1"}),
        )
        .await;
    insta::assert_json_snapshot!(sent, {".id" => "[id]", ".inbox_id" => "[id]", ".created_at" => "[time]", ".sender.id" => "[id]"});
    let incoming = app
        .post_message(
            &acme,
            &acme.admin,
            &c["id"],
            json!({"content": "Oi", "message_type": "incoming", "source_id": "WAID:1"}),
        )
        .await;
    assert_eq!(incoming["message_type"], 0);
    assert_eq!(incoming["sender"]["type"], "contact");
    assert!(incoming.get("echo_id").is_none());
}

#[tokio::test]
async fn the_reply_clocks_move_as_chatwoot_describes() {
    let (app, acme, c) = setup().await;
    let created = conversation(&app, &acme, &c).await;
    assert_ne!(created["waiting_since"], 0, "waiting since creation");
    assert_eq!(created["first_reply_created_at"], 0);
    // A private note touches neither clock.
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "nota interna", "private": true}),
    )
    .await;
    let after_note = conversation(&app, &acme, &c).await;
    assert_eq!(after_note["first_reply_created_at"], 0);
    assert_eq!(after_note["waiting_since"], created["waiting_since"]);
    // The first public human reply sets the first reply and stops the wait.
    app.clock().advance(chrono::Duration::minutes(3));
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Como posso ajudar?"}),
    )
    .await;
    let replied = conversation(&app, &acme, &c).await;
    assert_ne!(replied["first_reply_created_at"], 0);
    assert_eq!(replied["waiting_since"], 0);
    // The customer writes twice: the wait starts at the first message and is not restarted.
    app.clock().advance(chrono::Duration::minutes(1));
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Meu pedido", "message_type": "incoming"}),
    )
    .await;
    let waiting = conversation(&app, &acme, &c).await["waiting_since"].clone();
    app.clock().advance(chrono::Duration::minutes(1));
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Alô?", "message_type": "incoming"}),
    )
    .await;
    assert_eq!(
        conversation(&app, &acme, &c).await["waiting_since"],
        waiting
    );
    // A later reply clears the wait but keeps the first reply time.
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Verificando"}),
    )
    .await;
    let again = conversation(&app, &acme, &c).await;
    assert_eq!(again["waiting_since"], 0);
    assert_eq!(
        again["first_reply_created_at"],
        replied["first_reply_created_at"]
    );
    // Resolving stops the clock; an incoming message reopens and restarts it.
    app.api(
        Method::POST,
        &acme.api(&format!("/conversations/{}/toggle_status", c["id"])),
        &acme.admin,
        Some(json!({"status": "resolved"})),
    )
    .await;
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Voltei", "message_type": "incoming"}),
    )
    .await;
    let reopened = conversation(&app, &acme, &c).await;
    assert_eq!(reopened["status"], "open");
    assert_ne!(reopened["waiting_since"], 0);
}

#[tokio::test]
async fn a_repeated_source_id_is_stored_once() {
    let (app, acme, c) = setup().await;
    let body = json!({"content": "Oi", "message_type": "incoming", "source_id": "WAID:ABC"});
    let first = app
        .post_message(&acme, &acme.admin, &c["id"], body.clone())
        .await;
    let second = app.post_message(&acme, &acme.admin, &c["id"], body).await;
    assert_eq!(first["id"], second["id"]);
    let stored: i64 =
        sqlx::query_scalar("select count(*) from messages where source_id = 'WAID:ABC'")
            .fetch_one(app.db())
            .await
            .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn cursors_page_through_the_thread() {
    let (app, acme, c) = setup().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            app.post_message(
                &acme,
                &acme.admin,
                &c["id"],
                json!({"content": format!("m{i}")}),
            )
            .await["id"]
                .as_i64()
                .expect("id"),
        );
    }
    let path = acme.api(&format!("/conversations/{}/messages", c["id"]));
    let latest = app.api(Method::GET, &path, &acme.admin, None).await.json();
    let page: Vec<i64> = latest["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(page, ids[5..].to_vec(), "the latest 20, oldest first");
    let older = app
        .api(
            Method::GET,
            &format!("{path}?before={}", ids[5]),
            &acme.admin,
            None,
        )
        .await
        .json();
    let page: Vec<i64> = older["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(page, ids[..5].to_vec());
    let newer = app
        .api(
            Method::GET,
            &format!("{path}?after={}", ids[22]),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(newer["payload"].as_array().map(Vec::len), Some(2));
    assert_eq!(latest["meta"]["contact"]["type"], "contact");
    let bad = app
        .api(
            Method::GET,
            &format!("{path}?before=abc"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn status_updates_and_soft_deletion() {
    let (app, acme, c) = setup().await;
    let sent = app
        .post_message(&acme, &acme.admin, &c["id"], json!({"content": "Enviado"}))
        .await;
    let path = acme.api(&format!(
        "/conversations/{}/messages/{}",
        c["id"], sent["id"]
    ));
    let delivered = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"status": "delivered"})),
        )
        .await;
    assert_eq!(delivered.json()["status"], "delivered");
    let failed = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"status": "failed", "external_error": "131047: re-engagement"})),
        )
        .await;
    assert_eq!(failed.json()["status"], "failed");
    assert_eq!(
        app.api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"status": "lost"}))
        )
        .await
        .status,
        422
    );
    let deleted = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json()["content"], "Esta mensagem foi excluída");
    assert_eq!(deleted.json()["content_attributes"]["deleted"], true);
    let (kind,): (String,) =
        sqlx::query_as("select kind from events where message_id = $1 order by id desc limit 1")
            .bind(sent["id"].as_i64())
            .fetch_one(app.db())
            .await
            .expect("event");
    assert_eq!(kind, "message_updated");
}

#[tokio::test]
async fn bad_message_input_is_a_clear_4xx_and_stores_nothing() {
    let (app, acme, c) = setup().await;
    let path = acme.api(&format!("/conversations/{}/messages", c["id"]));
    for (body, field) in [
        (json!({"content": ""}), "content"),
        (
            json!({"content": "x", "message_type": "activity"}),
            "message_type",
        ),
        (
            json!({"content": "x", "message_type": "sideways"}),
            "message_type",
        ),
        (json!({"content": "x", "message_type": 9}), "message_type"),
        (json!({"content": "x", "private": "maybe"}), "private"),
        (
            json!({"content": "x", "content_type": "hologram"}),
            "content_type",
        ),
        (
            json!({"content": "x", "content_attributes": "{not json"}),
            "content_attributes",
        ),
    ] {
        let response = app
            .api(Method::POST, &path, &acme.admin, Some(body.clone()))
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(response.json()["attributes"], json!([field]), "{body}");
    }
    let messages: i64 =
        sqlx::query_scalar("select count(*) from messages where message_type <> 'activity'")
            .fetch_one(app.db())
            .await
            .expect("count");
    assert_eq!(messages, 0);
    let unknown = app
        .api(
            Method::POST,
            &acme.api("/conversations/999/messages"),
            &acme.admin,
            Some(json!({"content": "x"})),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let malformed = app
        .client
        .post(format!("{}{}", app.address, path))
        .header("api_access_token", &acme.admin.token)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nunterminated")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 422);
}

#[tokio::test]
async fn multipart_messages_carry_attachments_served_at_signed_urls() {
    let (app, acme, c) = setup().await;
    let png: Vec<u8> = [
        &[
            0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
        ][..],
        &[0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 0, 0, 0][..],
    ]
    .concat();
    let form = reqwest::multipart::Form::new()
        .text("content", "foto do produto")
        .text("message_type", "incoming")
        .text("private", "false")
        .text(
            "content_attributes",
            r#"{"in_reply_to_external_id":"WAID:0"}"#,
        )
        .part(
            "attachments[]",
            reqwest::multipart::Part::bytes(png.clone())
                .file_name("produto.png")
                .mime_str("text/html")
                .expect("mime"),
        );
    let response = app
        .client
        .post(format!(
            "{}{}",
            app.address,
            acme.api(&format!("/conversations/{}/messages", c["id"]))
        ))
        .header("api_access_token", &acme.admin.token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["content_attributes"]["in_reply_to_external_id"],
        "WAID:0"
    );
    let attachment = body["attachments"][0].clone();
    assert_eq!(attachment["file_type"], "image");
    assert_eq!(
        (attachment["width"].clone(), attachment["height"].clone()),
        (json!(4), json!(3))
    );
    let url = attachment["data_url"].as_str().expect("url");
    let file = reqwest::get(url).await.expect("download");
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["content-type"],
        "image/png",
        "sniffed, not the declared text/html"
    );
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    assert_eq!(file.bytes().await.expect("bytes").to_vec(), png);
    let tampered = url.replace("/files/", "/files/9").to_owned();
    assert_eq!(reqwest::get(&tampered).await.expect("get").status(), 404);
    let forged = format!(
        "{}/files/{}/{}/x",
        app.address,
        attachment["id"],
        "0".repeat(32)
    );
    assert_eq!(reqwest::get(&forged).await.expect("get").status(), 404);
}

#[tokio::test]
async fn an_oversized_attachment_is_a_clear_422() {
    let (app, acme, c) = setup().await;
    let big = vec![b'a'; atende::storage::MAX_FILE_BYTES + 1];
    let form = reqwest::multipart::Form::new()
        .text("content", "grande")
        .part(
            "attachments[]",
            reqwest::multipart::Part::bytes(big).file_name("big.txt"),
        );
    let response = app
        .client
        .post(format!(
            "{}{}",
            app.address,
            acme.api(&format!("/conversations/{}/messages", c["id"]))
        ))
        .header("api_access_token", &acme.admin.token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["attributes"], json!(["attachments"]));
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("too big"),
        "{body}"
    );
}

#[tokio::test]
async fn a_repeated_source_id_never_answers_with_a_message_of_another_conversation() {
    // Arrange: Bia sees unassigned conversations and her own; Maria's is assigned to Caio and
    // holds a message with source id WAID:SECRET.
    let (app, acme, maria) = setup().await;
    let inbox = maria["inbox_id"].as_i64().expect("inbox");
    let role = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": "Fila", "permissions": ["conversation_unassigned_manage"]})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("role");
    let bia = app
        .add_member(
            &acme,
            "Bia",
            atende::accounts::model::Role::Agent,
            Some(atende::ids::CustomRoleId(role)),
        )
        .await;
    let caio = app
        .add_member(&acme, "Caio", atende::accounts::model::Role::Agent, None)
        .await;
    app.add_to_inbox(&acme, inbox, &bia).await;
    app.add_to_inbox(&acme, inbox, &caio).await;
    app.api(
        Method::POST,
        &acme.api(&format!("/conversations/{}/assignments", maria["id"])),
        &acme.admin,
        Some(json!({"assignee_id": caio.id})),
    )
    .await;
    let secret = json!({"content": "senha do cofre: 1234", "message_type": "incoming", "source_id": "WAID:SECRET"});
    app.post_message(&acme, &acme.admin, &maria["id"], secret)
        .await;
    let joana = app.create_conversation(&acme, inbox, "Joana").await;
    // Act: Bia writes to Joana's conversation with that source id.
    let response = app
        .api(
            Method::POST,
            &acme.api(&format!("/conversations/{}/messages", joana["id"])),
            &bia,
            Some(json!({"content": "oi", "source_id": "WAID:SECRET"})),
        )
        .await;
    // Assert
    assert_eq!(response.status, 422, "{}", response.text);
    assert_eq!(response.json()["attributes"], json!(["source_id"]));
    assert!(!response.text.contains("cofre"), "{}", response.text);
}
