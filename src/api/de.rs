//! Lenient field deserializers. Rails coerces "12" to 12 and "true" to true, and clients rely on
//! it (Evolution API sends `"contact_id":"12"`, multipart sends every field as text), so we
//! accept both spellings; anything else is a 422 naming the field.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn int_from(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn bool_from(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim() {
            "true" | "1" | "on" => Some(true),
            "false" | "0" | "off" | "" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

/// An optional integer id: number, numeric string, null or "" (absent).
pub fn opt_id<'de, D: Deserializer<'de>, T: From<i64>>(d: D) -> Result<Option<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        v => int_from(&v)
            .map(|n| Some(T::from(n)))
            .ok_or_else(|| de::Error::custom("is not a number")),
    }
}

/// A required integer id: number or numeric string.
pub fn id<'de, D: Deserializer<'de>, T: From<i64>>(d: D) -> Result<T, D::Error> {
    let v = Value::deserialize(d)?;
    int_from(&v)
        .map(T::from)
        .ok_or_else(|| de::Error::custom("is not a number"))
}

/// A list of integer ids (numbers or numeric strings).
pub fn ids<'de, D: Deserializer<'de>, T: From<i64>>(d: D) -> Result<Vec<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                int_from(v)
                    .map(T::from)
                    .ok_or_else(|| de::Error::custom("contains something that is not a number"))
            })
            .collect(),
        v => int_from(&v)
            .map(|n| vec![T::from(n)])
            .ok_or_else(|| de::Error::custom("is not a list of numbers")),
    }
}

/// A field that may be absent (`None`), null (`Some(None)`) or an id (`Some(Some(id))`).
pub fn nullable_id<'de, D: Deserializer<'de>, T: From<i64>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    opt_id(d).map(Some)
}

/// An optional boolean: true/false, "true"/"false"/"1"/"0", null.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => bool_from(&v)
            .map(Some)
            .ok_or_else(|| de::Error::custom("is not a boolean")),
    }
}

/// Optional text that clients may also send as a number (Chatwoot enums as integers).
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(de::Error::custom("is not text")),
    }
}

/// A field that may be absent (`None`), null (`Some(None)`) or a value (`Some(Some(v))`).
/// Use with `#[serde(default, deserialize_with = "de::nullable")]`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An empty JSON object; renders `{}`.
#[derive(Debug, Default, Serialize)]
pub struct Empty {}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ids::UserId;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_id")]
        id: Option<UserId>,
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "nullable")]
        note: Option<Option<String>>,
        #[serde(default, deserialize_with = "ids")]
        list: Vec<UserId>,
    }

    fn probe(v: Value) -> Result<Probe, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn ids_and_booleans_accept_rails_spellings() {
        let p = probe(json!({"id": "12", "flag": "true", "list": ["1", 2]})).expect("lenient");
        assert_eq!(p.id, Some(UserId(12)));
        assert_eq!(p.flag, Some(true));
        assert_eq!(p.list, vec![UserId(1), UserId(2)]);
        let p = probe(json!({"id": "", "flag": "0"})).expect("blank id");
        assert_eq!((p.id, p.flag), (None, Some(false)));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(probe(json!({"id": "abc"})).is_err());
        assert!(probe(json!({"flag": "maybe"})).is_err());
        assert!(probe(json!({"list": ["x"]})).is_err());
    }

    #[test]
    fn absent_null_and_present_are_told_apart() {
        assert_eq!(probe(json!({})).expect("absent").note, None);
        assert_eq!(probe(json!({"note": null})).expect("null").note, Some(None));
        assert_eq!(
            probe(json!({"note": "x"})).expect("value").note,
            Some(Some("x".into()))
        );
    }
}
