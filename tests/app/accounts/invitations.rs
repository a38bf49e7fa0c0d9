//! Invitations (issue 13, items 1 and 2): nobody chooses another person's password, nobody
//! joins an account without accepting, and inviting reveals nothing about other accounts.

use std::time::Duration;

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::accounts::{TestAccount, TestUser, invitation_path};
use crate::support::smtp::SmtpServer;
use crate::support::{Options, TestApp};

async fn invite(
    app: &TestApp,
    account: &TestAccount,
    name: &str,
    email: &str,
    role: &str,
) -> Value {
    let body = json!({"name": name, "email": email, "role": role});
    let response = app
        .api(
            Method::POST,
            &account.api("/agents"),
            &account.admin,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

fn user(email: &str, password: &str) -> TestUser {
    TestUser {
        id: atende::ids::UserId(0),
        email: email.into(),
        password: password.into(),
        token: String::new(),
    }
}

/// The largest user id handed out so far, as a probe of "is this id fresh".
async fn newest_user_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("select last_value from users_id_seq")
        .fetch_one(app.db())
        .await
        .expect("sequence")
}

#[tokio::test]
async fn a_new_invitee_chooses_their_own_password_and_lands_in_the_account() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let invited = invite(&app, &acme, "Caio Reis", "caio@acme.test", "agent").await;
    let link = invitation_path(&invited);
    let browser = app.browser();
    // Act
    let page = browser.get(&link).await;
    let short = browser
        .post_form(
            &link,
            &[
                ("name", "Caio"),
                ("password", "curta"),
                ("password_confirmation", "curta"),
            ],
        )
        .await;
    let accepted = browser
        .post_form(
            &link,
            &[
                ("name", "Caio Reis Filho"),
                ("password", "senha-do-caio"),
                ("password_confirmation", "senha-do-caio"),
            ],
        )
        .await;
    // Assert
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(
        page.text.contains("Você foi convidado para Acme"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("value=\"Caio Reis\""),
        "the inviter's name is offered"
    );
    assert_eq!(short.status, 422);
    assert!(short.text.contains("password-error"), "{}", short.text);
    assert_eq!(accepted.status, 303, "{}", accepted.text);
    assert_eq!(accepted.header("location"), Some(acme.page("").as_str()));
    assert_eq!(browser.get(&acme.page("")).await.status, 200, "signed in");
    let member = crate::accounts::pages::agents_json(&app, &acme)
        .await
        .into_iter()
        .find(|a| a["email"] == "caio@acme.test")
        .expect("listed");
    assert_eq!(member["confirmed"], true);
    assert_eq!(member["name"], "Caio Reis Filho");
    assert_eq!(member["id"], invited["id"], "the id does not change");
    assert_eq!(member["availability_status"], "online");
    app.browser()
        .sign_in(&user("caio@acme.test", "senha-do-caio"))
        .await;
    // The link worked once.
    assert_eq!(app.browser().get(&link).await.status, 404);
}

#[tokio::test]
async fn until_accepted_the_invitee_cannot_sign_in_open_the_account_or_be_assigned() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let invited = invite(
        &app,
        &beta,
        "Admin de Acme",
        &acme.admin.email,
        "administrator",
    )
    .await;
    let inbox = app.create_inbox(&beta, "Site").await["id"]
        .as_i64()
        .expect("id");
    let conversation = app.create_conversation(&beta, inbox, "Cliente").await["id"].clone();
    // Act
    let opened = app
        .api(Method::GET, &beta.api("/agents"), &acme.admin, None)
        .await;
    let assigned = app
        .api(
            Method::POST,
            &beta.api(&format!("/conversations/{conversation}/assignments")),
            &beta.admin,
            Some(json!({"assignee_id": invited["id"]})),
        )
        .await;
    let new_invitee = invite(&app, &beta, "Nova", "nova@beta.test", "agent").await;
    let signed_in = app
        .browser()
        .post_form(
            "/login",
            &[("email", "nova@beta.test"), ("password", "qualquer-coisa")],
        )
        .await;
    // Assert
    assert_eq!(opened.status, 404, "not a member yet: {}", opened.text);
    // As Chatwoot: an id that is not a member's leaves the conversation unassigned.
    assert_eq!(assigned.status, 200, "{}", assigned.text);
    assert_eq!(assigned.json(), Value::Null);
    let shown = app
        .api(
            Method::GET,
            &beta.api(&format!("/conversations/{conversation}")),
            &beta.admin,
            None,
        )
        .await
        .json();
    assert_eq!(shown["meta"]["assignee"], Value::Null, "{shown}");
    assert_eq!(signed_in.status, 422, "an invitee has no password yet");
    assert_eq!(new_invitee["confirmed"], false);
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    assert_eq!(browser.get(&beta.page("")).await.status, 404);
}

