//! Request data the pages need: the visitor's language, and ids in page paths.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;

use crate::error::Error;
use crate::i18n::Locale;

/// Name of the cookie that remembers an explicit language choice of a visitor.
pub const LANG_COOKIE: &str = "atende_lang";

/// The value of cookie `name` in the request, if present.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The visitor's language: an explicit choice (cookie), else `Accept-Language`, else pt-BR.
pub fn locale_from_headers(headers: &HeaderMap) -> Locale {
    cookie(headers, LANG_COOKIE)
        .and_then(Locale::parse)
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// Extracts the visitor's language.
#[derive(Clone, Copy, Debug)]
pub struct PageLocale(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for PageLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLocale(locale_from_headers(&parts.headers)))
    }
}

/// The `{id}` segment of a page path (a member, a custom role). Anything but a number names no
/// page: 404, as an HTML page through `html_errors`.
#[derive(Clone, Copy, Debug)]
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, value)| value.parse().ok())
            .map(PathId)
            .ok_or(Error::NotFound)
    }
}
