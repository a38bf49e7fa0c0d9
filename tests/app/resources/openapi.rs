//! The OpenAPI document (`GET /api/openapi.json`) and the docs page (`GET /api/docs`).
//!
//! The completeness test compares the document with the routers themselves: **adding a route
//! to `api::router()` or `ops::router()` without a `#[utoipa::path]` attribute listed in
//! `src/api/openapi.rs` fails it**, and so does documenting a path or a method the server does
//! not serve.

use std::collections::{BTreeMap, BTreeSet};

use atende::state::AppState;
use reqwest::Method;
use serde_json::Value;

use crate::support::TestApp;

/// Routes served but deliberately not in the document: the Swagger UI's own assets.
const UNDOCUMENTED: &[&str] = &["/api/docs/{*file}"];

/// The paths a router serves, read from its `Debug` output (axum prints every route's path as
/// `RouteId(n): "/path"`; it has no public route listing). The sanity checks in
/// [`served_paths`] make a change of that format fail this test instead of emptying the list.
fn paths_of(router: &axum::Router<AppState>) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    // The routes come first; the fallback router's catch-all paths follow.
    let mut rest = debug.split("fallback_router").next().unwrap_or_default();
    let mut paths = BTreeSet::new();
    while let Some(start) = rest.find("RouteId(") {
        rest = &rest[start + "RouteId(".len()..];
        let Some(after_id) = rest.find("): \"") else {
            continue;
        };
        if !rest[..after_id].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let tail = &rest[after_id + 4..];
        let end = tail.find('"').expect("closing quote");
        paths.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    paths
}

/// Every path of the JSON API and operational routers.
fn served_paths() -> BTreeSet<String> {
    let mut paths = paths_of(&atende::api::router());
    paths.extend(paths_of(&atende::ops::router()));
    for known in [
        "/api",
        "/healthz",
        "/api/v1/profile",
        "/api/v1/accounts/{account_id}/conversations/{id}/messages",
        "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{id}/update_last_seen",
    ] {
        assert!(
            paths.contains(known),
            "could not read the routes from the router's Debug output (no {known}): {paths:#?}"
        );
    }
    assert!(paths.len() > 60, "too few routes read: {paths:#?}");
    paths
}

/// `/api/v1/accounts/{account_id}/labels/{id}` → `/api/v1/accounts/1/labels/1`.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        out.push('1');
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        response.header("content-type")
    );
    response.json()
}

/// The documented methods of each path, upper-case.
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("path item")
                .keys()
                .filter(|k| {
                    [
                        "get", "put", "post", "delete", "options", "head", "patch", "trace",
                    ]
                    .contains(&k.as_str())
                })
                .map(|k| k.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[tokio::test]
async fn the_document_is_openapi_3_with_the_crate_version_and_needs_no_token() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["info"]["title"], "Atende API");
    let description = doc["info"]["description"].as_str().expect("description");
    assert!(description.contains("compatible subset of [Chatwoot's Application API v1]"));
    assert!(description.contains("docs/API.md"));
    assert_eq!(
        doc["components"]["securitySchemes"]["api_access_token"],
        serde_json::json!({
            "type": "apiKey", "in": "header", "name": "api_access_token",
            "description": "The user's access token (shown on the profile page; `Api-Access-Token` works too)",
        })
    );
}

#[tokio::test]
async fn the_document_covers_every_route_with_the_methods_served() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let documented = documented(&doc);
    let served = served_paths();

    // Every served path is documented, and every documented path is served.
    let undocumented: Vec<&String> = served
        .iter()
        .filter(|p| !documented.contains_key(*p) && !UNDOCUMENTED.contains(&p.as_str()))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes without a #[utoipa::path] in the document: {undocumented:#?}"
    );
    let unserved: Vec<&String> = documented.keys().filter(|p| !served.contains(*p)).collect();
    assert!(
        unserved.is_empty(),
        "documented paths the routers do not serve: {unserved:#?}"
    );

    // At each path, the methods documented are exactly those the server allows: an unsupported
    // method gets 405 with `Allow` (from the route), never the 404 of an unknown path.
    for (path, methods) in &documented {
        let response = app
            .request(Method::TRACE, &concrete(path), None, None)
            .await;
        assert_eq!(response.status, 405, "TRACE {path}: {}", response.text);
        let allowed: BTreeSet<String> = response
            .header("allow")
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        assert_eq!(&allowed, methods, "methods of {path}");
    }

    // Every operation of an account route needs the token; the public ones do not.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let secured = op["security"] == serde_json::json!([{"api_access_token": []}]);
            let public = !path.starts_with("/api/v1/");
            assert_eq!(secured, !public, "{method} {path} security");
            if secured {
                let account_scoped = path.starts_with("/api/v1/accounts/");
                let statuses: &[&str] = if account_scoped {
                    &["200", "401", "404"]
                } else {
                    &["200", "401"]
                };
                for status in statuses {
                    assert!(
                        op["responses"].get(*status).is_some()
                            || (method == "get" && path.ends_with("canned_responses/{id}")),
                        "{method} {path} documents no {status}"
                    );
                }
            }
        }
    }
    // Unauthenticated calls to a few documented routes reach their handlers (401, not the
    // fallback's 404).
    for (method, path) in [
        (Method::GET, "/api/v1/profile"),
        (Method::GET, "/api/v1/accounts/1/conversations/meta"),
        (Method::POST, "/api/v1/accounts/1/contacts/filter"),
        (Method::DELETE, "/api/v1/accounts/1/teams/1/team_members"),
    ] {
        let response = app.request(method.clone(), path, None, None).await;
        assert_eq!(response.status, 401, "{method} {path}: {}", response.text);
    }
    assert_eq!(
        app.get("/api/v1/accounts/1/no_such_resource").await.status,
        404
    );
}

