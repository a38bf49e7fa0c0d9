//! `A/macros` (Chatwoot `MacrosController`): every member lists global macros and their own,
//! creates personal ones (administrators also global ones), edits and deletes what they may,
//! uploads files for `send_attachment`, and executes a macro on conversations (asynchronous).

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::extract::{ApiJson, ApiParams, Wrapped};
use super::json::iso;
use crate::automation::files;
use crate::error::{Result, json_body};
use crate::macros::{self, Macro, MacroInput, Person};
use crate::state::AppState;

const M: &str = "/api/v1/accounts/{account_id}/macros";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(M, get(list_macros).post(create_macro))
        .route(
            &format!("{M}/attach_file"),
            post(attach_macro_file).layer(DefaultBodyLimit::max(45 * 1024 * 1024)),
        )
        .route(
            &format!("{M}/{{id}}"),
            get(show_macro)
                .patch(update_macro)
                .put(update_macro)
                .delete(delete_macro),
        )
        .route(&format!("{M}/{{id}}/execute"), post(execute_macro))
}

fn person_json(p: &Option<Person>) -> Value {
    match p {
        Some(p) => json!({ "id": p.id, "name": p.name, "email": p.email }),
        None => Value::Null,
    }
}

fn macro_json(m: &Macro) -> Value {
    json!({
        "id": m.id,
        "account_id": m.account_id,
        "name": m.name,
        "visibility": m.visibility,
        "actions": m.actions,
        "created_by": person_json(&m.created_by),
        "updated_by": person_json(&m.updated_by),
        "files": m.files.iter().map(|f| super::automation_rules::file_json(f, m.account_id, "macro_id", m.id)).collect::<Vec<_>>(),
        "created_at": iso(m.created_at),
        "updated_at": iso(m.updated_at),
    })
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct MacroParams {
    /// Name.
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// `personal` (default) or `global` (administrators); Chatwoot's 0/1 work too.
    #[serde(default, deserialize_with = "super::de::opt_text")]
    #[schema(value_type = Option<crate::macros::Visibility>)]
    visibility: Option<String>,
    /// `[{action_name, action_params}]`, run in order.
    #[schema(schema_with = super::schemas::macro_actions)]
    actions: Option<Value>,
}

impl Wrapped for MacroParams {
    const KEY: &'static str = "macro";
}

impl From<MacroParams> for MacroInput {
    fn from(p: MacroParams) -> Self {
        MacroInput {
            name: p.name,
            visibility: p.visibility,
            actions: p.actions,
        }
    }
}

/// `GET A/macros`: `{payload: [macro]}`, global ones and the caller's personal ones.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/macros",
    tag = "Macros",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The macros the caller may run", body = super::schemas::MacroList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_macros(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let list = macros::list(&app, &ctx).await?;
    let payload: Vec<Value> = list.iter().map(macro_json).collect();
    Ok(json_body(&json!({ "payload": payload })).into_response())
}

/// `GET A/macros/{id}`: `{payload: macro}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/macros/{id}",
    tag = "Macros",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The macro's id"),
    ),
    responses(
        (status = 200, description = "The macro", body = super::schemas::MacroPayload),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_macro(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let found = macros::get(&app, &ctx, id).await?;
    Ok(json_body(&json!({ "payload": macro_json(&found) })).into_response())
}

/// `POST A/macros`: `{payload: macro}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/macros",
    tag = "Macros",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = MacroParams, description = "The macro at the top level, or wrapped as `{\"macro\": {...}}`"),
    responses(
        (status = 200, description = "The new macro", body = super::schemas::MacroPayload),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_macro(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<MacroParams>,
) -> Result<Response> {
    let created = macros::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&json!({ "payload": macro_json(&created) })).into_response())
}

/// `PATCH A/macros/{id}`: `{payload: macro}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/macros/{id}",
    tag = "Macros",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The macro's id"),
    ),
    request_body(content = MacroParams, description = "The fields to change"),
    responses(
        (status = 200, description = "The macro", body = super::schemas::MacroPayload),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_macro(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<MacroParams>,
) -> Result<Response> {
    let updated = macros::update(&app, &ctx, id, params.into()).await?;
    Ok(json_body(&json!({ "payload": macro_json(&updated) })).into_response())
}

/// `DELETE A/macros/{id}`: 200, empty.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/macros/{id}",
    tag = "Macros",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The macro's id"),
    ),
    responses(
        (status = 200, description = "Deleted"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_macro(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    macros::delete(&app, &ctx, id).await?;
    Ok(().into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ExecuteParams {
    /// Display ids of the conversations to run the macro on.
    #[serde(default, deserialize_with = "super::de::ids")]
    #[schema(value_type = Vec<i64>)]
    conversation_ids: Vec<i64>,
}

/// `POST A/macros/{id}/execute {conversation_ids}`: queued; runs as the caller.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/macros/{id}/execute",
    tag = "Macros",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The macro's id"),
    ),
    request_body(content = ExecuteParams, description = "The conversations (display ids)"),
    responses(
        (status = 200, description = "Queued: the actions run in the background, as the caller"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn execute_macro(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<ExecuteParams>,
) -> Result<Response> {
    macros::execute(&app, &ctx, id, params.conversation_ids).await?;
    Ok(().into_response())
}

/// `POST A/macros/attach_file` (multipart `attachment`): `{blob_key, blob_id}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/macros/attach_file",
    tag = "Macros",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(description = "multipart/form-data with one `attachment` file", content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The uploaded file's id", body = super::schemas::UploadedBlob),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
        (status = 413, response = super::schemas::PayloadTooLarge),
    ),
    security(("api_access_token" = []))
)]
async fn attach_macro_file(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    request: Request,
) -> Result<Response> {
    let upload = super::automation_rules::read_upload(&app, request).await?;
    let file = files::upload(&app, ctx.account_id, upload).await?;
    Ok(json_body(&json!({
        "blob_key": file.id.to_string(),
        "blob_id": file.id,
        "filename": file.filename,
        "file_type": file.content_type,
        "byte_size": file.byte_size,
    }))
    .into_response())
}
