//! `A/conversations` and its actions, and `A/bulk_actions` (Chatwoot
//! `ConversationsController`, `AssignmentsController`, `LabelsController`, ...).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::{ApiJson, QueryPairs, from_value};
use super::json;
use crate::auth::context::Actor;
use crate::conversations::model::{
    AssigneeFilter, Counts, Cursor, ListParams, Priority, Sort, Status, StatusFilter,
};
use crate::conversations::service::{self as conversations, BulkAction, NewConversation};
use crate::error::{Error, Result, json_body};
use crate::filters;
use crate::ids::{ContactId, InboxId, TeamId, UserId};
use crate::inboxes::service::MemberChange;
use crate::state::AppState;

const C: &str = "/api/v1/accounts/{account_id}/conversations";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(C, get(list_conversations).post(create_conversation))
        .route(&format!("{C}/meta"), get(conversation_meta))
        .route(&format!("{C}/search"), get(search_conversations))
        .route(&format!("{C}/filter"), post(filter_conversations))
        .route(
            &format!("{C}/{{id}}"),
            get(show_conversation)
                .patch(update_conversation)
                .put(update_conversation)
                .delete(delete_conversation),
        )
        .route(&format!("{C}/{{id}}/toggle_status"), post(toggle_status))
        .route(
            &format!("{C}/{{id}}/toggle_priority"),
            post(toggle_priority),
        )
        .route(&format!("{C}/{{id}}/assignments"), post(create_assignment))
        .route(
            &format!("{C}/{{id}}/labels"),
            get(conversation_labels).post(set_conversation_labels),
        )
        .route(
            &format!("{C}/{{id}}/custom_attributes"),
            post(set_custom_attributes),
        )
        .route(&format!("{C}/{{id}}/mute"), post(mute_conversation))
        .route(&format!("{C}/{{id}}/unmute"), post(unmute_conversation))
        .route(
            &format!("{C}/{{id}}/update_last_seen"),
            post(update_last_seen),
        )
        .route(&format!("{C}/{{id}}/unread"), post(mark_unread))
        .route(
            &format!("{C}/{{id}}/participants"),
            get(list_participants)
                .post(add_participants)
                .patch(replace_participants)
                .put(replace_participants)
                .delete(remove_participants),
        )
        .route(
            "/api/v1/accounts/{account_id}/bulk_actions",
            post(bulk_actions),
        )
}

fn counts_json(counts: Counts, with_assigned: bool) -> Value {
    let mut meta = json!({ "mine_count": counts.mine, "unassigned_count": counts.unassigned, "all_count": counts.all });
    if let Some(map) = meta.as_object_mut() {
        if with_assigned {
            map.insert("assigned_count".into(), json!(counts.assigned));
        }
        // Counts of filters beyond status, inbox and team stop at a thousand ("1000+").
        if counts.capped {
            map.insert("counts_capped".into(), json!(true));
        }
    }
    meta
}

/// `GET conversations`: `{data: {meta, payload, next_cursor}}`.
#[derive(Serialize)]
struct ListJson<'a> {
    data: ListDataJson<'a>,
}

#[derive(Serialize)]
struct ListDataJson<'a> {
    meta: Value,
    payload: Vec<json::ConversationJson<'a>>,
    next_cursor: Value,
}

/// `search` and `filter`: `{meta, payload}`.
#[derive(Serialize)]
struct MetaPayloadJson<'a> {
    meta: Value,
    payload: Vec<json::ConversationJson<'a>>,
}

/// The cursor the next page starts at (`cursor=`), beside Chatwoot's `meta` and `payload`.
fn next_cursor(next: Option<Cursor>) -> Value {
    json!(next.map(|c| c.encode()))
}

