//! `A/custom_roles` (Chatwoot enterprise `CustomRolesController`): administrators only.

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
use crate::ids::CustomRoleId;
use crate::roles::custom::{self, CustomRole, CustomRoleInput};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/custom_roles",
            get(list_custom_roles).post(create_custom_role),
        )
        .route(
            "/api/v1/accounts/{account_id}/custom_roles/{id}",
            get(show_custom_role)
                .patch(update_custom_role)
                .put(update_custom_role)
                .delete(delete_custom_role),
        )
}

fn role_json(role: &CustomRole) -> Value {
    json!({
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "permissions": role.permissions,
        "created_at": role.created_at,
        "updated_at": role.updated_at,
    })
}

/// `GET A/custom_roles`: a bare array.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/custom_roles",
    tag = "Custom roles",
    params(("account_id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The custom roles (a bare array)", body = Vec<super::schemas::CustomRole>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_custom_roles(State(app): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response> {
    let roles: Vec<Value> = custom::list(&app, &ctx)
        .await?
        .iter()
        .map(role_json)
        .collect();
    Ok(json_body(&Value::Array(roles)).into_response())
}

/// `GET A/custom_roles/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/custom_roles/{id}",
    tag = "Custom roles",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The custom role's id"),
    ),
    responses(
        (status = 200, description = "The custom role", body = super::schemas::CustomRole),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_custom_role(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    Ok(json_body(&role_json(
        &custom::get(&app, &ctx, CustomRoleId(id)).await?,
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct CustomRoleParams {
    /// Name.
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// Description; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    description: Option<Option<String>>,
    /// Permission names (`conversation_manage`, `contact_manage`, `label_manage`, ...).
    #[schema(schema_with = super::schemas::assignable_permissions)]
    permissions: Option<Vec<String>>,
}

impl Wrapped for CustomRoleParams {
    const KEY: &'static str = "custom_role";
}

impl From<CustomRoleParams> for CustomRoleInput {
    fn from(p: CustomRoleParams) -> Self {
        CustomRoleInput {
            name: p.name,
            description: p.description,
            permissions: p.permissions,
        }
    }
}

/// `POST A/custom_roles`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/custom_roles",
    tag = "Custom roles",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = CustomRoleParams, description = "The fields at the top level, or wrapped as `{\"custom_role\": {...}}`"),
    responses(
        (status = 200, description = "The new custom role", body = super::schemas::CustomRole),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_custom_role(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<CustomRoleParams>,
) -> Result<Response> {
    Ok(json_body(&role_json(
        &custom::create(&app, &ctx, params.into()).await?,
    ))
    .into_response())
}

/// `PATCH A/custom_roles/{id}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/custom_roles/{id}",
    tag = "Custom roles",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The custom role's id"),
    ),
    request_body(content = CustomRoleParams, description = "The fields at the top level, or wrapped as `{\"custom_role\": {...}}`"),
    responses(
        (status = 200, description = "The updated custom role", body = super::schemas::CustomRole),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_custom_role(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<CustomRoleParams>,
) -> Result<Response> {
    let role = custom::update(&app, &ctx, CustomRoleId(id), params.into()).await?;
    Ok(json_body(&role_json(&role)).into_response())
}

/// `DELETE A/custom_roles/{id}`: a role that members still hold is a 409 naming how many
/// (Chatwoot turns them into plain agents silently).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/custom_roles/{id}",
    tag = "Custom roles",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The custom role's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 409, response = super::schemas::Conflict),
    ),
    security(("api_access_token" = []))
)]
async fn delete_custom_role(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    custom::delete(&app, &ctx, CustomRoleId(id)).await?;
    Ok(().into_response())
}
