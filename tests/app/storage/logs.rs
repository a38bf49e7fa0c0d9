//! A file link is a credential: requests for it are logged and counted without its signature.

use super::{Store, bytes};
use crate::support::logs;

/// The token segment of a `/files/<id>/<token>/<name>` link.
fn token(url: &str) -> String {
    let rest = url.split_once("/files/").expect("file link").1;
    rest.split('/').nth(1).expect("token").to_owned()
}

#[tokio::test]
async fn file_requests_are_logged_without_their_signature() {
    // Arrange
    let s = Store::new().await;
    let sent = s.sent_file("recibo.txt", bytes(100)).await;
    let id = sent["attachments"][0]["id"]
        .as_i64()
        .expect("attachment id");
    let url = s.latest_data_url(&s.acme, s.conversation).await;
    let path = &url[url.find("/files/").expect("path")..];
    let (captured, guard) = logs::capture("info,tower_http=debug,atende=debug");

    // Act: a good link, and one with a wrong signature.
    let served = s.app.get(path).await;
    let wrong = path.replacen(
        &token(path),
        "0000000000.00000000000000000000000000000000",
        1,
    );
    let refused = s.app.get(&wrong).await;
    drop(guard);

    // Assert
    assert_eq!(
        (served.status.as_u16(), refused.status.as_u16()),
        (200, 404)
    );
    let logs = captured.text();
    assert!(
        logs.contains(&format!("/files/{id}/")),
        "the requests were logged: {logs}"
    );
    assert!(!logs.contains(&token(path)), "{logs}");
    assert!(!logs.contains("00000000000000000000000000000000"), "{logs}");
    let metrics = s.app.get("/metrics").await.text;
    assert!(metrics.contains("/files/"), "file requests are counted");
    assert!(!metrics.contains(&token(path)), "{metrics}");
}
