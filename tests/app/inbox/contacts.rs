//! The contacts pages: list, search, label filter, create, edit, notes, starting a conversation.

use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use reqwest::Method;
use serde_json::json;

use super::Desk;

fn location(response: &crate::support::TestResponse) -> String {
    assert_eq!(response.status, 303, "{}", response.text);
    response.header("location").expect("location").to_owned()
}

#[tokio::test]
async fn contacts_are_listed_searched_created_edited_and_annotated() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    desk.conversation("Maria Silva", "Oi").await;
    let joao = desk
        .app
        .create_contact(&desk.account, desk.inbox, "João Pereira", "+5521988887777")
        .await;
    desk.app
        .api(
            Method::POST,
            &desk
                .account
                .api(&format!("/contacts/{}/labels", joao["id"])),
            &desk.account.admin,
            Some(json!({"labels": ["vip"]})),
        )
        .await;
    let browser = desk.browser(&desk.agent).await;
    // Act + Assert: the list, a search, a label filter.
    let list = browser.get(&desk.page("/contacts")).await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("Maria Silva") && list.text.contains("João Pereira"));
    assert!(
        list.text.contains("Página 1 de 1 (2 contatos)"),
        "{}",
        list.text
    );
    let search = browser.get(&desk.page("/contacts?q=jo%C3%A3o")).await;
    assert!(search.text.contains("João Pereira") && !search.text.contains("Maria Silva"));
    let labeled = browser.get(&desk.page("/contacts?label=vip")).await;
    assert!(labeled.text.contains("João Pereira") && !labeled.text.contains("Maria Silva"));
    // A page number past any list is an empty page, not an overflow.
    for path in [
        "/contacts?page=9000000000000000000",
        "/contacts?q=jo%C3%A3o&page=9000000000000000000",
        "/contacts?page=9223372036854775807",
    ] {
        let far = browser.get(&desk.page(path)).await;
        assert_eq!(far.status, 200, "{path}: {}", far.text);
        assert!(!far.text.contains("João Pereira"), "{path}");
    }
    // Create: refused input keeps the values, then a valid contact.
    let refused = browser
        .post_form(
            &desk.page("/contacts"),
            &[("name", "Carla"), ("email", "carla@"), ("phone_number", "")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"email-error\"") && refused.text.contains("value=\"carla@\"")
    );
    let created = browser
        .post_form(
            &desk.page("/contacts"),
            &[
                ("name", "Carla Dias"),
                ("email", "carla@example.com"),
                ("phone_number", "+5511912345678"),
            ],
        )
        .await;
    let contact_page = location(&created);
    let shown = browser.get(&contact_page).await;
    assert!(
        shown.text.contains("Contato Carla Dias criado."),
        "{}",
        shown.text
    );
    assert!(shown.text.contains("carla@example.com"));
    // Edit.
    let id = contact_page.rsplit('/').next().expect("id").to_owned();
    let edit = browser.get(&format!("{contact_page}/edit")).await;
    assert!(edit.text.contains("value=\"Carla Dias\""));
    let updated = browser
        .post_form(
            &contact_page,
            &[
                ("name", "Carla Dias Souza"),
                ("email", "carla@example.com"),
                ("phone_number", "+5511912345678"),
            ],
        )
        .await;
    assert_eq!(location(&updated), contact_page);
    assert!(
        browser
            .get(&contact_page)
            .await
            .text
            .contains("Carla Dias Souza")
    );
    // Notes: add, refuse a blank one, delete.
    let blank = browser
        .post_form(&format!("{contact_page}/notes"), &[("content", "  ")])
        .await;
    assert_eq!(blank.status, 422);
    let added = browser
        .post_form(
            &format!("{contact_page}/notes"),
            &[("content", "Prefere WhatsApp")],
        )
        .await;
    location(&added);
    let with_note = browser.get(&contact_page).await.text;
    assert!(with_note.contains("Prefere WhatsApp") && with_note.contains("Bruno Costa"));
    let note_id: String = {
        let start = with_note.find("id=\"note-").expect("note") + 9;
        with_note[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect()
    };
    let deleted = browser
        .post_form(&format!("{contact_page}/notes/{note_id}/delete"), &[])
        .await;
    location(&deleted);
    assert!(
        !browser
            .get(&contact_page)
            .await
            .text
            .contains("Prefere WhatsApp")
    );
    assert_eq!(
        browser
            .get(&desk.page(&format!("/contacts/{id}/notes/x/delete")))
            .await
            .status,
        405
    );
}

#[tokio::test]
async fn a_conversation_starts_from_a_contact_in_an_inbox_the_member_may_use() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    let contact = desk
        .app
        .create_contact(&desk.account, desk.inbox, "Rita Alves", "+5531977776666")
        .await;
    let other_inbox = desk.app.create_inbox(&desk.account, "E-mail").await["id"]
        .as_i64()
        .expect("id");
    let browser = desk.browser(&desk.agent).await;
    let contact_page = desk.page(&format!("/contacts/{}", contact["id"]));
    // Act
    let page = browser.get(&contact_page).await;
    let refused = browser
        .post_form(
            &format!("{contact_page}/conversations"),
            &[("inbox_id", &other_inbox.to_string()), ("message", "Oi")],
        )
        .await;
    let started = browser
        .post_form(
            &format!("{contact_page}/conversations"),
            &[
                ("inbox_id", &desk.inbox.to_string()),
                ("message", "Olá, Rita! Seu pedido chegou."),
            ],
        )
        .await;
    // Assert: only the agent's inbox is offered, another is refused.
    assert!(page.text.contains("WhatsApp Vendas"));
    assert!(!page.text.contains(">E-mail</option>"));
    assert_eq!(refused.status, 422, "{}", refused.text);
    let conversation = location(&started);
    assert!(conversation.starts_with(&desk.page("/conversations/")));
    let opened = browser.get(&conversation).await;
    assert!(opened.text.contains("Olá, Rita! Seu pedido chegou."));
    assert!(opened.text.contains("Rita Alves"));
    assert!(
        browser
            .get(&contact_page)
            .await
            .text
            .contains(&conversation)
    );
}

#[tokio::test]
async fn contacts_pages_need_contact_manage() {
    // Arrange: a custom role without contacts.
    let desk = Desk::new("Loja Aurora", false).await;
    let contact = desk
        .app
        .create_contact(&desk.account, desk.inbox, "Rita Alves", "+5531977776666")
        .await;
    let role = desk
        .app
        .api(
            Method::POST,
            &desk.account.api("/custom_roles"),
            &desk.account.admin,
            Some(json!({"name": "Relatórios", "permissions": ["report_manage"]})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("role");
    let user = desk
        .app
        .add_member(&desk.account, "Gil", Role::Agent, Some(CustomRoleId(role)))
        .await;
    let browser = desk.browser(&user).await;
    // Act + Assert
    for path in [
        "/contacts",
        "/contacts/new",
        &format!("/contacts/{}", contact["id"]),
    ] {
        let response = browser.get(&desk.page(path)).await;
        assert_eq!(response.status, 403, "{path}");
        assert!(response.text.contains("Acesso não permitido"), "{path}");
    }
    let post = browser
        .post_form(
            &desk.page("/contacts"),
            &[("name", "X"), ("email", "x@example.com")],
        )
        .await;
    assert_eq!(post.status, 403);
    // Another account's contact is a 404 for an administrator of that account.
    let other = desk.app.create_account("Outra").await;
    let outsider = desk.browser(&other.admin).await;
    assert_eq!(
        outsider
            .get(&other.page(&format!("/contacts/{}", contact["id"])))
            .await
            .status,
        404
    );
}
