//! `A/automation_rules` (Chatwoot `AutomationRulesController`): CRUD, clone, file uploads for
//! `send_attachment`, and Atende's run log. Administrators and `automation_manage`.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::extract::{ApiParams, Wrapped};
use super::json::iso;
use crate::automation::files::{self, AutomationFile};
use crate::automation::rules::{self, Rule, RuleInput, Run};
use crate::error::{Error, Result, json_body};
use crate::roles::Permission;
use crate::state::AppState;

/// Largest upload for `attach_file` (one file; the storage limit is 40 MB).
const UPLOAD_LIMIT: usize = 45 * 1024 * 1024;

const R: &str = "/api/v1/accounts/{account_id}/automation_rules";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(R, get(list_rules).post(create_rule))
        .route(
            &format!("{R}/attach_file"),
            post(attach_rule_file).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            &format!("{R}/{{id}}"),
            get(show_rule)
                .patch(update_rule)
                .put(update_rule)
                .delete(delete_rule),
        )
        .route(&format!("{R}/{{id}}/clone"), post(clone_rule))
        .route(&format!("{R}/{{id}}/runs"), get(list_runs))
}

/// A file as Chatwoot lists it under a rule or a macro.
pub(super) fn file_json(
    f: &AutomationFile,
    account_id: crate::ids::AccountId,
    owner_key: &str,
    owner_id: i64,
) -> Value {
    json!({
        "id": f.id,
        owner_key: owner_id,
        "account_id": account_id,
        "file_type": f.content_type,
        "file_url": Value::Null,
        "blob_id": f.id,
        "filename": f.filename,
        "byte_size": f.byte_size,
    })
}

fn rule_json(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "account_id": r.account_id,
        "name": r.name,
        "description": r.description,
        "event_name": r.event_name,
        "conditions": r.conditions,
        "actions": r.actions,
        "created_on": r.created_at.timestamp(),
        "active": r.active,
        "files": r.files.iter().map(|f| file_json(f, r.account_id, "automation_rule_id", r.id)).collect::<Vec<_>>(),
        "last_run_at": r.last_run_at.map(iso),
    })
}

fn run_json(r: &Run) -> Value {
    json!({
        "id": r.id,
        "event_id": r.event_id,
        "conversation_id": r.conversation_display_id,
        "matched": r.matched,
        "failed_condition": r.failed_condition,
        "failed_reason": r.failed_reason,
        "results": r.results,
        "state": r.state,
        "created_at": iso(r.created_at),
    })
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AutomationRuleParams)]
struct RuleParams {
    /// Name.
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// What it is for (`null` clears it).
    #[serde(default, deserialize_with = "super::de::nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// `conversation_created`, `conversation_updated`, `conversation_opened`,
    /// `conversation_resolved` or `message_created`.
    #[schema(value_type = Option<crate::automation::EventName>)]
    event_name: Option<String>,
    /// `[{attribute_key, filter_operator, values, query_operator, custom_attribute_type}]`,
    /// evaluated in order with AND binding tighter than OR.
    #[schema(value_type = Option<Vec<super::schemas::ConditionInput>>)]
    conditions: Option<Value>,
    /// `[{action_name, action_params}]`, run in order.
    #[schema(schema_with = super::schemas::rule_actions)]
    actions: Option<Value>,
    /// Whether it runs.
    #[serde(default, deserialize_with = "super::de::opt_bool")]
    active: Option<bool>,
}

impl Wrapped for RuleParams {
    const KEY: &'static str = "automation_rule";
}

impl From<RuleParams> for RuleInput {
    fn from(p: RuleParams) -> Self {
        RuleInput {
            name: p.name,
            description: p.description,
            event_name: p.event_name,
            conditions: p.conditions,
            actions: p.actions,
            active: p.active,
        }
    }
}

/// `GET A/automation_rules`: `{payload: [rule]}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/automation_rules",
    tag = "Automation rules",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The rules", body = super::schemas::AutomationRuleList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_rules(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let rules = rules::list(&app, &ctx).await?;
    let payload: Vec<Value> = rules.iter().map(rule_json).collect();
    Ok(json_body(&json!({ "payload": payload })).into_response())
}

