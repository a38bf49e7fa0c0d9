//! `/api/v1/profile`: the caller's own user (Chatwoot's user JSON, `views/api/v1/models/_user`).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::ApiUser;
use super::de;
use super::extract::{ApiParams, Wrapped};
use crate::accounts::model::{Availability, Membership, Role, User};
use crate::accounts::{profile, repo};
use crate::error::{Error, Result, json_body};
use crate::i18n::Locale;
use crate::ids::AccountId;
use crate::roles::custom;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/profile",
            get(show_profile).put(update_profile).patch(update_profile),
        )
        .route("/api/v1/profile/availability", post(update_availability))
        .route(
            "/api/v1/profile/reset_access_token",
            post(reset_access_token),
        )
        .route(
            "/api/v1/profile/set_active_account",
            put(set_active_account),
        )
}

/// The user JSON: the user, the active account's role, and every membership.
pub async fn user_json(app: &AppState, user: &User, access_token: Option<&str>) -> Result<Value> {
    let memberships = repo::memberships(&mut *app.db.acquire().await?, user.id).await?;
    let mut accounts = Vec::with_capacity(memberships.len());
    for m in &memberships {
        accounts.push(membership_json(app, m).await?);
    }
    let active = memberships.first();
    Ok(json!({
        "id": user.id,
        "access_token": access_token,
        "account_id": active.map(|m| m.account_id),
        "available_name": user.available_name(),
        "avatar_url": "",
        "confirmed": true,
        "display_name": user.display_name,
        "message_signature": user.message_signature,
        "email": user.email,
        "hmac_identifier": "",
        "inviter_id": null,
        "name": user.name,
        "phone_number": user.phone_number,
        "locale": user.locale.map(Locale::code),
        "provider": "email",
        "pubsub_token": null,
        "role": active.map(|m| m.role),
        "ui_settings": user.ui_settings,
        "uid": user.email,
        "type": null,
        "accounts": accounts,
    }))
}

async fn membership_json(app: &AppState, m: &Membership) -> Result<Value> {
    let custom_role = match m.custom_role_id {
        Some(id) => custom::list_unchecked(app, m.account_id)
            .await?
            .into_iter()
            .find(|r| r.id == id),
        None => None,
    };
    // Chatwoot's `permissions`: the role name, or the custom role's permissions + "custom_role".
    let permissions: Vec<String> = match (&custom_role, m.role) {
        (_, Role::Administrator) => vec!["administrator".into()],
        (Some(role), Role::Agent) => role
            .permissions
            .iter()
            .map(|p| p.as_str().to_owned())
            .chain(["custom_role".to_owned()])
            .collect(),
        (None, Role::Agent) => vec!["agent".into()],
    };
    Ok(json!({
        "id": m.account_id,
        "name": m.account_name,
        "status": m.account_status,
        "active_at": m.active_at,
        "role": m.role,
        "permissions": permissions,
        "availability": m.availability,
        "availability_status": m.availability,
        "auto_offline": m.auto_offline,
        "custom_role_id": m.custom_role_id,
        "custom_role": custom_role.map(|r| json!({
            "id": r.id, "name": r.name, "description": r.description, "permissions": r.permissions,
        })),
    }))
}

