//! The OpenAPI document of the JSON API, assembled from the handlers' `#[utoipa::path]`
//! attributes, served at `GET /api/openapi.json`, and the Swagger UI page that reads it at
//! `GET /api/docs` (embedded in the binary by `utoipa-swagger-ui`'s `vendored` feature: no CDN).
//!
//! Every route of `api::router()` and `ops::router()` must be listed in `paths(...)` below:
//! `tests/app/resources/openapi.rs` compares the document with the routers and fails otherwise.

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::Config;

use super::schemas::{
    Conflict, ErrorBody, NotFound, PayloadTooLarge, SignInRequired, Unauthorized, UnauthorizedBody,
    Unprocessable, UnprocessableBody, ValidationErrorBody,
};
use crate::error::Error;
use crate::state::AppState;

/// Where the document is served.
pub const SPEC_URL: &str = "/api/openapi.json";
/// Where the Swagger UI page is served; its assets live under `{DOCS_URL}/`.
pub const DOCS_URL: &str = "/api/docs";
/// The security scheme (and header) of authenticated routes.
pub const TOKEN_HEADER: &str = "api_access_token";

const DESCRIPTION: &str = "\
Atende's JSON API: a compatible subset of [Chatwoot's Application API v1]\
(https://developers.chatwoot.com/api-reference/introduction). Paths, headers, JSON shapes, list \
wrappers and error bodies are Chatwoot's, so existing Chatwoot clients work unchanged.

* Authenticate with the user's token in the `api_access_token` header (`Api-Access-Token` works \
too); an `Authorization: Bearer` header is ignored.
* Conversations are addressed by their per-account **display id**.
* Bodies of endpoints whose Chatwoot controller calls `params.require(:key)` may be sent at the \
top level or wrapped (`{\"label\": {...}}`); `application/x-www-form-urlencoded` is accepted \
too, and ids and booleans may be strings.
* Permission denials are **401** (as Chatwoot), unknown ids 404, invalid input 422.

