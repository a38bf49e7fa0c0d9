//! The profile page: details, password, API token, availability.

use atende::accounts::model::Role;
use reqwest::Method;

use super::{agent_json, assert_refused, assert_see_other, prefers_english, secret, signed_in};
use crate::support::TestApp;

#[tokio::test]
async fn profile_details_are_saved_and_the_chosen_language_takes_over() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "Ana Lima"),
        ("display_name", "Ana"),
        ("email", "Ana.Lima@Acme.test"),
        ("phone_number", "+55 (11) 98765-4321"),
        ("locale", "en"),
    ];
    // Act
    let saved = browser.post_form(&acme.page("/profile"), &form).await;
    let page = browser.get(&acme.page("/profile")).await;
    // Assert
    assert_see_other(&saved, &acme.page("/profile"));
    assert!(page.text.contains("<html lang=\"en\">"));
    assert!(
        page.text.contains("Your profile was saved."),
        "{}",
        page.text
    );
    assert!(page.text.contains("value=\"Ana Lima\""));
    assert!(page.text.contains(r#"<option value="en" selected>"#));
    let profile = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await
        .json();
    assert_eq!(profile["name"], "Ana Lima");
    assert_eq!(profile["display_name"], "Ana");
    assert_eq!(profile["email"], "ana.lima@acme.test");
    assert_eq!(profile["phone_number"], "+55 (11) 98765-4321");
    assert_eq!(profile["locale"], "en");
}

#[tokio::test]
async fn clearing_the_language_follows_the_browser_again() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    prefers_english(&app, &acme.admin).await;
    let browser = signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "Admin Acme"),
        ("email", acme.admin.email.as_str()),
        ("locale", ""),
    ];
    // Act
    let saved = browser.post_form(&acme.page("/profile"), &form).await;
    let page = browser.get(&acme.page("/profile")).await;
    // Assert
    assert_see_other(&saved, &acme.page("/profile"));
    assert!(page.text.contains("<html lang=\"pt-BR\">"));
    assert!(page.text.contains("Seu perfil foi salvo."));
    assert!(
        page.text
            .contains(r#"<option value="" selected>Padrão do navegador"#)
    );
}

#[tokio::test]
async fn bad_profile_details_are_refused_next_to_their_field_and_nothing_is_saved() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let other = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        ("name", "  ", "Este campo é obrigatório."),
        (
            "email",
            "ana@",
            "Informe um e-mail válido, como nome@exemplo.com.br.",
        ),
        ("email", other.email.as_str(), "Este e-mail já está em uso."),
        (
            "phone_number",
            "11 9999-ABCD",
            "Use apenas números, espaços e + - ( ) . (até 30 caracteres).",
        ),
    ];
    for (field, value, message) in cases {
        let mut form = vec![
            ("name", "Nome Novo"),
            ("display_name", ""),
            ("email", acme.admin.email.as_str()),
            ("phone_number", ""),
            ("locale", "en"),
        ];
        for entry in &mut form {
            if entry.0 == field {
                entry.1 = value;
            }
        }
        // Act
        let response = browser.post_form(&acme.page("/profile"), &form).await;
        // Assert
        assert_refused(&response, field, message);
        assert!(
            response.text.contains(&format!("value=\"{value}\"")),
            "{field}: the submitted value is kept"
        );
        assert!(
            response.text.contains("<html lang=\"pt-BR\">"),
            "nothing saved, not even the language"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"));
    }
    let profile = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await
        .json();
    assert_eq!(profile["name"], "Admin Acme");
    assert_eq!(profile["locale"], serde_json::Value::Null);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_signs_out_the_others() {
    // Arrange: the same user on a laptop and a phone.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let laptop = signed_in(&app, &acme.admin).await;
    let phone = signed_in(&app, &acme.admin).await;
    let form = [
        ("current_password", acme.admin.password.as_str()),
        ("password", "a-brand-new-pass"),
        ("password_confirmation", "a-brand-new-pass"),
    ];
    // Act
    let changed = laptop
        .post_form(&acme.page("/profile/password"), &form)
        .await;
    // Assert
    assert_see_other(&changed, &acme.page("/profile"));
    let here = laptop.get(&acme.page("/profile")).await;
    assert_eq!(here.status, 200, "this session stays signed in");
    assert!(
        here.text
            .contains("Sua senha foi alterada. Suas outras sessões foram encerradas."),
        "{}",
        here.text
    );
    let elsewhere = phone.get(&acme.page("/profile")).await;
    assert_eq!(elsewhere.status, 303, "the other session is signed out");
    assert!(
        elsewhere
            .header("location")
            .unwrap_or_default()
            .starts_with("/login?next=")
    );
    let mut renewed = acme.admin.clone();
    renewed.password = "a-brand-new-pass".into();
    app.browser().sign_in(&renewed).await;
}

#[tokio::test]
async fn a_bad_password_change_is_refused_next_to_its_field_and_changes_nothing() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let other = signed_in(&app, &acme.admin).await;
    let right = acme.admin.password.as_str();
    let cases = [
        (
            ["wrong-password", "new-password-1", "new-password-1"].map(str::to_owned),
            "current_password",
            "A senha atual não está correta.",
        ),
        (
            [right, "new-password-1", "new-password-2"].map(str::to_owned),
            "password_confirmation",
            "As senhas não coincidem.",
        ),
        (
            [right, "short", "short"].map(str::to_owned),
            "password",
            "Use pelo menos 8 caracteres.",
        ),
    ];
    for ([current, new, confirmation], field, message) in cases {
        let form = [
            ("current_password", current.as_str()),
            ("password", new.as_str()),
            ("password_confirmation", confirmation.as_str()),
        ];
        // Act
        let response = browser
            .post_form(&acme.page("/profile/password"), &form)
            .await;
        // Assert
        assert_refused(&response, field, message);
        assert!(
            !response.text.contains(&new),
            "{field}: passwords are never echoed back"
        );
    }
    assert_eq!(
        other.get(&acme.page("/profile")).await.status,
        200,
        "no session was signed out"
    );
    app.browser().sign_in(&acme.admin).await;
}

