use crate::support::TestApp;

async fn page(app: &TestApp, path: &str, accept_language: &str) -> crate::support::TestResponse {
    let response = app
        .client
        .get(format!("{}{}", app.address, path))
        .header("accept-language", accept_language)
        .send()
        .await
        .expect("request");
    crate::support::read(response).await
}

#[tokio::test]
async fn the_home_page_renders_in_both_languages() {
    let app = TestApp::spawn().await;
    let pt = page(&app, "/", "pt-BR,pt;q=0.9").await;
    assert_eq!(pt.status, 200);
    assert_eq!(pt.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(pt.text.contains(r#"<html lang="pt-BR">"#));
    assert!(pt.text.contains("Entrar"), "{}", pt.text);
    let en = page(&app, "/", "en-US,en;q=0.9").await;
    assert!(en.text.contains(r#"<html lang="en">"#));
    assert!(en.text.contains("Sign in"));
    assert!(!en.text.contains('\u{2068}'), "no Fluent isolation marks");
}

#[tokio::test]
async fn choosing_a_language_is_remembered_in_a_cookie() {
    let app = TestApp::spawn().await;
    let chosen = page(&app, "/?lang=en", "pt-BR").await;
    assert!(chosen.text.contains("Sign in"));
    let cookie = chosen.header("set-cookie").expect("cookie");
    assert!(cookie.starts_with("atende_lang=en;"), "{cookie}");
    let again = app
        .client
        .get(format!("{}/", app.address))
        .header("accept-language", "pt-BR")
        .header("cookie", "atende_lang=en")
        .send()
        .await
        .expect("request");
    assert!(again.text().await.expect("body").contains("Sign in"));
}

#[tokio::test]
async fn the_vendored_assets_are_served_with_a_long_cache() {
    let app = TestApp::spawn().await;
    let home = page(&app, "/", "en").await;
    for asset in [
        "vendor/htmx-2.0.11.min.js",
        "vendor/htmx-ext-sse-2.2.4.min.js",
        "vendor/pico-2.1.1.min.css",
        "app.css",
    ] {
        assert!(
            home.text.contains(&format!("/static/{asset}?v=")),
            "{asset} not linked"
        );
        let response = app.get(&format!("/static/{asset}")).await;
        assert_eq!(response.status, 200, "{asset}");
        assert!(
            response
                .header("cache-control")
                .unwrap_or_default()
                .contains("immutable")
        );
    }
    assert_eq!(app.get("/static/nope.js").await.status, 404);
}

#[tokio::test]
async fn unknown_pages_get_a_localised_404_page() {
    let app = TestApp::spawn().await;
    let response = page(&app, "/no/such/page", "pt-BR").await;
    assert_eq!(response.status, 404);
    assert!(
        response.text.contains("Página não encontrada"),
        "{}",
        response.text
    );
}
