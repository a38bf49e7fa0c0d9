//! Files leave the disk when what holds them is deleted: the delete records them in its own
//! transaction and a job removes them after commit.

use reqwest::Method;
use serde_json::json;

use super::{Store, bytes};

/// Store with one file sent in its conversation; the message's id.
async fn with_file() -> (Store, i64) {
    let s = Store::new().await;
    let sent = s.sent_file("recibo.txt", bytes(1000)).await;
    assert_eq!(s.files_on_disk(&s.acme).len(), 1);
    (s, sent["id"].as_i64().expect("message id"))
}

#[tokio::test]
async fn deleting_a_message_removes_its_files_from_disk() {
    // Arrange
    let (s, message) = with_file().await;
    let url = s.latest_data_url(&s.acme, s.conversation).await;

    // Act
    s.delete(
        &s.acme,
        &format!("/conversations/{}/messages/{message}", s.conversation),
    )
    .await;
    let before_jobs = s.files_on_disk(&s.acme).len();
    s.app.run_jobs().await;

    // Assert: the file is gone only once the job ran, after the delete committed.
    assert_eq!(before_jobs, 1);
    assert_eq!(s.files_on_disk(&s.acme), Vec::<std::path::PathBuf>::new());
    assert_eq!(reqwest::get(&url).await.expect("get").status(), 404);
}

#[tokio::test]
async fn deleting_a_conversation_removes_the_files_of_its_messages() {
    // Arrange
    let (s, _) = with_file().await;
    s.sent_file("foto.txt", bytes(10)).await;

    // Act
    s.delete(&s.acme, &format!("/conversations/{}", s.conversation))
        .await;
    s.app.run_jobs().await;

    // Assert
    assert!(s.files_on_disk(&s.acme).is_empty());
}

#[tokio::test]
async fn deleting_a_contact_removes_the_files_of_its_conversations() {
    // Arrange
    let (s, _) = with_file().await;
    let shown = s
        .app
        .api(
            Method::GET,
            &s.acme.api(&format!("/conversations/{}", s.conversation)),
            &s.acme.admin,
            None,
        )
        .await
        .json();
    let contact = shown["meta"]["sender"]["id"].as_i64().expect("contact id");

    // Act
    s.delete(&s.acme, &format!("/contacts/{contact}")).await;
    s.app.run_jobs().await;

    // Assert
    assert!(s.files_on_disk(&s.acme).is_empty());
}

#[tokio::test]
async fn deleting_an_inbox_removes_the_files_of_its_conversations() {
    // Arrange
    let (s, _) = with_file().await;

    // Act
    s.delete(&s.acme, &format!("/inboxes/{}", s.inbox)).await;
    s.app.run_jobs().await;

    // Assert
    assert!(s.files_on_disk(&s.acme).is_empty());
}

#[tokio::test]
async fn deleting_a_rule_or_a_macro_removes_its_files() {
    // Arrange: one file saved in a macro, one in a rule.
    let s = Store::new().await;
    let macro_file = s
        .attach(&s.acme, "macros", "tabela.txt", bytes(10))
        .await
        .json()["blob_id"]
        .as_i64()
        .expect("blob_id");
    let rule_file = s
        .attach(&s.acme, "automation_rules", "guia.txt", bytes(10))
        .await
        .json()["blob_id"]
        .as_i64()
        .expect("blob_id");
    let saved = s.macro_sending(&s.acme, "Tabela", &[macro_file]).await;
    let rule = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/automation_rules"),
            &s.acme.admin,
            Some(json!({
                "name": "Guia",
                "event_name": "conversation_created",
                "conditions": [],
                "actions": [{"action_name": "send_attachment", "action_params": [rule_file]}],
            })),
        )
        .await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    assert_eq!(s.files_on_disk(&s.acme).len(), 2);

    // Act
    s.delete(&s.acme, &format!("/macros/{}", saved["id"])).await;
    s.app.run_jobs().await;
    let after_macro = s.files_on_disk(&s.acme).len();
    s.delete(&s.acme, &format!("/automation_rules/{}", rule.json()["id"]))
        .await;
    s.app.run_jobs().await;

    // Assert
    assert_eq!(after_macro, 1);
    assert!(s.files_on_disk(&s.acme).is_empty());
}

#[tokio::test]
async fn a_delete_that_rolls_back_removes_no_file() {
    // Arrange
    let (s, message) = with_file().await;
    let url = s.latest_data_url(&s.acme, s.conversation).await;

    // Act: the rows go in a transaction that is rolled back.
    let mut tx = s.app.db().begin().await.expect("begin");
    sqlx::query("delete from messages where account_id = $1 and id = $2")
        .bind(s.acme.id.0)
        .bind(message)
        .execute(&mut *tx)
        .await
        .expect("delete");
    tx.rollback().await.expect("rollback");
    s.app.run_jobs().await;

    // Assert
    assert_eq!(s.files_on_disk(&s.acme).len(), 1);
    assert_eq!(reqwest::get(&url).await.expect("get").status(), 200);
}

#[tokio::test]
async fn files_whose_removal_was_lost_are_removed_by_the_hourly_sweep() {
    // Arrange: a delete committed, then its removal job was lost (a process died, an operator
    // deleted rows by hand).
    let (s, message) = with_file().await;
    s.delete(
        &s.acme,
        &format!("/conversations/{}/messages/{message}", s.conversation),
    )
    .await;
    sqlx::query("delete from jobs where kind = $1")
        .bind(<atende::storage::RemoveFiles as atende::jobs::Job>::KIND)
        .execute(s.app.db())
        .await
        .expect("lose the job");
    s.app.run_jobs().await;
    assert_eq!(s.files_on_disk(&s.acme).len(), 1);

    // Act
    let mut conn = s.app.db().acquire().await.expect("conn");
    atende::jobs::enqueue(
        &mut conn,
        s.app.clock().now(),
        &atende::storage::SweepRemovals,
        atende::jobs::JobSpec::default().keyed(atende::storage::SweepRemovals::KEY),
    )
    .await
    .expect("enqueue");
    drop(conn);
    s.app.run_jobs().await;

    // Assert
    assert!(s.files_on_disk(&s.acme).is_empty());
}
