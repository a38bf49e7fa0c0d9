//! Sign-in and sessions (issue 13, items 7, 8, 9 and 11): throttling that cannot be raced and
//! locks an e-mail only from the address that guessed, bounded password checks, `next=` that
//! stays on this site, sessions and live streams that end everywhere at once, a cap on streams,
//! and "forgot password" by e-mail.

use std::time::Duration;

use atende::accounts::model::Role;
use atende::config::PasswordCost;
use reqwest::Method;

use crate::support::smtp::SmtpServer;
use crate::support::{Options, TestApp, TestResponse};

const WAIT: Duration = Duration::from_secs(5);

async fn post_login(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded: Option<&str>,
) -> TestResponse {
    let mut request = app
        .client
        .post(format!("{}/login", app.address))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", email), ("password", password)]);
    if let Some(ip) = forwarded {
        request = request.header("x-forwarded-for", ip);
    }
    crate::support::read(request.send().await.expect("post")).await
}

#[tokio::test]
async fn concurrent_guesses_cannot_slip_under_the_limit() {
    // Arrange: real password hashing, so guesses overlap in time, and slots for all of them.
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| {
            c.password_cost = PasswordCost::Standard;
            c.password_checks = 64;
        }),
        ..Options::default()
    })
    .await;
    let acme = app.create_account("Acme").await;
    // Act: thirty wrong guesses at once.
    let guesses = (0..30).map(|i| {
        let (app, email) = (&app, acme.admin.email.clone());
        async move {
            post_login(app, &email, &format!("guess-{i}"), None)
                .await
                .status
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    // Assert: at most five passwords were checked; the rest were refused unchecked.
    let checked = answers.iter().filter(|s| s.as_u16() == 422).count();
    let refused = answers.iter().filter(|s| s.as_u16() == 429).count();
    assert!(checked <= 5, "{checked} guesses were checked: {answers:?}");
    assert_eq!(checked + refused, 30, "{answers:?}");
}

#[tokio::test]
async fn a_locked_email_stays_usable_from_another_address() {
    // Arrange: behind a proxy; someone at 203.0.113.5 guesses Ana's password.
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| c.trust_forwarded_for = true),
        ..Options::default()
    })
    .await;
    let acme = app.create_account("Acme").await;
    let (email, password) = (acme.admin.email.as_str(), acme.admin.password.as_str());
    for _ in 0..5 {
        post_login(&app, email, "guess", Some("203.0.113.5")).await;
    }
    // Act
    let attacker = post_login(&app, email, password, Some("203.0.113.5")).await;
    let ana = post_login(&app, email, password, Some("198.51.100.7")).await;
    // Assert
    assert_eq!(attacker.status, 429);
    assert_eq!(ana.status, 303, "{}", ana.text);
}

