//! The per-account storage quota and the bound on uploads no rule or macro saved yet.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use super::{Store, bytes};
use crate::support::accounts::TestAccount;

const KB: usize = 1024;

/// A store whose accounts may keep 100 KB each.
async fn small_quota() -> Store {
    Store::with(|config| config.storage.quota_bytes = Some(100 * 1024)).await
}

#[tokio::test]
async fn an_upload_past_the_quota_is_a_422_naming_the_limit_and_stores_nothing() {
    // Arrange: 60 of the account's 100 KB are used.
    let s = small_quota().await;
    s.sent_file("catalogo.txt", bytes(60 * KB)).await;
    let before = s.messages(&s.acme, s.conversation).await.len();

    // Act
    let refused = s
        .send_file(&s.acme, s.conversation, "tabela.txt", bytes(60 * KB))
        .await;

    // Assert
    assert_eq!(refused.status, 422, "{}", refused.text);
    let body = refused.json();
    assert_eq!(body["attributes"], json!(["attachments"]));
    let message = body["message"].as_str().expect("message");
    assert!(
        message.contains("quota") && message.contains("100 KB"),
        "{message}"
    );
    assert_eq!(
        s.files_on_disk(&s.acme).len(),
        1,
        "the refused file is not on disk"
    );
    assert_eq!(s.messages(&s.acme, s.conversation).await.len(), before);
}

#[tokio::test]
async fn the_quota_is_per_account() {
    // Arrange: Acme is full.
    let s = small_quota().await;
    s.sent_file("catalogo.txt", bytes(90 * KB)).await;
    let globex = s.app.create_account("Globex").await;
    let inbox = s.app.create_inbox(&globex, "Site").await["id"]
        .as_i64()
        .expect("inbox");
    let theirs = s.app.create_conversation(&globex, inbox, "Joana").await["id"]
        .as_i64()
        .expect("display id");

    // Act
    let accepted = s
        .send_file(&globex, theirs, "foto.txt", bytes(90 * KB))
        .await;
    let refused = s
        .send_file(&s.acme, s.conversation, "foto.txt", bytes(20 * KB))
        .await;

    // Assert
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(refused.status, 422, "{}", refused.text);
}

#[tokio::test]
async fn deleting_a_message_gives_its_bytes_back() {
    // Arrange: the account is nearly full.
    let s = small_quota().await;
    let sent = s.sent_file("catalogo.txt", bytes(60 * KB)).await;
    assert_eq!(
        s.send_file(&s.acme, s.conversation, "x.txt", bytes(60 * KB))
            .await
            .status,
        422
    );

    // Act
    s.delete(
        &s.acme,
        &format!("/conversations/{}/messages/{}", s.conversation, sent["id"]),
    )
    .await;
    s.app.run_jobs().await;

    // Assert
    let again = s
        .send_file(&s.acme, s.conversation, "tabela.txt", bytes(60 * KB))
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
}

#[tokio::test]
async fn rule_and_macro_uploads_count_toward_the_quota() {
    // Arrange
    let s = small_quota().await;
    let uploaded = s
        .attach(&s.acme, "macros", "tabela.txt", bytes(60 * KB))
        .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);

    // Act
    let message = s
        .send_file(&s.acme, s.conversation, "foto.txt", bytes(60 * KB))
        .await;
    let rule_file = s
        .attach(&s.acme, "automation_rules", "outra.txt", bytes(60 * KB))
        .await;

    // Assert
    assert_eq!(message.status, 422, "{}", message.text);
    assert_eq!(rule_file.status, 422, "{}", rule_file.text);
    assert!(rule_file.text.contains("100 KB"), "{}", rule_file.text);
    assert_eq!(s.files_on_disk(&s.acme).len(), 1);
}

#[tokio::test]
async fn the_reply_box_says_the_quota_is_full() {
    // Arrange
    let s = small_quota().await;
    s.sent_file("catalogo.txt", bytes(90 * KB)).await;
    let browser = s.app.browser();
    browser.sign_in(&s.acme.admin).await;
    let form = Form::new().text("content", "segue").part(
        "attachments",
        Part::bytes(bytes(20 * KB)).file_name("foto.txt"),
    );

    // Act
    let refused = browser
        .post_multipart(
            &s.acme
                .page(&format!("/conversations/{}/messages", s.conversation)),
            form,
            &[("hx-request", "true")],
        )
        .await;

    // Assert: pt-BR, the administrator's language.
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused.text.contains("cota") && refused.text.contains("100 KB"),
        "{}",
        refused.text
    );
    assert_eq!(s.files_on_disk(&s.acme).len(), 1);
}

async fn fill_unsaved(s: &Store, account: &TestAccount, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let owner = if i % 2 == 0 {
            "macros"
        } else {
            "automation_rules"
        };
        let response = s
            .attach(account, owner, &format!("arquivo-{i}.txt"), bytes(10))
            .await;
        assert_eq!(response.status, 200, "upload {i}: {}", response.text);
        ids.push(response.json()["blob_id"].as_i64().expect("blob_id"));
    }
    ids
}

#[tokio::test]
async fn unsaved_rule_and_macro_uploads_are_bounded_per_account() {
    // Arrange: as many uploads as an account may leave unsaved.
    let s = Store::new().await;
    let max = atende::automation::files::MAX_UNSAVED_FILES;
    let ids = fill_unsaved(&s, &s.acme, max).await;

    // Act
    let refused = s.attach(&s.acme, "macros", "mais-um.txt", bytes(10)).await;
    let globex = s.app.create_account("Globex").await;
    let theirs = s.attach(&globex, "macros", "deles.txt", bytes(10)).await;

    // Assert
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.text.contains(&max.to_string()), "{}", refused.text);
    assert_eq!(theirs.status, 200, "another account has its own bound");
    assert_eq!(
        s.files_on_disk(&s.acme).len(),
        max,
        "the refused file is not on disk"
    );

    // Saving one into a macro frees its place.
    s.macro_sending(&s.acme, "Tabela", &ids[..1]).await;
    let after_save = s.attach(&s.acme, "macros", "mais-um.txt", bytes(10)).await;
    assert_eq!(after_save.status, 200, "{}", after_save.text);
}

#[tokio::test]
async fn swept_unsaved_uploads_give_their_place_and_bytes_back() {
    // Arrange
    let s = Store::new().await;
    let max = atende::automation::files::MAX_UNSAVED_FILES;
    fill_unsaved(&s, &s.acme, max).await;

    // Act: a day later the sweep removes them, rows and files.
    s.app.clock().advance(chrono::Duration::hours(25));
    let mut conn = s.app.db().acquire().await.expect("conn");
    atende::jobs::enqueue(
        &mut conn,
        s.app.clock().now(),
        &atende::automation::files::DeleteUnownedFiles,
        atende::jobs::JobSpec::default().keyed(atende::automation::files::DeleteUnownedFiles::KEY),
    )
    .await
    .expect("enqueue");
    drop(conn);
    s.app.run_jobs().await;

    // Assert
    assert_eq!(s.files_on_disk(&s.acme).len(), 0);
    let used: i64 = sqlx::query_scalar("select bytes from account_storage where account_id = $1")
        .bind(s.acme.id.0)
        .fetch_one(s.app.db())
        .await
        .expect("usage");
    assert_eq!(used, 0);
    let again = s.attach(&s.acme, "macros", "novo.txt", bytes(10)).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let listed = s
        .app
        .api(Method::GET, &s.acme.api("/macros"), &s.acme.admin, None)
        .await;
    assert_eq!(listed.status, 200);
}
