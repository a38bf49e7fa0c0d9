//! The open conversation: the thread's message styles, the composer, and every action.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use super::Desk;
use crate::support::browser::Browser;

const HTMX: &[(&str, &str)] = &[("hx-request", "true")];

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

fn reply(text: &str, private: bool) -> Form {
    Form::new()
        .text("content", text.to_owned())
        .text("private", private.to_string())
}

#[tokio::test]
async fn the_thread_shows_each_kind_of_message_in_its_own_style() {
    // Arrange: an incoming message, a reply that failed, a note, an activity, and files.
    let desk = Desk::new("Loja Aurora", true).await;
    let id = desk.conversation("Maria Silva", "My order is late").await;
    let admin = &desk.account.admin;
    let failed = desk
        .app
        .post_message(
            &desk.account,
            admin,
            &json!(id),
            json!({"content": "Sorry about that!"}),
        )
        .await;
    desk.app
        .api(
            Method::PATCH,
            &desk
                .account
                .api(&format!("/conversations/{id}/messages/{}", failed["id"])),
            admin,
            Some(json!({"status": "failed", "external_error": "Number not on WhatsApp"})),
        )
        .await;
    desk.app
        .post_message(
            &desk.account,
            admin,
            &json!(id),
            json!({"content": "Call her tomorrow", "private": true}),
        )
        .await;
    desk.app
        .api(
            Method::POST,
            &desk
                .account
                .api(&format!("/conversations/{id}/toggle_status")),
            admin,
            Some(json!({"status": "pending"})),
        )
        .await;
    let browser = desk.browser(admin).await;
    let files = Form::new()
        .text("content", "Here is the receipt")
        .part(
            "attachments",
            Part::bytes(PNG.to_vec())
                .file_name("photo.png")
                .mime_str("image/png")
                .expect("mime"),
        )
        .part(
            "attachments",
            Part::bytes(b"a,b\n1,2\n".to_vec())
                .file_name("orders.csv")
                .mime_str("text/csv")
                .expect("mime"),
        );
    let sent = browser
        .post_multipart(
            &desk.page(&format!("/conversations/{id}/messages")),
            files,
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.text);
    // Act
    let page = browser
        .get(&desk.page(&format!("/conversations/{id}")))
        .await;
    // Assert
    assert_eq!(page.status, 200, "{}", page.text);
    let text = &page.text;
    for class in [
        "msg msg--incoming",
        "msg msg--outgoing",
        "msg msg--note",
        "msg msg--activity",
    ] {
        assert!(text.contains(class), "no {class}");
    }
    assert!(text.contains("My order is late"));
    assert!(
        text.contains("Failed: <span class=\"delivery-error\">Number not on WhatsApp</span>"),
        "{text}"
    );
    assert!(text.contains("Private note"));
    assert!(text.contains("alt=\"photo.png\""), "image preview");
    assert!(text.contains("download class=\"file-link\""), "file link");
    assert!(text.contains("orders.csv"));
    assert!(text.contains("role=\"log\""));
    // The signed file link opens without a session, from the page's own address.
    let start = text.find("src=\"/files/").expect("image url") + 5;
    let url = &text[start..start + text[start..].find('"').expect("end")];
    let file = desk.app.get(url).await;
    assert_eq!(file.status, 200);
}

