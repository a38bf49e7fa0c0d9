//! `/api/v1/accounts/{account_id}`: the account's settings (Chatwoot `AccountsController`).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::ApiCtx;
use super::de;
use super::extract::{ApiParams, Wrapped};
use crate::accounts::model::Account;
use crate::accounts::service::{self, AccountPatch};
use crate::error::{Result, json_body};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/accounts/{account_id}",
        get(show_account).patch(update_account).put(update_account),
    )
}

fn account_json(account: &Account) -> Value {
    json!({
        "id": account.id,
        "name": account.name,
        "locale": account.locale.code(),
        "timezone": account.timezone,
        "domain": account.domain,
        "support_email": account.support_email,
        "status": account.status,
        "features": {},
        "settings": { "auto_resolve_after": account.auto_resolve_after },
        "custom_attributes": account.custom_attributes,
        "cache_keys": {},
        "created_at": account.created_at,
        "latest_chatwoot_version": env!("CARGO_PKG_VERSION"),
    })
}

/// `GET /api/v1/accounts/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}",
    tag = "Accounts",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = super::schemas::Account),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_account(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    Ok(json_body(&account_json(&service::get_account(&app, &ctx).await?)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct AccountParams {
    /// Account name.
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// `en` or `pt-BR`.
    #[schema(value_type = Option<crate::i18n::Locale>)]
    locale: Option<String>,
    /// IANA time zone.
    #[schema(schema_with = super::schemas::time_zone)]
    timezone: Option<String>,
    /// Chatwoot's `domain` setting; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    domain: Option<Option<String>>,
    /// Sender address of account e-mail; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    #[schema(value_type = Option<String>, format = Email)]
    support_email: Option<Option<String>>,
    /// Minutes of inactivity after which conversations resolve; null turns it off.
    #[serde(default, deserialize_with = "de::nullable_id")]
    #[schema(value_type = Option<i64>, minimum = 10, maximum = 1_439_856)]
    auto_resolve_after: Option<Option<i64>>,
}

impl Wrapped for AccountParams {
    const KEY: &'static str = "account";
}

/// `PATCH /api/v1/accounts/{id}` (administrators).
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}",
    tag = "Accounts",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = AccountParams, description = "The fields at the top level, or wrapped as `{\"account\": {...}}`"),
    responses(
        (status = 200, description = "The updated account", body = super::schemas::Account),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_account(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<AccountParams>,
) -> Result<Response> {
    let auto_resolve_after = params
        .auto_resolve_after
        .map(|v| v.map(|n| i32::try_from(n).unwrap_or(i32::MAX)));
    let patch = AccountPatch {
        name: params.name,
        locale: params.locale,
        timezone: params.timezone,
        domain: params.domain,
        support_email: params.support_email,
        auto_resolve_after,
    };
    Ok(json_body(&account_json(
        &service::update_account(&app, &ctx, patch).await?,
    ))
    .into_response())
}
