//! `A/conversations/{id}/messages` (Chatwoot `MessagesController`): JSON and multipart
//! creation (Evolution API sends multipart with string booleans, `content_attributes` as a JSON
//! string and `attachments[]` files), delivery status updates and soft deletion. Also serves
//! attachment files at their signed URLs.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::extract::{ApiJson, QueryPairs, from_value};
use super::json;
use crate::auth::context::Actor;
use crate::error::{Error, Result, json_body};
use crate::ids::{AttachmentId, MessageId};
use crate::messages::model::{MessageStatus, MessageType};
use crate::messages::service::{self as messages, MessageInput};
use crate::state::AppState;
use crate::storage::{self, Upload};

const M: &str = "/api/v1/accounts/{account_id}/conversations/{id}/messages";
/// Request body limit of message creation: up to 15 files of 40 MB, bounded at 100 MB total.
const UPLOAD_LIMIT: usize = 100 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            M,
            get(list_messages)
                .post(create_message)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            &format!("{M}/{{message_id}}"),
            patch(update_message)
                .put(update_message)
                .delete(delete_message),
        )
        .route("/files/{id}/{signature}/{name}", get(serve_file))
}

/// `GET …/messages?before=&after=`: `{meta, payload}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/messages",
    tag = "Messages",
    params(
        super::schemas::ConversationPath,
        ("before" = Option<i64>, Query, description = "The 20 messages before this message id"),
        ("after" = Option<i64>, Query, description = "Up to 100 messages after this message id"),
        ("filter_internal_messages" = Option<bool>, Query, description = "`true` leaves private notes out"),
    ),
    responses(
        (status = 200, description = "The latest 20 messages (or the page asked for), oldest first", body = super::schemas::MessageList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn list_messages(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    query: QueryPairs,
) -> Result<Response> {
    let include_private = query.get("filter_internal_messages") != Some("true");
    let actor = Actor::Member(ctx);
    let (c, views) = messages::list(
        &app,
        &actor,
        id,
        query.int("before")?,
        query.int("after")?,
        include_private,
    )
    .await?;
    let mut conn = app.db.acquire().await?;
    let view = crate::conversations::service::view(&mut conn, actor.account_id(), c).await?;
    let mut meta = json!({
        "labels": view.conversation.labels,
        "additional_attributes": view.conversation.additional_attributes,
        "contact": json::contact_push(&view.contact),
        "agent_last_seen_at": json::unix(view.conversation.agent_last_seen_at),
        "assignee_last_seen_at": json::unix(view.conversation.assignee_last_seen_at),
    });
    if let (Some(map), Some(assignee)) = (meta.as_object_mut(), &view.assignee) {
        map.insert("assignee".into(), json::value(json::agent_push(assignee)));
    }
    let payload: Vec<_> = views.iter().map(|m| json::message(&app, m)).collect();
    Ok(json_body(&MessagesJson { meta, payload }).into_response())
}

/// `GET …/messages`: `{meta, payload}`.
#[derive(serde::Serialize)]
struct MessagesJson<'a> {
    meta: Value,
    payload: Vec<json::MessageJson<'a>>,
}

fn parse_message_type(value: &Value) -> Result<MessageType> {
    let invalid = || {
        Error::invalid(
            "message_type",
            "is not one of: incoming, outgoing, template",
        )
    };
    match value {
        Value::Null => Ok(MessageType::Outgoing),
        Value::Number(n) => n
            .as_i64()
            .and_then(MessageType::from_int)
            .ok_or_else(invalid),
        Value::String(s) if s.is_empty() => Ok(MessageType::Outgoing),
        Value::String(s) => match s.parse::<i64>() {
            Ok(n) => MessageType::from_int(n).ok_or_else(invalid),
            Err(_) => MessageType::parse(s).ok_or_else(invalid),
        },
        _ => Err(invalid()),
    }
}

/// `content_attributes` arrives as an object, or as a JSON string from multipart clients.
fn parse_content_attributes(value: Option<Value>) -> Result<Value> {
    match value {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(json!({})),
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| Error::invalid("content_attributes", "is not a JSON object")),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(Error::invalid("content_attributes", "must be an object")),
    }
}

#[derive(Debug, Default, Deserialize)]
struct MessageParams {
    content: Option<String>,
    #[serde(default, deserialize_with = "super::de::opt_bool")]
    private: Option<bool>,
    content_type: Option<String>,
    content_attributes: Option<Value>,
    source_id: Option<String>,
    echo_id: Option<String>,
}

fn input_from(fields: Value, attachments: Vec<Upload>) -> Result<MessageInput> {
    let message_type = parse_message_type(fields.get("message_type").unwrap_or(&Value::Null))?;
    let p: MessageParams = from_value(fields)?;
    Ok(MessageInput {
        content: p.content,
        message_type,
        private: p.private.unwrap_or(false),
        content_type: p.content_type.filter(|c| !c.is_empty()),
        content_attributes: parse_content_attributes(p.content_attributes)?,
        source_id: p.source_id,
        echo_id: p.echo_id,
        attachments,
    })
}

