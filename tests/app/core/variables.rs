//! Message variables where text is sent: API messages, private notes, canned responses, the
//! catalogue and the preview.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::TestAccount;

pub const GREETING: &str = "Olá {{ contact.first_name || 'cliente' }}, tudo bem?";

/// The three contacts every variables test covers: a full name, a one-word name and no name,
/// with what `GREETING` must render to for each.
pub const CASES: [(Option<&str>, &str); 3] = [
    (Some("Maria da Silva"), "Olá Maria, tudo bem?"),
    (Some("Pelé"), "Olá Pelé, tudo bem?"),
    (None, "Olá cliente, tudo bem?"),
];

/// A conversation in `inbox` with a contact named `name` (or without a name); returns its display
/// id.
pub async fn conversation_with(
    app: &TestApp,
    acme: &TestAccount,
    inbox: i64,
    name: Option<&str>,
    phone: &str,
) -> i64 {
    let mut contact = json!({"inbox_id": inbox, "phone_number": phone});
    if let Some(name) = name {
        contact["name"] = json!(name);
    }
    let created = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(contact),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let contact_id = created.json()["payload"]["contact"]["id"].clone();
    let conversation = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "contact_id": contact_id})),
        )
        .await;
    assert_eq!(conversation.status, 200, "{}", conversation.text);
    conversation.json()["id"].as_i64().expect("display id")
}

async fn setup() -> (TestApp, TestAccount, i64) {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    (app, acme, inbox)
}

#[tokio::test]
async fn api_messages_render_the_fallback_for_every_kind_of_name() {
    let (app, acme, inbox) = setup().await;
    for (i, (name, expected)) in CASES.iter().enumerate() {
        let c = conversation_with(&app, &acme, inbox, *name, &format!("+55119876543{i:02}")).await;
        let sent = app
            .post_message(&acme, &acme.admin, &json!(c), json!({"content": GREETING}))
            .await;
        assert_eq!(sent["content"], *expected, "{name:?}");
        let note = app
            .post_message(
                &acme,
                &acme.admin,
                &json!(c),
                json!({"content": "{{contact.name | default: \"sem nome\"}} / {{ agent.first_name }} / #{{ conversation.id }} / {{ inbox.name }} / {{ account.name }}", "private": true}),
            )
            .await;
        let shown_name = name.unwrap_or("sem nome");
        assert_eq!(
            note["content"],
            format!("{shown_name} / Admin / #{c} / WhatsApp / Acme"),
        );
    }
}

#[tokio::test]
async fn customer_text_and_code_are_never_rendered() {
    let (app, acme, inbox) = setup().await;
    let c = conversation_with(&app, &acme, inbox, Some("Maria"), "+5511987654300").await;
    let incoming = app
        .post_message(
            &acme,
            &acme.admin,
            &json!(c),
            json!({"content": "meu nome é {{ contact.name }}", "message_type": "incoming"}),
        )
        .await;
    assert_eq!(incoming["content"], "meu nome é {{ contact.name }}");
    let code = app
        .post_message(
            &acme,
            &acme.admin,
            &json!(c),
            json!({"content": "Use `{{ contact.name }}` para o nome, {{ contact.name }}."}),
        )
        .await;
    assert_eq!(
        code["content"],
        "Use `{{ contact.name }}` para o nome, Maria."
    );
}

#[tokio::test]
async fn a_canned_response_renders_when_previewed_and_when_sent() {
    let (app, acme, inbox) = setup().await;
    let canned = app
        .api(
            Method::POST,
            &acme.api("/canned_responses"),
            &acme.admin,
            Some(json!({"short_code": "oi", "content": GREETING})),
        )
        .await;
    assert_eq!(canned.status, 200, "{}", canned.text);
    let stored = canned.json()["content"]
        .as_str()
        .expect("content")
        .to_owned();
    assert_eq!(stored, GREETING, "stored as written");
    for (i, (name, expected)) in CASES.iter().enumerate() {
        let c = conversation_with(&app, &acme, inbox, *name, &format!("+55219876543{i:02}")).await;
        // Inserting it in the composer previews it in the conversation...
        let preview = app
            .api(
                Method::POST,
                &acme.api("/variables/preview"),
                &acme.admin,
                Some(json!({"content": stored, "conversation_id": c})),
            )
            .await;
        assert_eq!(preview.status, 200, "{}", preview.text);
        assert_eq!(preview.json()["content"], *expected);
        let fell_back: Vec<Value> = if name.is_some() {
            vec![]
        } else {
            vec![json!("contact.first_name")]
        };
        assert_eq!(preview.json()["fell_back"], json!(fell_back));
        // ...and sending the canned text unchanged renders it again, on the server.
        let sent = app
            .post_message(&acme, &acme.admin, &json!(c), json!({"content": stored}))
            .await;
        assert_eq!(sent["content"], *expected, "{name:?}");
    }
}