/// The list parameters Chatwoot accepts, with clear 422s for values that cannot mean anything.
fn list_params(query: &QueryPairs) -> Result<ListParams> {
    let status = match query.get("status") {
        None => StatusFilter::Only(Status::Open),
        Some("all") => StatusFilter::All,
        Some(s) => StatusFilter::Only(Status::parse(s).ok_or_else(|| {
            Error::invalid(
                "status",
                "is not one of: open, resolved, pending, snoozed, all",
            )
        })?),
    };
    let sort = Sort::parse(query.get("sort_by").or(query.get("sort_order")));
    let cursor = match query.get("cursor").filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(text) => Some(
            Cursor::parse(text)
                .filter(|c| c.sort == sort)
                .ok_or_else(|| Error::invalid("cursor", "is not a next_cursor of this list"))?,
        ),
    };
    Ok(ListParams {
        status,
        assignee: AssigneeFilter::parse(query.get("assignee_type")),
        inbox_id: query.int("inbox_id")?.map(InboxId),
        team_id: query.int("team_id")?.map(TeamId),
        labels: crate::labels::normalize_titles(&query.all("labels")),
        priority: query.get("priority").and_then(Priority::parse),
        q: query.get("q").map(str::to_owned),
        page: query.page(),
        sort,
        cursor,
        conversation_type: query.get("conversation_type").map(str::to_owned),
        source_id: query.get("source_id").map(str::to_owned),
        updated_within: match query.int("updated_within")? {
            Some(seconds) if seconds < 0 => {
                return Err(Error::invalid(
                    "updated_within",
                    "must be a number of seconds, 0 or more",
                ));
            }
            other => other,
        },
        ..ListParams::default()
    })
}

/// `GET A/conversations`: `{data: {meta: {4 counts}, payload}}`, 25 per page.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations",
    tag = "Conversations",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        super::schemas::ConversationFilters,
    ),
    responses(
        (status = 200, description = "25 conversations per page, with counts", body = super::schemas::ConversationList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn list_conversations(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let params = list_params(&query)?;
    let (views, counts, next) = conversations::list(&app, &Actor::Member(ctx), &params).await?;
    let payload: Vec<_> = views.iter().map(|v| json::conversation(&app, v)).collect();
    Ok(json_body(&ListJson {
        data: ListDataJson {
            meta: counts_json(counts, true),
            payload,
            next_cursor: next_cursor(next),
        },
    })
    .into_response())
}

/// `GET A/conversations/meta`: `{meta: {4 counts}}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations/meta",
    tag = "Conversations",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        super::schemas::ConversationFilters,
    ),
    responses(
        (status = 200, description = "The counts of the filter", body = super::schemas::ConversationMetaResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn conversation_meta(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let counts = conversations::counts(&app, &Actor::Member(ctx), &list_params(&query)?).await?;
    Ok(json_body(&json!({ "meta": counts_json(counts, true) })).into_response())
}

/// `GET A/conversations/search?q=`: `{meta, payload}` over every status.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations/search",
    tag = "Conversations",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        super::schemas::ConversationFilters,
    ),
    responses(
        (status = 200, description = "Matches over every status", body = super::schemas::ConversationSearch),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn search_conversations(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let mut params = list_params(&query)?;
    params.status = StatusFilter::All;
    let (views, counts, _) = conversations::list(&app, &Actor::Member(ctx), &params).await?;
    let payload: Vec<_> = views.iter().map(|v| json::conversation(&app, v)).collect();
    Ok(json_body(&MetaPayloadJson {
        meta: counts_json(counts, false),
        payload,
    })
    .into_response())
}

/// `POST A/conversations/filter?page=`: `{meta: {mine, unassigned, all}, payload}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/filter",
    tag = "Conversations",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("page" = Option<i64>, Query, description = "1-based page"),
    ),
    request_body = super::schemas::FilterRequest,
    responses(
        (status = 200, description = "25 matches per page", body = super::schemas::ConversationSearch),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn filter_conversations(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response> {
    let conditions = filters::parse(&body)?;
    let (views, counts) =
        conversations::filter(&app, &Actor::Member(ctx), &conditions, query.page()).await?;
    let payload: Vec<_> = views.iter().map(|v| json::conversation(&app, v)).collect();
    Ok(json_body(&MetaPayloadJson {
        meta: counts_json(counts, false),
        payload,
    })
    .into_response())
}

/// Unix seconds (number or numeric string) or an ISO 8601 time.
fn parse_time(field: &str, value: &Value) -> Result<Option<DateTime<Utc>>> {
    let invalid = || Error::invalid(field, "is not a time (unix seconds or ISO 8601)");
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .map(Some)
            .ok_or_else(invalid),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(secs) => DateTime::from_timestamp(secs, 0)
                .map(Some)
                .ok_or_else(invalid),
            Err(_) => DateTime::parse_from_rfc3339(s.trim())
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| invalid()),
        },
        _ => Err(invalid()),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct MessageParam {
    /// Text of a first outgoing message.
    content: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ConversationCreateParams)]
struct CreateParams {
    /// The contact inbox's source id (with `inbox_id`).
    #[schema(pattern = "\\S")]
    source_id: Option<String>,
    /// The inbox (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<InboxId>,
    /// The contact (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    contact_id: Option<ContactId>,
    /// Free-form attributes.
    #[schema(value_type = Option<Object>)]
    additional_attributes: Option<Value>,
    /// Custom attribute values.
    #[schema(value_type = Option<Object>)]
    custom_attributes: Option<Value>,
    /// Initial status (default `open`).
    status: Option<Status>,
    /// Assign to this agent (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    assignee_id: Option<UserId>,
    /// Assign to this team (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    team_id: Option<TeamId>,
    /// With `snoozed`: unix seconds or ISO 8601.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    snoozed_until: Value,
    /// A first message.
    message: Option<MessageParam>,
}

/// `POST A/conversations`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations",
    tag = "Conversations",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = CreateParams,
    responses(
        (status = 200, description = "The new conversation", body = super::schemas::Conversation),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_conversation(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(p): ApiJson<CreateParams>,
) -> Result<Response> {
    let input = NewConversation {
        source_id: p.source_id,
        inbox_id: p.inbox_id,
        contact_id: p.contact_id,
        additional_attributes: p.additional_attributes,
        custom_attributes: p.custom_attributes,
        status: p.status,
        assignee_id: p.assignee_id,
        team_id: p.team_id,
        snoozed_until: parse_time("snoozed_until", &p.snoozed_until)?,
        message: p.message.and_then(|m| m.content),
    };
    let view = conversations::create(&app, &Actor::Member(ctx), input).await?;
    Ok(json_body(&json::conversation(&app, &view)).into_response())
}

/// `GET A/conversations/{id}` (display id).
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations/{id}",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "The conversation", body = super::schemas::Conversation),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_conversation(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let view = conversations::get(&app, &Actor::Member(ctx), id).await?;
    Ok(json_body(&json::conversation(&app, &view)).into_response())
}

fn parse_priority(value: &Value) -> Result<Option<Priority>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() || s == "none" => Ok(None),
        Value::String(s) => Priority::parse(s)
            .map(Some)
            .ok_or_else(|| Error::invalid("priority", "is not one of: low, medium, high, urgent")),
        _ => Err(Error::invalid(
            "priority",
            "is not one of: low, medium, high, urgent",
        )),
    }
}

