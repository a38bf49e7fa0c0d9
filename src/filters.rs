//! Chatwoot's filter payloads (`POST conversations/filter`, `POST contacts/filter`): a list of
//! conditions `{attribute_key, filter_operator, values, query_operator}` where each
//! `query_operator` joins a condition to the next. Conditions are applied in the order given with
//! AND binding tighter than OR (as SQL does), and every value of a list is honoured.
//!
//! This module parses and validates the payload; each feature maps attributes to SQL with
//! [`sqlx::QueryBuilder`] (bound values only, never string concatenation of input).

use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};

use crate::error::{Error, Result};
use crate::text_enum;

text_enum! {
    /// A comparison.
    pub enum Operator {
        /// Equal to any of the values.
        EqualTo = "equal_to",
        /// Equal to none of the values.
        NotEqualTo = "not_equal_to",
        /// Contains any of the values (case-insensitive).
        Contains = "contains",
        /// Contains none of the values (case-insensitive).
        DoesNotContain = "does_not_contain",
        /// Has a value.
        IsPresent = "is_present",
        /// Has no value.
        IsNotPresent = "is_not_present",
        /// Greater than the value.
        IsGreaterThan = "is_greater_than",
        /// Less than the value.
        IsLessThan = "is_less_than",
        /// Older than the given number of days.
        DaysBefore = "days_before",
        /// Starts with any of the values.
        StartsWith = "starts_with",
    }
}

/// How a condition joins the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// Both must hold.
    And,
    /// Either may hold.
    Or,
}

/// One parsed condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The attribute key as sent.
    pub attribute: String,
    /// The comparison.
    pub operator: Operator,
    /// The values, as text (numbers and booleans are rendered).
    pub values: Vec<String>,
    /// How it joins the next condition (`None` for the last one).
    pub join: Option<Join>,
}

fn filter_error(message: String) -> Error {
    Error::BadRequest(message.into())
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(map) => map.get("id").and_then(value_text),
        _ => None,
    }
}

/// Parses `{"payload": [...]}` (or the bare array). Errors are 422 `{"error": ..}` as Chatwoot.
pub fn parse(body: &Value) -> Result<Vec<Condition>> {
    let items = match body.get("payload").unwrap_or(body) {
        Value::Array(items) => items,
        _ => return Err(filter_error("payload must be a list of conditions".into())),
    };
    if items.is_empty() {
        return Err(filter_error(
            "payload must have at least one condition".into(),
        ));
    }
    if items.len() > 50 {
        return Err(filter_error("payload has more than 50 conditions".into()));
    }
    let mut conditions = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let attribute = item
            .get("attribute_key")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| filter_error(format!("condition {} has no attribute_key", i + 1)))?;
        let operator_name = item
            .get("filter_operator")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let operator = Operator::parse(operator_name).ok_or_else(|| {
            filter_error(format!(
                "Invalid operator. The allowed operators for {attribute} are [{}].",
                Operator::allowed()
            ))
        })?;
        let values: Vec<String> = match item.get("values") {
            Some(Value::Array(vs)) => vs.iter().filter_map(value_text).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(v) => value_text(v).into_iter().collect(),
        };
        let needs_values = !matches!(operator, Operator::IsPresent | Operator::IsNotPresent);
        if needs_values && values.is_empty() {
            return Err(filter_error(format!(
                "Invalid value. The values provided for {attribute} are invalid"
            )));
        }
        let join = match item
            .get("query_operator")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("AND") => Some(Join::And),
            Some("OR") => Some(Join::Or),
            None | Some("") => None,
            Some(other) => return Err(filter_error(format!("Invalid query operator: {other}"))),
        };
        conditions.push(Condition {
            attribute: attribute.to_owned(),
            operator,
            values,
            join,
        });
    }
    // Every condition but the last needs a join; a missing one reads as AND.
    let last = conditions.len() - 1;
    for c in &mut conditions[..last] {
        c.join.get_or_insert(Join::And);
    }
    conditions[last].join = None;
    Ok(conditions)
}

/// The error for an attribute the filter does not know.
pub fn invalid_attribute(key: &str) -> Error {
    filter_error(format!("Invalid attribute key - [{key}]"))
}

/// The error for an operator an attribute does not support.
pub fn invalid_operator(condition: &Condition) -> Error {
    filter_error(format!(
        "Invalid operator. {} is not allowed for {}",
        condition.operator, condition.attribute
    ))
}

/// The error for a value that does not fit the attribute.
pub fn invalid_value(condition: &Condition) -> Error {
    filter_error(format!(
        "Invalid value. The values provided for {} are invalid",
        condition.attribute
    ))
}

/// How an attribute is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Case-insensitive text.
    Text,
    /// Exact text (enums, ids as text).
    Exact,
    /// Integer.
    Integer,
    /// Decimal number.
    Number,
    /// Timestamp or date.
    Date,
    /// Boolean.
    Boolean,
    /// A text array (labels): any-match.
    TextArray,
}

