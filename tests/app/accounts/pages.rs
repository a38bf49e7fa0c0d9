//! The profile and settings pages over real HTTP, driven as a browser drives them: a cookie
//! jar, same-origin form posts, redirects followed by hand. What every page shares is tested
//! here; each page has its own file below.

mod account;
mod agents;
mod custom_roles;
mod profile;

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::accounts::{TestAccount, TestUser};
use crate::support::browser::Browser;
use crate::support::{TestApp, TestResponse};

/// A browser signed in as `user` (speaking pt-BR, as every test browser does).
pub async fn signed_in(app: &TestApp, user: &TestUser) -> Browser {
    let browser = app.browser();
    browser.sign_in(user).await;
    browser
}

/// Makes English the profile language of `user`; it wins over the browser's pt-BR.
pub async fn prefers_english(app: &TestApp, user: &TestUser) {
    let body = json!({"profile": {"locale": "en"}});
    let response = app
        .api(Method::PUT, "/api/v1/profile", user, Some(body))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

/// The text of the element with `id`, up to the next tag.
fn text_of(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let start = html.find(&marker)?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(rest[open..open + close].trim().to_owned())
}

/// The message shown next to `field` (`<small class="field-error" id="FIELD-error">`).
pub fn field_error(html: &str, field: &str) -> Option<String> {
    text_of(html, &format!("{field}-error"))
}

/// The input of `field` (by id) as written in the page.
pub fn input_tag(html: &str, field: &str) -> String {
    let marker = format!("id=\"{field}\"");
    let start = html.find(&marker).expect("the field is on the page");
    let open = html[..start].rfind('<').expect("tag start");
    let close = start + html[start..].find('>').expect("tag end");
    html[open..=close].to_owned()
}

/// The secret shown once (`class="secret"`).
pub fn secret(html: &str) -> Option<String> {
    let start = html.find("class=\"secret\"")?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(rest[open..open + close].trim().to_owned())
}

/// Asserts a `303 See Other` to `location`.
pub fn assert_see_other(response: &TestResponse, location: &str) {
    assert_eq!(response.status, 303, "{}", response.text);
    assert_eq!(response.header("location"), Some(location));
}

/// Asserts a 422 page with `message` next to `field` and the input marked invalid.
pub fn assert_refused(response: &TestResponse, field: &str, message: &str) {
    assert_eq!(response.status, 422, "{field}: {}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{field}"
    );
    assert_eq!(
        field_error(&response.text, field).as_deref(),
        Some(message),
        "{field}"
    );
    let input = input_tag(&response.text, field);
    // A group of checkboxes is described by its message but cannot itself be invalid.
    if !input.starts_with("<fieldset") {
        assert!(input.contains("aria-invalid=\"true\""), "{input}");
    }
    assert!(
        input.contains(&format!("{field}-error")),
        "described by its message: {input}"
    );
}

/// The account's members as the API lists them.
pub async fn agents_json(app: &TestApp, account: &TestAccount) -> Vec<Value> {
    let response = app
        .api(Method::GET, &account.api("/agents"), &account.admin, None)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json().as_array().cloned().unwrap_or_default()
}

/// One member as the API shows it.
pub async fn agent_json(app: &TestApp, account: &TestAccount, user: &TestUser) -> Value {
    agents_json(app, account)
        .await
        .into_iter()
        .find(|a| a["id"] == user.id.0)
        .expect("a member of the account")
}

#[tokio::test]
async fn every_page_speaks_portuguese_by_default_and_english_when_the_profile_says_so() {
    // Arrange: a role so the edit page exists.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "Vendas", "permissions": ["report_manage"]});
    let role = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await
        .json()["id"]
        .clone();
    let pages = [
        ("/profile".to_owned(), "Seu perfil", "Your profile"),
        (
            "/settings/account".to_owned(),
            "Configurações da conta",
            "Account settings",
        ),
        (
            "/settings/agents".to_owned(),
            "Convidar um agente",
            "Invite an agent",
        ),
        (
            "/settings/custom_roles".to_owned(),
            "Funções personalizadas",
            "Custom roles",
        ),
        (
            "/settings/custom_roles/new".to_owned(),
            "Nova função personalizada",
            "New custom role",
        ),
        (
            format!("/settings/custom_roles/{role}/edit"),
            "Editar função personalizada",
            "Edit custom role",
        ),
    ];
    let browser = signed_in(&app, &acme.admin).await;
    for (language, english) in [("pt-BR", false), ("en", true)] {
        if english {
            prefers_english(&app, &acme.admin).await;
        }
        for (path, portuguese_heading, english_heading) in &pages {
            // Act
            let page = browser.get(&acme.page(path)).await;
            // Assert
            assert_eq!(page.status, 200, "{path}: {}", page.text);
            assert!(
                page.text.contains(&format!("<html lang=\"{language}\">")),
                "{path} in {language}"
            );
            let heading = if english {
                english_heading
            } else {
                portuguese_heading
            };
            assert!(page.text.contains(heading), "{path} in {language}");
            assert!(
                !page.text.contains("Unknown localization"),
                "{path} in {language}"
            );
            assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        }
    }
}

#[tokio::test]
async fn cross_site_posts_to_the_forms_are_refused() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &acme.admin).await;
    let remove = format!("/settings/agents/{}/delete", agent.id);
    let attempts = [
        ("/profile", vec![("name", "Hacked")]),
        ("/profile/token", vec![]),
        (
            "/profile/password",
            vec![
                ("current_password", acme.admin.password.as_str()),
                ("password", "taken-over-1"),
                ("password_confirmation", "taken-over-1"),
            ],
        ),
        ("/settings/account", vec![("name", "Hacked")]),
        (
            "/settings/agents",
            vec![("email", "evil@evil.example"), ("role", "administrator")],
        ),
        (remove.as_str(), vec![]),
        ("/settings/custom_roles", vec![("name", "Evil")]),
    ];
    for (path, form) in &attempts {
        // Act
        let response = browser
            .post_form_with(
                &acme.page(path),
                form,
                &[
                    ("origin", "http://evil.example"),
                    ("sec-fetch-site", "cross-site"),
                ],
            )
            .await;
        // Assert
        assert_eq!(response.status, 403, "{path}");
    }
    assert_eq!(
        agents_json(&app, &acme).await.len(),
        2,
        "nobody added or removed"
    );
    let profile = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await
        .json();
    assert_eq!(profile["name"], "Admin Acme");
    assert_eq!(profile["access_token"], acme.admin.token.as_str());
}