#[tokio::test]
async fn an_existing_user_accepts_only_with_their_own_password() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let invited = invite(&app, &beta, "Ana", &acme.admin.email, "agent").await;
    let link = invitation_path(&invited);
    let browser = app.browser();
    // Act
    let page = browser.get(&link).await;
    let wrong = browser
        .post_form(&link, &[("password", "not-her-password")])
        .await;
    let takeover = browser
        .post_form(
            &link,
            &[
                ("name", "Intruso"),
                ("password", "nova-senha-123"),
                ("password_confirmation", "nova-senha-123"),
            ],
        )
        .await;
    let accepted = browser
        .post_form(&link, &[("password", acme.admin.password.as_str())])
        .await;
    // Assert
    assert_eq!(page.status, 200);
    assert!(page.text.contains("já tem um usuário"), "{}", page.text);
    assert_eq!(wrong.status, 422);
    assert!(wrong.text.contains("Senha incorreta."));
    assert_eq!(
        takeover.status, 422,
        "a link alone never sets an existing user's password"
    );
    assert_eq!(accepted.status, 303, "{}", accepted.text);
    assert_eq!(browser.get(&beta.page("")).await.status, 200);
    // Her name and password are hers: unchanged.
    let profile = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await
        .json();
    assert_eq!(profile["name"], "Admin Acme");
    app.browser().sign_in(&acme.admin).await;
    let agents = crate::accounts::pages::agents_json(&app, &beta).await;
    let ana = agents
        .iter()
        .find(|a| a["email"] == acme.admin.email)
        .expect("a member now");
    assert_eq!(ana["id"], acme.admin.id.0);
    assert_eq!(ana["confirmed"], true);
}

#[tokio::test]
async fn inviting_answers_the_same_whether_or_not_the_address_already_has_a_user() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let before = newest_user_id(&app).await;
    // Act
    let existing = invite(&app, &beta, "Pessoa", &acme.admin.email, "agent").await;
    let fresh = invite(&app, &beta, "Pessoa", "ninguem@novo.test", "agent").await;
    // Assert: the same fields and values but the e-mail, the link and the id, and the id of an
    // existing user is as new as a new one's.
    let strip = |mut v: Value| {
        for key in ["id", "email", "invitation_url"] {
            v.as_object_mut().expect("object").remove(key);
        }
        v
    };
    assert_eq!(strip(existing.clone()), strip(fresh.clone()));
    assert_eq!(existing["name"], "Pessoa", "not the user's own name");
    assert!(existing["id"].as_i64().expect("id") > before);
    assert_eq!(
        fresh["id"].as_i64().expect("id"),
        existing["id"].as_i64().expect("id") + 1
    );
    let pages = app.browser();
    pages.sign_in(&beta.admin).await;
    let form = [
        ("name", "Outra"),
        ("email", "alguem@acme.test"),
        ("role", "agent"),
        ("custom_role_id", ""),
    ];
    let page_new = pages.post_form(&beta.page("/settings/agents"), &form).await;
    let existing_email = acme.admin.email.clone();
    let form = [
        ("name", "Outra"),
        ("email", existing_email.as_str()),
        ("role", "agent"),
        ("custom_role_id", ""),
    ];
    let page_again = pages.post_form(&beta.page("/settings/agents"), &form).await;
    assert_eq!(page_new.status, 200);
    assert_eq!(
        page_again.status, 422,
        "already invited: {}",
        page_again.text
    );
}

#[tokio::test]
async fn links_expire_and_sending_again_replaces_the_link() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let invited = invite(&app, &acme, "Duda", "duda@acme.test", "agent").await;
    let first = invitation_path(&invited);
    let browser = crate::accounts::pages::signed_in(&app, &acme.admin).await;
    // Act: eight days later the link is dead and the row says so.
    app.clock().advance(chrono::Duration::days(8));
    let expired = app.browser().get(&first).await;
    let listing = browser.get(&acme.page("/settings/agents")).await;
    let resent = browser
        .post_form(
            &acme.page(&format!("/settings/agents/{}/resend", invited["id"])),
            &[],
        )
        .await;
    // Assert
    assert_eq!(expired.status, 404);
    assert!(
        expired.text.contains("Este link não funciona"),
        "{}",
        expired.text
    );
    assert!(
        listing.text.contains("Convite expirado"),
        "{}",
        listing.text
    );
    assert_eq!(resent.status, 200, "{}", resent.text);
    let second = crate::accounts::pages::secret(&resent.text).expect("the new link is shown once");
    let second = &second[second.find("/invitations/").expect("a link")..];
    assert_ne!(second, first);
    assert_eq!(app.browser().get(second).await.status, 200);
    assert_eq!(
        app.browser().get(&first).await.status,
        404,
        "the old link stays dead"
    );
    assert!(
        !browser
            .get(&acme.page("/settings/agents"))
            .await
            .text
            .contains(second),
        "shown only once"
    );
}

