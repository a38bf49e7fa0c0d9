//! Settings → Canned responses.

use atende::accounts::model::Role;
use serde_json::{Value, json};

use super::{api_get, api_post, assert_flash_once, assert_refused, assert_see_other, signed_in};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn canned_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    api_get(app, acme, "/canned_responses")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_agent_creates_edits_and_deletes_a_canned_response() {
    // Arrange: plain agents manage canned responses.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &agent).await;
    let list_path = acme.page("/settings/canned_responses");
    let form = [
        ("short_code", " entrega "),
        (
            "content",
            "Seu pedido saiu para entrega.\nAcompanhe pelo link.",
        ),
    ];
    // Act
    let created = browser.post_form(&list_path, &form).await;
    // Assert
    assert_see_other(&created, &list_path);
    assert_flash_once(
        &browser,
        &list_path,
        "A resposta pronta /entrega foi criada.",
    )
    .await;
    let canned = canned_json(&app, &acme).await;
    assert_eq!(canned.len(), 1);
    assert_eq!(canned[0]["short_code"], "entrega");
    assert_eq!(
        canned[0]["content"],
        "Seu pedido saiu para entrega.\nAcompanhe pelo link."
    );
    let id = canned[0]["id"].as_i64().expect("id");

    // Act
    let edited = browser
        .post_form(
            &acme.page(&format!("/settings/canned_responses/{id}")),
            &[("short_code", "entrega"), ("content", "Pedido a caminho!")],
        )
        .await;
    // Assert
    assert_see_other(&edited, &list_path);
    assert_flash_once(
        &browser,
        &list_path,
        "A resposta pronta /entrega foi salva.",
    )
    .await;
    assert_eq!(
        canned_json(&app, &acme).await[0]["content"],
        "Pedido a caminho!"
    );

    // Act
    let list = browser.get(&list_path).await;
    assert!(
        list.text
            .contains(r#"data-confirm="Excluir a resposta pronta /entrega?""#)
    );
    let deleted = browser
        .post_form(
            &acme.page(&format!("/settings/canned_responses/{id}/delete")),
            &[],
        )
        .await;
    // Assert
    assert_see_other(&deleted, &list_path);
    assert_flash_once(
        &browser,
        &list_path,
        "A resposta pronta /entrega foi excluída.",
    )
    .await;
    assert!(canned_json(&app, &acme).await.is_empty());
}

#[tokio::test]
async fn the_search_box_finds_responses_by_short_code_then_content() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    for (code, content) in [
        ("boas-vindas", "Olá! Como posso ajudar?"),
        ("prazo", "A entrega leva até 5 dias úteis."),
        ("entrega", "Seu pedido saiu para entrega."),
        ("pix", "Segue a chave Pix."),
    ] {
        api_post(
            &app,
            &acme,
            "/canned_responses",
            json!({"short_code": code, "content": content}),
        )
        .await;
    }
    let browser = signed_in(&app, &acme.admin).await;
    // Act
    let found = browser
        .get(&acme.page("/settings/canned_responses?q=entrega"))
        .await;
    let nothing = browser
        .get(&acme.page("/settings/canned_responses?q=boleto"))
        .await;
    // Assert: the short code first, then contents; the term stays in the box.
    assert_eq!(found.status, 200);
    assert!(
        found
            .text
            .contains(r#"type="search" id="q" name="q" value="entrega""#)
    );
    assert!(
        found
            .text
            .contains("2 respostas encontradas para “entrega”.")
    );
    let entrega = found.text.find("<code>/entrega</code>").expect("entrega");
    let prazo = found.text.find("<code>/prazo</code>").expect("prazo");
    assert!(entrega < prazo, "short code matches rank first");
    assert!(!found.text.contains("/boas-vindas"));
    assert!(!found.text.contains("/pix"));
    assert!(nothing.text.contains("Nada encontrado para “boleto”."));
}

#[tokio::test]
async fn a_blank_or_taken_canned_response_is_refused_next_to_its_field() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    api_post(
        &app,
        &acme,
        "/canned_responses",
        json!({"short_code": "oi", "content": "Olá!"}),
    )
    .await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        (
            "short_code",
            "OI",
            "Conteúdo mantido",
            "Já existe uma resposta pronta com este atalho.",
        ),
        (
            "short_code",
            " ",
            "Conteúdo mantido",
            "Este campo é obrigatório.",
        ),
        ("content", "novo", " ", "Este campo é obrigatório."),
    ];
    for (field, code, content, message) in cases {
        // Act
        let response = browser
            .post_form(
                &acme.page("/settings/canned_responses"),
                &[("short_code", code), ("content", content)],
            )
            .await;
        // Assert
        assert_refused(&response, field, message);
    }
    let response = browser
        .post_form(
            &acme.page("/settings/canned_responses"),
            &[("short_code", "OI"), ("content", "Conteúdo mantido")],
        )
        .await;
    assert!(response.text.contains("Conteúdo mantido"));
    assert_eq!(canned_json(&app, &acme).await.len(), 1, "nothing saved");
}
