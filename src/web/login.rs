//! Signing in and out, and the landing of a signed-in user (the account's inbox is in
//! `web::inbox`).

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::extract::{LANG_COOKIE, PageLocale};
use super::session::{self, SignedIn};
use crate::accounts::model::AccountStatus;
use crate::accounts::repo;
use crate::auth::login::{self, SignInError};
use crate::error::Result;
use crate::i18n::Locale;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(sign_in))
        .route("/logout", post(sign_out))
        .route("/app", get(landing))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Locale,
    email: String,
    next: String,
    next_encoded: String,
    error: Option<String>,
}

impl LoginPage {
    fn new(tr: Locale, email: String, next: String, error: Option<String>) -> Self {
        let next_encoded = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        LoginPage {
            tr,
            email,
            next,
            next_encoded,
            error,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    lang: Option<String>,
}

/// Only same-origin paths: `next` must not send the user to another site. Browsers drop tabs
/// and line breaks from URLs and read `\\` as `/`, so `/\t/evil.example` or `/\\evil.example`
/// would be `//evil.example`: anything with a control character, a backslash or whitespace is
/// refused, as is a path starting with `//`.
fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    local.then_some(next)
}

/// `GET /login`.
async fn login_page(
    session: Session,
    PageLocale(locale): PageLocale,
    Query(query): Query<LoginQuery>,
) -> Response {
    let signed_in: Option<i64> = session.get("user_id").await.ok().flatten();
    if signed_in.is_some() {
        return Redirect::to(safe_next(&query.next).unwrap_or("/app")).into_response();
    }
    let chosen = query.lang.as_deref().and_then(Locale::parse);
    let page = LoginPage::new(chosen.unwrap_or(locale), String::new(), query.next, None);
    match chosen {
        Some(chosen) => {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                chosen.code()
            );
            ([(header::SET_COOKIE, cookie)], page).into_response()
        }
        None => page.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The client address: the peer, or the last `X-Forwarded-For` hop behind a trusted proxy.
/// When requests carry `X-Forwarded-For` but the setting is off, every client seems to be the
/// proxy (one throttle for everybody): that is logged once per process, at the first such
/// request (a process cannot know at start-up what its requests will carry).
pub(super) fn client_ip(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded = headers.get("x-forwarded-for");
    if !app.config.trust_forwarded_for {
        if forwarded.is_some()
            && !app
                .forwarded_for_warned
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                peer = %peer.ip(),
                "requests arrive with X-Forwarded-For but ATENDE_TRUST_FORWARDED_FOR is off: sign-in \
                 throttling counts every client behind the proxy as one; set it when Atende runs \
                 behind a reverse proxy that sets the header"
            );
        }
        return peer.ip();
    }
    forwarded
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(peer.ip())
}

/// `POST /login`: a fresh session id on success; the same answer for a wrong e-mail and a
/// wrong password; 429 after too many failures.
async fn sign_in(
    State(app): State<AppState>,
    session: Session,
    PageLocale(tr): PageLocale,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let client = client_ip(&app, peer, &headers);
    match login::sign_in(&app, &form.email, &form.password, client).await? {
        Ok(user) => {
            session::sign_in(&session, &user).await?;
            Ok(Redirect::to(safe_next(&form.next).unwrap_or("/app")).into_response())
        }
        Err(refused) => {
            let (status, message) = refusal(tr, &refused, "login-invalid");
            let page = LoginPage::new(tr, form.email, form.next, Some(message));
            Ok(with_retry_after((status, page).into_response(), &refused))
        }
    }
}

/// The status and sentence of a refused sign-in; `invalid` names the sentence for a wrong
/// password (pages word it for what they ask).
pub(super) fn refusal(tr: Locale, refused: &SignInError, invalid: &str) -> (StatusCode, String) {
    match refused {
        SignInError::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, tr.t(invalid)),
        SignInError::Busy => (StatusCode::TOO_MANY_REQUESTS, tr.t("login-busy")),
        SignInError::Throttled { retry_after_secs } => {
            let minutes = retry_after_secs.div_ceil(60) as i64;
            (
                StatusCode::TOO_MANY_REQUESTS,
                tr.t1("login-throttled", "minutes", minutes),
            )
        }
    }
}

/// Adds `Retry-After` to the answer of a throttled or busy sign-in.
pub(super) fn with_retry_after(mut response: Response, refused: &SignInError) -> Response {
    let seconds = match refused {
        SignInError::Invalid => return response,
        SignInError::Busy => 1,
        SignInError::Throttled { retry_after_secs } => *retry_after_secs,
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// `POST /logout`.
async fn sign_out(session: Session) -> Result<Response> {
    session::sign_out(&session).await?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "app/message.html")]
struct MessagePage {
    tr: Locale,
    title: String,
    message: String,
}

/// `GET /app`: the account the user worked in last, or a page saying there is none.
async fn landing(State(app): State<AppState>, signed_in: SignedIn) -> Result<Response> {
    let memberships = repo::memberships(&mut *app.db.acquire().await?, signed_in.user.id).await?;
    let active: Vec<_> = memberships
        .into_iter()
        .filter(|m| m.account_status == AccountStatus::Active)
        .collect();
    let tr = signed_in.tr;
    match session::landing_account(&signed_in.session, &active).await {
        Some(account_id) => {
            Ok(Redirect::to(&format!("/app/accounts/{account_id}")).into_response())
        }
        None => {
            let page = MessagePage {
                tr,
                title: tr.t("no-accounts-title"),
                message: tr.t("no-accounts-message"),
            };
            Ok((StatusCode::FORBIDDEN, page).into_response())
        }
    }
}

/// The page shown for a suspended account.
pub fn suspended(tr: Locale) -> Response {
    let page = MessagePage {
        tr,
        title: tr.t("account-suspended-title"),
        message: tr.t("account-suspended-message"),
    };
    (StatusCode::FORBIDDEN, page).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_accepts_only_local_paths() {
        assert_eq!(safe_next("/app/accounts/1"), Some("/app/accounts/1"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\u{0}/evil.example",
            "/ /evil.example",
            "\t//evil.example",
            "",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
