//! `A/agents`: the account's members (Chatwoot `AgentsController`, `models/_agent`).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use serde::Deserialize;

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::{ApiParams, Wrapped};
use super::json;
use crate::accounts::agents::{self, AgentPatch};
use crate::accounts::invitations::{self, NewInvitation};
use crate::accounts::model::{Availability, Role};
use crate::error::{Result, json_body};
use crate::ids::{CustomRoleId, UserId};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/agents",
            get(list_agents).post(create_agent),
        )
        .route(
            "/api/v1/accounts/{account_id}/agents/{id}",
            patch(update_agent).put(update_agent).delete(delete_agent),
        )
}

/// `GET A/agents`: a bare array, by name: the members, and pending invitations with
/// `confirmed: false`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/agents",
    tag = "Agents",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The members, by name (a bare array)", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_agents(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let agents = agents::list_with_invitations(&app, &ctx).await?;
    let agents: Vec<_> = agents.iter().map(json::agent).collect();
    Ok(json_body(&agents).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct AgentParams {
    /// Full name (of a new user).
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// Sign-in address (create only): the invitation is sent there.
    #[schema(format = Email)]
    email: Option<String>,
    /// Built-in role.
    role: Option<Role>,
    /// Availability in this account.
    availability: Option<Availability>,
    /// Goes offline automatically when signed out.
    #[serde(default, deserialize_with = "de::opt_bool")]
    auto_offline: Option<bool>,
    /// A custom role refining `agent`; null removes it (a number or numeric string).
    #[serde(default, deserialize_with = "de::nullable_id")]
    #[schema(value_type = Option<i64>)]
    custom_role_id: Option<Option<CustomRoleId>>,
    /// Refused: the invitee chooses their own password (a 422 on `password`).
    #[schema(ignore)]
    password: Option<String>,
}

impl Wrapped for AgentParams {
    const KEY: &'static str = "agent";
}

/// `POST A/agents` (administrators): invites the address. The answer is the pending agent
/// (`confirmed: false`) and is the same whether or not the address already has a user; with no
/// SMTP configured it also carries `invitation_url`, the link to hand over, shown this once.
/// A `password` is refused: no one chooses another person's password.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/agents",
    tag = "Agents",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = AgentParams, description = "The fields at the top level, or wrapped as `{\"agent\": {...}}`"),
    responses(
        (status = 200, description = "The invited agent (`confirmed: false`)", body = super::schemas::Agent),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_agent(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<AgentParams>,
) -> Result<Response> {
    if params.password.is_some() {
        return Err(crate::error::Error::invalid(
            "password",
            "can't be chosen for someone else: the invitee sets their own",
        ));
    }
    let input = NewInvitation {
        name: params.name,
        email: params.email.unwrap_or_default(),
        role: params.role,
        custom_role_id: params.custom_role_id.flatten(),
        auto_offline: params.auto_offline,
    };
    let sent = invitations::create(&app, &ctx, input).await?;
    let mut body = crate::shapes::value(json::agent(&sent.invitation.as_agent()));
    if let Some(link) = sent.link {
        body["invitation_url"] = link.into();
    }
    Ok(json_body(&body).into_response())
}

/// `PATCH A/agents/{id}` (administrators).
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/agents/{id}",
    tag = "Agents",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The agent's user id"),
    ),
    request_body(content = AgentParams, description = "The fields at the top level, or wrapped as `{\"agent\": {...}}`"),
    responses(
        (status = 200, description = "The updated member", body = super::schemas::Agent),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_agent(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<AgentParams>,
) -> Result<Response> {
    let patch = AgentPatch {
        name: params.name,
        role: params.role,
        custom_role_id: params.custom_role_id,
        availability: params.availability,
        auto_offline: params.auto_offline,
    };
    let agent = agents::update(&app, &ctx, UserId(id), patch).await?;
    Ok(json_body(&json::agent(&agent)).into_response())
}

/// `DELETE A/agents/{id}` (administrators): 200 with an empty body, as Chatwoot.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/agents/{id}",
    tag = "Agents",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The agent's user id"),
    ),
    responses(
        (status = 200, description = "Removed (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn delete_agent(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    agents::remove(&app, &ctx, UserId(id)).await?;
    Ok(().into_response())
}
