//! The settings pages for teams, inboxes, labels, canned responses, custom attributes and
//! webhooks over real HTTP, driven as a browser drives them (the helpers are those of
//! `accounts::pages`). What the pages share is tested here; each area has its own file.

mod canned_responses;
mod custom_attributes;
mod inboxes;
mod labels;
mod teams;
mod webhooks;

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

pub use crate::accounts::pages::{
    assert_refused, assert_see_other, field_error, input_tag, prefers_english, secret, signed_in,
};
use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};
use crate::support::browser::Browser;

/// A `POST` to the API as the administrator that must succeed; returns the JSON.
pub async fn api_post(app: &TestApp, acme: &TestAccount, path: &str, body: Value) -> Value {
    let response = app
        .api(Method::POST, &acme.api(path), &acme.admin, Some(body))
        .await;
    assert_eq!(response.status, 200, "POST {path}: {}", response.text);
    response.json()
}

/// A `GET` of the API as the administrator that must succeed; returns the JSON.
pub async fn api_get(app: &TestApp, acme: &TestAccount, path: &str) -> Value {
    let response = app
        .api(Method::GET, &acme.api(path), &acme.admin, None)
        .await;
    assert_eq!(response.status, 200, "GET {path}: {}", response.text);
    response.json()
}

/// Asserts that `path` shows `message` once (the flash of the change that led there) and not
/// on the next visit.
pub async fn assert_flash_once(browser: &Browser, path: &str, message: &str) {
    let first = browser.get(path).await;
    assert_eq!(first.status, 200, "{path}: {}", first.text);
    assert!(
        first.text.contains(message),
        "{path} should say {message:?}: {}",
        first.text
    );
    assert!(first.text.contains("role=\"status\""), "{path}");
    let second = browser.get(path).await;
    assert!(!second.text.contains(message), "{path}: shown only once");
}

/// One record of each kind the pages edit, created through the API.
struct Records {
    team: i64,
    inbox: i64,
    label: i64,
    canned: i64,
    attribute: i64,
    webhook: i64,
    rule: i64,
    macro_id: i64,
}

async fn records(app: &TestApp, acme: &TestAccount) -> Records {
    Records {
        team: api_post(app, acme, "/teams", json!({"name": "Suporte"})).await["id"]
            .as_i64()
            .expect("id"),
        inbox: app.create_inbox(acme, "WhatsApp").await["id"]
            .as_i64()
            .expect("id"),
        label: api_post(app, acme, "/labels", json!({"title": "vip"})).await["id"]
            .as_i64()
            .expect("id"),
        canned: api_post(
            app,
            acme,
            "/canned_responses",
            json!({"short_code": "oi", "content": "Olá!"}),
        )
        .await["id"]
            .as_i64()
            .expect("id"),
        attribute: api_post(
            app,
            acme,
            "/custom_attribute_definitions",
            json!({"attribute_display_name": "Plano", "attribute_key": "plano"}),
        )
        .await["id"]
            .as_i64()
            .expect("id"),
        webhook: api_post(
            app,
            acme,
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "subscriptions": ["message_created"]}),
        )
        .await["payload"]["webhook"]["id"]
            .as_i64()
            .expect("id"),
        rule: api_post(
            app,
            acme,
            "/automation_rules",
            json!({"name": "Regra", "event_name": "conversation_created", "conditions": [],
                   "actions": [{"action_name": "resolve_conversation", "action_params": []}]}),
        )
        .await
        .created_id(),
        macro_id: api_post(
            app,
            acme,
            "/macros",
            json!({"name": "Macro", "visibility": "global",
                   "actions": [{"action_name": "resolve_conversation", "action_params": []}]}),
        )
        .await
        .created_id(),
    }
}

/// The id of a created record, whether the API wraps it in `payload` (as Chatwoot does for
/// some resources) or not.
trait CreatedId {
    fn created_id(self) -> i64;
}

impl CreatedId for Value {
    fn created_id(self) -> i64 {
        self.get("payload").unwrap_or(&self)["id"]
            .as_i64()
            .expect("id")
    }
}