/// Pushes `( <expr> <op> <values> )` for one condition. `expr` is trusted SQL chosen by the
/// caller from a fixed table; values are always bound.
pub fn push_condition(
    qb: &mut QueryBuilder<Postgres>,
    expr: &str,
    kind: Kind,
    condition: &Condition,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use Operator::*;
    let values = &condition.values;
    qb.push("(");
    match (kind, condition.operator) {
        (Kind::TextArray, EqualTo) => {
            push_bound(qb, &format!("{expr} && "), lowercase(values), "::text[]")
        }
        (Kind::TextArray, NotEqualTo) => push_bound(
            qb,
            &format!("not ({expr} && "),
            lowercase(values),
            "::text[])",
        ),
        (Kind::TextArray, IsPresent) => push_raw(qb, &format!("cardinality({expr}) > 0")),
        (Kind::TextArray, IsNotPresent) => push_raw(qb, &format!("cardinality({expr}) = 0")),
        (_, IsPresent) => push_raw(
            qb,
            &format!("({expr}) is not null and ({expr})::text <> ''"),
        ),
        (_, IsNotPresent) => push_raw(qb, &format!("(({expr}) is null or ({expr})::text = '')")),
        (Kind::Text, EqualTo) => push_bound(
            qb,
            &format!("lower(({expr})::text) = any("),
            lowercase(values),
            ")",
        ),
        (Kind::Text, NotEqualTo) => push_bound(
            qb,
            &format!("coalesce(lower(({expr})::text), '') <> all("),
            lowercase(values),
            ")",
        ),
        (Kind::Exact, EqualTo) => {
            push_bound(qb, &format!("({expr})::text = any("), values.clone(), ")")
        }
        (Kind::Exact, NotEqualTo) => push_bound(
            qb,
            &format!("coalesce(({expr})::text, '') <> all("),
            values.clone(),
            ")",
        ),
        (Kind::Text | Kind::Exact | Kind::Integer, Contains) => push_bound(
            qb,
            &format!("({expr})::text ilike any("),
            like_patterns(values, "%", "%"),
            ")",
        ),
        (Kind::Text | Kind::Exact | Kind::Integer, DoesNotContain) => push_bound(
            qb,
            &format!("coalesce(({expr})::text, '') not ilike all("),
            like_patterns(values, "%", "%"),
            ")",
        ),
        (Kind::Text | Kind::Exact, StartsWith) => push_bound(
            qb,
            &format!("({expr})::text ilike any("),
            like_patterns(values, "", "%"),
            ")",
        ),
        (Kind::Integer, EqualTo | NotEqualTo) => {
            let numbers = parse_all::<i64>(condition)?;
            let negate = condition.operator == NotEqualTo;
            let prefix = if negate {
                format!("coalesce(({expr}) <> all(")
            } else {
                format!("({expr}) = any(")
            };
            qb.push(prefix)
                .push_bind(numbers)
                .push(if negate { "), true)" } else { ")" });
        }
        (Kind::Number | Kind::Integer, IsGreaterThan | IsLessThan) => {
            let n = parse_all::<f64>(condition)?[0];
            let op = if condition.operator == IsGreaterThan {
                " > "
            } else {
                " < "
            };
            qb.push(format!("({expr})::float8{op}")).push_bind(n);
        }
        (Kind::Number, EqualTo | NotEqualTo) => {
            let numbers = parse_all::<f64>(condition)?;
            let op = if condition.operator == EqualTo {
                " = any("
            } else {
                " <> all("
            };
            qb.push(format!("({expr})::float8{op}"))
                .push_bind(numbers)
                .push(")");
        }
        (Kind::Date, IsGreaterThan | IsLessThan | EqualTo | NotEqualTo) => {
            let date = parse_date(condition)?;
            let op = match condition.operator {
                IsGreaterThan => " > ",
                IsLessThan => " < ",
                EqualTo => " = ",
                _ => " <> ",
            };
            qb.push(format!("(({expr}) at time zone 'UTC')::date{op}"))
                .push_bind(date);
        }
        (Kind::Date, DaysBefore) => {
            let days = parse_all::<i64>(condition)?[0];
            // Out of the calendar's range (either way) is a bad value, not a panic; a cutoff
            // before 1970 finds nothing, as the epoch does (and PostgreSQL's timestamps end
            // long before chrono's).
            let before = chrono::Duration::try_days(days)
                .and_then(|span| now.checked_sub_signed(span))
                .ok_or_else(|| invalid_value(condition))?
                .max(chrono::DateTime::UNIX_EPOCH);
            qb.push(format!("({expr}) < ")).push_bind(before);
        }
        (Kind::Boolean, EqualTo | NotEqualTo) => {
            let wanted = match condition.values[0].to_ascii_lowercase().as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(invalid_value(condition)),
            };
            let wanted = if condition.operator == EqualTo {
                wanted
            } else {
                !wanted
            };
            qb.push(format!("coalesce(({expr})::boolean, false) = "))
                .push_bind(wanted);
        }
        _ => return Err(invalid_operator(condition)),
    }
    qb.push(")");
    Ok(())
}

