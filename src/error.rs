//! The one error type of the application and its Chatwoot-compatible JSON rendering.
//!
//! Bodies follow Chatwoot (`reference/chatwoot-api.md` §1.3) because clients parse them:
//! 404 `{"error":"Resource could not be found"}`, 422 `{"message":..,"attributes":[..]}`,
//! 401 `{"error":..}` (Chatwoot answers permission denials with 401 too). Internal errors are
//! logged once, inside the request span, and never returned to the caller.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Result with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a service or handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The resource does not exist, or belongs to another account.
    #[error("resource not found")]
    NotFound,
    /// The caller sent no credentials at all.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The credentials are wrong, or the caller is not a member of the account.
    #[error("unauthorized: {0}")]
    Unauthorized(Cow<'static, str>),
    /// The caller is authenticated but its role lacks the permission.
    #[error("forbidden")]
    Forbidden,
    /// Input failed validation; each entry names the field.
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    /// The request is malformed in a way that is not about one field.
    #[error("bad request: {0}")]
    BadRequest(Cow<'static, str>),
    /// The action is refused for this resource (Chatwoot answers these with 403 and a reason).
    #[error("refused: {0}")]
    Refused(Cow<'static, str>),
    /// The request conflicts with the current state.
    #[error("conflict: {0}")]
    Conflict(Cow<'static, str>),
    /// The caller must slow down.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
        /// What to tell the caller.
        message: Cow<'static, str>,
    },
    /// The request body exceeds the route's limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// A database failure that is not a mapped constraint.
    #[error(transparent)]
    Sqlx(sqlx::Error),
    /// Any other internal failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::NotFound,
            e => Error::Sqlx(e),
        }
    }
}

impl Error {
    /// 422 for a single invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(FieldErrors::one(field, message))
    }

    /// 422 `{"error":"param is missing or the value is empty: <param>"}`, as Rails answers.
    pub fn param_missing(param: &str) -> Self {
        Error::BadRequest(format!("param is missing or the value is empty: {param}").into())
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthenticated | Error::Unauthorized(_) | Error::Forbidden => {
                StatusCode::UNAUTHORIZED
            }
            Error::Validation(_) | Error::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Refused(_) => StatusCode::FORBIDDEN,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Sqlx(_) | Error::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body Chatwoot clients expect for this error.
    pub fn body(&self) -> serde_json::Value {
        match self {
            Error::NotFound => json!({ "error": "Resource could not be found" }),
            // devise_token_auth's shape, which Chatwoot returns when no token is sent.
            Error::Unauthenticated => {
                json!({ "errors": ["You need to sign in or sign up before continuing."] })
            }
            Error::Unauthorized(message) => json!({ "error": message }),
            Error::Forbidden => json!({ "error": "You are not authorized to do this action" }),
            Error::Validation(errors) => json!({
                "message": errors.full_message(),
                "attributes": errors.fields(),
            }),
            Error::BadRequest(message) | Error::Conflict(message) | Error::Refused(message) => {
                json!({ "error": message })
            }
            Error::TooManyRequests { message, .. } => json!({ "error": message }),
            Error::PayloadTooLarge => json!({ "error": "Request body is too large" }),
            Error::Sqlx(_) | Error::Other(_) => json!({ "error": "Internal server error" }),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The one place internal failures are logged; we are inside the request span.
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = (status, json_body(&self.body())).into_response();
        response.extensions_mut().insert(ErrorInfo {
            forbidden: matches!(self, Error::Forbidden),
        });
        if let Error::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// Marks a response produced from an [`Error`], so the page layer can re-render it as HTML.
#[derive(Clone, Copy, Debug)]
pub struct ErrorInfo {
    /// The error was a permission denial (401 in the API, a 403 page in the browser).
    pub forbidden: bool,
}

/// A JSON body with Chatwoot's content type.
pub fn json_body<T: serde::Serialize + ?Sized>(value: &T) -> impl IntoResponse + use<T> {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()),
    )
}

/// One message per invalid field, in the order they were found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

/// A field and what is wrong with it ("has already been taken").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The attribute name as the API spells it (`email`, `custom_role_id`).
    pub field: String,
    /// A sentence fragment that follows the humanised field name.
    pub message: String,
}

impl FieldErrors {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set with one error.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records an error for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors in order.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The message recorded for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok(())` when empty, else the 422 error.
    pub fn into_result(self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }

    /// Distinct field names, for Chatwoot's `attributes`.
    pub fn fields(&self) -> Vec<&str> {
        let mut fields: Vec<&str> = Vec::new();
        for e in &self.0 {
            if !fields.contains(&e.field.as_str()) {
                fields.push(&e.field);
            }
        }
        fields
    }

    /// Rails-style "Email has already been taken, Name can't be blank".
    pub fn full_message(&self) -> String {
        self.0
            .iter()
            .map(|e| format!("{} {}", humanize(&e.field), e.message))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full_message())
    }
}

/// `custom_role_id` → `Custom role`, as Rails' `humanize`.
fn humanize(field: &str) -> String {
    let base = field
        .strip_suffix("_id")
        .unwrap_or(field)
        .replace(['_', '.'], " ");
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Maps constraint violations to domain errors: insert, then map, never check-then-insert.
pub trait ResultExt<T> {
    /// Replaces a violation of the named constraint with `f()`.
    fn on_constraint(self, name: &str, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match e.into() {
            Error::Sqlx(sqlx::Error::Database(db)) if db.constraint() == Some(name) => f(),
            e => e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_reads_like_rails() {
        let mut errors = FieldErrors::new();
        errors.add("email", "has already been taken");
        errors.add("custom_role_id", "is invalid");
        errors.add("email", "is invalid");
        assert_eq!(
            errors.full_message(),
            "Email has already been taken, Custom role is invalid, Email is invalid"
        );
        assert_eq!(errors.fields(), vec!["email", "custom_role_id"]);
    }

    #[test]
    fn errors_map_to_chatwoot_statuses_and_bodies() {
        let cases = [
            (
                Error::NotFound,
                404,
                json!({"error": "Resource could not be found"}),
            ),
            (
                Error::Forbidden,
                401,
                json!({"error": "You are not authorized to do this action"}),
            ),
            (
                Error::invalid("name", "can't be blank"),
                422,
                json!({"message": "Name can't be blank", "attributes": ["name"]}),
            ),
            (
                Error::param_missing("label"),
                422,
                json!({"error": "param is missing or the value is empty: label"}),
            ),
            (
                Error::Other(anyhow::anyhow!("secret detail")),
                500,
                json!({"error": "Internal server error"}),
            ),
        ];
        for (error, status, body) in cases {
            assert_eq!(error.status().as_u16(), status, "{error:?}");
            assert_eq!(error.body(), body, "{error:?}");
        }
    }
}