#[tokio::test]
async fn the_catalogue_lists_the_accounts_custom_attributes() {
    let (app, acme, _) = setup().await;
    for (key, model) in [
        ("plano", "contact_attribute"),
        ("pedido", "conversation_attribute"),
    ] {
        let created = app
            .api(
                Method::POST,
                &acme.api("/custom_attribute_definitions"),
                &acme.admin,
                Some(json!({"attribute_display_name": key, "attribute_key": key,
                            "attribute_display_type": "text", "attribute_model": model})),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.text);
    }
    let agent = app
        .add_member(&acme, "Lia", atende::accounts::model::Role::Agent, None)
        .await;
    let listed = app
        .api(Method::GET, &acme.api("/variables"), &agent, None)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let keys: Vec<String> = listed.json()["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|e| e["key"].as_str().expect("key").to_owned())
        .collect();
    for key in [
        "conversation.id",
        "contact.first_name",
        "agent.name",
        "inbox.name",
        "account.name",
        "contact.custom_attribute.plano",
        "conversation.custom_attribute.pedido",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
    }
    let first = &listed.json()["payload"][0];
    assert!(
        first["description_pt_br"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(
        first["description_en"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

#[tokio::test]
async fn the_preview_checks_input_and_visibility() {
    let (app, acme, inbox) = setup().await;
    let c = conversation_with(&app, &acme, inbox, Some("Maria"), "+5511987654300").await;
    let preview = |user, body: Value| {
        let app = &app;
        let path = acme.api("/variables/preview");
        async move { app.api(Method::POST, &path, user, Some(body)).await }
    };
    let blank = preview(&acme.admin, json!({"conversation_id": c})).await;
    assert_eq!(blank.status, 422, "{}", blank.text);
    assert!(blank.text.contains("content"), "{}", blank.text);
    let bad_id = preview(&acme.admin, json!({"content": "x", "conversation_id": [1]})).await;
    assert_eq!(bad_id.status, 422, "{}", bad_id.text);
    let missing = preview(&acme.admin, json!({"content": "x", "conversation_id": 999})).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let too_long = preview(&acme.admin, json!({"content": "a".repeat(150_001)})).await;
    assert_eq!(too_long.status, 422, "{}", too_long.text);
    // Without a conversation only the writer's and the account's variables exist.
    let bare = preview(
        &acme.admin,
        json!({"content": "{{ agent.name }} @ {{ account.name }} {{ contact.nmae }}"}),
    )
    .await;
    assert_eq!(bare.status, 200, "{}", bare.text);
    assert_eq!(bare.json()["content"], "Admin Acme @ Acme ");
    assert_eq!(bare.json()["unknown"], json!(["contact.nmae"]));
    // An agent outside the inbox cannot preview its conversations; another tenant neither.
    let outsider = app
        .add_member(&acme, "Lia", atende::accounts::model::Role::Agent, None)
        .await;
    let hidden = preview(&outsider, json!({"content": "x", "conversation_id": c})).await;
    assert_eq!(hidden.status, 404, "{}", hidden.text);
    let other = app.create_account("Other").await;
    let foreign = app
        .api(
            Method::POST,
            &other.api("/variables/preview"),
            &other.admin,
            Some(json!({"content": "{{ contact.name }}", "conversation_id": c})),
        )
        .await;
    assert_eq!(foreign.status, 404, "{}", foreign.text);
    let cross = preview(&other.admin, json!({"content": "x"})).await;
    assert_eq!(cross.status, 404, "{}", cross.text);
}
