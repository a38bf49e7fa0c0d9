//! Settings → Custom attributes.

use serde_json::{Value, json};

use super::{api_get, api_post, assert_flash_once, assert_refused, assert_see_other, signed_in};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn attributes_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    api_get(app, acme, "/custom_attribute_definitions")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_list_attribute_is_created_with_its_values_under_its_tab() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let new = browser
        .get(&acme.page("/settings/custom_attributes/new?model=contact_attribute"))
        .await;
    assert!(
        new.text
            .contains(r#"<option value="contact_attribute" selected>Contatos</option>"#)
    );
    let form = [
        ("attribute_model", "contact_attribute"),
        ("attribute_display_name", "Plano"),
        ("attribute_key", "plano"),
        ("attribute_display_type", "list"),
        ("attribute_description", "Plano contratado"),
        ("attribute_values", "Ouro\r\nPrata\r\n\r\nBronze"),
        ("regex_pattern", ""),
        ("regex_cue", ""),
    ];
    // Act
    let created = browser
        .post_form(&acme.page("/settings/custom_attributes"), &form)
        .await;
    // Assert
    let tab = acme.page("/settings/custom_attributes?model=contact_attribute");
    assert_see_other(&created, &tab);
    assert_flash_once(&browser, &tab, "O atributo “Plano” foi criado.").await;
    let attributes = attributes_json(&app, &acme).await;
    assert_eq!(attributes.len(), 1);
    assert_eq!(attributes[0]["attribute_model"], "contact_attribute");
    assert_eq!(attributes[0]["attribute_display_type"], "list");
    assert_eq!(attributes[0]["attribute_key"], "plano");
    assert_eq!(
        attributes[0]["attribute_values"],
        json!(["Ouro", "Prata", "Bronze"])
    );
    let contacts = browser.get(&tab).await;
    assert!(
        contacts
            .text
            .contains("<li>Ouro</li><li>Prata</li><li>Bronze</li>")
    );
    assert!(
        contacts
            .text
            .contains(r#"aria-current="page">Contatos</a>"#)
    );
    let conversations = browser.get(&acme.page("/settings/custom_attributes")).await;
    assert!(
        !conversations.text.contains("<code>plano</code>"),
        "other tab"
    );
}

#[tokio::test]
async fn lists_without_values_bad_keys_and_bad_patterns_are_refused() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    api_post(
        &app,
        &acme,
        "/custom_attribute_definitions",
        json!({"attribute_display_name": "Pedido", "attribute_key": "pedido"}),
    )
    .await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        (
            "attribute_values",
            "nivel",
            "list",
            "",
            "Informe pelo menos um valor, um por linha.",
        ),
        (
            "attribute_key",
            "com espaço",
            "text",
            "",
            "Use apenas letras, números, _ e -, sem espaços nem acentos.",
        ),
        (
            "attribute_key",
            "status",
            "text",
            "",
            "Esta chave é reservada para um atributo padrão. Escolha outra.",
        ),
        (
            "attribute_key",
            "pedido",
            "text",
            "",
            "Já existe um atributo com esta chave.",
        ),
        (
            "regex_pattern",
            "cep",
            "text",
            "([0-9]",
            "Este padrão não é uma expressão regular válida. Confira colchetes e parênteses.",
        ),
    ];
    for (field, key, kind, pattern, message) in cases {
        let form = [
            ("attribute_model", "conversation_attribute"),
            ("attribute_display_name", "Nome mantido"),
            ("attribute_key", key),
            ("attribute_display_type", kind),
            ("attribute_values", ""),
            ("regex_pattern", pattern),
        ];
        // Act
        let response = browser
            .post_form(&acme.page("/settings/custom_attributes"), &form)
            .await;
        // Assert
        assert_refused(&response, field, message);
        assert!(response.text.contains("Nome mantido"), "{field}");
    }
    assert_eq!(attributes_json(&app, &acme).await.len(), 1, "nothing saved");
}

#[tokio::test]
async fn editing_keeps_the_key_and_deleting_asks_first() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let id = api_post(
        &app,
        &acme,
        "/custom_attribute_definitions",
        json!({"attribute_display_name": "CEP", "attribute_key": "cep"}),
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let browser = signed_in(&app, &acme.admin).await;
    let edit = browser
        .get(&acme.page(&format!("/settings/custom_attributes/{id}/edit")))
        .await;
    assert!(
        edit.text
            .contains(r#"<input type="text" id="attribute_key" value="cep" readonly"#),
        "the key is shown, not editable"
    );
    assert!(!edit.text.contains(r#"name="attribute_key""#));
    let form = [
        ("attribute_display_name", "CEP de entrega"),
        ("attribute_key", "outra"),
        ("attribute_display_type", "text"),
        ("attribute_description", "Onde entregar"),
        ("attribute_values", ""),
        ("regex_pattern", r"^\d{5}-?\d{3}$"),
        ("regex_cue", "Use 00000-000"),
    ];
    // Act
    let saved = browser
        .post_form(
            &acme.page(&format!("/settings/custom_attributes/{id}")),
            &form,
        )
        .await;
    // Assert
    let tab = acme.page("/settings/custom_attributes?model=conversation_attribute");
    assert_see_other(&saved, &tab);
    let attribute = &attributes_json(&app, &acme).await[0];
    assert_eq!(attribute["attribute_key"], "cep");
    assert_eq!(attribute["attribute_display_name"], "CEP de entrega");
    assert_eq!(attribute["regex_pattern"], r"^\d{5}-?\d{3}$");
    assert_eq!(attribute["regex_cue"], "Use 00000-000");

    // Act
    let list = browser.get(&tab).await;
    assert!(list.text.contains(
        r#"data-confirm="Excluir o atributo “CEP de entrega”? Os valores já gravados nos registros serão mantidos.""#
    ));
    let deleted = browser
        .post_form(
            &acme.page(&format!("/settings/custom_attributes/{id}/delete")),
            &[],
        )
        .await;
    // Assert
    assert_see_other(&deleted, &tab);
    assert_flash_once(&browser, &tab, "O atributo “CEP de entrega” foi excluído.").await;
    assert!(attributes_json(&app, &acme).await.is_empty());
}
