//! What every page with a form shares: a form extractor whose rejection is an HTML error page,
//! field errors translated into the page language, and the redirect that ends a successful
//! POST (303, or `HX-Redirect` for htmx requests).
//!
//! Form errors follow one rule on every page: **422 with the whole page re-rendered**, the
//! submitted values kept (never passwords), and each message in a `<small class="field-error"
//! id="FIELD-error">` that the input references with `aria-describedby` and `aria-invalid`.
//! `base.html` tells htmx to swap 422 responses.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

use crate::auth::password;
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;

/// A url-encoded form body. A malformed body is a localized "invalid request" page (through
/// `html_errors`), never axum's plain-text rejection.
#[derive(Debug)]
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(rejection) => Err(Error::BadRequest(rejection.body_text().into())),
        }
    }
}

/// Whether the request comes from htmx (`HX-Request`).
#[derive(Clone, Copy, Debug)]
pub struct HxRequest(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for HxRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(HxRequest(parts.headers.contains_key("hx-request")))
    }
}

/// The end of a successful POST: `303 See Other` to `to`, or `HX-Redirect` for htmx, which
/// then loads the page as a whole (so the flash message shows on it).
pub fn see_other(htmx: HxRequest, to: &str) -> Response {
    if !htmx.0 {
        return Redirect::to(to).into_response();
    }
    // 200 as `session::to_login` answers htmx: htmx reads `HX-Redirect` before any swap.
    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert("hx-redirect", value);
    }
    response
}