#[tokio::test]
async fn replies_and_private_notes_from_the_composer_become_the_right_messages() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "Oi").await;
    let browser = desk.browser(&desk.agent).await;
    let path = desk.page(&format!("/conversations/{id}/messages"));
    // Act
    let reply_response = browser
        .post_multipart(&path, reply("Olá, Maria!", false), HTMX)
        .await;
    let note_response = browser
        .post_multipart(&path, reply("Cliente VIP", true), HTMX)
        .await;
    let blank = browser
        .post_multipart(&path, reply("   ", false), HTMX)
        .await;
    let plain = browser
        .post_multipart(&path, reply("Sem JavaScript", false), &[])
        .await;
    // Assert
    assert_eq!(reply_response.status, 200, "{}", reply_response.text);
    assert_eq!(
        reply_response.header("hx-trigger"),
        Some("messages-changed")
    );
    assert!(reply_response.text.contains("id=\"composer\""));
    assert!(
        note_response.text.contains("id=\"mode-note\" checked"),
        "the note mode stays"
    );
    assert_eq!(blank.status, 422);
    assert!(
        blank.text.contains("id=\"composer-error\""),
        "{}",
        blank.text
    );
    assert_eq!(plain.status, 303);
    assert_eq!(
        plain.header("location"),
        Some(desk.page(&format!("/conversations/{id}")).as_str())
    );
    let messages = desk.messages(id).await;
    let find = |content: &str| {
        messages
            .iter()
            .find(|m| m["content"] == content)
            .cloned()
            .expect(content)
    };
    let reply = find("Olá, Maria!");
    assert_eq!(reply["message_type"], 1);
    assert_eq!(reply["private"], false);
    assert_eq!(reply["sender"]["id"], desk.agent.id.0);
    assert_eq!(find("Cliente VIP")["private"], true);
    // The live fragment after the first message holds the new ones.
    let first = messages.first().expect("a message")["id"]
        .as_i64()
        .expect("id");
    let after = browser
        .get(&desk.page(&format!("/conversations/{id}/messages?after={first}")))
        .await;
    assert!(after.text.contains("Olá, Maria!") && after.text.contains("Cliente VIP"));
    assert!(!after.text.contains(">Oi<"));
}

/// Posts a conversation action's form as the page's htmx does; it answers 204 and tells the
/// page the conversation changed.
async fn act(browser: &Browser, path: &str, form: &[(&str, &str)]) {
    let response = browser
        .post_form_with(
            path,
            form,
            &[("sec-fetch-site", "same-origin"), ("hx-request", "true")],
        )
        .await;
    assert_eq!(response.status, 204, "{path}: {}", response.text);
    assert_eq!(response.header("hx-trigger"), Some("conversation-changed"));
}

#[tokio::test]
async fn status_snooze_assignment_team_priority_labels_and_mute_work_from_the_page() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "Oi").await;
    let browser = desk.browser(&desk.account.admin).await;
    let post = |action: &str, form: Vec<(&'static str, String)>| {
        let path = desk.page(&format!("/conversations/{id}/{action}"));
        let browser = &browser;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            act(browser, &path, &form).await;
        }
    };
    // Act + Assert
    post("status", vec![("status", "resolved".into())]).await;
    assert_eq!(desk.conversation_json(id).await["status"], "resolved");
    post("status", vec![("status", "pending".into())]).await;
    assert_eq!(desk.conversation_json(id).await["status"], "pending");
    post("snooze", vec![("preset", "tomorrow".into())]).await;
    let snoozed = desk.conversation_json(id).await;
    assert_eq!(snoozed["status"], "snoozed");
    assert!(snoozed["snoozed_until"].is_string(), "{snoozed}");
    post("status", vec![("status", "open".into())]).await;
    post(
        "assignee",
        vec![("assignee_id", desk.agent.id.0.to_string())],
    )
    .await;
    assert_eq!(
        desk.conversation_json(id).await["meta"]["assignee"]["id"],
        desk.agent.id.0
    );
    post("assignee", vec![("assignee_id", "me".into())]).await;
    assert_eq!(
        desk.conversation_json(id).await["meta"]["assignee"]["id"],
        desk.account.admin.id.0
    );
    post("team", vec![("team_id", desk.team.to_string())]).await;
    assert_eq!(
        desk.conversation_json(id).await["meta"]["team"]["id"],
        desk.team
    );
    post("priority", vec![("priority", "high".into())]).await;
    assert_eq!(desk.conversation_json(id).await["priority"], "high");
    post("labels", vec![("add", "vip".into())]).await;
    post("labels", vec![("add", "entrega".into())]).await;
    post("labels", vec![("remove", "vip".into())]).await;
    assert_eq!(
        desk.conversation_json(id).await["labels"],
        json!(["entrega"])
    );
    post("mute", vec![("muted", "true".into())]).await;
    assert_eq!(desk.conversation_json(id).await["status"], "resolved");
    post("mute", vec![("muted", "false".into())]).await;
    // A snooze in the past is refused with a reason the page shows.
    let past = browser
        .post_form_with(
            &desk.page(&format!("/conversations/{id}/snooze")),
            &[("preset", "custom"), ("until", "2001-01-01T09:00")],
            &[("sec-fetch-site", "same-origin"), ("hx-request", "true")],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(
        past.header("hx-trigger")
            .unwrap_or_default()
            .contains("inbox-alert")
    );
    let plain = browser
        .post_form(
            &desk.page(&format!("/conversations/{id}/snooze")),
            &[("preset", "custom"), ("until", "2001-01-01T09:00")],
        )
        .await;
    assert_eq!(plain.status, 422);
    assert!(
        plain
            .text
            .contains("Escolha um fim de adiamento no futuro."),
        "{}",
        plain.text
    );
    // The header and the panel show the result.
    let header = browser
        .get(&desk.page(&format!("/conversations/{id}/header")))
        .await;
    assert!(
        header.text.contains("id=\"action-reopen\""),
        "muting resolved it"
    );
    let details = browser
        .get(&desk.page(&format!("/conversations/{id}/details")))
        .await;
    assert!(details.text.contains("entrega") && details.text.contains("Suporte N1"));
    assert!(
        details.text.contains("<option value=\"high\" selected>"),
        "{}",
        details.text
    );
}

