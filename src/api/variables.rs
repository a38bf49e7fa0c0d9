//! `A/variables`: the message-variable catalogue and a preview of a text rendered in a
//! conversation. Atende's own routes (Chatwoot has no server-side catalogue); open to every
//! member, and the preview only for conversations the member can see.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::ApiCtx;
use super::extract::ApiJson;
use crate::auth::context::Actor;
use crate::error::{Error, Result, json_body};
use crate::messages::variables;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/variables",
            get(list_variables),
        )
        .route(
            "/api/v1/accounts/{account_id}/variables/preview",
            post(preview_variables),
        )
}

/// `GET A/variables`: `{"payload": [{key, kind, description_pt_br, description_en}]}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/variables",
    tag = "Variables",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The fixed variables, then the account's contact and conversation custom attributes", body = super::schemas::VariableList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_variables(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let mut conn = app.db.acquire().await?;
    let entries = variables::catalogue_of(&mut conn, ctx.account_id).await?;
    Ok(json_body(&json!({ "payload": entries })).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct PreviewParams {
    /// The text to render, e.g. `Olá {{ contact.first_name || 'cliente' }}`.
    #[schema(pattern = "\\S")]
    content: Option<String>,
    /// The conversation's display id (a number or a numeric string); without it only the
    /// writer's and the account's variables are known.
    #[schema(value_type = Option<i64>)]
    conversation_id: Option<Value>,
}

/// `POST A/variables/preview {content, conversation_id?}`: the rendered text and the variables
/// that fell back, came out empty or are unknown.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/variables/preview",
    tag = "Variables",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = PreviewParams, description = "The text and, optionally, the conversation to render it in"),
    responses(
        (status = 200, description = "The text as it would be sent now", body = super::schemas::VariablePreview),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn preview_variables(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(params): ApiJson<PreviewParams>,
) -> Result<Response> {
    let display_id = match params.conversation_id {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(bad_conversation)?),
        Some(Value::String(s)) => Some(s.trim().parse().map_err(|_| bad_conversation())?),
        Some(_) => return Err(bad_conversation()),
    };
    let rendered = variables::preview(
        &app,
        &Actor::Member(ctx),
        display_id,
        params.content.as_deref(),
    )
    .await?;
    Ok(json_body(&json!({
        "content": rendered.text,
        "fell_back": rendered.fell_back,
        "empty": rendered.empty,
        "unknown": rendered.unknown,
        "limited": rendered.limited,
    }))
    .into_response())
}

fn bad_conversation() -> Error {
    Error::invalid("conversation_id", "must be a conversation id")
}
