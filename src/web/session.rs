//! Browser sessions and the extractors of signed-in pages. The session stores the user id and
//! the user's `auth_version` at sign-in; a password change bumps the version, which voids every
//! other session. Cookies are `HttpOnly; SameSite=Lax`, and `Secure` when the base URL is https.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::extract::locale_from_headers;
use super::layout::Nav;
use crate::accounts::model::{Membership, User};
use crate::accounts::repo;
use crate::auth::context::{self, AccountCtx};
use crate::auth::sessions::PgSessionStore;
use crate::error::Error;
use crate::i18n::Locale;
use crate::ids::AccountId;
use crate::state::AppState;

/// Cookie holding the session id.
pub const COOKIE: &str = "atende_session";
const USER_ID: &str = "user_id";
const AUTH_VERSION: &str = "auth_version";
const ACCOUNT_ID: &str = "account_id";

/// The session layer for the browser routes.
pub fn layer(app: &AppState) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(PgSessionStore::new(app.db.clone()))
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(app.base_url().starts_with("https://"))
        .with_expiry(Expiry::OnInactivity(Duration::days(14)))
}

/// Marks the session as signed in as `user`, under a fresh session id (no fixation).
pub async fn sign_in(session: &Session, user: &User) -> Result<(), Error> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_ID, user.id.0)
        .await
        .map_err(session_error)?;
    session
        .insert(AUTH_VERSION, user.auth_version)
        .await
        .map_err(session_error)?;
    Ok(())
}

/// Keeps this session valid after the user's own password change.
pub async fn refresh_auth_version(session: &Session, user: &User) -> Result<(), Error> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(AUTH_VERSION, user.auth_version)
        .await
        .map_err(session_error)
}

/// Ends the session.
pub async fn sign_out(session: &Session) -> Result<(), Error> {
    session.flush().await.map_err(session_error)
}

fn session_error(e: tower_sessions::session::Error) -> Error {
    Error::Other(anyhow::anyhow!("session store: {e}"))
}

/// Where to send a visitor who must sign in: the login page, coming back here afterwards. For
/// htmx requests the redirect goes through `HX-Redirect`, so the whole page changes.
pub fn to_login(parts: &Parts) -> Response {
    let back = parts
        .headers
        .get("hx-current-url")
        .and_then(|v| v.to_str().ok())
        .and_then(|u| u.parse::<Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.to_string()))
        .unwrap_or_else(|| {
            parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "/".into())
        });
    let target = format!(
        "/login?next={}",
        url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
    );
    if parts.headers.contains_key("hx-request") {
        let mut response = StatusCode::OK.into_response();
        if let Ok(value) = HeaderValue::from_str(&target) {
            response.headers_mut().insert("hx-redirect", value);
        }
        response
    } else {
        Redirect::to(&target).into_response()
    }
}

/// A signed-in visitor.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The user.
    pub user: User,
    /// The session.
    pub session: Session,
    /// The page language: the user's setting, else the browser's.
    pub tr: Locale,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let session = Session::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let user_id: Option<i64> = session.get(USER_ID).await.ok().flatten();
        let version: Option<i32> = session.get(AUTH_VERSION).await.ok().flatten();
        let Some(user_id) = user_id else {
            return Err(to_login(parts));
        };
        let user = match app.db.acquire().await {
            Ok(mut conn) => repo::find_user(&mut conn, crate::ids::UserId(user_id)).await,
            Err(e) => Err(e.into()),
        }
        .map_err(IntoResponse::into_response)?;
        let Some(user) = user.filter(|u| Some(u.auth_version) == version) else {
            // The password changed (or the user is gone) since this session signed in.
            let _ = session.flush().await;
            return Err(to_login(parts));
        };
        tracing::Span::current().record("user.id", user.id.0);
        let tr = user
            .locale
            .unwrap_or_else(|| locale_from_headers(&parts.headers));
        let signed_in = SignedIn { user, session, tr };
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

/// A signed-in member on an account page (`/app/accounts/{account_id}/...`), with the
/// navigation of that account.
#[derive(Clone, Debug)]
pub struct WebCtx {
    /// Who acts where, with which permissions.
    pub ctx: AccountCtx,
    /// The session.
    pub session: Session,
    /// Page language.
    pub tr: Locale,
    /// Navigation: sections the member may open and the account switcher.
    pub nav: Nav,
}

impl FromRequestParts<AppState> for WebCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let signed_in = SignedIn::from_request_parts(parts, app).await?;
        let tr = signed_in.tr;
        let params = RawPathParams::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let account_id = params
            .iter()
            .find(|(name, _)| *name == "account_id")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .map(AccountId)
            .ok_or_else(|| super::error_page(StatusCode::NOT_FOUND, tr))?;
        let mut conn = app
            .db
            .acquire()
            .await
            .map_err(|e| Error::from(e).into_response())?;
        let ctx = match context::resolve(&mut conn, signed_in.user.clone(), account_id).await {
            Ok(ctx) => ctx,
            Err(Error::Unauthorized(message)) if message.contains("suspended") => {
                return Err(super::suspended_page(tr));
            }
            // Not a member: the account does not exist as far as this user can tell.
            Err(Error::Unauthorized(_) | Error::NotFound) => {
                return Err(super::error_page(StatusCode::NOT_FOUND, tr));
            }
            Err(e) => return Err(e.into_response()),
        };
        tracing::Span::current().record("account.id", account_id.0);
        let memberships: Vec<Membership> = repo::memberships(&mut conn, signed_in.user.id)
            .await
            .map_err(IntoResponse::into_response)?;
        let previous: Option<i64> = signed_in.session.get(ACCOUNT_ID).await.ok().flatten();
        if previous != Some(account_id.0) {
            let _ = signed_in.session.insert(ACCOUNT_ID, account_id.0).await;
            let _ =
                crate::accounts::profile::touch_account(app, signed_in.user.id, account_id).await;
        }
        let nav = Nav::new(&ctx, &memberships, parts.uri.path());
        Ok(WebCtx {
            ctx,
            session: signed_in.session,
            tr,
            nav,
        })
    }
}

/// The account a signed-in user lands in: the one of this session, else the most recently
/// used one.
pub async fn landing_account(session: &Session, memberships: &[Membership]) -> Option<AccountId> {
    let current: Option<i64> = session.get(ACCOUNT_ID).await.ok().flatten();
    memberships
        .iter()
        .find(|m| Some(m.account_id.0) == current)
        .or_else(|| memberships.first())
        .map(|m| m.account_id)
}

/// `Cache-Control: no-store` for pages with personal data.
pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