#[tokio::test]
async fn members_without_the_permission_get_the_forbidden_page_when_posting_to_settings() {
    // Arrange: an agent, and a custom role whose permissions are not settings ones.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "Relatórios", "permissions": ["report_manage"]});
    let role = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(body),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &agent).await;
    let admin = acme.admin.id;
    let attempts = [
        ("/settings/account".to_owned(), vec![("name", "Mine")]),
        (
            "/settings/agents".to_owned(),
            vec![("email", "friend@acme.test"), ("role", "administrator")],
        ),
        (format!("/settings/agents/{admin}"), vec![("role", "agent")]),
        (format!("/settings/agents/{admin}/delete"), vec![]),
        ("/settings/custom_roles".to_owned(), vec![("name", "Mine")]),
        (
            format!("/settings/custom_roles/{role}"),
            vec![("name", "Mine")],
        ),
        (format!("/settings/custom_roles/{role}/delete"), vec![]),
    ];
    for (path, form) in &attempts {
        // Act
        let response = browser.post_form(&acme.page(path), form).await;
        // Assert
        assert_eq!(response.status, 403, "{path}: {}", response.text);
        assert!(
            response.text.contains("Acesso não permitido"),
            "{path}: {}",
            response.text
        );
    }
    let admin_json = agent_json(&app, &acme, &acme.admin).await;
    assert_eq!(admin_json["role"], "administrator");
    assert_eq!(agents_json(&app, &acme).await.len(), 2);
}

#[tokio::test]
async fn a_confirmation_is_shown_once_after_a_change() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "Acme Atendimento"),
        ("locale", "pt-BR"),
        ("timezone", "America/Sao_Paulo"),
        ("support_email", ""),
        ("auto_resolve_after", ""),
    ];
    // Act
    let saved = browser
        .post_form(&acme.page("/settings/account"), &form)
        .await;
    let first = browser.get(&acme.page("/settings/account")).await;
    let second = browser.get(&acme.page("/settings/account")).await;
    // Assert
    assert_see_other(&saved, &acme.page("/settings/account"));
    let message = "As configurações da conta foram salvas.";
    assert!(first.text.contains(message), "{}", first.text);
    assert!(first.text.contains("role=\"status\""));
    assert!(!second.text.contains(message), "shown only once");
}

#[tokio::test]
async fn htmx_form_posts_are_redirected_with_hx_redirect() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    // Act
    let response = browser
        .post_form_with(
            &acme.page("/profile/availability"),
            &[("availability", "busy")],
            &[
                ("origin", app.address.as_str()),
                ("sec-fetch-site", "same-origin"),
                ("hx-request", "true"),
            ],
        )
        .await;
    // Assert
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("hx-redirect"),
        Some(acme.page("/profile").as_str())
    );
}
