//! Replays the calls Evolution API makes against a Chatwoot API inbox (`chatwoot-api.md` §5.1),
//! with its quirks: ids as strings, phone numbers without `+`, multipart with string booleans and
//! JSON-string `content_attributes`, `api_access_token` plus `Authorization: Bearer`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse, read};

struct Evolution<'a> {
    app: &'a TestApp,
    base: String,
    token: String,
}

impl Evolution<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut request = self
            .app
            .client
            .request(method, format!("{}{}{path}", self.app.address, self.base))
            .header("api_access_token", &self.token)
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request")).await
    }

    async fn post_incoming(
        &self,
        conversation: i64,
        content: &str,
        source_id: &str,
        file: Option<(&str, Vec<u8>)>,
    ) -> TestResponse {
        let mut form = reqwest::multipart::Form::new()
            .text("content", content.to_owned())
            .text("message_type", "incoming")
            .text("private", "false")
            .text("source_id", source_id.to_owned())
            .text(
                "content_attributes",
                r#"{"in_reply_to":null,"in_reply_to_external_id":null}"#,
            );
        if let Some((name, bytes)) = file {
            form = form.part(
                "attachments[]",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        }
        let response = self
            .app
            .client
            .post(format!(
                "{}{}/conversations/{conversation}/messages",
                self.app.address, self.base
            ))
            .header("api_access_token", &self.token)
            .header("authorization", format!("Bearer {}", self.token))
            .multipart(form)
            .send()
            .await
            .expect("request");
        read(response).await
    }
}

