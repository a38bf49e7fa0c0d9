use reqwest::Method;

use crate::support::TestApp;
use crate::support::cluster;

async fn atende(app: &TestApp, args: &[&str]) -> std::process::Output {
    let url = cluster::database_url(&app.database_name());
    tokio::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("ATENDE_LOG", "warn")
        .output()
        .await
        .expect("run atende")
}

#[tokio::test]
async fn create_user_adds_a_user_whose_token_works() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let account = acme.id.0.to_string();
    let out = atende(
        &app,
        &[
            "create-user",
            "--account-id",
            &account,
            "--email",
            "lia@acme.test",
            "--name",
            "Lia",
            "--role",
            "agent",
            "--password",
            "senha-da-lia",
            "--json",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1);
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    let token = line["api_access_token"].as_str().expect("token");
    let profile = app
        .request(Method::GET, "/api/v1/profile", Some(token), None)
        .await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.json()["id"], line["user_id"]);
    assert_eq!(profile.json()["role"], "agent");
    let browser = app.browser();
    let signed = browser
        .post_form(
            "/login",
            &[("email", "lia@acme.test"), ("password", "senha-da-lia")],
        )
        .await;
    assert_eq!(signed.status, 303);
}

#[tokio::test]
async fn create_user_refuses_bad_input_clearly() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let account = acme.id.0.to_string();
    let bad_role = atende(
        &app,
        &[
            "create-user",
            "--account-id",
            &account,
            "--email",
            "a@b.c",
            "--name",
            "A",
            "--role",
            "owner",
            "--json",
        ],
    )
    .await;
    assert!(!bad_role.status.success());
    let no_account = atende(
        &app,
        &[
            "create-user",
            "--account-id",
            "999",
            "--email",
            "a@b.c",
            "--name",
            "A",
            "--role",
            "agent",
        ],
    )
    .await;
    assert!(!no_account.status.success());
    assert!(String::from_utf8_lossy(&no_account.stderr).contains("account 999 does not exist"));
    let dup = atende(
        &app,
        &[
            "create-user",
            "--account-id",
            &account,
            "--email",
            &acme.admin.email,
            "--name",
            "A",
            "--role",
            "agent",
        ],
    )
    .await;
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("Email has already been taken"));
}

#[tokio::test]
async fn reset_password_prints_a_password_that_signs_in_and_voids_sessions() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let old = app.browser();
    old.sign_in(&acme.admin).await;
    let out = atende(&app, &["reset-password", "--email", &acme.admin.email]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let password = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    assert_eq!(password.len(), 20);
    assert_eq!(
        old.get(&acme.page("")).await.status,
        303,
        "old session signed out"
    );
    let fresh = app.browser();
    let signed = fresh
        .post_form(
            "/login",
            &[("email", &acme.admin.email), ("password", &password)],
        )
        .await;
    assert_eq!(signed.status, 303);
    let unknown = atende(&app, &["reset-password", "--email", "ghost@acme.test"]).await;
    assert!(!unknown.status.success());
}

#[tokio::test]
async fn demo_loads_a_working_tenant_once() {
    let app = TestApp::spawn().await;
    let out = atende(&app, &["demo", "--conversations", "24"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let password = stdout
        .split("with password ")
        .nth(1)
        .expect("password line")
        .trim();
    let (account, conversations, incoming, replies, labelled, resolved): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "select a.id,
                (select count(*) from conversations c where c.account_id = a.id),
                (select count(*) from messages m where m.account_id = a.id and m.message_type = 'incoming'),
                (select count(*) from messages m where m.account_id = a.id and m.message_type = 'outgoing'),
                (select count(*) from conversations c where c.account_id = a.id and c.labels <> '{}'),
                (select count(*) from conversations c where c.account_id = a.id and c.status = 'resolved')
           from accounts a where a.name = 'Loja Sabiá'",
    )
    .fetch_one(app.db())
    .await
    .expect("demo account");
    assert_eq!(conversations, 24);
    assert!(
        incoming >= 24,
        "every conversation opens with a customer message"
    );
    assert!(
        replies > 0 && labelled > 0 && resolved > 0,
        "replies {replies}, labelled {labelled}, resolved {resolved}"
    );
    // The history spans the last week, oldest first.
    let (first, last): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as(
            "select min(created_at), max(created_at) from conversations where account_id = $1",
        )
        .bind(account)
        .fetch_one(app.db())
        .await
        .expect("span");
    assert!(
        last - first > chrono::Duration::days(6),
        "{first} .. {last}"
    );
    assert!(last <= chrono::Utc::now() + chrono::Duration::minutes(1));

    // Every printed user signs in with the printed password.
    for email in ["gerente@lojasabia.com.br", "ana@lojasabia.com.br"] {
        let signed = app
            .browser()
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(signed.status, 303, "{email}");
    }

    let again = atende(&app, &["demo", "--conversations", "5"]).await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds the demo account"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
