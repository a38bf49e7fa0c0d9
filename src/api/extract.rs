//! Request extractors of the JSON API whose rejections use our error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;

/// A JSON (or form-encoded) body. Malformed input is a 422 that names the field, never a
/// plain-text 400. An empty body reads as `{}` (Rails clients send bodiless POSTs).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let value = body_value(req, state).await?;
        from_value(value).map(ApiJson)
    }
}

/// Input types whose Rails controller calls `params.require(:key)`: clients may send the fields
/// at the top level or wrapped as `{"key": {...}}`, and we accept both.
pub trait Wrapped {
    /// The wrapper key (`agent`, `label`, `custom_role`).
    const KEY: &'static str;
}

/// A body of a [`Wrapped`] type.
#[derive(Debug, Clone)]
pub struct ApiParams<T>(pub T);

impl<T: DeserializeOwned + Wrapped, S: Send + Sync> FromRequest<S> for ApiParams<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let value = unwrap_params(body_value(req, state).await?, T::KEY);
        from_value(value).map(ApiParams)
    }
}

/// `{"key": {..}}` → `{..}`; anything else unchanged.
pub fn unwrap_params(value: Value, key: &str) -> Value {
    match value {
        Value::Object(mut map) if map.get(key).is_some_and(Value::is_object) => {
            map.remove(key).unwrap_or(Value::Null)
        }
        other => other,
    }
}

async fn body_value<S: Send + Sync>(req: Request, state: &S) -> Result<Value, Error> {
    let form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::BadRequest(format!("could not read the request body: {rejection}").into())
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value = if form {
        form_to_value(&bytes)
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::BadRequest(
                format!("malformed JSON body: {}", strip_position(&e.to_string())).into(),
            )
        })?
    };
    match nul_at(&value, String::new()) {
        Some(path) => Err(nul_error(&path)),
        None => Ok(value),
    }
}

/// Where a NUL character sits in a value (a key or a string), as a field path. PostgreSQL
/// stores no NUL in text or jsonb, so such input is refused up front rather than failing the
/// write.
fn nul_at(value: &Value, path: String) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => {
            Some(if path.is_empty() { ".".into() } else { path })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(&key.replace('\0', "\\u0000")))
            } else {
                nul_at(item, join(key))
            }
        }),
        _ => None,
    }
}

fn nul_error(field: &str) -> Error {
    Error::invalid(
        field,
        "contains a NUL character (\\u0000), which cannot be stored",
    )
}

/// `a=1&b[]=x&b[]=y` → `{"a":"1","b":["x","y"]}` (values stay strings; lenient field types
/// coerce them as Rails does).
fn form_to_value(bytes: &[u8]) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in url::form_urlencoded::parse(bytes) {
        match key.strip_suffix("[]") {
            Some(base) => {
                let entry = map
                    .entry(base.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(Value::String(value.into_owned()));
                }
            }
            None => {
                map.insert(key.into_owned(), Value::String(value.into_owned()));
            }
        }
    }
    Value::Object(map)
}

/// Deserializes with the failing field's path in the error.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = strip_position(&e.inner().to_string());
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            let field = if path == "." {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            return Error::invalid(field, "can't be blank");
        }
        if path == "." {
            return Error::BadRequest(format!("invalid request body: {message}").into());
        }
        Error::invalid(path, humanize_serde(&message))
    })
}

/// serde's "invalid type: string \"x\", expected i64" → "is invalid (expected i64)".
fn humanize_serde(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let expected = rest
            .split_once(", expected ")
            .map(|(_, e)| e)
            .unwrap_or("another type");
        return format!("is invalid (expected {expected})");
    }
    if message.starts_with("is ") || message.starts_with("can't") || message.starts_with("has ") {
        return message.to_owned();
    }
    format!("is invalid ({message})")
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        age: Option<i64>,
    }

    #[test]
    fn a_nul_character_is_found_where_it_is() {
        assert_eq!(nul_at(&json!({"name": "ok", "n": 1}), String::new()), None);
        assert_eq!(
            nul_at(&json!({"contact": {"name": "a\u{0}b"}}), String::new()).as_deref(),
            Some("contact.name")
        );
        assert_eq!(
            nul_at(&json!({"labels": ["x", "\u{0}"]}), String::new()).as_deref(),
            Some("labels[1]")
        );
        assert_eq!(
            nul_at(&json!({"custom_attributes": {"a\u{0}": 1}}), String::new()).as_deref(),
            Some("custom_attributes.a\\u0000")
        );
        assert_eq!(nul_at(&json!("\u{0}"), String::new()).as_deref(), Some("."));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = from_value::<Input>(json!({"name": "Ana", "age": "x"})).expect_err("bad age");
        assert_eq!(
            err.body(),
            json!({"message": "Age is invalid (expected i64)", "attributes": ["age"]})
        );
    }

    #[test]
    fn missing_fields_are_blank() {
        let err = from_value::<Input>(json!({})).expect_err("no name");
        assert_eq!(
            err.body(),
            json!({"message": "Name can't be blank", "attributes": ["name"]})
        );
    }

    #[test]
    fn rails_wrapped_params_are_unwrapped() {
        assert_eq!(
            unwrap_params(json!({"agent": {"name": "Ana"}}), "agent"),
            json!({"name": "Ana"})
        );
        assert_eq!(
            unwrap_params(json!({"name": "Ana"}), "agent"),
            json!({"name": "Ana"})
        );
        assert_eq!(
            unwrap_params(json!({"agent": "x"}), "agent"),
            json!({"agent": "x"})
        );
    }

    #[test]
    fn form_bodies_become_objects_with_arrays() {
        assert_eq!(
            form_to_value(b"name=Ana+Maria&labels[]=a&labels[]=b"),
            json!({"name": "Ana Maria", "labels": ["a", "b"]})
        );
    }
}

/// The raw query string as a list of pairs, for Chatwoot's repeated parameters: `labels[]=a&
/// labels[]=b`, `labels=a&labels=b` and `labels=a,b` all mean two labels.
#[derive(Debug, Default, Clone)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for QueryPairs {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        // A NUL character cannot reach a text column or a query parameter of PostgreSQL.
        if let Some((key, _)) = pairs
            .iter()
            .find(|(key, value)| key.contains('\0') || value.contains('\0'))
        {
            return Err(nul_error(&key.replace('\0', "\\u0000")));
        }
        Ok(QueryPairs(pairs))
    }
}

impl QueryPairs {
    /// The first value of `name` (or `name[]`), if not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name || k.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    /// Every value of `name`, `name[]` and comma-separated lists.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name || k.strip_suffix("[]") == Some(name))
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// An integer parameter; a value that is not one is a 422 naming it.
    pub fn int(&self, name: &str) -> Result<Option<i64>, Error> {
        self.get(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| Error::invalid(name, "is not a number"))
            })
            .transpose()
    }

    /// The page number (1 when absent or invalid, as Rails' `page` does).
    pub fn page(&self) -> i64 {
        self.get("page")
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
            .min(100_000)
    }

    /// Chatwoot echoes the raw `page` parameter in `meta.current_page`: a string when sent,
    /// the integer 1 otherwise.
    pub fn current_page(&self) -> Value {
        match self.get("page") {
            Some(raw) => Value::String(raw.to_owned()),
            None => Value::from(1),
        }
    }
}