#[tokio::test]
async fn evolution_apis_call_sequence_works_unchanged() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let evo = Evolution {
        app: &app,
        base: acme.api(""),
        token: acme.admin.token.clone(),
    };

    // 1. Find the inbox by name, create it (trailing slash) when missing.
    let inboxes = evo.call(Method::GET, "/inboxes", None).await.json();
    assert!(inboxes["payload"].as_array().expect("payload").is_empty());
    let inbox = evo
        .call(Method::POST, "/inboxes/", Some(json!({"name": "evolution", "channel": {"type": "api", "webhook_url": "http://127.0.0.1:9/chatwoot/webhook/evo"}})))
        .await
        .json();
    let inbox_id = inbox["id"].as_i64().expect("inbox id");

    // 2. Look the contact up by phone, both Brazilian forms, without '+': nobody yet.
    let filter = json!({"payload": [
        {"attribute_key": "phone_number", "filter_operator": "equal_to", "values": ["5511987654321"], "query_operator": "OR"},
        {"attribute_key": "phone_number", "filter_operator": "equal_to", "values": ["551187654321"], "query_operator": null},
    ]});
    let found = evo
        .call(Method::POST, "/contacts/filter", Some(filter.clone()))
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert!(
        found.json()["payload"]
            .as_array()
            .expect("payload")
            .is_empty()
    );

    // 3. Create the contact.
    let created = evo
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"inbox_id": inbox_id, "name": "Maria Souza", "identifier": "5511987654321@s.whatsapp.net",
                        "avatar_url": "https://pps.whatsapp.net/x.jpg", "phone_number": "+5511987654321"})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let contact_id = created.json()["payload"]["contact"]["id"]
        .as_i64()
        .expect("contact id");
    let again = evo
        .call(Method::POST, "/contacts/filter", Some(filter))
        .await
        .json();
    assert_eq!(
        again["payload"][0]["id"], contact_id,
        "found in both forms now"
    );
    assert_eq!(
        again["payload"][0]["identifier"],
        "5511987654321@s.whatsapp.net"
    );

    // 4. Open a conversation with ids as strings; look it up through the contact.
    let conversation = evo
        .call(
            Method::POST,
            "/conversations",
            Some(json!({"contact_id": contact_id.to_string(), "inbox_id": inbox_id.to_string()})),
        )
        .await;
    assert_eq!(conversation.status, 200, "{}", conversation.text);
    let display_id = conversation.json()["id"].as_i64().expect("display id");
    let listed = evo
        .call(
            Method::GET,
            &format!("/contacts/{contact_id}/conversations"),
            None,
        )
        .await
        .json();
    assert_eq!(listed["payload"][0]["id"], display_id);
    assert_eq!(listed["payload"][0]["inbox_id"], inbox_id);
    assert_eq!(listed["payload"][0]["status"], "open");

    // 5. Post the customer's message with a photo, as multipart.
    let jpeg = [
        &[0xFFu8, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0][..],
        &[0u8; 64][..],
    ]
    .concat();
    let message = evo
        .post_incoming(
            display_id,
            "Olá, quero saber do meu pedido",
            "WAID:3EB0A1B2C3",
            Some(("foto.jpg", jpeg)),
        )
        .await;
    assert_eq!(message.status, 200, "{}", message.text);
    let message = message.json();
    assert_eq!(message["conversation_id"], display_id);
    assert_eq!(message["inbox_id"], inbox_id);
    assert_eq!(message["attachments"][0]["file_type"], "image");

    // 6. The same WhatsApp message again (a gateway retry) is not stored twice.
    let repeat = evo
        .post_incoming(
            display_id,
            "Olá, quero saber do meu pedido",
            "WAID:3EB0A1B2C3",
            None,
        )
        .await
        .json();
    assert_eq!(repeat["id"], message["id"]);

    // 7. List the messages; the attachment downloads without credentials.
    let messages = evo
        .call(
            Method::GET,
            &format!("/conversations/{display_id}/messages"),
            None,
        )
        .await
        .json();
    let incoming: Vec<&Value> = messages["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .filter(|m| m["message_type"] == 0)
        .collect();
    assert_eq!(incoming.len(), 1);
    let url = incoming[0]["attachments"][0]["data_url"]
        .as_str()
        .expect("url");
    assert_eq!(reqwest::get(url).await.expect("download").status(), 200);

    // 8. The conversation shows the source id Evolution maps WhatsApp chats with.
    let shown = evo
        .call(Method::GET, &format!("/conversations/{display_id}"), None)
        .await
        .json();
    let source = shown["last_non_activity_message"]["conversation"]["contact_inbox"]["source_id"]
        .as_str()
        .expect("source id");
    assert_eq!(
        source,
        created.json()["payload"]["contact_inbox"]["source_id"]
            .as_str()
            .expect("created source id")
    );

    // 9. Status changes and the contact's control chat (+123456).
    let pending = evo
        .call(
            Method::POST,
            &format!("/conversations/{display_id}/toggle_status"),
            Some(json!({"status": "pending"})),
        )
        .await;
    assert_eq!(pending.json()["payload"]["current_status"], "pending");
    let bot = evo
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"inbox_id": inbox_id, "name": "EvolutionAPI", "phone_number": "+123456"})),
        )
        .await;
    assert_eq!(bot.status, 200, "{}", bot.text);

    // 10. Deleting a message (a revoked WhatsApp message).
    let deleted = evo
        .call(
            Method::DELETE,
            &format!("/conversations/{display_id}/messages/{}", message["id"]),
            None,
        )
        .await;
    assert_eq!(deleted.json()["content_attributes"]["deleted"], true);
}

#[tokio::test]
async fn read_receipts_arrive_through_the_public_client_api() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "evolution").await;
    let c = app
        .create_conversation(&acme, inbox["id"].as_i64().expect("id"), "Maria")
        .await;
    let source = app
        .api(
            Method::GET,
            &acme.api(&format!("/conversations/{}", c["id"])),
            &acme.admin,
            None,
        )
        .await
        .json()["meta"]["sender"]["id"]
        .clone();
    let contact = app
        .api(
            Method::GET,
            &acme.api(&format!("/contacts/{source}")),
            &acme.admin,
            None,
        )
        .await
        .json();
    let source_id = contact["payload"]["contact_inboxes"][0]["source_id"]
        .as_str()
        .expect("source")
        .to_owned();
    let identifier = inbox["inbox_identifier"].as_str().expect("identifier");
    let path = format!(
        "/public/api/v1/inboxes/{identifier}/contacts/{source_id}/conversations/{}/update_last_seen",
        c["id"]
    );
    let seen = app.request(Method::POST, &path, None, None).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let shown = app
        .api(
            Method::GET,
            &acme.api(&format!("/conversations/{}", c["id"])),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_ne!(shown["contact_last_seen_at"], 0);
    let wrong = format!(
        "/public/api/v1/inboxes/{identifier}/contacts/nobody/conversations/{}/update_last_seen",
        c["id"]
    );
    assert_eq!(
        app.request(Method::POST, &wrong, None, None).await.status,
        404
    );
}
