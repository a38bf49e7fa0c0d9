//! `A/labels` (Chatwoot `LabelsController`): every member lists; reading one and writing need
//! `label_manage`.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::{ApiParams, Wrapped};
use crate::error::{Result, json_body};
use crate::ids::LabelId;
use crate::labels::{self, Label, LabelInput};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/labels",
            get(list_labels).post(create_label),
        )
        .route(
            "/api/v1/accounts/{account_id}/labels/{id}",
            get(show_label)
                .patch(update_label)
                .put(update_label)
                .delete(delete_label),
        )
}

fn label_json(label: &Label) -> Value {
    json!({
        "id": label.id,
        "title": label.title,
        "description": label.description,
        "color": label.color,
        "show_on_sidebar": label.show_on_sidebar,
    })
}

/// `GET A/labels`: `{"payload": [...]}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/labels",
    tag = "Labels",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The labels", body = super::schemas::LabelList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_labels(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let labels: Vec<Value> = labels::list(&app, &ctx)
        .await?
        .iter()
        .map(label_json)
        .collect();
    Ok(json_body(&json!({ "payload": labels })).into_response())
}

/// `GET A/labels/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/labels/{id}",
    tag = "Labels",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The label's id"),
    ),
    responses(
        (status = 200, description = "The label", body = super::schemas::Label),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_label(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let label = labels::get(&app, &ctx, LabelId(id)).await?;
    Ok(json_body(&label_json(&label)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct LabelParams {
    /// Title (stored lowercase).
    #[schema(pattern = "^[A-Za-z0-9_-]+$")]
    title: Option<String>,
    /// Description; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    description: Option<Option<String>>,
    /// `#RRGGBB`.
    #[schema(pattern = "^#[0-9A-Fa-f]{6}$")]
    color: Option<String>,
    /// Shown in the sidebar.
    #[serde(default, deserialize_with = "de::opt_bool")]
    show_on_sidebar: Option<bool>,
}

impl Wrapped for LabelParams {
    const KEY: &'static str = "label";
}

impl From<LabelParams> for LabelInput {
    fn from(p: LabelParams) -> Self {
        LabelInput {
            title: p.title,
            description: p.description,
            color: p.color,
            show_on_sidebar: p.show_on_sidebar,
        }
    }
}

/// `POST A/labels`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/labels",
    tag = "Labels",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = LabelParams, description = "The fields at the top level, or wrapped as `{\"label\": {...}}`"),
    responses(
        (status = 200, description = "The new label", body = super::schemas::Label),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_label(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<LabelParams>,
) -> Result<Response> {
    let label = labels::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&label_json(&label)).into_response())
}

/// `PATCH A/labels/{id}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/labels/{id}",
    tag = "Labels",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The label's id"),
    ),
    request_body(content = LabelParams, description = "The fields at the top level, or wrapped as `{\"label\": {...}}`"),
    responses(
        (status = 200, description = "The updated label", body = super::schemas::Label),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_label(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<LabelParams>,
) -> Result<Response> {
    let label = labels::update(&app, &ctx, LabelId(id), params.into()).await?;
    Ok(json_body(&label_json(&label)).into_response())
}

/// `DELETE A/labels/{id}`: 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/labels/{id}",
    tag = "Labels",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The label's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_label(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    labels::delete(&app, &ctx, LabelId(id)).await?;
    Ok(().into_response())
}