/// `GET A/automation_rules/{id}`: `{payload: rule}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/automation_rules/{id}",
    tag = "Automation rules",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The rule's id"),
    ),
    responses(
        (status = 200, description = "The rule", body = super::schemas::AutomationRulePayload),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_rule(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let rule = rules::get(&app, &ctx, id).await?;
    Ok(json_body(&json!({ "payload": rule_json(&rule) })).into_response())
}

/// `POST A/automation_rules`: the rule, not wrapped (as Chatwoot).
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/automation_rules",
    tag = "Automation rules",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = RuleParams, description = "The rule at the top level, or wrapped as `{\"automation_rule\": {...}}`. Invalid conditions or actions are refused with the field named (`conditions[1].filter_operator`)."),
    responses(
        (status = 200, description = "The new rule", body = super::schemas::AutomationRule),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_rule(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<RuleParams>,
) -> Result<Response> {
    let rule = rules::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&rule_json(&rule)).into_response())
}

/// `PATCH A/automation_rules/{id}`: `{payload: rule}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/automation_rules/{id}",
    tag = "Automation rules",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The rule's id"),
    ),
    request_body(content = RuleParams, description = "The fields to change; the whole rule is validated again"),
    responses(
        (status = 200, description = "The rule", body = super::schemas::AutomationRulePayload),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_rule(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<RuleParams>,
) -> Result<Response> {
    let rule = rules::update(&app, &ctx, id, params.into()).await?;
    Ok(json_body(&json!({ "payload": rule_json(&rule) })).into_response())
}

/// `DELETE A/automation_rules/{id}`: 200, empty.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/automation_rules/{id}",
    tag = "Automation rules",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The rule's id"),
    ),
    responses(
        (status = 200, description = "Deleted for good, with its files and run log"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_rule(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    rules::delete(&app, &ctx, id).await?;
    Ok(().into_response())
}

/// `POST A/automation_rules/{id}/clone`: `{payload: copy}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/automation_rules/{id}/clone",
    tag = "Automation rules",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The rule's id"),
    ),
    responses(
        (status = 200, description = "An exact copy, files included", body = super::schemas::AutomationRulePayload),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn clone_rule(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let rule = rules::clone(&app, &ctx, id).await?;
    Ok(json_body(&json!({ "payload": rule_json(&rule) })).into_response())
}

/// `GET A/automation_rules/{id}/runs`: the last 100 evaluations, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/automation_rules/{id}/runs",
    tag = "Automation rules",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The rule's id"),
    ),
    responses(
        (status = 200, description = "The run log", body = super::schemas::AutomationRunList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_runs(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    rules::get(&app, &ctx, id).await?;
    let runs = rules::runs(&app, &ctx, id).await?;
    let payload: Vec<Value> = runs.iter().map(run_json).collect();
    Ok(json_body(&json!({ "payload": payload })).into_response())
}

/// Reads the one file of an `attach_file` request (multipart field `attachment`).
pub(super) async fn read_upload(
    app: &AppState,
    request: Request,
) -> Result<crate::storage::Upload> {
    let multipart = Multipart::from_request(request, app).await.map_err(|e| {
        Error::BadRequest(format!("send the file as multipart/form-data: {}", e.body_text()).into())
    })?;
    let (_, uploads) = super::messages::read_multipart(multipart, "attachment").await?;
    let mut uploads = uploads.into_iter();
    match (uploads.next(), uploads.next()) {
        (Some(upload), None) => Ok(upload),
        (None, _) => Err(Error::invalid("attachment", "can't be blank")),
        (Some(_), Some(_)) => Err(Error::invalid("attachment", "send one file at a time")),
    }
}

/// `POST A/automation_rules/attach_file` (multipart `attachment`): `{blob_key, blob_id}` to
/// name in `send_attachment` params.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/automation_rules/attach_file",
    tag = "Automation rules",
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
async fn attach_rule_file(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    request: Request,
) -> Result<Response> {
    ctx.require(Permission::AutomationManage)?;
    let upload = read_upload(&app, request).await?;
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