#[tokio::test]
async fn every_settings_page_speaks_portuguese_and_english() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let r = records(&app, &acme).await;
    let pages = [
        ("/settings/teams".to_owned(), "Times", "Teams"),
        ("/settings/teams/new".to_owned(), "Novo time", "New team"),
        (format!("/settings/teams/{}", r.team), "Membros", "Members"),
        (
            format!("/settings/teams/{}/edit", r.team),
            "Editar time",
            "Edit team",
        ),
        (
            "/settings/inboxes".to_owned(),
            "Caixas de entrada",
            "Inboxes",
        ),
        (
            "/settings/inboxes/new".to_owned(),
            "Nova caixa de entrada de API",
            "New API inbox",
        ),
        (
            format!("/settings/inboxes/{}", r.inbox),
            "Identificador da caixa",
            "Inbox identifier",
        ),
        (
            format!("/settings/inboxes/{}/members", r.inbox),
            "Adicionar um membro",
            "Add a member",
        ),
        (
            format!("/settings/inboxes/{}/working_hours", r.inbox),
            "Segunda-feira",
            "Monday",
        ),
        ("/settings/labels".to_owned(), "Etiquetas", "Labels"),
        (
            "/settings/labels/new".to_owned(),
            "Nova etiqueta",
            "New label",
        ),
        (
            format!("/settings/labels/{}/edit", r.label),
            "Editar etiqueta",
            "Edit label",
        ),
        (
            "/settings/canned_responses".to_owned(),
            "Respostas prontas",
            "Canned responses",
        ),
        (
            "/settings/canned_responses/new".to_owned(),
            "Nova resposta pronta",
            "New canned response",
        ),
        (
            format!("/settings/canned_responses/{}/edit", r.canned),
            "Editar resposta pronta",
            "Edit canned response",
        ),
        (
            "/settings/custom_attributes".to_owned(),
            "Atributos personalizados",
            "Custom attributes",
        ),
        (
            "/settings/custom_attributes/new".to_owned(),
            "Novo atributo personalizado",
            "New custom attribute",
        ),
        (
            format!("/settings/custom_attributes/{}/edit", r.attribute),
            "Editar atributo personalizado",
            "Edit custom attribute",
        ),
        ("/settings/webhooks".to_owned(), "Webhooks", "Webhooks"),
        (
            "/settings/webhooks/new".to_owned(),
            "Novo webhook",
            "New webhook",
        ),
        (
            format!("/settings/webhooks/{}", r.webhook),
            "Entregas do webhook",
            "Webhook deliveries",
        ),
        (
            format!("/settings/webhooks/{}/edit", r.webhook),
            "Editar webhook",
            "Edit webhook",
        ),
        ("/settings/automation".to_owned(), "Automação", "Automation"),
        (
            "/settings/automation/new".to_owned(),
            "Nova regra de automação",
            "New automation rule",
        ),
        (
            format!("/settings/automation/{}", r.rule),
            "Histórico de execuções",
            "Run log",
        ),
        (
            format!("/settings/automation/{}/edit", r.rule),
            "Editar regra de automação",
            "Edit automation rule",
        ),
        ("/settings/macros".to_owned(), "Macros", "Macros"),
        ("/settings/macros/new".to_owned(), "Nova macro", "New macro"),
        (
            format!("/settings/macros/{}/edit", r.macro_id),
            "Editar macro",
            "Edit macro",
        ),
    ];
    let browser = signed_in(&app, &acme.admin).await;
    for (language, english) in [("pt-BR", false), ("en", true)] {
        if english {
            prefers_english(&app, &acme.admin).await;
        }
        for (path, portuguese, english_text) in &pages {
            // Act
            let page = browser.get(&acme.page(path)).await;
            // Assert
            assert_eq!(page.status, 200, "{path}: {}", page.text);
            assert!(
                page.text.contains(&format!("<html lang=\"{language}\">")),
                "{path} in {language}"
            );
            let expected = if english { english_text } else { portuguese };
            assert!(
                page.text.contains(expected),
                "{path} in {language} should contain {expected:?}"
            );
            assert!(
                !page.text.contains("Unknown localization"),
                "{path} in {language}"
            );
            assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        }
    }
    // The settings menu and the start page link every section.
    let home = browser.get(&acme.page("")).await;
    for label in [
        "Teams",
        "Inboxes",
        "Labels",
        "Canned responses",
        "Custom attributes",
        "Webhooks",
        "Automation",
        "Macros",
    ] {
        assert!(home.text.contains(label), "{label}");
    }
}

