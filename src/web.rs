//! The HTML adapter: askama pages and htmx fragments. Handlers here are thin siblings of the
//! `api` ones: extract, call the same service, render. No SQL here.

mod access;
pub mod assets;
mod contacts;
pub mod extract;
pub mod flash;
pub mod form;
mod home;
mod inbox;
pub mod labels;
pub mod layout;
mod live;
mod login;
mod profile;
pub mod session;
mod settings;
mod variables;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};

use crate::error::ErrorInfo;
use crate::i18n::Locale;
use crate::state::AppState;

/// Routes of the browser UI: sessions, cross-origin request protection on every form post
/// (`Sec-Fetch-Site`/`Origin`, tower-http's `CsrfLayer`), and HTML error pages.
pub fn router(app: &AppState) -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(access::router())
        .merge(inbox::router())
        .merge(contacts::router())
        .merge(login::router())
        .merge(live::router())
        .merge(profile::router())
        .merge(settings::router())
        .merge(variables::router())
        .layer(middleware::from_fn(html_errors))
        .layer(session::layer(app))
        .layer(tower_http::csrf::CsrfLayer::new())
}

/// The page shown for a suspended account.
pub fn suspended_page(tr: Locale) -> Response {
    login::suspended(tr)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Locale,
    title: String,
    message: String,
}

/// An HTML error page for `status` in the visitor's language.
pub fn error_page(status: StatusCode, tr: Locale) -> Response {
    let (title, message) = match status {
        StatusCode::NOT_FOUND => (
            tr.t("error-not-found-title"),
            tr.t("error-not-found-message"),
        ),
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => (
            tr.t("error-forbidden-title"),
            tr.t("error-forbidden-message"),
        ),
        StatusCode::TOO_MANY_REQUESTS => (tr.t("error-busy-title"), tr.t("error-busy-message")),
        s if s.is_client_error() => (tr.t("error-bad-request-title"), String::new()),
        _ => (tr.t("error-internal-title"), tr.t("error-internal-message")),
    };
    let page = ErrorPage { tr, title, message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// Turns the JSON error bodies of shared handlers into pages in the visitor's language. A
/// permission denial is a 403 page here (the API keeps Chatwoot's 401).
async fn html_errors(request: Request, next: Next) -> Response {
    let tr = extract::locale_from_headers(request.headers());
    let response = next.run(request).await;
    match response.extensions().get::<ErrorInfo>() {
        Some(info) => {
            let status = if info.forbidden {
                StatusCode::FORBIDDEN
            } else {
                response.status()
            };
            let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
            let mut page = error_page(status, tr);
            if let Some(value) = retry_after {
                page.headers_mut().insert(header::RETRY_AFTER, value);
            }
            page
        }
        _ => response,
    }
}
