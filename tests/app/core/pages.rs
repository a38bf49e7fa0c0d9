//! Pages of the conversation list: a walker asking page after page, or following
//! `next_cursor`, sees every conversation once, in the list's order, in every sort.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn list(app: &TestApp, acme: &TestAccount, query: &str) -> Value {
    let response = app
        .api(
            Method::GET,
            &acme.api(&format!("/conversations?{query}")),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{query}: {}", response.text);
    response.json()
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"]["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

/// 60 conversations with different activity times, priorities and waits.
async fn sixty(app: &TestApp) -> (TestAccount, Vec<i64>) {
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let mut all = Vec::new();
    for i in 0..60 {
        let contact = app
            .create_contact(
                &acme,
                inbox,
                &format!("Cliente {i}"),
                &format!("+55119{i:08}"),
            )
            .await;
        let c = app
            .api(
                Method::POST,
                &acme.api("/conversations"),
                &acme.admin,
                Some(json!({"inbox_id": inbox, "contact_id": contact["id"]})),
            )
            .await
            .json();
        let id = c["id"].as_i64().expect("id");
        if i % 3 == 0 {
            app.post_message(
                &acme,
                &acme.admin,
                &c["id"],
                json!({"content": "oi", "message_type": "incoming"}),
            )
            .await;
        }
        if i % 4 != 0 {
            let priority = ["low", "medium", "high"][i % 3];
            let r = app
                .api(
                    Method::PATCH,
                    &acme.api(&format!("/conversations/{id}")),
                    &acme.admin,
                    Some(json!({"priority": priority})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
        app.clock()
            .advance(chrono::Duration::seconds(if i % 5 == 0 { 0 } else { 7 }));
        all.push(id);
    }
    (acme, all)
}

#[tokio::test]
async fn walking_pages_or_cursors_sees_every_conversation_once_in_every_order() {
    let app = TestApp::spawn().await;
    let (acme, all) = sixty(&app).await;
    for sort in [
        "last_activity_at_desc",
        "last_activity_at_asc",
        "created_at_desc",
        "created_at_asc",
        "priority_desc",
        "priority_asc",
        "waiting_since_asc",
        "waiting_since_desc",
    ] {
        // The order of one unpaged read (updated_within disables paging).
        let whole = ids(&list(
            &app,
            &acme,
            &format!("status=all&sort_by={sort}&updated_within=999999999"),
        )
        .await);
        assert_eq!(whole.len(), all.len(), "{sort}");
        // Page numbers, one after the other.
        let mut by_page = Vec::new();
        for page in 1..=3 {
            by_page.extend(ids(&list(
                &app,
                &acme,
                &format!("status=all&sort_by={sort}&page={page}"),
            )
            .await));
        }
        assert_eq!(by_page, whole, "pages in {sort}");
        // Cursors.
        let mut by_cursor = Vec::new();
        let mut query = format!("status=all&sort_by={sort}");
        loop {
            let page = list(&app, &acme, &query).await;
            by_cursor.extend(ids(&page));
            match page["data"]["next_cursor"].as_str() {
                Some(cursor) => {
                    query = format!(
                        "status=all&sort_by={sort}&cursor={}",
                        url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>()
                    )
                }
                None => break,
            }
        }
        assert_eq!(by_cursor, whole, "cursors in {sort}");
    }
}

#[tokio::test]
async fn the_next_page_continues_after_the_last_conversation_the_walker_saw() {
    // Arrange: a walker reads page 1; then the conversation that opened page 2 gets a message
    // and moves to the top, so everything after it shifts by one.
    let app = TestApp::spawn().await;
    let (acme, _) = sixty(&app).await;
    let whole = ids(&list(&app, &acme, "status=all&updated_within=999999999").await);
    let first = ids(&list(&app, &acme, "status=all").await);
    assert_eq!(first, whole[..25]);
    let moved = whole[25];
    app.clock().advance(chrono::Duration::minutes(1));
    app.post_message(
        &acme,
        &acme.admin,
        &json!(moved),
        json!({"content": "nova", "message_type": "incoming"}),
    )
    .await;
    // Act
    let second = ids(&list(&app, &acme, "status=all&page=2").await);
    // Assert: page 2 starts right after the last conversation of page 1 (counting 25 rows again
    // would show that one twice).
    assert!(
        second.iter().all(|id| !first.contains(id)),
        "{second:?} repeats {first:?}"
    );
    assert_eq!(second, whole[26..51]);
}

#[tokio::test]
async fn a_cursor_from_elsewhere_is_refused() {
    let app = TestApp::spawn().await;
    let (acme, _) = sixty(&app).await;
    let page = list(&app, &acme, "status=all").await;
    let cursor = page["data"]["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    for query in [
        "cursor=nonsense".to_owned(),
        format!("sort_by=created_at_asc&cursor={cursor}"),
    ] {
        let r = app
            .api(
                Method::GET,
                &acme.api(&format!("/conversations?status=all&{query}")),
                &acme.admin,
                None,
            )
            .await;
        assert_eq!(r.status, 422, "{query}: {}", r.text);
        assert!(r.text.contains("cursor"), "{}", r.text);
    }
}