/// `PATCH A/conversations/{id}`: only `priority` changes; other keys are ignored, as Chatwoot.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/conversations/{id}",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = super::schemas::ConversationUpdate,
    responses(
        (status = 200, description = "The conversation", body = super::schemas::Conversation),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_conversation(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let view = match body.get("priority") {
        Some(value) => {
            conversations::set_priority(&app, &actor, id, parse_priority(value)?).await?
        }
        None => conversations::get(&app, &actor, id).await?,
    };
    Ok(json_body(&json::conversation(&app, &view)).into_response())
}

/// `DELETE A/conversations/{id}` (administrators).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/conversations/{id}",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_conversation(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    conversations::delete(&app, &Actor::Member(ctx), id).await?;
    Ok(().into_response())
}

/// `POST …/toggle_status`: `{meta: {}, payload: {success, conversation_id, current_status, snoozed_until}}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/toggle_status",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = super::schemas::ToggleStatusRequest,
    responses(
        (status = 200, description = "The status now", body = super::schemas::ToggleStatusResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn toggle_status(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response> {
    let status = match body.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) if s == "bot" => Some(Status::Pending),
        Some(Value::String(s)) => Some(Status::parse(s).ok_or_else(|| {
            Error::invalid("status", "is not one of: open, resolved, pending, snoozed")
        })?),
        Some(_) => {
            return Err(Error::invalid(
                "status",
                "is not one of: open, resolved, pending, snoozed",
            ));
        }
    };
    let snoozed_until = parse_time(
        "snoozed_until",
        body.get("snoozed_until").unwrap_or(&Value::Null),
    )?;
    let result =
        conversations::toggle_status(&app, &Actor::Member(ctx), id, status, snoozed_until).await?;
    Ok(json_body(&json::status_payload(
        result.display_id,
        result.status,
        result.snoozed_until,
    ))
    .into_response())
}

/// `POST …/toggle_priority`: 200 with an empty body.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/toggle_priority",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = super::schemas::TogglePriorityRequest,
    responses(
        (status = 200, description = "Changed (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn toggle_priority(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response> {
    let priority = parse_priority(body.get("priority").unwrap_or(&Value::Null))?;
    conversations::set_priority(&app, &Actor::Member(ctx), id, priority).await?;
    Ok(().into_response())
}

/// `POST …/assignments`: `assignee_id` (agent JSON or null) or `team_id` (team JSON or null).
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/assignments",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = super::schemas::AssignmentRequest,
    responses(
        (status = 200, description = "The assigned agent or team, or `null` when cleared", body = Option<super::schemas::AssignmentResult>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_assignment(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response> {
    #[derive(Deserialize)]
    struct Ids {
        #[serde(default, deserialize_with = "de::opt_id")]
        assignee_id: Option<UserId>,
        #[serde(default, deserialize_with = "de::opt_id")]
        team_id: Option<TeamId>,
    }
    let ids: Ids = from_value(body.clone())?;
    let account = ctx.account_id.0;
    let actor = Actor::Member(ctx);
    if body.get("assignee_id").is_some() || body.get("team_id").is_none() {
        let agent = conversations::assign_agent(&app, &actor, id, ids.assignee_id).await?;
        return Ok(json_body(&agent.as_ref().map(json::agent)).into_response());
    }
    let team = conversations::assign_team(&app, &actor, id, ids.team_id).await?;
    Ok(json_body(&team.as_ref().map(|t| json::team(t, account, false))).into_response())
}

/// `GET …/labels`: `{payload: [..]}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/labels",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "The labels", body = super::schemas::LabelTitles),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn conversation_labels(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let view = conversations::get(&app, &Actor::Member(ctx), id).await?;
    Ok(json_body(&json!({ "payload": view.conversation.labels })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ConversationLabelsParams)]
struct LabelsParams {
    /// Label titles: the whole set.
    #[serde(default)]
    labels: Vec<String>,
}

/// `POST …/labels`: replaces the whole set.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/labels",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body(content = LabelsParams, description = "The whole set of labels"),
    responses(
        (status = 200, description = "The labels now", body = super::schemas::LabelTitles),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn set_conversation_labels(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(p): ApiJson<LabelsParams>,
) -> Result<Response> {
    let labels = conversations::set_labels(&app, &Actor::Member(ctx), id, &p.labels).await?;
    Ok(json_body(&json!({ "payload": labels })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct CustomAttributesParams {
    /// The whole hash (null clears it).
    #[serde(default)]
    #[schema(value_type = Object)]
    custom_attributes: Value,
}

/// `POST …/custom_attributes`: replaces the hash; `{custom_attributes: {..}}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/custom_attributes",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body(content = CustomAttributesParams, description = "Replaces the whole hash"),
    responses(
        (status = 200, description = "The saved values", body = super::schemas::CustomAttributesResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn set_custom_attributes(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(p): ApiJson<CustomAttributesParams>,
) -> Result<Response> {
    let attributes = if p.custom_attributes.is_null() {
        json!({})
    } else {
        p.custom_attributes
    };
    let saved =
        conversations::set_custom_attributes(&app, &Actor::Member(ctx), id, attributes).await?;
    Ok(json_body(&json!({ "custom_attributes": saved })).into_response())
}

/// `POST …/mute`: resolves and blocks the contact.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/mute",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "Muted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn mute_conversation(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    conversations::set_muted(&app, &Actor::Member(ctx), id, true).await?;
    Ok(().into_response())
}

/// `POST …/unmute`: unblocks the contact.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/unmute",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "Unmuted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn unmute_conversation(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    conversations::set_muted(&app, &Actor::Member(ctx), id, false).await?;
    Ok(().into_response())
}

/// `POST …/update_last_seen`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/update_last_seen",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "The conversation", body = super::schemas::Conversation),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn update_last_seen(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let view = conversations::mark_seen(&app, &Actor::Member(ctx), id, false).await?;
    Ok(json_body(&json::conversation(&app, &view)).into_response())
}

/// `POST …/unread`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/unread",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "The conversation", body = super::schemas::Conversation),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn mark_unread(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let view = conversations::mark_seen(&app, &Actor::Member(ctx), id, true).await?;
    Ok(json_body(&json::conversation(&app, &view)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ParticipantParams)]
struct UserIds {
    /// The agents' user ids (numbers or numeric strings).
    #[serde(default, deserialize_with = "de::ids")]
    #[schema(value_type = Vec<i64>)]
    user_ids: Vec<UserId>,
}

async fn participants_json(agents: Vec<crate::accounts::agents::Agent>) -> Response {
    let agents: Vec<_> = agents.iter().map(json::agent).collect();
    json_body(&agents).into_response()
}

/// `GET …/participants`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/participants",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    responses(
        (status = 200, description = "The participants (a bare array)", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_participants(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    Ok(participants_json(conversations::participants(&app, &Actor::Member(ctx), id).await?).await)
}

/// `POST …/participants`: adds.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/participants",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = UserIds,
    responses(
        (status = 200, description = "The participants now", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn add_participants(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(p): ApiJson<UserIds>,
) -> Result<Response> {
    let agents = conversations::change_participants(
        &app,
        &Actor::Member(ctx),
        id,
        &p.user_ids,
        MemberChange::Add,
    )
    .await?;
    Ok(participants_json(agents).await)
}

/// `PATCH …/participants`: replaces.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/conversations/{id}/participants",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = UserIds,
    responses(
        (status = 200, description = "The participants now", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn replace_participants(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(p): ApiJson<UserIds>,
) -> Result<Response> {
    let agents = conversations::change_participants(
        &app,
        &Actor::Member(ctx),
        id,
        &p.user_ids,
        MemberChange::Replace,
    )
    .await?;
    Ok(participants_json(agents).await)
}

/// `DELETE …/participants`: removes.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/conversations/{id}/participants",
    tag = "Conversations",
    params(super::schemas::ConversationPath),
    request_body = UserIds,
    responses(
        (status = 200, description = "Removed (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn remove_participants(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(p): ApiJson<UserIds>,
) -> Result<Response> {
    conversations::change_participants(
        &app,
        &Actor::Member(ctx),
        id,
        &p.user_ids,
        MemberChange::Remove,
    )
    .await?;
    Ok(().into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct BulkLabels {
    /// Label titles to add.
    #[serde(default)]
    add: Vec<String>,
    /// Label titles to remove.
    #[serde(default)]
    remove: Vec<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = BulkActionParams)]
struct BulkParams {
    /// `Conversation` (the only type).
    #[serde(rename = "type")]
    #[schema(value_type = Option<super::schemas::BulkType>)]
    kind: Option<String>,
    /// Conversation display ids.
    #[serde(default, deserialize_with = "de::ids")]
    #[schema(min_items = 1)]
    ids: Vec<i64>,
    /// `status`, `assignee_id`, `team_id` to set (null ids unassign).
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: Value,
    /// Labels to add and remove.
    #[serde(default)]
    labels: Option<BulkLabels>,
}

/// `POST A/bulk_actions`: runs in the background (200 at once), as Chatwoot.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/bulk_actions",
    tag = "Conversations",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = BulkParams,
    responses(
        (status = 200, description = "Accepted; runs in the background (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn bulk_actions(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(p): ApiJson<BulkParams>,
) -> Result<Response> {
    if p.kind.as_deref().is_some_and(|k| k != "Conversation") {
        return Err(Error::invalid("type", "is not one of: Conversation"));
    }
    #[derive(Deserialize)]
    struct Fields {
        status: Option<Status>,
        #[serde(default, deserialize_with = "de::nullable_id")]
        assignee_id: Option<Option<UserId>>,
        #[serde(default, deserialize_with = "de::nullable_id")]
        team_id: Option<Option<TeamId>>,
    }
    let fields: Fields = from_value(if p.fields.is_null() {
        json!({})
    } else {
        p.fields
    })?;
    let labels = p.labels.unwrap_or_default();
    let action = BulkAction {
        account_id: ctx.account_id,
        user_id: ctx.user.id,
        ids: p.ids,
        status: fields.status,
        assignee_id: fields.assignee_id,
        team_id: fields.team_id,
        add_labels: labels.add,
        remove_labels: labels.remove,
    };
    conversations::enqueue_bulk(&app, &ctx, action).await?;
    Ok(().into_response())
}