/// Joins the conditions: `c1 AND c2 OR c3` with SQL precedence (AND before OR).
pub fn push_all(
    qb: &mut QueryBuilder<Postgres>,
    conditions: &[Condition],
    mut push_one: impl FnMut(&mut QueryBuilder<Postgres>, &Condition) -> Result<()>,
) -> Result<()> {
    qb.push(" and (");
    for condition in conditions {
        push_one(qb, condition)?;
        match condition.join {
            Some(Join::And) => qb.push(" and "),
            Some(Join::Or) => qb.push(" or "),
            None => qb.push(""),
        };
    }
    qb.push(")");
    Ok(())
}

fn push_raw(qb: &mut QueryBuilder<Postgres>, sql: &str) {
    qb.push(sql.to_owned());
}

fn push_bound(qb: &mut QueryBuilder<Postgres>, before: &str, values: Vec<String>, after: &str) {
    qb.push(before.to_owned())
        .push_bind(values)
        .push(after.to_owned());
}

fn lowercase(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.to_lowercase()).collect()
}

fn like_patterns(values: &[String], prefix: &str, suffix: &str) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            format!(
                "{prefix}{}{suffix}",
                v.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        })
        .collect()
}

fn parse_all<T: std::str::FromStr>(condition: &Condition) -> Result<Vec<T>> {
    condition
        .values
        .iter()
        .map(|v| v.trim().parse::<T>().map_err(|_| invalid_value(condition)))
        .collect()
}

fn parse_date(condition: &Condition) -> Result<chrono::NaiveDate> {
    let text = condition.values[0].trim();
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text).map(|d| d.date_naive()))
        .map_err(|_| invalid_value(condition))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_keep_order_and_joins() {
        let parsed = parse(&json!({"payload": [
            {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open", "pending"], "query_operator": "and"},
            {"attribute_key": "inbox_id", "filter_operator": "equal_to", "values": [1, {"id": 2}], "query_operator": "OR"},
            {"attribute_key": "labels", "filter_operator": "is_present", "query_operator": null},
        ]}))
        .expect("valid");
        assert_eq!(parsed[0].values, vec!["open", "pending"]);
        assert_eq!(parsed[0].join, Some(Join::And));
        assert_eq!(parsed[1].values, vec!["1", "2"]);
        assert_eq!(parsed[1].join, Some(Join::Or));
        assert_eq!(parsed[2].join, None);
    }

    #[test]
    fn bad_payloads_are_clear_422s() {
        for (payload, message) in [
            (
                json!({"payload": []}),
                "payload must have at least one condition",
            ),
            (
                json!({"payload": [{"attribute_key": "status", "filter_operator": "like", "values": ["x"]}]}),
                "Invalid operator",
            ),
            (
                json!({"payload": [{"attribute_key": "status", "filter_operator": "equal_to", "values": []}]}),
                "Invalid value",
            ),
            (
                json!({"payload": [{"filter_operator": "equal_to", "values": ["x"]}]}),
                "no attribute_key",
            ),
            (
                json!({"payload": [{"attribute_key": "a", "filter_operator": "equal_to", "values": ["x"], "query_operator": "XOR"}, {"attribute_key": "b", "filter_operator": "equal_to", "values": ["x"]}]}),
                "Invalid query operator",
            ),
            (json!({"payload": "status=open"}), "must be a list"),
        ] {
            let err = parse(&payload).expect_err("invalid");
            assert_eq!(err.status().as_u16(), 422);
            let body = err.body().to_string();
            assert!(body.contains(message), "{payload}: {body}");
        }
    }

    #[test]
    fn sql_binds_every_value_and_uses_and_before_or() {
        let conditions = parse(&json!([
            {"attribute_key": "name", "filter_operator": "contains", "values": ["a%b"], "query_operator": "OR"},
            {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "AND"},
            {"attribute_key": "labels", "filter_operator": "equal_to", "values": ["VIP"]},
        ]))
        .expect("valid");
        let mut qb = QueryBuilder::new("select 1 where true");
        let now = chrono::Utc::now();
        push_all(&mut qb, &conditions, |qb, c| {
            let (expr, kind) = match c.attribute.as_str() {
                "name" => ("c.name", Kind::Text),
                "status" => ("c.status", Kind::Exact),
                _ => ("c.labels", Kind::TextArray),
            };
            push_condition(qb, expr, kind, c, now)
        })
        .expect("sql");
        assert_eq!(
            qb.sql().as_str(),
            "select 1 where true and (((c.name)::text ilike any($1)) or ((c.status)::text = any($2)) and (c.labels && $3::text[]))"
        );
        assert_eq!(
            like_patterns(&["a%b_c".into()], "%", "%"),
            vec!["%a\\%b\\_c%".to_owned()]
        );
    }
}