#[tokio::test]
async fn schemas_describe_conversations_and_both_message_bodies() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let conversation = &doc["components"]["schemas"]["Conversation"];
    let required: Vec<&str> = conversation["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in ["id", "account_id", "status", "meta"] {
        assert!(
            conversation["properties"].get(field).is_some() && required.contains(&field),
            "Conversation.{field}"
        );
    }
    assert_eq!(
        conversation["properties"]["meta"]["$ref"],
        "#/components/schemas/ConversationMeta"
    );
    let show = &doc["paths"]["/api/v1/accounts/{account_id}/conversations/{id}"]["get"];
    assert_eq!(
        show["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Conversation"
    );
    assert_eq!(
        show["responses"]["404"]["$ref"],
        "#/components/responses/NotFound"
    );

    let create = &doc["paths"]["/api/v1/accounts/{account_id}/conversations/{id}/messages"]["post"];
    let content = create["requestBody"]["content"]
        .as_object()
        .expect("content");
    assert!(content.contains_key("application/json"), "{content:?}");
    assert!(content.contains_key("multipart/form-data"), "{content:?}");
    let multipart = &doc["components"]["schemas"]["NewMessageMultipart"];
    assert_eq!(
        multipart["properties"]["attachments[]"]["items"]["format"],
        "binary"
    );

    // The error bodies are Chatwoot's.
    let unprocessable = &doc["components"]["schemas"]["ValidationErrorBody"]["properties"];
    assert!(unprocessable.get("message").is_some() && unprocessable.get("attributes").is_some());
    let status = &doc["components"]["schemas"]["Status"]["enum"];
    assert_eq!(
        status,
        &serde_json::json!(["open", "resolved", "pending", "snoozed"])
    );
}

#[tokio::test]
async fn the_docs_page_is_swagger_ui_from_the_binary_over_the_document() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/docs").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.header("content-type")
            .is_some_and(|v| v.starts_with("text/html")),
        "{:?}",
        page.header("content-type")
    );
    assert!(
        page.text.contains("<base href=\"/api/docs/\""),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("href=\"/api/openapi.json\""),
        "{}",
        page.text
    );
    // The trailing-slash spelling reaches the same page.
    assert_eq!(app.get("/api/docs/").await.text, page.text);

    // Every asset is a relative link served from the binary (no CDN).
    let mut assets = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in page.text.split(attribute).skip(1) {
            let link = &piece[..piece.find('"').expect("closing quote")];
            assert!(!link.contains("//"), "external link {link}");
            // Absolute links are the `<base>` and the document; the rest are assets.
            if !link.starts_with('/') {
                assets.push(link.trim_start_matches("./").to_owned());
            }
        }
    }
    for needed in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
    ] {
        assert!(assets.iter().any(|a| a == needed), "{needed}: {assets:?}");
    }
    for asset in &assets {
        let response = app.get(&format!("/api/docs/{asset}")).await;
        assert_eq!(response.status, 200, "{asset}");
        assert!(!response.text.is_empty(), "{asset}");
    }
    let initializer = app.get("/api/docs/swagger-initializer.js").await;
    assert!(
        initializer.text.contains("\"url\": \"/api/openapi.json\""),
        "{}",
        initializer.text
    );
    assert_eq!(app.get("/api/docs/no-such-file.js").await.status, 404);
}