#[tokio::test]
async fn an_agent_without_conversation_manage_cannot_assign_others() {
    // Arrange: a custom role that may only work on unassigned and own conversations.
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "Oi").await;
    let role = desk
        .app
        .api(
            Method::POST,
            &desk.account.api("/custom_roles"),
            &desk.account.admin,
            Some(json!({"name": "Fila", "permissions": ["conversation_unassigned_manage"]})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("role");
    let eva = desk
        .app
        .add_member(
            &desk.account,
            "Eva",
            atende::accounts::model::Role::Agent,
            Some(atende::ids::CustomRoleId(role)),
        )
        .await;
    desk.app.add_to_inbox(&desk.account, desk.inbox, &eva).await;
    let browser = desk.browser(&eva).await;
    // Act
    let page = browser
        .get(&desk.page(&format!("/conversations/{id}")))
        .await;
    let others = browser
        .post_form(
            &desk.page(&format!("/conversations/{id}/assignee")),
            &[("assignee_id", &desk.agent.id.0.to_string())],
        )
        .await;
    let me = browser
        .post_form(
            &desk.page(&format!("/conversations/{id}/assignee")),
            &[("assignee_id", "me")],
        )
        .await;
    // Assert
    assert!(!page.text.contains("id=\"assignee-select\""));
    assert!(page.text.contains("id=\"assign-me\""));
    assert_eq!(others.status, 403);
    assert_eq!(me.status, 303);
    assert_eq!(
        desk.conversation_json(id).await["meta"]["assignee"]["id"],
        eva.id.0
    );
}

#[tokio::test]
async fn canned_responses_are_suggested_by_shortcode() {
    let desk = Desk::new("Loja Aurora", false).await;
    let browser = desk.browser(&desk.agent).await;
    let found = browser
        .get(&desk.page("/canned_responses/suggestions?q=ol"))
        .await;
    let none = browser
        .get(&desk.page("/canned_responses/suggestions?q=zzz"))
        .await;
    assert!(found.text.contains("role=\"option\""));
    assert!(
        found
            .text
            .contains("data-content=\"Olá! Como posso ajudar?\""),
        "{}",
        found.text
    );
    assert!(none.text.contains("Nenhuma resposta pronta"));
}

#[tokio::test]
async fn the_panel_edits_the_contact_and_the_conversation_attributes() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "Oi").await;
    desk.app
        .api(
            Method::POST,
            &desk.account.api("/custom_attribute_definitions"),
            &desk.account.admin,
            Some(json!({"attribute_display_name": "Pedido", "attribute_key": "order", "attribute_display_type": "number", "attribute_model": "conversation_attribute"})),
        )
        .await;
    let browser = desk.browser(&desk.agent).await;
    let htmx = [("sec-fetch-site", "same-origin"), ("hx-request", "true")];
    // Act
    let saved = browser
        .post_form_with(
            &desk.page(&format!("/conversations/{id}/contact")),
            &[
                ("name", "Maria S. Lima"),
                ("email", "maria@example.com"),
                ("phone_number", "+5511987650000"),
            ],
            &htmx,
        )
        .await;
    let refused = browser
        .post_form_with(
            &desk.page(&format!("/conversations/{id}/contact")),
            &[
                ("name", "Maria"),
                ("email", "not-an-email"),
                ("phone_number", ""),
            ],
            &htmx,
        )
        .await;
    let attributes = browser
        .post_form_with(
            &desk.page(&format!("/conversations/{id}/custom_attributes")),
            &[("attr_order", "1234")],
            &htmx,
        )
        .await;
    // Assert
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert!(saved.text.contains("Contato salvo."));
    assert_eq!(saved.header("hx-trigger"), Some("contact-changed"));
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"email-error\""),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("value=\"not-an-email\""));
    assert_eq!(attributes.status, 204, "{}", attributes.text);
    let c = desk.conversation_json(id).await;
    assert_eq!(c["meta"]["sender"]["name"], "Maria S. Lima");
    assert_eq!(c["custom_attributes"]["order"], 1234);
    let page = browser
        .get(&desk.page(&format!("/conversations/{id}")))
        .await;
    assert!(page.text.contains("value=\"1234\""));
}

