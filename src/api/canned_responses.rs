//! `A/canned_responses` (Chatwoot `CannedResponsesController`): every member lists and searches;
//! writing needs `canned_response_manage`. Rows render raw, with ISO times.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::extract::{ApiParams, QueryPairs, Wrapped};
use super::json::iso;
use crate::canned::{self, CannedResponse, CannedResponseId, CannedResponseInput};
use crate::error::{Error, Result, json_body};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/canned_responses",
            get(list_canned_responses).post(create_canned_response),
        )
        .route(
            "/api/v1/accounts/{account_id}/canned_responses/{id}",
            get(show_canned_response)
                .patch(update_canned_response)
                .put(update_canned_response)
                .delete(delete_canned_response),
        )
}

fn canned_json(c: &CannedResponse) -> Value {
    json!({
        "id": c.id,
        "account_id": c.account_id,
        "short_code": c.short_code,
        "content": c.content,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    })
}

/// `GET A/canned_responses[?search=]`: a bare array, best matches first when searching.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/canned_responses",
    tag = "Canned responses",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("search" = Option<String>, Query, description = "Only those whose short code or content contains this text, best matches first"),
    ),
    responses(
        (status = 200, description = "The canned responses (a bare array)", body = Vec<super::schemas::CannedResponse>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_canned_responses(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let rows: Vec<Value> = canned::list(&app, &ctx, query.get("search"))
        .await?
        .iter()
        .map(canned_json)
        .collect();
    Ok(json_body(&Value::Array(rows)).into_response())
}

/// `GET A/canned_responses/{id}`: Chatwoot has no such route, so 404 (not 405).
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/canned_responses/{id}",
    tag = "Canned responses",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The canned response's id"),
    ),
    responses(
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_canned_response() -> Error {
    Error::NotFound
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct CannedResponseParams {
    /// The `/short_code` typed in the composer.
    #[schema(pattern = "\\S")]
    short_code: Option<String>,
    /// The text; may use variables such as `{{ contact.name }}`.
    #[schema(pattern = "\\S")]
    content: Option<String>,
}

impl Wrapped for CannedResponseParams {
    const KEY: &'static str = "canned_response";
}

impl From<CannedResponseParams> for CannedResponseInput {
    fn from(p: CannedResponseParams) -> Self {
        CannedResponseInput {
            short_code: p.short_code,
            content: p.content,
        }
    }
}

/// `POST A/canned_responses`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/canned_responses",
    tag = "Canned responses",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = CannedResponseParams, description = "The fields at the top level, or wrapped as `{\"canned_response\": {...}}`"),
    responses(
        (status = 200, description = "The new canned response", body = super::schemas::CannedResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_canned_response(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<CannedResponseParams>,
) -> Result<Response> {
    let created = canned::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&canned_json(&created)).into_response())
}

/// `PATCH A/canned_responses/{id}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/canned_responses/{id}",
    tag = "Canned responses",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The canned response's id"),
    ),
    request_body(content = CannedResponseParams, description = "The fields at the top level, or wrapped as `{\"canned_response\": {...}}`"),
    responses(
        (status = 200, description = "The updated canned response", body = super::schemas::CannedResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_canned_response(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<CannedResponseParams>,
) -> Result<Response> {
    let updated = canned::update(&app, &ctx, CannedResponseId(id), params.into()).await?;
    Ok(json_body(&canned_json(&updated)).into_response())
}

/// `DELETE A/canned_responses/{id}`: 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/canned_responses/{id}",
    tag = "Canned responses",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The canned response's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_canned_response(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    canned::delete(&app, &ctx, CannedResponseId(id)).await?;
    Ok(().into_response())
}