Webhook deliveries are signed: see `docs/API.md` (\"Webhooks\", \"Verifying a delivery\") in the \
Atende repository for the headers and the signature check.";

/// The document. `paths(...)` lists every handler; the test suite checks it against the routers.
#[derive(OpenApi)]
#[openapi(
    info(title = "Atende API", description = DESCRIPTION),
    paths(
        crate::ops::api_info,
        crate::ops::healthz,
        crate::ops::readyz,
        crate::ops::metrics,
        openapi_json,
        docs_page,
        super::profile::show_profile,
        super::profile::update_profile,
        super::profile::update_availability,
        super::profile::reset_access_token,
        super::profile::set_active_account,
        super::accounts::show_account,
        super::accounts::update_account,
        super::agents::list_agents,
        super::agents::create_agent,
        super::agents::update_agent,
        super::agents::delete_agent,
        super::custom_roles::list_custom_roles,
        super::custom_roles::create_custom_role,
        super::custom_roles::show_custom_role,
        super::custom_roles::update_custom_role,
        super::custom_roles::delete_custom_role,
        super::inboxes::list_inboxes,
        super::inboxes::create_inbox,
        super::inboxes::show_inbox,
        super::inboxes::update_inbox,
        super::inboxes::delete_inbox,
        super::inboxes::show_agent_bot,
        super::inboxes::set_agent_bot,
        super::inboxes::add_members,
        super::inboxes::replace_members,
        super::inboxes::remove_members,
        super::inboxes::list_members,
        super::inboxes::remove_members_by_path,
        super::contacts::list_contacts,
        super::contacts::create_contact,
        super::contacts::search_contacts,
        super::contacts::filter_contacts,
        super::contacts::active_contacts,
        super::contacts::show_contact,
        super::contacts::update_contact,
        super::contacts::delete_contact,
        super::contacts::contact_conversations,
        super::contacts::create_contact_inbox,
        super::contacts::contactable_inboxes,
        super::contacts::contact_labels,
        super::contacts::set_contact_labels,
        super::contacts::destroy_custom_attributes,
        super::contacts::list_notes,
        super::contacts::create_note,
        super::contacts::show_note,
        super::contacts::update_note,
        super::contacts::delete_note,
        super::contacts::merge_contacts,
        super::conversations::list_conversations,
        super::conversations::create_conversation,
        super::conversations::conversation_meta,
        super::conversations::search_conversations,
        super::conversations::filter_conversations,
        super::conversations::show_conversation,
        super::conversations::update_conversation,
        super::conversations::delete_conversation,
        super::conversations::toggle_status,
        super::conversations::toggle_priority,
        super::conversations::create_assignment,
        super::conversations::conversation_labels,
        super::conversations::set_conversation_labels,
        super::conversations::set_custom_attributes,
        super::conversations::mute_conversation,
        super::conversations::unmute_conversation,
        super::conversations::update_last_seen,
        super::conversations::mark_unread,
        super::conversations::list_participants,
        super::conversations::add_participants,
        super::conversations::replace_participants,
        super::conversations::remove_participants,
        super::conversations::bulk_actions,
        super::messages::list_messages,
        super::messages::create_message,
        super::messages::update_message,
        super::messages::delete_message,
        super::messages::serve_file,
        super::labels::list_labels,
        super::labels::create_label,
        super::labels::show_label,
        super::labels::update_label,
        super::labels::delete_label,
        super::teams::list_teams,
        super::teams::create_team,
        super::teams::show_team,
        super::teams::update_team,
        super::teams::delete_team,
        super::teams::list_team_members,
        super::teams::add_team_members,
        super::teams::replace_team_members,
        super::teams::remove_team_members,
        super::canned_responses::list_canned_responses,
        super::canned_responses::create_canned_response,
        super::canned_responses::show_canned_response,
        super::canned_responses::update_canned_response,
        super::canned_responses::delete_canned_response,
        super::custom_attributes::list_custom_attribute_definitions,
        super::custom_attributes::create_custom_attribute_definition,
        super::custom_attributes::show_custom_attribute_definition,
        super::custom_attributes::update_custom_attribute_definition,
        super::custom_attributes::delete_custom_attribute_definition,
        super::webhooks::list_webhooks,
        super::webhooks::create_webhook,
        super::webhooks::show_webhook,
        super::webhooks::update_webhook,
        super::webhooks::delete_webhook,
        super::webhooks::list_deliveries,
        super::webhooks::resend_delivery,
        super::public::update_last_seen,
        super::variables::list_variables,
        super::variables::preview_variables,
        super::automation_rules::list_rules,
        super::automation_rules::show_rule,
        super::automation_rules::create_rule,
        super::automation_rules::update_rule,
        super::automation_rules::delete_rule,
        super::automation_rules::clone_rule,
        super::automation_rules::list_runs,
        super::automation_rules::attach_rule_file,
        super::macros::list_macros,
        super::macros::show_macro,
        super::macros::create_macro,
        super::macros::update_macro,
        super::macros::delete_macro,
        super::macros::execute_macro,
        super::macros::attach_macro_file,
    ),
    components(
        responses(Unauthorized, NotFound, Conflict, Unprocessable, PayloadTooLarge),
        schemas(UnauthorizedBody, UnprocessableBody, SignInRequired, ValidationErrorBody, ErrorBody),
    ),
    modifiers(&Finish),
    tags(
        (name = "Profile", description = "The caller's own user (no account in the path)."),
        (name = "Accounts", description = "The account's settings."),
        (name = "Agents", description = "The account's members."),
        (name = "Custom roles", description = "Permission sets that refine the agent role (administrators)."),
        (name = "Inboxes", description = "Channels and who works in them."),
        (name = "Contacts", description = "Customers, their inboxes, labels and notes."),
        (name = "Conversations", description = "Conversations, addressed by display id, and their actions."),
        (name = "Messages", description = "Messages of a conversation, and attachment files."),
        (name = "Labels", description = "The account's labels."),
        (name = "Teams", description = "Teams and their members."),
        (name = "Canned responses", description = "Saved replies."),
        (name = "Custom attributes", description = "Definitions of custom attributes of conversations and contacts."),
        (name = "Automation rules", description = "Rules that act on events: conditions evaluated in order (AND before OR), actions run in order, and a run log (administrators and automation_manage)."),
        (name = "Macros", description = "Saved action lists members run on conversations."),
        (name = "Variables", description = "Message variables: the catalogue and a preview of a rendered text."),
        (name = "Webhooks", description = "Account webhooks and their delivery log (administrators)."),
        (name = "Public", description = "Chatwoot's public client API (no token)."),
        (name = "Operations", description = "Health, readiness, metrics, version, and this document."),
    )
)]
pub struct ApiDoc;

/// Adds the `api_access_token` security scheme, sets the version, and gives the `PUT` twin of
/// a `PATCH` operation (one handler serves both) its own operation id.
struct Finish;