#[tokio::test]
async fn the_variable_picker_and_the_composer_check_speak_the_page_language_and_respect_visibility()
{
    let desk = Desk::new("Loja Aurora", true).await;
    let id = desk.conversation("Maria Silva", "Oi").await;
    let admin = desk.browser(&desk.account.admin).await;
    let catalogue = admin.get(&desk.page("/variables")).await;
    assert_eq!(catalogue.status, 200, "{}", catalogue.text);
    let items = catalogue.json();
    let first_name = items
        .as_array()
        .expect("a list")
        .iter()
        .find(|v| v["key"] == "contact.first_name")
        .expect("contact.first_name is offered")
        .clone();
    assert_eq!(first_name["description"], "Contact first name");

    let form = [
        (
            "content",
            "Oi {{ contact.first_name }} {{ contact.email }}".to_owned(),
        ),
        ("conversation_id", id.to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let preview = admin
        .post_form(&desk.page("/variables/preview"), &form)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    let body = preview.json();
    assert_eq!(body["content"], "Oi Maria ");
    assert_eq!(body["empty"], json!(["contact.email"]));

    // A member outside the conversation's inbox learns nothing about it.
    let outsider = desk
        .app
        .add_member(
            &desk.account,
            "Sem Caixa",
            atende::accounts::model::Role::Agent,
            None,
        )
        .await;
    let other = desk.browser(&outsider).await;
    let hidden = other
        .post_form(&desk.page("/variables/preview"), &form)
        .await;
    assert_eq!(hidden.status, 404);
    assert!(!hidden.text.contains("Maria"), "{}", hidden.text);
}

#[tokio::test]
async fn the_label_action_matches_labels_as_stored_and_keeps_the_others() {
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "Oi").await;
    let browser = desk.browser(&desk.account.admin).await;
    let path = desk.page(&format!("/conversations/{id}/labels"));
    let post = |form: Vec<(&'static str, &'static str)>| {
        let (browser, path) = (&browser, &path);
        async move { act(browser, path, &form).await }
    };
    // A label typed with capitals is stored as label titles are.
    post(vec![("add", " Urgente ")]).await;
    assert_eq!(
        desk.conversation_json(id).await["labels"],
        json!(["urgente"])
    );
    // One kept with capitals before labels were normalised is still matched; the others stay.
    sqlx::query(
        "update conversations set labels = array['urgente', 'Legado', 'vip'] where account_id = $1 and display_id = $2",
    )
    .bind(desk.account.id.0)
    .bind(id)
    .execute(desk.app.db())
    .await
    .expect("labels");
    post(vec![("remove", "legado")]).await;
    post(vec![("add", "VIP")]).await;
    assert_eq!(
        desk.conversation_json(id).await["labels"],
        json!(["urgente", "vip"])
    );
}
