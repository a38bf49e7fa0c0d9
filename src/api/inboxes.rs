//! `A/inboxes` and `A/inbox_members` (Chatwoot `InboxesController`, `InboxMembersController`).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::ApiJson;
use super::json;
use crate::accounts::agents;
use crate::auth::context::Actor;
use crate::error::{Error, Result, json_body};
use crate::ids::{InboxId, UserId};
use crate::inboxes::model::WorkingHour;
use crate::inboxes::service::{self, InboxInput, MemberChange};
use crate::state::AppState;

const A: &str = "/api/v1/accounts/{account_id}";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{A}/inboxes"),
            get(list_inboxes).post(create_inbox),
        )
        .route(
            &format!("{A}/inboxes/{{id}}"),
            get(show_inbox)
                .patch(update_inbox)
                .put(update_inbox)
                .delete(delete_inbox),
        )
        .route(
            &format!("{A}/inboxes/{{id}}/agent_bot"),
            get(show_agent_bot),
        )
        .route(
            &format!("{A}/inboxes/{{id}}/set_agent_bot"),
            post(set_agent_bot),
        )
        .route(
            &format!("{A}/inbox_members"),
            post(add_members)
                .patch(replace_members)
                .delete(remove_members),
        )
        .route(
            &format!("{A}/inbox_members/{{id}}"),
            get(list_members).delete(remove_members_by_path),
        )
}

/// `GET A/inboxes`: `{payload: [inbox]}`; members see only their inboxes.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/inboxes",
    tag = "Inboxes",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The inboxes (agents see only their own)", body = super::schemas::InboxList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_inboxes(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let admin = ctx.is_administrator();
    let inboxes = service::list(&app, &Actor::Member(ctx)).await?;
    let payload: Vec<Value> = inboxes.iter().map(|i| json::inbox(i, admin)).collect();
    Ok(json_body(&json!({ "payload": payload })).into_response())
}

/// `GET A/inboxes/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/inboxes/{id}",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    responses(
        (status = 200, description = "The inbox", body = super::schemas::Inbox),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_inbox(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let admin = ctx.is_administrator();
    let inbox = service::get(&app, &Actor::Member(ctx), InboxId(id)).await?;
    Ok(json_body(&json::inbox(&inbox, admin)).into_response())
}

