//! `A/webhooks` (Chatwoot `WebhooksController`, administrators): `{payload: {webhooks: [..]}}`
//! wrappers; the create response carries the signing `secret`, shown only then. Atende adds
//! `A/webhooks/{id}/deliveries` (the delivery log) and `…/deliveries/{id}/resend`.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::{ApiParams, Wrapped};
use crate::error::{Result, json_body};
use crate::ids::InboxId;
use crate::shapes::iso;
use crate::state::AppState;
use crate::webhooks::service::{self, Webhook, WebhookInput};

const W: &str = "/api/v1/accounts/{account_id}/webhooks";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(W, get(list_webhooks).post(create_webhook))
        .route(
            &format!("{W}/{{id}}"),
            get(show_webhook)
                .patch(update_webhook)
                .put(update_webhook)
                .delete(delete_webhook),
        )
        .route(&format!("{W}/{{id}}/deliveries"), get(list_deliveries))
        .route(
            &format!("{W}/{{id}}/deliveries/{{delivery}}/resend"),
            post(resend_delivery),
        )
}

fn webhook_json(w: &Webhook) -> Value {
    let mut value = json!({
        "id": w.id,
        "name": w.name,
        "url": w.url,
        "account_id": w.account_id,
        "subscriptions": w.subscriptions,
        "enabled": w.enabled,
        "disabled_reason": w.disabled_reason,
    });
    if let (Some(map), Some((id, name))) = (value.as_object_mut(), &w.inbox) {
        map.insert("inbox".into(), json!({ "id": id, "name": name }));
    }
    value
}

/// `GET A/webhooks`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/webhooks",
    tag = "Webhooks",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The webhooks", body = super::schemas::WebhookList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_webhooks(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let list: Vec<Value> = service::list(&app, &ctx)
        .await?
        .iter()
        .map(webhook_json)
        .collect();
    Ok(json_body(&json!({ "payload": { "webhooks": list } })).into_response())
}

/// `GET A/webhooks/{id}` (Atende).
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/webhooks/{id}",
    tag = "Webhooks",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The webhook's id"),
    ),
    responses(
        (status = 200, description = "The webhook", body = super::schemas::WebhookResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_webhook(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let webhook = service::get(&app, &ctx, id).await?;
    Ok(json_body(&json!({ "payload": { "webhook": webhook_json(&webhook) } })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct WebhookParams {
    /// Where events are POSTed (internal addresses are refused unless allowed by the operator).
    #[schema(format = "uri", pattern = "^https?://")]
    url: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "de::nullable")]
    name: Option<Option<String>>,
    /// Event names to deliver, at least one (Chatwoot's list: `conversation_created`, `message_created`, ...).
    #[schema(schema_with = super::schemas::webhook_events)]
    subscriptions: Option<Vec<String>>,
    /// Only events of this inbox; null for the whole account (a number or numeric string).
    #[serde(default, deserialize_with = "de::nullable_id")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<Option<InboxId>>,
    /// Whether deliveries are made; `true` turns a disabled webhook back on.
    #[serde(default, deserialize_with = "de::opt_bool")]
    enabled: Option<bool>,
}

impl Wrapped for WebhookParams {
    const KEY: &'static str = "webhook";
}

impl From<WebhookParams> for WebhookInput {
    fn from(p: WebhookParams) -> Self {
        WebhookInput {
            url: p.url,
            name: p.name,
            subscriptions: p.subscriptions,
            inbox_id: p.inbox_id,
            enabled: p.enabled,
        }
    }
}

/// `POST A/webhooks`: the response includes `secret`, never shown again.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/webhooks",
    tag = "Webhooks",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = WebhookParams, description = "The fields at the top level, or wrapped as `{\"webhook\": {...}}`"),
    responses(
        (status = 200, description = "The new webhook, with its signing `secret` (shown only here)", body = super::schemas::WebhookResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_webhook(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(p): ApiParams<WebhookParams>,
) -> Result<Response> {
    let (webhook, secret) = service::create(&app, &ctx, p.into()).await?;
    let mut data = webhook_json(&webhook);
    if let Some(map) = data.as_object_mut() {
        map.insert("secret".into(), json!(secret));
    }
    Ok(json_body(&json!({ "payload": { "webhook": data } })).into_response())
}

/// `PATCH A/webhooks/{id}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/webhooks/{id}",
    tag = "Webhooks",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The webhook's id"),
    ),
    request_body(content = WebhookParams, description = "The fields at the top level, or wrapped as `{\"webhook\": {...}}`"),
    responses(
        (status = 200, description = "The updated webhook", body = super::schemas::WebhookResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_webhook(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(p): ApiParams<WebhookParams>,
) -> Result<Response> {
    let webhook = service::update(&app, &ctx, id, p.into()).await?;
    Ok(json_body(&json!({ "payload": { "webhook": webhook_json(&webhook) } })).into_response())
}

/// `DELETE A/webhooks/{id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/webhooks/{id}",
    tag = "Webhooks",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The webhook's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_webhook(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    service::delete(&app, &ctx, id).await?;
    Ok(().into_response())
}

/// `GET A/webhooks/{id}/deliveries` (Atende): the last 100 deliveries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/webhooks/{id}/deliveries",
    tag = "Webhooks",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The webhook's id"),
    ),
    responses(
        (status = 200, description = "The last 100 deliveries, newest first", body = super::schemas::WebhookDeliveryList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_deliveries(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let list: Vec<Value> = service::deliveries(&app, &ctx, id, 100)
        .await?
        .iter()
        .map(|d| {
            json!({
                "id": d.id, "event": d.event, "delivery_id": d.delivery_id, "state": d.state, "attempts": d.attempts,
                "last_status": d.last_status, "last_error": d.last_error, "last_latency_ms": d.last_latency_ms,
                "created_at": iso(d.created_at), "completed_at": d.completed_at.map(iso),
            })
        })
        .collect();
    Ok(json_body(&json!({ "payload": list })).into_response())
}

/// `POST A/webhooks/{id}/deliveries/{delivery}/resend` (Atende): sends a failed delivery again.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/webhooks/{id}/deliveries/{delivery}/resend",
    tag = "Webhooks",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The webhook's id"),
        ("delivery" = i64, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 200, description = "Queued again (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn resend_delivery(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id, delivery)): ApiPath<(i64, i64, i64)>,
) -> Result<Response> {
    service::resend(&app, &ctx, id, delivery).await?;
    Ok(().into_response())
}