#[tokio::test]
async fn password_checks_are_bounded_and_the_excess_waits_then_gets_429() {
    // Arrange: one slot, no waiting, real hashing; every sign-in from its own address.
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| {
            c.password_cost = PasswordCost::Standard;
            c.password_checks = 1;
            c.password_wait = Duration::ZERO;
            c.trust_forwarded_for = true;
        }),
        ..Options::default()
    })
    .await;
    let acme = app.create_account("Acme").await;
    // Act: eight correct sign-ins at once.
    let attempts = (0..8).map(|i| {
        let (app, user) = (&app, acme.admin.clone());
        async move {
            post_login(
                app,
                &user.email,
                &user.password,
                Some(&format!("203.0.113.{}", i + 10)),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    // Assert
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 429).collect();
    assert!(
        answers.iter().any(|r| r.status == 303),
        "someone got a slot"
    );
    assert!(
        !busy.is_empty(),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for response in busy {
        assert!(
            response.text.contains("Muitos acessos neste momento"),
            "{}",
            response.text
        );
        assert_eq!(response.header("retry-after"), Some("1"));
    }
    // A busy answer is not a failure: the e-mail is not closer to being locked.
    let failures: i64 =
        sqlx::query_scalar("select count(*) from login_failures where scope like 'email:%'")
            .fetch_one(app.db())
            .await
            .expect("count");
    assert_eq!(failures, 0);
}

#[tokio::test]
async fn forwarded_addresses_that_are_not_trusted_are_warned_about_once() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let (captured, guard) = crate::support::logs::capture("warn");
    post_login(&app, &acme.admin.email, "guess", Some("203.0.113.5")).await;
    post_login(&app, &acme.admin.email, "guess", Some("203.0.113.6")).await;
    drop(guard);
    let logs = captured.text();
    assert_eq!(
        logs.matches("ATENDE_TRUST_FORWARDED_FOR is off").count(),
        1,
        "{logs}"
    );
}

#[tokio::test]
async fn next_accepts_only_paths_of_this_site() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    for next in [
        "//evil.example/",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        " //evil.example",
        "https://evil.example/",
        "/\u{0}/evil.example",
    ] {
        let browser = app.browser();
        let form = [
            ("email", acme.admin.email.as_str()),
            ("password", acme.admin.password.as_str()),
            ("next", next),
        ];
        let signed = browser.post_form("/login", &form).await;
        assert_eq!(signed.status, 303, "{next:?}");
        assert_eq!(signed.header("location"), Some("/app"), "{next:?}");
        let query: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let again = browser.get(&format!("/login?next={query}")).await;
        assert_eq!(again.header("location"), Some("/app"), "{next:?}");
    }
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_and_its_live_streams() {
    // Arrange: Ana is signed in twice, with a live stream open in the other session.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let here = app.browser();
    here.sign_in(&acme.admin).await;
    let elsewhere = app.browser();
    elsewhere.sign_in(&acme.admin).await;
    let mut stream = elsewhere.sse(&acme.page("/events"), None).await;
    let mut own = here.sse(&acme.page("/events"), None).await;
    // Act
    let changed = here
        .post_form(
            &acme.page("/profile/password"),
            &[
                ("current_password", acme.admin.password.as_str()),
                ("password", "uma-senha-nova"),
                ("password_confirmation", "uma-senha-nova"),
            ],
        )
        .await;
    // Assert
    assert_eq!(changed.status, 303, "{}", changed.text);
    assert!(stream.ended(WAIT).await, "the other session's stream ended");
    assert!(
        own.ended(WAIT).await,
        "a stream opened before the change ends too"
    );
    assert_eq!(
        elsewhere.get(&acme.page("")).await.status,
        303,
        "signed out"
    );
    let profile = here.get(&acme.page("/profile")).await;
    assert_eq!(profile.status, 200);
    assert!(
        profile.text.contains("id=\"token-reset-offer\""),
        "{}",
        profile.text
    );
    let mut reopened = here.sse(&acme.page("/events"), None).await;
    assert!(
        !reopened.ended(Duration::from_millis(500)).await,
        "this session goes on"
    );
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_session_and_offers_a_new_token() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let here = app.browser();
    here.sign_in(&acme.admin).await;
    let elsewhere = app.browser();
    elsewhere.sign_in(&acme.admin).await;
    let mut stream = elsewhere.sse(&acme.page("/events"), None).await;
    let done = here.post_form(&acme.page("/profile/sessions"), &[]).await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert!(stream.ended(WAIT).await);
    assert_eq!(elsewhere.get(&acme.page("")).await.status, 303);
    let profile = here.get(&acme.page("/profile")).await;
    assert_eq!(profile.status, 200);
    assert!(
        profile
            .text
            .contains("Todas as outras sessões foram encerradas")
    );
    assert!(profile.text.contains("id=\"token-reset-offer\""));
    let token = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await;
    assert_eq!(
        token.status, 200,
        "the API token is the user's choice to replace"
    );
    let later = here.get(&acme.page("/profile")).await;
    assert!(
        !later.text.contains("id=\"token-reset-offer\""),
        "offered once"
    );
}

#[tokio::test]
async fn a_user_holds_a_bounded_number_of_live_streams() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let mut streams = Vec::new();
    for _ in 0..app.state.config.streams_per_user {
        streams.push(browser.sse(&acme.page("/events"), None).await);
    }
    let refused = browser.get(&acme.page("/events")).await;
    assert_eq!(refused.status, 429);
    assert!(refused.header("retry-after").is_some());
    // Another member is not affected, and a closed stream frees its place.
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let other = app.browser();
    other.sign_in(&bia).await;
    let _bia_stream = other.sse(&acme.page("/events"), None).await;
    drop(streams.pop());
    let mut freed = None;
    // The server notices a closed stream at its next write at the latest (a keep-alive).
    for _ in 0..400 {
        let probe = app
            .client
            .get(format!("{}{}", app.address, acme.page("/events")))
            .header("cookie", browser_cookie(&app, &acme.admin).await)
            .send()
            .await
            .expect("request");
        if probe.status() == 200 {
            freed = Some(probe);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(freed.is_some(), "a closed stream gives its place back");
}

/// The session cookie of a fresh sign-in of `user`.
async fn browser_cookie(app: &TestApp, user: &crate::support::accounts::TestUser) -> String {
    let signed = post_login(app, &user.email, &user.password, None).await;
    let cookie = signed.header("set-cookie").expect("a session cookie");
    cookie.split(';').next().expect("name=value").to_owned()
}

fn smtp_app_options(smtp: &SmtpServer) -> Options {
    let config = smtp.config();
    Options {
        configure: Box::new(move |c| c.smtp = Some(config)),
        ..Options::default()
    }
}

/// The `/password/reset/...` path in the last mail to `to`.
fn reset_path(smtp: &SmtpServer, to: &str) -> String {
    let mail = smtp
        .received()
        .into_iter()
        .rev()
        .find(|m| m.to == [to.to_owned()])
        .expect("a mail");
    let text = mail.text();
    let start = text.find("/password/reset/").expect("a reset link");
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn forgot_password_sends_a_single_use_link_that_signs_out_every_session() {
    // Arrange
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(smtp_app_options(&smtp)).await;
    let acme = app.create_account("Acme").await;
    let old_session = app.browser();
    old_session.sign_in(&acme.admin).await;
    let browser = app.browser();
    // Act
    let asked = browser
        .post_form("/password/forgot", &[("email", acme.admin.email.as_str())])
        .await;
    let unknown = browser
        .post_form("/password/forgot", &[("email", "ninguem@acme.test")])
        .await;
    app.run_jobs().await;
    smtp.wait_for(1, WAIT).await;
    let link = reset_path(&smtp, &acme.admin.email);
    let form = browser.get(&link).await;
    let mismatch = browser
        .post_form(
            &link,
            &[
                ("password", "nova-senha-1"),
                ("password_confirmation", "outra"),
            ],
        )
        .await;
    let reset = browser
        .post_form(
            &link,
            &[
                ("password", "nova-senha-1"),
                ("password_confirmation", "nova-senha-1"),
            ],
        )
        .await;
    // Assert
    assert_eq!(asked.status, 200);
    assert_eq!(unknown.status, 200);
    assert_eq!(
        asked.text.replace(&acme.admin.email, ""),
        unknown.text.replace("ninguem@acme.test", ""),
        "the same answer whether or not the address has a user"
    );
    assert_eq!(smtp.received().len(), 1, "no mail for an unknown address");
    assert_eq!(form.status, 200);
    assert_eq!(form.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(mismatch.status, 422);
    assert_eq!(reset.status, 303, "{}", reset.text);
    assert_eq!(browser.get(&acme.page("")).await.status, 200, "signed in");
    assert_eq!(
        old_session.get(&acme.page("")).await.status,
        303,
        "others signed out"
    );
    assert_eq!(app.browser().get(&link).await.status, 404, "used once");
    let old = post_login(&app, &acme.admin.email, &acme.admin.password, None).await;
    assert_eq!(old.status, 422);
    let new = post_login(&app, &acme.admin.email, "nova-senha-1", None).await;
    assert_eq!(new.status, 303);
}

#[tokio::test]
async fn reset_links_expire_and_are_rationed() {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(smtp_app_options(&smtp)).await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    for _ in 0..5 {
        let asked = browser
            .post_form("/password/forgot", &[("email", acme.admin.email.as_str())])
            .await;
        assert_eq!(asked.status, 200);
    }
    app.run_jobs().await;
    smtp.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.received().len(), 3, "three links per hour at most");
    let link = reset_path(&smtp, &acme.admin.email);
    app.clock().advance(chrono::Duration::minutes(121));
    assert_eq!(browser.get(&link).await.status, 404, "expired");
    // One address asking for many: throttled with a clear answer.
    for i in 0..10 {
        browser
            .post_form(
                "/password/forgot",
                &[("email", format!("x{i}@acme.test").as_str())],
            )
            .await;
    }
    let throttled = browser
        .post_form("/password/forgot", &[("email", acme.admin.email.as_str())])
        .await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.header("retry-after").is_some());
}

#[tokio::test]
async fn without_smtp_the_reset_page_says_how_to_get_a_new_password() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let page = app.get("/password/forgot").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("atende reset-password"), "{}", page.text);
    let asked = app
        .browser()
        .post_form("/password/forgot", &[("email", acme.admin.email.as_str())])
        .await;
    assert_eq!(asked.status, 422);
    let login = app.get("/login").await;
    assert!(login.text.contains("href=\"/password/forgot\""));
}
