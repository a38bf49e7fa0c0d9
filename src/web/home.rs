//! The start page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::Query;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::extract::{LANG_COOKIE, PageLocale};
use crate::i18n::Locale;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home_page))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    tr: Locale,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// `GET /`: what Atende is, and the way in. `?lang=en` switches and remembers the language.
async fn home_page(PageLocale(locale): PageLocale, Query(query): Query<LangQuery>) -> Response {
    match query.lang.as_deref().and_then(Locale::parse) {
        Some(chosen) => {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                chosen.code()
            );
            ([(SET_COOKIE, cookie)], HomePage { tr: chosen }).into_response()
        }
        None => HomePage { tr: locale }.into_response(),
    }
}