#[tokio::test]
async fn resetting_the_token_shows_the_new_one_once_and_voids_the_old_one() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let before = browser.get(&acme.page("/profile")).await;
    let old_prefix: String = acme.admin.token.chars().take(6).collect();
    assert!(before.text.contains(&format!("<code>{old_prefix}…</code>")));
    assert_eq!(secret(&before.text), None);
    // Act
    let reset = browser.post_form(&acme.page("/profile/token"), &[]).await;
    // Assert
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(reset.header("cache-control"), Some("no-store"));
    let token = secret(&reset.text).expect("the new token is shown");
    assert_ne!(token, acme.admin.token);
    assert_eq!(token.len(), 43);
    let with_new = app
        .request(Method::GET, "/api/v1/profile", Some(&token), None)
        .await;
    assert_eq!(with_new.status, 200, "{}", with_new.text);
    let with_old = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await;
    assert_eq!(with_old.status, 401);
    let later = browser.get(&acme.page("/profile")).await;
    assert!(!later.text.contains(&token), "shown only once");
    let new_prefix: String = token.chars().take(6).collect();
    assert!(later.text.contains(&format!("<code>{new_prefix}…</code>")));
}

#[tokio::test]
async fn an_availability_change_shows_in_the_agents_api() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &agent).await;
    // Act
    let saved = browser
        .post_form(
            &acme.page("/profile/availability"),
            &[("availability", "busy")],
        )
        .await;
    // Assert
    assert_see_other(&saved, &acme.page("/profile"));
    assert_eq!(
        agent_json(&app, &acme, &agent).await["availability_status"],
        "busy"
    );
    let page = browser.get(&acme.page("/profile")).await;
    assert!(page.text.contains("Sua disponibilidade foi atualizada."));
    assert!(
        page.text
            .contains(r#"<option value="busy" selected>Ocupado"#)
    );
}

#[tokio::test]
async fn an_unknown_availability_is_refused_next_to_the_field() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    // Act
    let response = browser
        .post_form(
            &acme.page("/profile/availability"),
            &[("availability", "sleeping")],
        )
        .await;
    // Assert
    assert_refused(&response, "availability", "Este valor não é válido.");
    assert_eq!(
        agent_json(&app, &acme, &acme.admin).await["availability_status"],
        "online"
    );
}