#[tokio::test]
async fn another_accounts_records_are_the_not_found_page() {
    // Arrange: Acme's administrator opens Beta's records under Acme's path.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let r = records(&app, &beta).await;
    let browser = signed_in(&app, &acme.admin).await;
    let paths = [
        format!("/settings/teams/{}", r.team),
        format!("/settings/teams/{}/edit", r.team),
        format!("/settings/inboxes/{}", r.inbox),
        format!("/settings/inboxes/{}/members", r.inbox),
        format!("/settings/inboxes/{}/working_hours", r.inbox),
        format!("/settings/labels/{}/edit", r.label),
        format!("/settings/canned_responses/{}/edit", r.canned),
        format!("/settings/custom_attributes/{}/edit", r.attribute),
        format!("/settings/webhooks/{}", r.webhook),
        format!("/settings/webhooks/{}/edit", r.webhook),
        "/settings/webhooks/not-a-number".to_owned(),
        format!("/settings/automation/{}", r.rule),
        format!("/settings/automation/{}/edit", r.rule),
        format!("/settings/macros/{}/edit", r.macro_id),
    ];
    for path in &paths {
        // Act
        let page = browser.get(&acme.page(path)).await;
        // Assert
        assert_eq!(page.status, 404, "{path}");
        assert!(page.text.contains("Página não encontrada"), "{path}");
    }
    let deletes = [
        format!("/settings/teams/{}/delete", r.team),
        format!("/settings/inboxes/{}/delete", r.inbox),
        format!("/settings/labels/{}/delete", r.label),
        format!("/settings/canned_responses/{}/delete", r.canned),
        format!("/settings/custom_attributes/{}/delete", r.attribute),
        format!("/settings/webhooks/{}/delete", r.webhook),
        format!("/settings/automation/{}/toggle", r.rule),
        format!("/settings/automation/{}/clone", r.rule),
        format!("/settings/automation/{}/delete", r.rule),
        format!("/settings/macros/{}/delete", r.macro_id),
    ];
    for path in &deletes {
        let response = browser.post_form(&acme.page(path), &[]).await;
        assert_eq!(response.status, 404, "{path}");
    }
    // Beta's records are all still there.
    assert_eq!(
        api_get(&app, &beta, "/labels").await["payload"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        api_get(&app, &beta, "/webhooks").await["payload"]["webhooks"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn members_without_the_permission_get_the_forbidden_page_when_posting() {
    // Arrange: a plain agent (who may manage canned responses, and nothing here).
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let r = records(&app, &acme).await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &agent).await;
    let attempts = [
        ("/settings/teams".to_owned(), vec![("name", "Meu time")]),
        (format!("/settings/teams/{}", r.team), vec![("name", "X")]),
        (format!("/settings/teams/{}/delete", r.team), vec![]),
        (
            format!("/settings/teams/{}/members", r.team),
            vec![("user_ids", "1")],
        ),
        ("/settings/inboxes".to_owned(), vec![("name", "Minha")]),
        (
            format!("/settings/inboxes/{}", r.inbox),
            vec![("name", "X")],
        ),
        (format!("/settings/inboxes/{}/delete", r.inbox), vec![]),
        (
            format!("/settings/inboxes/{}/working_hours", r.inbox),
            vec![("timezone", "UTC")],
        ),
        ("/settings/labels".to_owned(), vec![("title", "minha")]),
        (format!("/settings/labels/{}/delete", r.label), vec![]),
        (
            "/settings/custom_attributes".to_owned(),
            vec![("attribute_key", "k")],
        ),
        (
            format!("/settings/custom_attributes/{}/delete", r.attribute),
            vec![],
        ),
        (
            "/settings/webhooks".to_owned(),
            vec![("url", "http://127.0.0.1:9/x")],
        ),
        (format!("/settings/webhooks/{}/delete", r.webhook), vec![]),
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
    assert_eq!(
        api_get(&app, &acme, "/teams")
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        api_get(&app, &acme, "/webhooks").await["payload"]["webhooks"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn cross_site_posts_to_the_settings_forms_are_refused() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let r = records(&app, &acme).await;
    let browser = signed_in(&app, &acme.admin).await;
    let attempts = [
        "/settings/teams".to_owned(),
        "/settings/inboxes".to_owned(),
        "/settings/labels".to_owned(),
        "/settings/canned_responses".to_owned(),
        "/settings/custom_attributes".to_owned(),
        "/settings/webhooks".to_owned(),
        format!("/settings/webhooks/{}/delete", r.webhook),
        format!("/settings/inboxes/{}/delete", r.inbox),
    ];
    for path in &attempts {
        // Act
        let response = browser
            .post_form_with(
                &acme.page(path),
                &[("name", "Evil"), ("url", "https://evil.example/hook")],
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
        api_get(&app, &acme, "/webhooks").await["payload"]["webhooks"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        api_get(&app, &acme, "/inboxes").await["payload"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// The ids of `users` as the form posts them.
pub fn id_of(user: &TestUser) -> String {
    user.id.0.to_string()
}