/// `GET /api/v1/profile`.
#[utoipa::path(
    get,
    path = "/api/v1/profile",
    tag = "Profile",
    responses(
        (status = 200, description = "The caller", body = super::schemas::Profile),
        (status = 401, response = super::schemas::Unauthorized),
    ),
    security(("api_access_token" = []))
)]
async fn show_profile(State(app): State<AppState>, caller: ApiUser) -> Result<Response> {
    Ok(json_body(&user_json(&app, &caller.user, Some(&caller.token)).await?).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct ProfileParams {
    /// Full name.
    #[schema(pattern = "\\S")]
    name: Option<String>,
    /// Name shown to customers; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    display_name: Option<Option<String>>,
    /// Sign-in address.
    #[schema(format = Email)]
    email: Option<String>,
    /// Phone number.
    #[serde(default, deserialize_with = "de::nullable")]
    phone_number: Option<Option<String>>,
    /// Signature appended to replies.
    #[serde(default, deserialize_with = "de::nullable")]
    message_signature: Option<Option<String>>,
    /// `en`, `pt-BR`, or null (follow the browser).
    #[serde(default, deserialize_with = "de::nullable")]
    #[schema(value_type = Option<crate::i18n::Locale>)]
    locale: Option<Option<String>>,
    /// UI preferences (stored as given).
    ui_settings: Option<Value>,
    /// The current password (required with `password`).
    current_password: Option<String>,
    /// A new password.
    #[schema(min_length = 8)]
    password: Option<String>,
    /// Must equal `password` when sent.
    password_confirmation: Option<String>,
    /// With `account_id`: the availability in that account.
    availability: Option<Availability>,
    /// The account of `availability` (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    account_id: Option<AccountId>,
}

impl Wrapped for ProfileParams {
    const KEY: &'static str = "profile";
}

/// `PUT/PATCH /api/v1/profile`: profile fields, a password change (with `current_password`),
/// or the availability in `account_id`.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1/profile",
    tag = "Profile",
    request_body(content = ProfileParams, description = "The fields at the top level, or wrapped as `{\"profile\": {...}}`"),
    responses(
        (status = 200, description = "The updated user", body = super::schemas::Profile),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_profile(
    State(app): State<AppState>,
    caller: ApiUser,
    ApiParams(params): ApiParams<ProfileParams>,
) -> Result<Response> {
    let locale = match params.locale {
        Some(Some(code)) => {
            Some(Some(Locale::parse(&code).ok_or_else(|| {
                Error::invalid("locale", "is not one of: pt-BR, en")
            })?))
        }
        Some(None) => Some(None),
        None => None,
    };
    let password = match (params.password, params.current_password) {
        (Some(new), current) => Some(profile::PasswordChange {
            current: current.unwrap_or_default(),
            new,
            confirmation: params.password_confirmation,
        }),
        (None, _) => None,
    };
    let availability = match (params.availability, params.account_id) {
        (Some(availability), Some(account_id)) => Some((account_id, availability)),
        (Some(_), None) => return Err(Error::invalid("account_id", "can't be blank")),
        (None, _) => None,
    };
    let update = profile::ProfileUpdate {
        patch: profile::ProfilePatch {
            name: params.name,
            display_name: params.display_name,
            email: params.email,
            phone_number: params.phone_number,
            locale,
            message_signature: params.message_signature,
            ui_settings: params.ui_settings,
        },
        password,
        availability,
    };
    let user = profile::update(&app, caller.user.id, update).await?;
    Ok(json_body(&user_json(&app, &user, Some(&caller.token)).await?).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct AvailabilityParams {
    /// The account (a number or numeric string).
    #[serde(deserialize_with = "de::id")]
    #[schema(value_type = i64)]
    account_id: AccountId,
    /// The new availability.
    availability: Availability,
}

impl Wrapped for AvailabilityParams {
    const KEY: &'static str = "profile";
}

/// `POST /api/v1/profile/availability`.
#[utoipa::path(
    post,
    path = "/api/v1/profile/availability",
    tag = "Profile",
    request_body(content = AvailabilityParams, description = "The fields at the top level, or wrapped as `{\"profile\": {...}}`"),
    responses(
        (status = 200, description = "The user", body = super::schemas::Profile),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_availability(
    State(app): State<AppState>,
    caller: ApiUser,
    ApiParams(params): ApiParams<AvailabilityParams>,
) -> Result<Response> {
    profile::set_availability(&app, caller.user.id, params.account_id, params.availability).await?;
    Ok(json_body(&user_json(&app, &caller.user, Some(&caller.token)).await?).into_response())
}

/// `POST /api/v1/profile/reset_access_token`: the response carries the new token; the old one
/// stops working.
#[utoipa::path(
    post,
    path = "/api/v1/profile/reset_access_token",
    tag = "Profile",
    responses(
        (status = 200, description = "The user, with the new token in `access_token`", body = super::schemas::Profile),
        (status = 401, response = super::schemas::Unauthorized),
    ),
    security(("api_access_token" = []))
)]
async fn reset_access_token(State(app): State<AppState>, caller: ApiUser) -> Result<Response> {
    let token = profile::reset_token(&app, caller.user.id).await?;
    Ok(json_body(&user_json(&app, &caller.user, Some(&token.0)).await?).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ActiveAccountParams {
    /// An account the user belongs to (a number or numeric string).
    #[serde(deserialize_with = "de::id")]
    #[schema(value_type = i64)]
    account_id: AccountId,
}

impl Wrapped for ActiveAccountParams {
    const KEY: &'static str = "profile";
}

/// `PUT /api/v1/profile/set_active_account`.
#[utoipa::path(
    put,
    path = "/api/v1/profile/set_active_account",
    tag = "Profile",
    request_body(content = ActiveAccountParams, description = "The fields at the top level, or wrapped as `{\"profile\": {...}}`"),
    responses(
        (status = 200, description = "The user", body = super::schemas::Profile),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn set_active_account(
    State(app): State<AppState>,
    caller: ApiUser,
    ApiParams(params): ApiParams<ActiveAccountParams>,
) -> Result<Response> {
    let member = repo::memberships(&mut *app.db.acquire().await?, caller.user.id)
        .await?
        .iter()
        .any(|m| m.account_id == params.account_id);
    if !member {
        // As for every account route: a non-member cannot tell the account exists.
        return Err(Error::NotFound);
    }
    profile::touch_account(&app, caller.user.id, params.account_id).await?;
    Ok(json_body(&user_json(&app, &caller.user, Some(&caller.token)).await?).into_response())
}