/// Reads a multipart body: text fields into an object, `<file_field>` (or `<file_field>[]`)
/// parts into uploads.
pub(super) async fn read_multipart(
    mut multipart: Multipart,
    file_field: &str,
) -> Result<(Value, Vec<Upload>)> {
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::BadRequest(format!("malformed multipart body: {}", e.body_text()).into())
        }
    };
    let mut fields = serde_json::Map::new();
    let mut uploads = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name.trim_end_matches("[]") == file_field {
            let filename = field.file_name().unwrap_or("file").to_owned();
            let declared_type = field.content_type().map(str::to_owned);
            let bytes: Bytes = field.bytes().await.map_err(malformed)?;
            uploads.push(Upload {
                filename,
                declared_type,
                bytes,
            });
        } else {
            let text = field.text().await.map_err(malformed)?;
            fields.insert(name, Value::String(text));
        }
    }
    Ok((Value::Object(fields), uploads))
}

/// `POST …/messages`: JSON or multipart.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/messages",
    tag = "Messages",
    params(super::schemas::ConversationPath),
    request_body(description = "JSON, or multipart with `attachments[]` files", content((super::schemas::NewMessage = "application/json"), (super::schemas::NewMessageMultipart = "multipart/form-data"))),
    responses(
        (status = 200, description = "The new message", body = super::schemas::Message),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
        (status = 413, response = super::schemas::PayloadTooLarge),
    ),
    security(("api_access_token" = []))
)]
async fn create_message(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    request: Request,
) -> Result<Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let input = if multipart {
        let body = Multipart::from_request(request, &app).await.map_err(|e| {
            Error::BadRequest(format!("malformed multipart body: {}", e.body_text()).into())
        })?;
        let (fields, uploads) = read_multipart(body, "attachments").await?;
        input_from(fields, uploads)?
    } else {
        let ApiJson(fields) = ApiJson::<Value>::from_request(request, &app).await?;
        input_from(fields, Vec::new())?
    };
    let view = messages::create(&app, &Actor::Member(ctx), id, input).await?;
    Ok(json_body(&json::message(&app, &view)).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = MessageStatusUpdate)]
struct StatusParams {
    /// `sent`, `delivered`, `read` or `failed`.
    status: MessageStatus,
    /// Why delivery failed.
    external_error: Option<String>,
}

/// `PATCH …/messages/{message_id}`: delivery status from the channel (API inboxes only).
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/conversations/{id}/messages/{message_id}",
    tag = "Messages",
    params(
        super::schemas::ConversationPath,
        ("message_id" = i64, Path, description = "The message's id"),
    ),
    request_body(content = StatusParams, description = "A delivery status from the channel (API inboxes only)"),
    responses(
        (status = 200, description = "The message", body = super::schemas::Message),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
        (status = 403, description = "Not an API inbox", body = super::schemas::ErrorBody),
    ),
    security(("api_access_token" = []))
)]
async fn update_message(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id, message)): ApiPath<(i64, i64, i64)>,
    ApiJson(p): ApiJson<StatusParams>,
) -> Result<Response> {
    let view = messages::update_status(
        &app,
        &Actor::Member(ctx),
        id,
        MessageId(message),
        p.status,
        p.external_error,
    )
    .await?;
    Ok(json_body(&json::message(&app, &view)).into_response())
}

/// `DELETE …/messages/{message_id}`: the soft-deleted message.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/messages/{message_id}",
    tag = "Messages",
    params(
        super::schemas::ConversationPath,
        ("message_id" = i64, Path, description = "The message's id"),
    ),
    responses(
        (status = 200, description = "The soft-deleted message", body = super::schemas::Message),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_message(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id, message)): ApiPath<(i64, i64, i64)>,
) -> Result<Response> {
    let view = messages::delete(&app, &Actor::Member(ctx), id, MessageId(message)).await?;
    Ok(json_body(&json::message(&app, &view)).into_response())
}

/// `GET /files/{id}/{signature}/{name}`: an attachment's bytes, while the link's signed expiry
/// has not passed (an expired, altered or forged link is a 404, whatever the reason). Images,
/// audio, video and PDFs are shown inline; everything else downloads, and nothing is sniffed by
/// the browser.
#[utoipa::path(
    get,
    path = "/files/{id}/{signature}/{name}",
    tag = "Messages",
    params(
        ("id" = i64, Path, description = "The attachment's id"),
        ("signature" = String, Path, description = "The signature from the attachment's `data_url`"),
        ("name" = String, Path, description = "The file name (not checked)"),
    ),
    responses(
        (status = 200, description = "The file; images, audio, video and PDFs inline, others as downloads", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, response = super::schemas::NotFound),
    )
)]
async fn serve_file(
    State(app): State<AppState>,
    ApiPath((id, signature, _name)): ApiPath<(i64, String, String)>,
) -> Result<Response> {
    let id = AttachmentId(id);
    if !storage::verify(&app, id, &signature) {
        return Err(Error::NotFound);
    }
    let attachment =
        crate::messages::repo::find_attachment(&mut *app.db.acquire().await?, id).await?;
    let key = attachment.storage_key.as_deref().ok_or(Error::NotFound)?;
    let bytes = storage::read(&app, key).await?;
    let content_type = attachment
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let inline = matches!(attachment.file_type.as_str(), "image" | "audio" | "video")
        || content_type == "application/pdf";
    let filename: String = attachment
        .filename
        .unwrap_or_else(|| "file".into())
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect();
    let disposition = format!(
        "{}; filename=\"{}\"",
        if inline { "inline" } else { "attachment" },
        filename.replace('"', "")
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(response)
}
