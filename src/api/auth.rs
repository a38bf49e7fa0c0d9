//! Authentication of API calls: the user's token in `api_access_token` (or `Api-Access-Token`;
//! header names are case-insensitive), and the account context from the `{account_id}` path
//! segment. An `Authorization: Bearer` header that some clients add is ignored, not rejected.

use axum::extract::{FromRequestParts, Path, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::accounts::model::User;
use crate::accounts::repo;
use crate::auth::context::{self, AccountCtx};
use crate::auth::tokens;
use crate::error::Error;
use crate::ids::AccountId;
use crate::state::AppState;

/// The authenticated caller of an API request.
#[derive(Clone, Debug)]
pub struct ApiUser {
    /// The token's owner.
    pub user: User,
    /// The token the caller presented (their own; echoed in the profile as `access_token`).
    pub token: String,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Error> {
        if let Some(caller) = parts.extensions.get::<ApiUser>() {
            return Ok(caller.clone());
        }
        let token = token_of(parts)?;
        let mut conn = app.db.acquire().await?;
        let user_id = tokens::lookup(&mut conn, &token)
            .await?
            .ok_or(Error::Unauthorized("Invalid Access Token".into()))?;
        let user = repo::find_user(&mut conn, user_id)
            .await?
            .ok_or(Error::Unauthorized("Invalid Access Token".into()))?;
        tracing::Span::current().record("user.id", user.id.0);
        let caller = ApiUser { user, token };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The token in `api_access_token` (or `Api-Access-Token`).
fn token_of(parts: &Parts) -> Result<String, Error> {
    ["api_access_token", "api-access-token"]
        .iter()
        .find_map(|name| parts.headers.get(*name))
        .map(|value| value.to_str().map(str::trim).unwrap_or_default().to_owned())
        .ok_or(Error::Unauthenticated)
}

/// The account context of an account-scoped API request (`/api/v1/accounts/{account_id}/...`).
#[derive(Clone, Debug)]
pub struct ApiCtx(pub AccountCtx);

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Error> {
        let params = RawPathParams::from_request_parts(parts, app)
            .await
            .map_err(|_| Error::NotFound)?;
        let account_id = params
            .iter()
            .find(|(name, _)| *name == "account_id")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .map(AccountId);
        // The token, its owner and their membership in one query (the common case).
        if parts.extensions.get::<ApiUser>().is_none()
            && let Some(account_id) = account_id
        {
            let token = token_of(parts)?;
            let invalid = || Error::Unauthorized("Invalid Access Token".into());
            if !tokens::well_formed(&token) {
                return Err(invalid());
            }
            let found = context::resolve_token(
                &mut *app.db.acquire().await?,
                &tokens::digest(&token),
                account_id,
            )
            .await?;
            let (user, ctx) = found.ok_or_else(invalid)?;
            tracing::Span::current().record("user.id", user.id.0);
            parts.extensions.insert(ApiUser { user, token });
            let ctx = ctx?;
            tracing::Span::current().record("account.id", account_id.0);
            return Ok(ApiCtx(ctx));
        }
        let caller = ApiUser::from_request_parts(parts, app).await?;
        let account_id = account_id.ok_or(Error::NotFound)?;
        let ctx = context::resolve(&mut *app.db.acquire().await?, caller.user, account_id).await?;
        tracing::Span::current().record("account.id", account_id.0);
        Ok(ApiCtx(ctx))
    }
}

/// Path parameters; a segment that does not parse (`/agents/abc`) is Chatwoot's 404, not a 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| Error::NotFound)
    }
}
