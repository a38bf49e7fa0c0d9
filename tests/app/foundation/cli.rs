use sha2::{Digest, Sha256};

use crate::support::cluster;

async fn atende(database_url: &str, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("ATENDE_LOG", "warn")
        .output()
        .await
        .expect("run atende")
}

#[tokio::test]
async fn create_account_prints_one_json_line_with_a_stored_token() {
    // Arrange
    let db = cluster::create_database().await;
    let url = cluster::database_url(&db);
    // Act
    let out = atende(
        &url,
        &[
            "create-account",
            "--name",
            "Acme",
            "--admin-email",
            "Ana@Acme.io",
            "--json",
        ],
    )
    .await;
    // Assert
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    let keys: Vec<_> = line.as_object().expect("object").keys().cloned().collect();
    assert_eq!(keys, ["account_id", "api_access_token", "user_id"]);
    let token = line["api_access_token"].as_str().expect("token");
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let (user_id, email, role): (i64, String, String) = sqlx::query_as(
        "select u.id, u.email, au.role from users u join account_users au on au.user_id = u.id
         join access_tokens t on t.user_id = u.id where t.token_hash = $1 and au.account_id = $2",
    )
    .bind(Sha256::digest(token.as_bytes()).to_vec())
    .bind(line["account_id"].as_i64().expect("id"))
    .fetch_one(&pool)
    .await
    .expect("token belongs to the administrator");
    assert_eq!(user_id, line["user_id"].as_i64().expect("user id"));
    assert_eq!(email, "ana@acme.io");
    assert_eq!(role, "administrator");
    pool.close().await;
    cluster::drop_database(db).await;
}

#[tokio::test]
async fn create_account_refuses_a_bad_email_with_a_clear_message() {
    let db = cluster::create_database().await;
    let out = atende(
        &cluster::database_url(&db),
        &[
            "create-account",
            "--name",
            "Acme",
            "--admin-email",
            "nope",
            "--json",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Email is invalid"), "{stderr}");
    cluster::drop_database(db).await;
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let db = cluster::create_database().await;
    let url = cluster::database_url(&db);
    for _ in 0..2 {
        let out = atende(&url, &["migrate"]).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    cluster::drop_database(db).await;
}
