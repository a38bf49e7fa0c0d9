//! Settings → Account.

use reqwest::Method;
use serde_json::Value;

use super::{assert_refused, assert_see_other, signed_in};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn account_json(app: &TestApp, acme: &TestAccount) -> Value {
    app.api(Method::GET, &acme.api(""), &acme.admin, None)
        .await
        .json()
}

#[tokio::test]
async fn account_settings_are_saved_and_a_blank_auto_resolve_turns_it_off() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let page = browser.get(&acme.page("/settings/account")).await;
    assert!(
        page.text.contains(r#"<option value="America/Sao_Paulo">"#),
        "time zones are suggested"
    );
    let mut form = vec![
        ("name", "Acme Atendimento"),
        ("locale", "en"),
        ("timezone", "Europe/Lisbon"),
        ("support_email", "Suporte@Acme.test"),
        ("auto_resolve_after", "1440"),
    ];
    // Act
    let saved = browser
        .post_form(&acme.page("/settings/account"), &form)
        .await;
    // Assert
    assert_see_other(&saved, &acme.page("/settings/account"));
    let account = account_json(&app, &acme).await;
    assert_eq!(account["name"], "Acme Atendimento");
    assert_eq!(account["locale"], "en");
    assert_eq!(account["timezone"], "Europe/Lisbon");
    assert_eq!(account["support_email"], "suporte@acme.test");
    assert_eq!(account["settings"]["auto_resolve_after"], 1440);
    let shown = browser.get(&acme.page("/settings/account")).await;
    assert!(shown.text.contains("value=\"Europe/Lisbon\""));
    assert!(shown.text.contains("value=\"1440\""));
    assert!(
        shown.text.contains("Acme Atendimento"),
        "the navigation too"
    );

    // Act: blank turns auto-resolve and the support e-mail off.
    form[3].1 = "";
    form[4].1 = "";
    let cleared = browser
        .post_form(&acme.page("/settings/account"), &form)
        .await;
    // Assert
    assert_see_other(&cleared, &acme.page("/settings/account"));
    let account = account_json(&app, &acme).await;
    assert_eq!(account["settings"]["auto_resolve_after"], Value::Null);
    assert_eq!(account["support_email"], Value::Null);
}

#[tokio::test]
async fn bad_account_settings_are_refused_next_to_their_field_and_nothing_is_saved() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        ("name", "", "Este campo é obrigatório."),
        (
            "timezone",
            "Mars/Olympus_Mons",
            "Escolha um fuso horário da lista, como America/Sao_Paulo.",
        ),
        (
            "support_email",
            "suporte@",
            "Informe um e-mail válido, como nome@exemplo.com.br.",
        ),
        (
            "auto_resolve_after",
            "5",
            "Informe de 10 minutos a 999 dias (1439856 minutos), ou deixe em branco.",
        ),
        (
            "auto_resolve_after",
            "uma hora",
            "Informe um número inteiro.",
        ),
        ("locale", "fr", "Escolha uma das opções da lista."),
    ];
    for (field, value, message) in cases {
        let mut form = vec![
            ("name", "Outro Nome"),
            ("locale", "pt-BR"),
            ("timezone", "America/Sao_Paulo"),
            ("support_email", ""),
            ("auto_resolve_after", ""),
        ];
        for entry in &mut form {
            if entry.0 == field {
                entry.1 = value;
            }
        }
        // Act
        let response = browser
            .post_form(&acme.page("/settings/account"), &form)
            .await;
        // Assert
        assert_refused(&response, field, message);
        if field != "locale" {
            assert!(
                response.text.contains(&format!("value=\"{value}\"")),
                "{field}: the submitted value is kept"
            );
        }
    }
    assert_eq!(account_json(&app, &acme).await["name"], "Acme");
}
