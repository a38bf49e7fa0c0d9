//! File links carry their expiry under the signature; every response, page and webhook signs
//! them afresh when it is built.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Store, bytes};
use crate::support::receiver::Receiver;

async fn status(url: &str) -> u16 {
    reqwest::get(url).await.expect("get").status().as_u16()
}

/// `url` with the expiry written in its token replaced by `expiry`.
fn with_expiry(url: &str, expiry: &str) -> String {
    let (head, rest) = url.split_once("/files/").expect("a file link");
    let parts: Vec<&str> = rest.splitn(3, '/').collect();
    let (_, signature) = parts[1].split_once('.').expect("expiry.signature");
    format!(
        "{head}/files/{}/{expiry}.{signature}/{}",
        parts[0], parts[2]
    )
}

#[tokio::test]
async fn file_links_stop_working_after_a_week_and_responses_sign_new_ones() {
    // Arrange
    let s = Store::new().await;
    s.sent_file("recibo.txt", bytes(100)).await;
    let first = s.latest_data_url(&s.acme, s.conversation).await;
    assert_eq!(status(&first).await, 200);

    // Act: six days on the link still works; eight days on it does not.
    s.app.clock().advance(Duration::days(6));
    let after_six_days = status(&first).await;
    s.app.clock().advance(Duration::days(2));
    let after_eight_days = status(&first).await;
    let fresh = s.latest_data_url(&s.acme, s.conversation).await;

    // Assert
    assert_eq!(after_six_days, 200);
    assert_eq!(after_eight_days, 404, "an expired link is not found");
    assert_ne!(fresh, first);
    assert_eq!(status(&fresh).await, 200, "the message shows a new link");
}

#[tokio::test]
async fn the_link_lifetime_is_configurable() {
    // Arrange
    let s =
        Store::with(|config| config.storage.link_ttl = std::time::Duration::from_secs(3600)).await;
    s.sent_file("recibo.txt", bytes(100)).await;
    let url = s.latest_data_url(&s.acme, s.conversation).await;

    // Act
    s.app.clock().advance(Duration::minutes(50));
    let within = status(&url).await;
    s.app.clock().advance(Duration::hours(2));
    let past = status(&url).await;

    // Assert
    assert_eq!((within, past), (200, 404));
}

#[tokio::test]
async fn a_link_with_a_changed_expiry_is_not_found() {
    // Arrange
    let s = Store::new().await;
    s.sent_file("recibo.txt", bytes(100)).await;
    let url = s.latest_data_url(&s.acme, s.conversation).await;

    // Act
    let later = with_expiry(&url, "99999999999");
    let garbage = with_expiry(&url, "soon");

    // Assert
    assert_eq!(status(&url).await, 200);
    assert_eq!(status(&later).await, 404);
    assert_eq!(status(&garbage).await, 404);
}

#[tokio::test]
async fn the_conversation_page_links_files_signed_when_it_is_drawn() {
    // Arrange
    let s = Store::new().await;
    s.sent_file("recibo.txt", bytes(100)).await;
    let browser = s.app.browser();
    browser.sign_in(&s.acme.admin).await;
    let page = s.acme.page(&format!("/conversations/{}", s.conversation));
    let link = |text: &str| {
        let start = text.find("href=\"/files/").expect("file link") + 6;
        text[start..start + text[start..].find('"').expect("end")].replace("&#x2f;", "/")
    };
    let first = link(&browser.get(&page).await.text);

    // Act
    s.app.clock().advance(Duration::days(8));
    let old = s.app.get(&first).await.status;
    let drawn_again = link(&browser.get(&page).await.text);

    // Assert
    assert_eq!(old, 404);
    assert_eq!(s.app.get(&drawn_again).await.status, 200);
}

#[tokio::test]
async fn webhooks_carry_links_signed_when_their_payload_is_built() {
    // Arrange: the receiver is first reached two days after the message was sent (deliveries
    // build their payload when first attempted; retries resend those bytes).
    let s = Store::new().await;
    let receiver = Receiver::start(&[]).await;
    let body = json!({"webhook": {"url": receiver.url, "subscriptions": ["message_created"]}});
    let created = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/webhooks"),
            &s.acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let sent = s.sent_file("recibo.txt", bytes(100)).await;
    let answered = sent["attachments"][0]["data_url"]
        .as_str()
        .expect("data_url")
        .to_owned();
    s.app.clock().advance(Duration::days(2));
    s.app.run_jobs().await;
    let received = receiver.events("message_created");
    assert_eq!(received.len(), 1);
    let delivered: Value = received[0].json();
    let delivered = delivered["attachments"][0]["data_url"]
        .as_str()
        .expect("data_url")
        .to_owned();

    // Act: eight days after the message, six after the delivery.
    s.app.clock().advance(Duration::days(6));

    // Assert
    assert_eq!(status(&answered).await, 404);
    assert_eq!(status(&delivered).await, 200);
}