impl Modify for Finish {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TOKEN_HEADER,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                TOKEN_HEADER,
                "The user's access token (shown on the profile page; `Api-Access-Token` works too)",
            ))),
        );
        for item in openapi.paths.paths.values_mut() {
            let patch_id = item.patch.as_ref().and_then(|op| op.operation_id.clone());
            if let (Some(put), Some(patch_id)) = (item.put.as_mut(), patch_id)
                && put.operation_id.as_deref() == Some(patch_id.as_str())
            {
                put.operation_id = Some(format!("{patch_id}_put"));
            }
        }
    }
}

/// What a create refuses to do without. Create and update share one params type whose fields
/// are all optional (an update changes what it names), so the document of each `POST` that
/// creates says which fields it needs; a dotted name is a field of a nested object.
const REQUIRED_ON_CREATE: &[(&str, &[&str])] = &[
    ("/api/v1/accounts/{account_id}/agents", &["email", "name"]),
    (
        "/api/v1/accounts/{account_id}/automation_rules",
        &["name", "event_name", "actions"],
    ),
    (
        "/api/v1/accounts/{account_id}/canned_responses",
        &["short_code", "content"],
    ),
    (
        "/api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes",
        &["inbox_id"],
    ),
    (
        "/api/v1/accounts/{account_id}/contacts/{id}/notes",
        &["content"],
    ),
    (
        "/api/v1/accounts/{account_id}/custom_attribute_definitions",
        &["attribute_display_name", "attribute_key"],
    ),
    ("/api/v1/accounts/{account_id}/custom_roles", &["name"]),
    (
        "/api/v1/accounts/{account_id}/inbox_members",
        &["inbox_id", "user_ids"],
    ),
    (
        "/api/v1/accounts/{account_id}/inboxes",
        &["name", "channel", "channel.type"],
    ),
    ("/api/v1/accounts/{account_id}/labels", &["title"]),
    ("/api/v1/accounts/{account_id}/macros", &["name", "actions"]),
    ("/api/v1/accounts/{account_id}/teams", &["name"]),
    (
        "/api/v1/accounts/{account_id}/webhooks",
        &["url", "subscriptions"],
    ),
    (
        "/api/v1/accounts/{account_id}/variables/preview",
        &["content"],
    ),
    (
        "/api/v1/accounts/{account_id}/conversations/{id}/messages",
        &["content"],
    ),
    (
        "/api/v1/accounts/{account_id}/bulk_actions",
        &["type", "ids"],
    ),
];

/// The JSON request body schema of `POST path`.
fn post_body<'a>(doc: &'a mut Value, path: &str) -> &'a mut Value {
    doc["paths"][path]["post"]
        .pointer_mut("/requestBody/content/application~1json/schema")
        .unwrap_or_else(|| panic!("POST {path} has a JSON body"))
}

/// The schema `schema` points to (a `$ref` into the components), or itself.
fn resolved(doc: &Value, schema: &Value) -> Value {
    match schema["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .cloned()
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => schema.clone(),
    }
}

/// `schema` without its null alternative: `["string", "null"]` → `"string"`, a `oneOf` of a
/// reference and null → the reference, an enum without null.
fn non_null(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(alternatives) = schema["oneOf"].as_array()
        && let [only] = alternatives
            .iter()
            .filter(|s| s["type"] != "null")
            .collect::<Vec<_>>()[..]
    {
        return only.clone();
    }
    if let Some(types) = schema["type"].as_array() {
        let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        schema["type"] = match &types[..] {
            [one] => one.clone(),
            _ => Value::Array(types),
        };
    }
    if let Some(values) = schema["enum"].as_array() {
        schema["enum"] = values.iter().filter(|v| !v.is_null()).cloned().collect();
    }
    schema
}

/// `{"allOf": [base], "required": [...], "properties": {field: non-null}}` for `fields` of
/// `base` (nested ones through their dotted names).
fn requiring(doc: &Value, base: &Value, fields: &[&str]) -> Value {
    let object = resolved(doc, base);
    let mut required = Vec::new();
    let mut properties = serde_json::Map::new();
    for field in fields.iter().filter(|f| !f.contains('.')) {
        let inner: Vec<&str> = fields
            .iter()
            .filter_map(|f| f.strip_prefix(field)?.strip_prefix('.'))
            .collect();
        let schema = non_null(&object["properties"][*field]);
        assert!(!schema.is_null(), "no field {field} in {base}");
        let schema = if inner.is_empty() {
            schema
        } else {
            requiring(doc, &schema, &inner)
        };
        required.push(Value::from(*field));
        properties.insert((*field).to_owned(), schema);
    }
    serde_json::json!({"allOf": [base], "required": required, "properties": properties})
}

