use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

const REDACT: &str = "[redacted]";

#[tokio::test]
async fn an_api_inbox_has_chatwoots_shape_with_identifier_and_webhook() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app
        .create_inbox_with_webhook(&acme, "WhatsApp Vendas", Some("http://127.0.0.1:9/hook"))
        .await;
    assert_eq!(inbox["channel_type"], "Channel::Api");
    assert_eq!(inbox["webhook_url"], "http://127.0.0.1:9/hook");
    assert_eq!(inbox["inbox_identifier"].as_str().map(str::len), Some(24));
    assert_eq!(inbox["working_hours"].as_array().map(Vec::len), Some(7));
    insta::assert_json_snapshot!(inbox, {
        ".id" => REDACT, ".channel_id" => REDACT, ".inbox_identifier" => REDACT, ".hmac_token" => REDACT,
    });
}

#[tokio::test]
async fn evolution_creates_its_inbox_with_a_trailing_slash_and_finds_it_by_name() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"name": "evolution", "channel": {"type": "api", "webhook_url": "http://127.0.0.1:8080/chatwoot/webhook/x"}});
    let created = app
        .api(
            Method::POST,
            &acme.api("/inboxes/"),
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let list = app
        .api(Method::GET, &acme.api("/inboxes"), &acme.admin, None)
        .await
        .json();
    let found = list["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .find(|i| i["name"] == "evolution")
        .cloned()
        .expect("by name");
    assert_eq!(found["id"], created.json()["id"]);
    assert!(found["inbox_identifier"].is_string());
    let shown = app
        .api(
            Method::GET,
            &acme.api(&format!("/inboxes/{}/", found["id"])),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(shown.status, 200);
}

#[tokio::test]
async fn agents_see_only_their_inboxes_and_never_the_hmac_token() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let sales = app.create_inbox(&acme, "Vendas").await;
    app.create_inbox(&acme, "Suporte").await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    app.add_to_inbox(&acme, sales["id"].as_i64().expect("id"), &agent)
        .await;
    let list = app
        .api(Method::GET, &acme.api("/inboxes"), &agent, None)
        .await
        .json();
    let names: Vec<_> = list["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Vendas")]);
    assert_eq!(list["payload"][0]["hmac_token"], json!(null));
    let other = list["payload"][0]["id"].as_i64().expect("id") + 1;
    assert_eq!(
        app.api(
            Method::GET,
            &acme.api(&format!("/inboxes/{other}")),
            &agent,
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn an_inbox_is_updated_with_string_nulls_and_working_hours() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await;
    let mut week = inbox["working_hours"].clone();
    week[6] = json!({"day_of_week": 6, "open_all_day": true});
    let body = json!({"name": "Vendas SP", "timezone": "America/Recife", "greeting_message": "null", "working_hours_enabled": "true",
                      "working_hours": week, "channel": {"webhook_url": "http://127.0.0.1:9/new", "hmac_mandatory": true}});
    let path = acme.api(&format!("/inboxes/{}", inbox["id"]));
    let updated = app.api(Method::PATCH, &path, &acme.admin, Some(body)).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let json = updated.json();
    assert_eq!(json["name"], "Vendas SP");
    assert_eq!(json["timezone"], "America/Recife");
    assert_eq!(json["greeting_message"], json!(null));
    assert_eq!(json["working_hours_enabled"], true);
    assert_eq!(json["webhook_url"], "http://127.0.0.1:9/new");
    assert_eq!(json["hmac_mandatory"], true);
    assert_eq!(json["working_hours"][6]["open_all_day"], true);
    assert_eq!(json["working_hours"][6]["close_hour"], 23);
}

#[tokio::test]
async fn bad_inbox_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let cases = [
        (json!({"channel": {"type": "api"}}), "name"),
        (json!({"name": "X"}), "channel.type"),
        (
            json!({"name": "X", "channel": {"type": "telegram"}}),
            "channel.type",
        ),
        (
            json!({"name": "X", "channel": {"type": "whatsapp"}}),
            "channel.type",
        ),
        (
            json!({"name": "X", "channel": {"type": "api", "webhook_url": "ftp://x"}}),
            "webhook_url",
        ),
        (
            json!({"name": "X", "channel": {"type": "api"}, "timezone": "Nowhere/Here"}),
            "timezone",
        ),
        (
            json!({"name": "X", "channel": {"type": "api"}, "greeting_enabled": "sometimes"}),
            "greeting_enabled",
        ),
        (
            json!({"name": "X", "channel": {"type": "api"}, "working_hours": [{"day_of_week": 1}]}),
            "working_hours",
        ),
        (
            json!({"name": "X", "channel": {"type": "api"}, "sender_name_type": "loud"}),
            "sender_name_type",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/inboxes"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(
            response.json()["attributes"],
            json!([field]),
            "{body}: {}",
            response.text
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from inboxes")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(count, 0, "no partial rows");
}

#[tokio::test]
async fn inbox_members_are_added_replaced_listed_and_removed() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await;
    let id = inbox["id"].as_i64().expect("id");
    let ana = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let added = app
        .api(
            Method::POST,
            &acme.api("/inbox_members"),
            &acme.admin,
            Some(json!({"inbox_id": id, "user_ids": [ana.id]})),
        )
        .await;
    assert_eq!(added.json()["payload"].as_array().map(Vec::len), Some(1));
    let replaced = app
        .api(
            Method::PATCH,
            &acme.api("/inbox_members"),
            &acme.admin,
            Some(json!({"inbox_id": id.to_string(), "user_ids": [bia.id.0.to_string()]})),
        )
        .await;
    assert_eq!(replaced.json()["payload"][0]["name"], "Bia");
    let listed = app
        .api(
            Method::GET,
            &acme.api(&format!("/inbox_members/{id}")),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(listed.json()["payload"].as_array().map(Vec::len), Some(1));
    let removed = app
        .api(
            Method::DELETE,
            &acme.api("/inbox_members"),
            &acme.admin,
            Some(json!({"inbox_id": id, "user_ids": [bia.id]})),
        )
        .await;
    assert_eq!((removed.status.as_u16(), removed.text.as_str()), (200, ""));
    let beta = app.create_account("Beta").await;
    let foreign = app
        .api(
            Method::POST,
            &acme.api("/inbox_members"),
            &acme.admin,
            Some(json!({"inbox_id": id, "user_ids": [beta.admin.id]})),
        )
        .await;
    assert_eq!(foreign.status, 422);
    assert_eq!(foreign.json()["attributes"], json!(["user_ids"]));
}

#[tokio::test]
async fn deleting_an_inbox_is_for_administrators() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await;
    let agent = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let path = acme.api(&format!("/inboxes/{}", inbox["id"]));
    assert_eq!(
        app.api(Method::DELETE, &path, &agent, None).await.status,
        401
    );
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.status,
        404
    );
}
