//! `A/teams` and `A/teams/{id}/team_members` (Chatwoot `TeamsController` and
//! `TeamMembersController`): every member reads; administrators write teams; `team_manage`
//! changes who belongs to them.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::{ApiJson, ApiParams, Wrapped};
use super::json;
use crate::accounts::agents::Agent;
use crate::error::{Error, Result, json_body};
use crate::ids::{TeamId, UserId};
use crate::state::AppState;
use crate::teams::{self, Team, TeamInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/teams",
            get(list_teams).post(create_team),
        )
        .route(
            "/api/v1/accounts/{account_id}/teams/{id}",
            get(show_team)
                .patch(update_team)
                .put(update_team)
                .delete(delete_team),
        )
        .route(
            "/api/v1/accounts/{account_id}/teams/{id}/team_members",
            get(list_team_members)
                .post(add_team_members)
                .patch(replace_team_members)
                .put(replace_team_members)
                .delete(remove_team_members),
        )
}

fn team_json(team: &Team, account_id: i64) -> Value {
    json::value(json::team(&team.info, account_id, team.is_member))
}

fn agents_json(agents: &[Agent]) -> Value {
    Value::Array(agents.iter().map(|a| json::value(json::agent(a))).collect())
}

/// `GET A/teams`: a bare array.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/teams",
    tag = "Teams",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The teams (a bare array)", body = Vec<super::schemas::Team>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_teams(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let teams: Vec<Value> = teams::list(&app, &ctx)
        .await?
        .iter()
        .map(|t| team_json(t, ctx.account_id.0))
        .collect();
    Ok(json_body(&Value::Array(teams)).into_response())
}

/// `GET A/teams/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/teams/{id}",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    responses(
        (status = 200, description = "The team", body = super::schemas::Team),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_team(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let team = teams::get(&app, &ctx, TeamId(id)).await?;
    Ok(json_body(&team_json(&team, ctx.account_id.0)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct TeamParams {
    /// Name.
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// Description; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    description: Option<Option<String>>,
    /// Assign new conversations of the team round-robin.
    #[serde(default, deserialize_with = "de::opt_bool")]
    allow_auto_assign: Option<bool>,
}

impl Wrapped for TeamParams {
    const KEY: &'static str = "team";
}

impl From<TeamParams> for TeamInput {
    fn from(p: TeamParams) -> Self {
        TeamInput {
            name: p.name,
            description: p.description,
            allow_auto_assign: p.allow_auto_assign,
        }
    }
}

/// `POST A/teams` (administrators).
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/teams",
    tag = "Teams",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = TeamParams, description = "The fields at the top level, or wrapped as `{\"team\": {...}}`"),
    responses(
        (status = 200, description = "The new team", body = super::schemas::Team),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_team(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<TeamParams>,
) -> Result<Response> {
    let team = teams::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&team_json(&team, ctx.account_id.0)).into_response())
}

/// `PATCH A/teams/{id}` (administrators).
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/teams/{id}",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    request_body(content = TeamParams, description = "The fields at the top level, or wrapped as `{\"team\": {...}}`"),
    responses(
        (status = 200, description = "The updated team", body = super::schemas::Team),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_team(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<TeamParams>,
) -> Result<Response> {
    let team = teams::update(&app, &ctx, TeamId(id), params.into()).await?;
    Ok(json_body(&team_json(&team, ctx.account_id.0)).into_response())
}

/// `DELETE A/teams/{id}` (administrators): 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/teams/{id}",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_team(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    teams::delete(&app, &ctx, TeamId(id)).await?;
    Ok(().into_response())
}

/// `user_ids` absent is `None`; null is an empty list.
fn opt_user_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<UserId>>, D::Error> {
    de::ids(d).map(Some)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = TeamMemberParams)]
struct MemberParams {
    /// The agents' user ids (required).
    #[serde(default, deserialize_with = "opt_user_ids")]
    #[schema(value_type = Option<Vec<i64>>)]
    user_ids: Option<Vec<UserId>>,
}

impl MemberParams {
    fn user_ids(self) -> Result<Vec<UserId>> {
        self.user_ids
            .ok_or_else(|| Error::invalid("user_ids", "can't be blank"))
    }
}

/// `GET A/teams/{id}/team_members`: a bare array of agents.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/teams/{id}/team_members",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    responses(
        (status = 200, description = "The members (a bare array)", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_team_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let members = teams::members(&app, &ctx, TeamId(id)).await?;
    Ok(json_body(&agents_json(&members)).into_response())
}

/// `POST A/teams/{id}/team_members`: adds `user_ids`; answers the newly added agents.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/teams/{id}/team_members",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    request_body = MemberParams,
    responses(
        (status = 200, description = "The agents newly added", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn add_team_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<MemberParams>,
) -> Result<Response> {
    let ids = params.user_ids()?;
    let added = teams::add_members(&app, &ctx, TeamId(id), &ids).await?;
    Ok(json_body(&agents_json(&added)).into_response())
}

/// `PATCH A/teams/{id}/team_members`: makes `user_ids` the membership; answers the members.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/teams/{id}/team_members",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    request_body = MemberParams,
    responses(
        (status = 200, description = "The members now", body = Vec<super::schemas::Agent>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn replace_team_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<MemberParams>,
) -> Result<Response> {
    let ids = params.user_ids()?;
    let members = teams::replace_members(&app, &ctx, TeamId(id), &ids).await?;
    Ok(json_body(&agents_json(&members)).into_response())
}

/// `DELETE A/teams/{id}/team_members`: removes `user_ids` (sent in the body); 200, empty.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/teams/{id}/team_members",
    tag = "Teams",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The team's id"),
    ),
    request_body = MemberParams,
    responses(
        (status = 200, description = "Removed (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn remove_team_members(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<MemberParams>,
) -> Result<Response> {
    let ids = params.user_ids()?;
    teams::remove_members(&app, &ctx, TeamId(id), &ids).await?;
    Ok(().into_response())
}