/// The served document: utoipa's, with [`REQUIRED_ON_CREATE`] applied.
fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    for (path, fields) in REQUIRED_ON_CREATE {
        let base = post_body(&mut doc, path).clone();
        let schema = requiring(&doc, &base, fields);
        *post_body(&mut doc, path) = schema;
    }
    // Every API operation refuses malformed input with a 422, whether or not it reads a body:
    // a NUL character anywhere in the query string is one.
    for (path, item) in doc["paths"].as_object_mut().expect("paths") {
        if !path.starts_with("/api/v1/") && !path.starts_with("/public/") {
            continue;
        }
        for operation in item.as_object_mut().expect("path item").values_mut() {
            if let Some(responses) = operation["responses"].as_object_mut() {
                responses.entry("422").or_insert_with(
                    || serde_json::json!({"$ref": "#/components/responses/Unprocessable"}),
                );
            }
        }
    }
    // A conversation is created for a contact inbox known by its source id, or for a contact
    // in an inbox.
    let body = post_body(&mut doc, "/api/v1/accounts/{account_id}/conversations");
    let base = body.clone();
    *body = serde_json::json!({
        "allOf": [base],
        "anyOf": [
            {"required": ["source_id"], "not": {"required": ["contact_id"]}},
            {"required": ["inbox_id", "contact_id"]},
        ],
    });
    doc
}

static SPEC: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&document()).expect("the OpenAPI document serializes"));

static SWAGGER: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    // The token typed into "Authorize" is kept in memory only (no `persist_authorization`).
    Arc::new(Config::from(SPEC_URL))
});

/// `GET /api/openapi.json` and the docs page with its assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(SPEC_URL, get(openapi_json))
        .route(DOCS_URL, get(docs_page))
        .route(&format!("{DOCS_URL}/{{*file}}"), get(docs_asset))
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "Operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        SPEC.as_str(),
    )
        .into_response()
}

/// `GET /api/docs`: Swagger UI over this document. Its assets are relative links, resolved
/// under `/api/docs/` by a `<base>` element (the app trims trailing slashes, so the page
/// itself cannot live at `/api/docs/`).
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "Operations",
    responses((status = 200, description = "The API docs page (Swagger UI)", content_type = "text/html"))
)]
async fn docs_page() -> Response {
    match utoipa_swagger_ui::serve("index.html", SWAGGER.clone()) {
        Ok(Some(file)) => {
            let html = String::from_utf8_lossy(&file.bytes)
                .replacen(
                    "<head>",
                    &format!("<head>\n    <base href=\"{DOCS_URL}/\" />"),
                    1,
                )
                .replacen("<title>Swagger UI</title>", "<title>Atende API</title>", 1)
                .replacen(
                    "<body>",
                    &format!(
                        "<body>\n    <noscript>This page needs JavaScript. The OpenAPI document \
                         is at <a href=\"{SPEC_URL}\">{SPEC_URL}</a>.</noscript>"
                    ),
                    1,
                );
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                )],
                html,
            )
                .into_response()
        }
        Ok(None) => Error::NotFound.into_response(),
        Err(e) => Error::Other(anyhow::anyhow!("swagger ui: {e}")).into_response(),
    }
}

/// `GET /api/docs/{file}`: a Swagger UI asset (CSS, JS, the initializer pointing at the spec).
async fn docs_asset(Path(file): Path<String>) -> Response {
    match utoipa_swagger_ui::serve(&file, SWAGGER.clone()) {
        Ok(Some(file)) => {
            let mut response = (
                [(header::CONTENT_TYPE, file.content_type)],
                file.bytes.into_owned(),
            )
                .into_response();
            if file.gzpipped {
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => Error::NotFound.into_response(),
        Err(e) => Error::Other(anyhow::anyhow!("swagger ui: {e}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn served() -> Value {
        serde_json::from_str(&SPEC).expect("JSON")
    }

    fn refs(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            out.insert(r.clone());
                        }
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_to_a_component() {
        let doc = served();
        if let Ok(path) = std::env::var("ATENDE_OPENAPI_DUMP") {
            std::fs::write(path, SPEC.as_str()).expect("dump");
        }
        let mut found = BTreeSet::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let pointer = r.strip_prefix('#').expect("local reference");
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
    }

    #[test]
    fn operation_ids_are_unique_and_every_operation_has_a_tag_and_a_200_or_404() {
        let doc = served();
        let mut ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                let id = op["operationId"].as_str().expect("operationId");
                assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
                assert!(op["tags"][0].is_string(), "{method} {path}: no tag");
                let responses = op["responses"].as_object().expect("responses");
                assert!(
                    responses.contains_key("200") || responses.contains_key("404"),
                    "{method} {path}: no response"
                );
            }
        }
    }
}