/// A page re-rendered because its form was refused.
pub fn unprocessable(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Splits a service result so handlers can re-render the form on validation errors and let
/// every other error become an error page.
pub trait OrInvalid<T> {
    /// `Ok(Ok(value))`, `Ok(Err(field errors))`, or the other error.
    fn or_invalid(self) -> Result<Result<T, FieldErrors>>;
}

impl<T> OrInvalid<T> for Result<T> {
    fn or_invalid(self) -> Result<Result<T, FieldErrors>> {
        match self {
            Ok(value) => Ok(Ok(value)),
            Err(Error::Validation(errors)) => Ok(Err(errors)),
            Err(e) => Err(e),
        }
    }
}

/// Field errors of one form, translated, for a template.
#[derive(Clone, Debug, Default)]
pub struct FormErrors {
    fields: Vec<(String, String)>,
    /// Messages of fields the form does not show, displayed in the summary instead.
    pub unplaced: Vec<String>,
}

impl FormErrors {
    /// Translates `errors` into `tr`; `placed` are the fields the form shows a message next to.
    pub fn new(tr: Locale, errors: &FieldErrors, placed: &[&str]) -> Self {
        let mut form = FormErrors::default();
        for error in errors.iter() {
            let message = field_message(tr, &error.field, &error.message);
            if placed.contains(&error.field.as_str()) {
                if form.get(&error.field).is_none() {
                    form.fields.push((error.field.clone(), message));
                }
            } else {
                form.unplaced.push(message);
            }
        }
        form
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.unplaced.is_empty()
    }

    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The attributes of the input of `field` (whose `id` is the field name): invalid and
    /// described by its message, when it has one.
    pub fn aria(&self, field: &str) -> String {
        self.aria_with_hint(field, "")
    }

    /// As [`FormErrors::aria`], for an input that is also described by the hint `hint_id`.
    pub fn aria_with_hint(&self, field: &str, hint_id: &str) -> String {
        let error = self.get(field).is_some();
        let described: Vec<String> = [
            (!hint_id.is_empty()).then(|| hint_id.to_owned()),
            error.then(|| format!("{field}-error")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut attrs = String::new();
        if error {
            attrs.push_str(r#" aria-invalid="true""#);
        }
        if !described.is_empty() {
            attrs.push_str(&format!(r#" aria-describedby="{}""#, described.join(" ")));
        }
        attrs
    }
}

/// The first number in `text` ("is too long (maximum is 100 characters)" → 100).
fn number_in(text: &str) -> i64 {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|part| !part.is_empty())
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

/// One service message (Rails style, "can't be blank") as a sentence in the page language. An
/// unknown message is shown as the service wrote it rather than hidden.
pub fn field_message(tr: Locale, field: &str, message: &str) -> String {
    if let Some(text) = super::settings::field_message(tr, field, message) {
        return text;
    }
    match (field, message) {
        (_, "can't be blank") => tr.t("form-error-blank"),
        ("email", "has already been taken") => tr.t("form-error-email-taken"),
        ("email", "has already been invited") => tr.t("form-error-email-invited"),
        ("email", m) if m.starts_with("already has a user") => tr.t("form-error-email-has-user"),
        ("email", m) if m.starts_with("cannot receive a link") => tr.t("forgot-unavailable"),
        (_, "has already been taken") => tr.t("form-error-taken"),
        ("email" | "support_email", "is invalid") => tr.t("form-error-email"),
        ("phone_number", "is invalid") => tr.t("form-error-phone"),
        ("current_password", "is invalid") => tr.t("form-error-current-password"),
        (_, "doesn't match Password") => tr.t("form-error-confirmation"),
        (_, "is not a number") => tr.t("form-error-number"),
        ("timezone", _) => tr.t("form-error-timezone"),
        ("auto_resolve_after", _) => tr.t("form-error-auto-resolve"),
        (_, m) if m.contains("at least one administrator") => tr.t("form-error-last-admin"),
        (_, m) if m.starts_with("is too short") => {
            tr.t1("form-error-too-short", "count", number_in(m))
        }
        (_, m) if m.starts_with("is too long") => {
            tr.t1("form-error-too-long", "count", number_in(m))
        }
        (_, m) if m.starts_with("contains an unknown permission") => {
            let name = m.rsplit(": ").next().unwrap_or_default();
            tr.t1("form-error-unknown-permission", "name", name)
        }
        (_, m) if m.starts_with("is not one of") => tr.t("form-error-choice"),
        (_, m) if m.starts_with("would exceed this account's storage quota of ") => {
            let limit = m.rsplit(" of ").next().unwrap_or_default();
            tr.t1("form-error-storage-quota", "limit", limit)
        }
        (_, m) if m.starts_with("can't be kept: ") => {
            tr.t1("form-error-unsaved-uploads", "count", number_in(m))
        }
        (_, "is invalid") => tr.t("form-error-invalid"),
        (field, message) => FieldErrors::one(field, message).full_message(),
    }
}

/// Password rules as the pages state them.
pub fn password_hint(tr: Locale) -> String {
    tr.t1("form-password-hint", "count", password::MIN_LENGTH as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_message_reads_as_a_sentence_in_both_languages() {
        let known = [
            ("name", "can't be blank"),
            ("email", "has already been taken"),
            ("name", "has already been taken"),
            ("email", "is invalid"),
            ("support_email", "is invalid"),
            ("phone_number", "is invalid"),
            ("current_password", "is invalid"),
            ("password_confirmation", "doesn't match Password"),
            ("password", "is too short (minimum is 8 characters)"),
            ("password", "is too long (maximum is 128 characters)"),
            ("name", "is too long (maximum is 100 characters)"),
            ("timezone", "is not a known time zone"),
            (
                "auto_resolve_after",
                "must be between 10 minutes and 999 days",
            ),
            ("auto_resolve_after", "is not a number"),
            (
                "role",
                "can't be changed: the account needs at least one administrator",
            ),
            ("permissions", "contains an unknown permission: fly"),
            ("locale", "is not one of: pt-BR, en"),
            ("custom_role_id", "is invalid"),
        ];
        for tr in Locale::ALL {
            for (field, message) in known {
                let text = field_message(tr, field, message);
                assert!(
                    !text.contains(message) && !text.starts_with("Unknown localization"),
                    "{tr} {field} {message}: {text}"
                );
                assert!(text.ends_with('.'), "{tr} {field} {message}: {text}");
            }
        }
        let short = field_message(
            Locale::PtBr,
            "password",
            "is too short (minimum is 8 characters)",
        );
        assert!(short.contains('8'), "{short}");
        let permission = field_message(
            Locale::En,
            "permissions",
            "contains an unknown permission: fly",
        );
        assert!(permission.contains("fly"), "{permission}");
    }

    #[test]
    fn an_unknown_message_is_shown_rather_than_hidden() {
        assert_eq!(
            field_message(Locale::PtBr, "ui_settings", "must be an object"),
            "Ui settings must be an object"
        );
    }

    #[test]
    fn inputs_point_at_their_message_and_hint() {
        let errors = FormErrors::new(
            Locale::En,
            &FieldErrors::one("email", "is invalid"),
            &["email", "name"],
        );
        assert_eq!(
            errors.aria("email"),
            r#" aria-invalid="true" aria-describedby="email-error""#
        );
        assert_eq!(errors.aria("name"), "");
        assert_eq!(
            errors.aria_with_hint("name", "name-hint"),
            r#" aria-describedby="name-hint""#
        );
        assert_eq!(
            errors.aria_with_hint("email", "email-hint"),
            r#" aria-invalid="true" aria-describedby="email-hint email-error""#
        );
        assert!(errors.unplaced.is_empty());
    }

    #[test]
    fn errors_of_fields_the_form_does_not_show_go_to_the_summary() {
        let errors = FormErrors::new(
            Locale::En,
            &FieldErrors::one("account_id", "is invalid"),
            &["availability"],
        );
        assert_eq!(errors.get("account_id"), None);
        assert_eq!(errors.unplaced.len(), 1);
        assert!(!errors.is_empty());
    }
}