/// Rails sends the string "null" for cleared fields of this endpoint.
fn nullish(v: Option<Option<String>>) -> Option<Option<String>> {
    v.map(|inner| inner.filter(|s| s != "null"))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct ChannelParams {
    /// `api` (create only; the only channel created through the API).
    #[serde(rename = "type")]
    #[schema(value_type = Option<super::schemas::ChannelType>)]
    kind: Option<String>,
    /// Where events of the inbox are POSTed; null or "" clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    webhook_url: Option<Option<String>>,
    /// Contacts must send `identifier_hash`.
    #[serde(default, deserialize_with = "de::opt_bool")]
    hmac_mandatory: Option<bool>,
    /// Free-form channel attributes.
    #[schema(value_type = Option<Object>)]
    additional_attributes: Option<Value>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct InboxParams {
    /// Name (required on create).
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// The channel (`type` required on create).
    channel: Option<ChannelParams>,
    /// Greet new conversations.
    #[serde(default, deserialize_with = "de::opt_bool")]
    greeting_enabled: Option<bool>,
    /// The greeting.
    #[serde(default, deserialize_with = "de::nullable")]
    greeting_message: Option<Option<String>>,
    /// Ask for the contact's e-mail.
    #[serde(default, deserialize_with = "de::opt_bool")]
    enable_email_collect: Option<bool>,
    /// Send a satisfaction survey on resolve.
    #[serde(default, deserialize_with = "de::opt_bool")]
    csat_survey_enabled: Option<bool>,
    /// Assign new conversations round-robin.
    #[serde(default, deserialize_with = "de::opt_bool")]
    enable_auto_assignment: Option<bool>,
    /// Reply out of hours with `out_of_office_message`.
    #[serde(default, deserialize_with = "de::opt_bool")]
    working_hours_enabled: Option<bool>,
    /// The out-of-office reply.
    #[serde(default, deserialize_with = "de::nullable")]
    out_of_office_message: Option<Option<String>>,
    /// IANA time zone of the working hours.
    #[schema(schema_with = super::schemas::time_zone)]
    timezone: Option<String>,
    /// A customer message after resolve reopens the conversation.
    #[serde(default, deserialize_with = "de::opt_bool")]
    allow_messages_after_resolved: Option<bool>,
    /// One open conversation per contact.
    #[serde(default, deserialize_with = "de::opt_bool")]
    lock_to_single_conversation: Option<bool>,
    /// `friendly` or `professional`.
    #[schema(value_type = Option<super::schemas::SenderNameType>)]
    sender_name_type: Option<String>,
    /// Business name shown with `professional` senders.
    #[serde(default, deserialize_with = "de::nullable")]
    business_name: Option<Option<String>>,
    /// Opening hours: seven entries, one for each `day_of_week` from 0 to 6.
    #[schema(value_type = Option<Vec<super::schemas::WorkingHour>>, min_items = 7, max_items = 7)]
    working_hours: Option<Vec<WorkingHour>>,
}

impl From<InboxParams> for InboxInput {
    fn from(p: InboxParams) -> Self {
        let channel = p.channel.unwrap_or_default();
        InboxInput {
            name: p.name,
            channel_type: channel.kind,
            webhook_url: nullish(channel.webhook_url),
            hmac_mandatory: channel.hmac_mandatory,
            channel_attributes: channel.additional_attributes,
            greeting_enabled: p.greeting_enabled,
            greeting_message: nullish(p.greeting_message),
            enable_email_collect: p.enable_email_collect,
            csat_survey_enabled: p.csat_survey_enabled,
            enable_auto_assignment: p.enable_auto_assignment,
            working_hours_enabled: p.working_hours_enabled,
            out_of_office_message: nullish(p.out_of_office_message),
            timezone: p.timezone,
            allow_messages_after_resolved: p.allow_messages_after_resolved,
            lock_to_single_conversation: p.lock_to_single_conversation,
            sender_name_type: p.sender_name_type,
            business_name: nullish(p.business_name),
            working_hours: p.working_hours,
        }
    }
}

/// `POST A/inboxes` (administrators; Evolution API calls `POST /inboxes/`).
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/inboxes",
    tag = "Inboxes",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = InboxParams,
    responses(
        (status = 200, description = "The new inbox", body = super::schemas::Inbox),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_inbox(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(params): ApiJson<InboxParams>,
) -> Result<Response> {
    let inbox = service::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&json::inbox(&inbox, true)).into_response())
}

/// `PATCH A/inboxes/{id}` (administrators).
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/inboxes/{id}",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    request_body(content = InboxParams, description = "The fields to change; `channel.type` is ignored"),
    responses(
        (status = 200, description = "The updated inbox", body = super::schemas::Inbox),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_inbox(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<InboxParams>,
) -> Result<Response> {
    let mut input: InboxInput = params.into();
    input.channel_type = None;
    let inbox = service::update(&app, &ctx, InboxId(id), input).await?;
    Ok(json_body(&json::inbox(&inbox, true)).into_response())
}

/// `DELETE A/inboxes/{id}` (administrators).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/inboxes/{id}",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_inbox(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    service::delete(&app, &ctx, InboxId(id)).await?;
    Ok(().into_response())
}

/// `GET A/inboxes/{id}/agent_bot`: Atende has no agent bots; the inbox has none.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/inboxes/{id}/agent_bot",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    responses(
        (status = 200, description = "Always `{\"agent_bot\": null}`", body = super::schemas::AgentBotResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_agent_bot(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    service::get(&app, &Actor::Member(ctx), InboxId(id)).await?;
    Ok(json_body(&json!({ "agent_bot": null })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct AgentBotParams {
    /// Only null is accepted (Atende has no agent bots).
    agent_bot: Option<Value>,
}

/// `POST A/inboxes/{id}/set_agent_bot`: clearing the bot is accepted; there are no bots to set.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/inboxes/{id}/set_agent_bot",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    request_body = AgentBotParams,
    responses(
        (status = 200, description = "Cleared (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn set_agent_bot(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<AgentBotParams>,
) -> Result<Response> {
    ctx.require(crate::roles::Permission::InboxManage)?;
    service::get(&app, &Actor::Member(ctx), InboxId(id)).await?;
    match params.agent_bot {
        None | Some(Value::Null) => Ok(().into_response()),
        Some(_) => Err(Error::invalid(
            "agent_bot",
            "does not exist (Atende has no agent bots)",
        )),
    }
}

async fn members_json(
    app: &AppState,
    ctx: &crate::auth::context::AccountCtx,
    ids: &[UserId],
) -> Result<Value> {
    let mut conn = app.db.acquire().await?;
    let all = agents::list_in_account(&mut conn, ctx.account_id).await?;
    let payload: Vec<Value> = all
        .iter()
        .filter(|a| ids.contains(&a.user_id))
        .map(|a| json::value(json::agent(a)))
        .collect();
    Ok(json!({ "payload": payload }))
}

/// `GET A/inbox_members/{inbox_id}`: `{payload: [agent]}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/inbox_members/{id}",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    responses(
        (status = 200, description = "The inbox's members", body = super::schemas::AgentPayloadList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let ids = service::member_ids(&app, &Actor::Member(ctx.clone()), InboxId(id)).await?;
    Ok(json_body(&members_json(&app, &ctx, &ids).await?).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = InboxMemberParams)]
struct MemberParams {
    /// The inbox, required unless in the path (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<InboxId>,
    /// The agents' user ids.
    #[serde(default, deserialize_with = "de::ids")]
    #[schema(value_type = Vec<i64>)]
    user_ids: Vec<UserId>,
}

async fn change(
    app: AppState,
    ctx: crate::auth::context::AccountCtx,
    inbox: Option<InboxId>,
    users: Vec<UserId>,
    kind: MemberChange,
) -> Result<Response> {
    let inbox = inbox.ok_or_else(|| Error::invalid("inbox_id", "can't be blank"))?;
    let ids = service::change_members(&app, &ctx, inbox, &users, kind).await?;
    if kind == MemberChange::Remove {
        return Ok(().into_response());
    }
    Ok(json_body(&members_json(&app, &ctx, &ids).await?).into_response())
}

/// `POST A/inbox_members`: adds `user_ids`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/inbox_members",
    tag = "Inboxes",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = MemberParams,
    responses(
        (status = 200, description = "The inbox's members", body = super::schemas::AgentPayloadList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn add_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(p): ApiJson<MemberParams>,
) -> Result<Response> {
    change(app, ctx, p.inbox_id, p.user_ids, MemberChange::Add).await
}

/// `PATCH A/inbox_members`: `user_ids` become the whole membership.
#[utoipa::path(
    patch,
    path = "/api/v1/accounts/{account_id}/inbox_members",
    tag = "Inboxes",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = MemberParams,
    responses(
        (status = 200, description = "The inbox's members", body = super::schemas::AgentPayloadList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn replace_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(p): ApiJson<MemberParams>,
) -> Result<Response> {
    change(app, ctx, p.inbox_id, p.user_ids, MemberChange::Replace).await
}

/// `DELETE A/inbox_members`: removes `user_ids`.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/inbox_members",
    tag = "Inboxes",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = MemberParams,
    responses(
        (status = 200, description = "Removed (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn remove_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(p): ApiJson<MemberParams>,
) -> Result<Response> {
    change(app, ctx, p.inbox_id, p.user_ids, MemberChange::Remove).await
}

/// `DELETE A/inbox_members/{inbox_id}` (the figuro SDK puts the inbox in the path).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/inbox_members/{id}",
    tag = "Inboxes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The inbox's id"),
    ),
    request_body(content = MemberParams, description = "`user_ids` to remove (`inbox_id` comes from the path)"),
    responses(
        (status = 200, description = "Removed (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn remove_members_by_path(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(p): ApiJson<MemberParams>,
) -> Result<Response> {
    change(
        app,
        ctx,
        Some(InboxId(id)),
        p.user_ids,
        MemberChange::Remove,
    )
    .await
}
