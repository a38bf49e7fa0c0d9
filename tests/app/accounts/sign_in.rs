use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn signing_in_lands_in_the_account_with_a_safe_cookie() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    // Act
    let response = browser.sign_in(&acme.admin).await;
    // Assert
    assert_eq!(response.header("location"), Some("/app"));
    let cookie = response.header("set-cookie").expect("session cookie");
    assert!(cookie.starts_with("atende_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http base URL: {cookie}");
    let landing = browser.get("/app").await;
    assert_eq!(landing.status, 303);
    assert_eq!(landing.header("location"), Some(acme.page("").as_str()));
    let home = browser.get(&acme.page("")).await;
    assert_eq!(home.status, 200);
    assert!(home.text.contains("Acme"));
    assert_eq!(home.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn the_session_id_changes_at_every_sign_in() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    let first = browser
        .sign_in(&acme.admin)
        .await
        .header("set-cookie")
        .expect("cookie")
        .to_owned();
    let second = browser
        .sign_in(&acme.admin)
        .await
        .header("set-cookie")
        .expect("cookie")
        .to_owned();
    let id = |c: &str| c.split(';').next().unwrap_or_default().to_owned();
    assert_ne!(id(&first), id(&second));
    let sessions: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(sessions, 1, "the old session record is gone");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    let wrong = browser
        .post_form(
            "/login",
            &[("email", &acme.admin.email), ("password", "wrong-password")],
        )
        .await;
    let unknown = browser
        .post_form(
            "/login",
            &[
                ("email", "nobody@acme.test"),
                ("password", "wrong-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(unknown.status, 422);
    assert!(
        wrong.text.contains("E-mail ou senha inválidos."),
        "{}",
        wrong.text
    );
    let strip = |text: &str, email: &str| text.replace(email, "");
    assert_eq!(
        strip(&wrong.text, &acme.admin.email),
        strip(&unknown.text, "nobody@acme.test")
    );
    assert_eq!(browser.get("/app").await.status, 303, "still signed out");
}

#[tokio::test]
async fn repeated_failures_for_one_email_are_throttled_until_the_window_passes() {
    // Arrange: five failures.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    for _ in 0..5 {
        browser
            .post_form(
                "/login",
                &[("email", &acme.admin.email), ("password", "guess")],
            )
            .await;
    }
    // Act: even the right password is refused now.
    let throttled = browser
        .post_form(
            "/login",
            &[
                ("email", &acme.admin.email),
                ("password", &acme.admin.password),
            ],
        )
        .await;
    // Assert
    assert_eq!(throttled.status, 429);
    assert!(
        throttled.text.contains("Muitas tentativas"),
        "{}",
        throttled.text
    );
    let retry_after: u64 = throttled
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    // Another e-mail from the same client is not affected yet.
    let other = app.add_member(&acme, "Other", Role::Agent, None).await;
    app.browser().sign_in(&other).await;
    // After the window, the right password works.
    app.clock().advance(chrono::Duration::minutes(16));
    browser.sign_in(&acme.admin).await;
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_emails() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    for i in 0..20 {
        let email = format!("guess{i}@acme.test");
        browser
            .post_form("/login", &[("email", &email), ("password", "guess")])
            .await;
    }
    let throttled = browser
        .post_form(
            "/login",
            &[
                ("email", &acme.admin.email),
                ("password", &acme.admin.password),
            ],
        )
        .await;
    assert_eq!(throttled.status, 429);
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    let form = [
        ("email", acme.admin.email.as_str()),
        ("password", acme.admin.password.as_str()),
    ];
    let by_origin = browser
        .post_form_with("/login", &form, &[("origin", "http://evil.example")])
        .await;
    assert_eq!(by_origin.status, 403);
    let by_fetch_site = browser
        .post_form_with("/login", &form, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(by_fetch_site.status, 403);
    // A signed-in user cannot be signed out by another site either.
    browser.sign_in(&acme.admin).await;
    let logout = browser
        .post_form_with(
            "/logout",
            &[],
            &[
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(logout.status, 403);
    assert_eq!(
        browser.get(&acme.page("")).await.status,
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let out = browser.post_form("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/login"));
    let after = browser.get(&acme.page("")).await;
    assert_eq!(after.status, 303);
}

#[tokio::test]
async fn a_password_change_signs_out_every_other_session() {
    // Arrange: two browsers signed in as the same user.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let laptop = app.browser();
    let phone = app.browser();
    laptop.sign_in(&acme.admin).await;
    phone.sign_in(&acme.admin).await;
    // Act: the password changes (here through the API).
    let body = json!({"profile": {"current_password": acme.admin.password, "password": "a-brand-new-pass", "password_confirmation": "a-brand-new-pass"}});
    let changed = app
        .api(Method::PUT, "/api/v1/profile", &acme.admin, Some(body))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    // Assert: both browser sessions are void; the new password signs in.
    for browser in [&laptop, &phone] {
        let response = browser.get(&acme.page("")).await;
        assert_eq!(response.status, 303);
        assert!(
            response
                .header("location")
                .unwrap_or_default()
                .starts_with("/login?next=")
        );
    }
    let fresh = app.browser();
    let signed = fresh
        .post_form(
            "/login",
            &[
                ("email", &acme.admin.email),
                ("password", "a-brand-new-pass"),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
}

#[tokio::test]
async fn a_signed_out_visitor_returns_where_they_were_after_signing_in() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    let target = acme.page("/profile");
    let bounced = browser.get(&target).await;
    assert_eq!(bounced.status, 303);
    let location = bounced.header("location").expect("location").to_owned();
    assert_eq!(
        location,
        format!("/login?next=%2Fapp%2Faccounts%2F{}%2Fprofile", acme.id)
    );
    let form = [
        ("email", acme.admin.email.as_str()),
        ("password", acme.admin.password.as_str()),
        ("next", target.as_str()),
    ];
    let signed = browser.post_form("/login", &form).await;
    assert_eq!(signed.header("location"), Some(target.as_str()));
    let evil = [
        ("email", acme.admin.email.as_str()),
        ("password", acme.admin.password.as_str()),
        ("next", "//evil.example/"),
    ];
    assert_eq!(
        browser.post_form("/login", &evil).await.header("location"),
        Some("/app")
    );
}

#[tokio::test]
async fn htmx_requests_of_a_signed_out_visitor_get_an_hx_redirect() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let response = app
        .client
        .get(format!("{}{}", app.address, acme.page("")))
        .header("hx-request", "true")
        .header(
            "hx-current-url",
            format!("{}{}", app.address, acme.page("/profile")),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let redirect = response.headers()["hx-redirect"]
        .to_str()
        .expect("header")
        .to_owned();
    assert_eq!(
        redirect,
        format!("/login?next=%2Fapp%2Faccounts%2F{}%2Fprofile", acme.id)
    );
}

#[tokio::test]
async fn the_account_switcher_lists_the_users_other_accounts() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta Ltda").await;
    app.join(&beta, &acme.admin, Role::Agent).await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let page = browser.get(&acme.page("")).await;
    assert!(
        page.text
            .contains(&format!("href=\"/app/accounts/{}\"", beta.id)),
        "{}",
        page.text
    );
    assert!(page.text.contains("Beta Ltda"));
    let switched = browser.get(&beta.page("")).await;
    assert_eq!(switched.status, 200);
    // The next landing goes to the account used last.
    assert_eq!(
        browser.get("/app").await.header("location"),
        Some(beta.page("").as_str())
    );
}

#[tokio::test]
async fn a_suspended_account_shows_a_clear_page() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    sqlx::query("update accounts set status = 'suspended' where id = $1")
        .bind(acme.id.0)
        .execute(app.db())
        .await
        .expect("suspend");
    let page = browser.get(&acme.page("")).await;
    assert_eq!(page.status, 403);
    assert!(page.text.contains("Conta suspensa"), "{}", page.text);
    let landing = browser.get("/app").await;
    assert_eq!(landing.status, 403);
    assert!(landing.text.contains("Nenhuma conta"), "{}", landing.text);
}

#[tokio::test]
async fn the_login_page_speaks_both_languages() {
    let app = TestApp::spawn().await;
    let pt = app.browser().get("/login").await;
    assert!(
        pt.text.contains("Entrar") && pt.text.contains("Senha"),
        "{}",
        pt.text
    );
    let en = app.browser().get("/login?lang=en").await;
    assert!(
        en.text.contains("Sign in") && en.text.contains("Password"),
        "{}",
        en.text
    );
}
