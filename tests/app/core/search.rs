//! Conversation search: words in Portuguese whatever their accents and endings, contacts by
//! name, phone or e-mail, conversations by number; ranked; within what the member may see; and
//! the matching message shown in the inbox.

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};

async fn search(app: &TestApp, acme: &TestAccount, user: &TestUser, q: &str) -> Value {
    let path = acme.api(&format!(
        "/conversations/search?q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    ));
    let response = app.api(Method::GET, &path, user, None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

fn ids(found: &Value) -> Vec<i64> {
    found["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn words_match_whatever_their_accents_case_and_endings() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let late = app.create_conversation(&acme, inbox, "Maria").await;
    let refund = app.create_conversation(&acme, inbox, "Pedro").await;
    let other = app.create_conversation(&acme, inbox, "Rita").await;
    for (c, text) in [
        (&late, "Meu pedido 999 NÃO chegou, a entrega atrasou"),
        (&refund, "Quero os reembolsos dos pedidos cancelados"),
        (&other, "Bom dia, tudo bem?"),
    ] {
        app.post_message(
            &acme,
            &acme.admin,
            &c["id"],
            json!({"content": text, "message_type": "incoming"}),
        )
        .await;
    }
    let id = |c: &Value| c["id"].as_i64().expect("id");
    // Act + Assert
    for (q, expected) in [
        ("nao chegou", vec![id(&late)]),
        ("não", vec![id(&late)]),
        ("ENTREGAS", vec![id(&late)]),
        ("pedido 999", vec![id(&late)]),
        ("reembolso", vec![id(&refund)]),
        ("cancelado", vec![id(&refund)]),
        ("\"pedido 999\"", vec![id(&late)]),
        ("bom dia -pedido", vec![id(&other)]),
        ("inexistente", vec![]),
    ] {
        assert_eq!(
            ids(&search(&app, &acme, &acme.admin, q).await),
            expected,
            "{q}"
        );
    }
    let both = search(&app, &acme, &acme.admin, "pedidos").await;
    let mut found = ids(&both);
    found.sort_unstable();
    assert_eq!(found, vec![id(&late), id(&refund)]);
    assert_eq!(both["meta"]["all_count"], 2);
}

#[tokio::test]
async fn contacts_are_found_by_name_phone_and_e_mail_and_conversations_by_number_first() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let contact = app
        .create_contact(&acme, inbox, "João Araújo", "+5511987654321")
        .await;
    let update = app
        .api(
            Method::PUT,
            &acme.api(&format!("/contacts/{}", contact["id"])),
            &acme.admin,
            Some(json!({"email": "joao.araujo@exemplo.com.br"})),
        )
        .await;
    assert_eq!(update.status, 200, "{}", update.text);
    let joao = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "contact_id": contact["id"]})),
        )
        .await
        .json();
    let mentions = app.create_conversation(&acme, inbox, "Ana").await;
    app.post_message(
        &acme,
        &acme.admin,
        &mentions["id"],
        json!({"content": "O João Araújo indicou vocês", "message_type": "incoming"}),
    )
    .await;
    let j = joao["id"].as_i64().expect("id");
    let m = mentions["id"].as_i64().expect("id");
    // Act + Assert: a contact match ranks above a message that mentions the name.
    assert_eq!(
        ids(&search(&app, &acme, &acme.admin, "joao araujo").await),
        vec![j, m]
    );
    assert_eq!(
        ids(&search(&app, &acme, &acme.admin, "JOÃO").await),
        vec![j, m]
    );
    assert_eq!(
        ids(&search(&app, &acme, &acme.admin, "(11) 98765-4321").await),
        vec![j]
    );
    assert_eq!(
        ids(&search(&app, &acme, &acme.admin, "987654").await),
        vec![j]
    );
    assert_eq!(
        ids(&search(&app, &acme, &acme.admin, "exemplo.com").await),
        vec![j]
    );
    // A number finds that conversation first.
    let by_number = ids(&search(&app, &acme, &acme.admin, &format!("#{m}")).await);
    assert_eq!(by_number.first(), Some(&m));
}

#[tokio::test]
async fn search_finds_only_what_the_member_may_see() {
    // Arrange: Bia works in Suporte only.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let sales = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let support = app.create_inbox(&acme, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    app.add_to_inbox(&acme, support, &bia).await;
    let hidden = app.create_conversation(&acme, sales, "Carla Vendas").await;
    let visible = app
        .create_conversation(&acme, support, "Carla Suporte")
        .await;
    for c in [&hidden, &visible] {
        app.post_message(
            &acme,
            &acme.admin,
            &c["id"],
            json!({"content": "boleto vencido", "message_type": "incoming"}),
        )
        .await;
    }
    // Act
    let as_bia = search(&app, &acme, &bia, "boleto").await;
    let by_name = search(&app, &acme, &bia, "carla").await;
    let by_number = search(&app, &acme, &bia, &hidden["id"].to_string()).await;
    let as_admin = search(&app, &acme, &acme.admin, "boleto").await;
    // Assert
    assert_eq!(ids(&as_bia), vec![visible["id"].as_i64().expect("id")]);
    assert_eq!(as_bia["meta"]["all_count"], 1);
    assert_eq!(ids(&by_name), vec![visible["id"].as_i64().expect("id")]);
    assert!(!ids(&by_number).contains(&hidden["id"].as_i64().expect("id")));
    assert_eq!(ids(&as_admin).len(), 2);
    // Another account's conversations are never found.
    let other = app.create_account("Globex").await;
    let found = search(&app, &other, &other.admin, "boleto").await;
    assert_eq!(ids(&found), Vec::<i64>::new());
}

#[tokio::test]
async fn the_inbox_shows_the_message_a_search_found() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Cadê a nota fiscal do pedido?", "message_type": "incoming"}),
    )
    .await;
    app.post_message(
        &acme,
        &acme.admin,
        &c["id"],
        json!({"content": "Vou verificar e já retorno"}),
    )
    .await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    // Act
    let page = browser.get(&acme.page("/conversations?q=pedidos")).await;
    // Assert: the row shows the matching message, not the last one.
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Encontrado:"), "{}", page.text);
    assert!(
        page.text.contains("nota fiscal do pedido?"),
        "{}",
        page.text
    );
    let plain = browser.get(&acme.page("/conversations")).await;
    assert!(plain.text.contains("Vou verificar e já retorno"));
    assert!(!plain.text.contains("Encontrado:"));
}