#[tokio::test]
async fn a_withdrawn_invitation_is_gone_with_its_link() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let invited = invite(&app, &acme, "Eva", "eva@acme.test", "agent").await;
    let link = invitation_path(&invited);
    let path = acme.api(&format!("/agents/{}", invited["id"]));
    let changed = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"role": "administrator", "name": "Eva Lima"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json()["role"], "administrator");
    assert_eq!(changed.json()["name"], "Eva Lima");
    assert_eq!(changed.json()["confirmed"], false);
    let removed = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!(removed.status, 200);
    assert_eq!(app.browser().get(&link).await.status, 404);
    assert_eq!(
        crate::accounts::pages::agents_json(&app, &acme).await.len(),
        1
    );
}

#[tokio::test]
async fn with_smtp_the_invitation_is_emailed_and_never_shown_to_the_inviter() {
    // Arrange
    let smtp = SmtpServer::start();
    let config = smtp.config();
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| c.smtp = Some(config)),
        ..Options::default()
    })
    .await;
    let acme = app.create_account("Acme").await;
    let browser = crate::accounts::pages::signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "Fábio"),
        ("email", "fabio@acme.test"),
        ("role", "agent"),
        ("custom_role_id", ""),
    ];
    // Act
    let invited = browser
        .post_form(&acme.page("/settings/agents"), &form)
        .await;
    let api = app
        .api(
            Method::POST,
            &acme.api("/agents"),
            &acme.admin,
            Some(json!({"name": "Gil", "email": "gil@acme.test"})),
        )
        .await;
    app.run_jobs().await;
    let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
    // Assert
    assert_eq!(invited.status, 303, "{}", invited.text);
    assert!(!invited.text.contains("/invitations/"));
    assert_eq!(api.status, 200);
    assert!(api.json().get("invitation_url").is_none(), "{}", api.text);
    let page = browser.get(&acme.page("/settings/agents")).await;
    assert!(
        page.text
            .contains("Um convite foi enviado por e-mail para Fábio"),
        "{}",
        page.text
    );
    assert_eq!(mails.len(), 2);
    let mail = mails
        .iter()
        .find(|m| m.to == ["fabio@acme.test"])
        .expect("mailed to Fábio");
    assert!(mail.subject().contains("Acme"), "{}", mail.subject());
    let text = mail.text();
    let start = text.find("/invitations/").expect("the link is in the mail");
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let accepted = app
        .browser()
        .post_form(
            &link,
            &[
                ("name", "Fábio"),
                ("password", "senha-do-fabio"),
                ("password_confirmation", "senha-do-fabio"),
            ],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.text);
}

#[tokio::test]
async fn a_name_belongs_to_the_user_once_they_work_in_other_accounts() {
    // Arrange: Ana administers Acme and joins Beta as an agent.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    app.join(&beta, &acme.admin, Role::Agent).await;
    let single = app.add_member(&beta, "Bruno", Role::Agent, None).await;
    // Act
    let renamed = app
        .api(
            Method::PATCH,
            &beta.api(&format!("/agents/{}", acme.admin.id)),
            &beta.admin,
            Some(json!({"name": "Nome Trocado", "role": "agent"})),
        )
        .await;
    let role_only = app
        .api(
            Method::PATCH,
            &beta.api(&format!("/agents/{}", acme.admin.id)),
            &beta.admin,
            Some(json!({"name": "Admin Acme", "role": "administrator"})),
        )
        .await;
    let renamed_single = app
        .api(
            Method::PATCH,
            &beta.api(&format!("/agents/{}", single.id)),
            &beta.admin,
            Some(json!({"name": "Bruno Lima"})),
        )
        .await;
    // Assert
    assert_eq!(renamed.status, 422, "{}", renamed.text);
    assert_eq!(renamed.json()["attributes"], json!(["name"]));
    assert_eq!(
        role_only.status, 200,
        "the same name is no change: {}",
        role_only.text
    );
    assert_eq!(renamed_single.status, 200);
    assert_eq!(renamed_single.json()["name"], "Bruno Lima");
    let profile = app
        .api(Method::GET, "/api/v1/profile", &acme.admin, None)
        .await
        .json();
    assert_eq!(profile["name"], "Admin Acme");
}

#[tokio::test]
async fn create_user_without_a_password_prints_an_invitation_link() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args([
            "create-user",
            "--account-id",
            &acme.id.to_string(),
            "--email",
            "helena@acme.test",
            "--name",
            "Helena",
            "--role",
            "agent",
            "--json",
        ])
        .env(
            "DATABASE_URL",
            crate::support::cluster::database_url(&app.database_name()),
        )
        .output()
        .expect("run atende");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    let link = invitation_path(&line);
    assert!(line["invitation_id"].as_i64().is_some());
    let users: i64 =
        sqlx::query_scalar("select count(*) from users where email = 'helena@acme.test'")
            .fetch_one(app.db())
            .await
            .expect("count");
    assert_eq!(users, 0);
    let accepted = app
        .browser()
        .post_form(
            &link,
            &[
                ("name", "Helena"),
                ("password", "senha-da-helena"),
                ("password_confirmation", "senha-da-helena"),
            ],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.text);
}
