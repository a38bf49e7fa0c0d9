//! Conditions of automation rules: parsing Chatwoot's JSON (`{attribute_key, filter_operator,
//! values, query_operator, custom_attribute_type}`), validating it at save time, and evaluating
//! it in memory against the snapshot an event carries.
//!
//! # Semantics
//!
//! - Conditions are evaluated in the order they are defined. `query_operator` joins a condition
//!   to the **next** one; AND binds tighter than OR, so `a AND b OR c AND d` is
//!   `(a AND b) OR (c AND d)`. There are no parentheses.
//! - Every value of a list counts: `equal_to [x, y]` matches either, `not_equal_to [x, y]`
//!   matches neither; for labels, `equal_to` means "has any of", `not_equal_to` "has none of".
//! - Text comparisons ignore case. `starts_with` is exact (phone numbers).
//! - A missing value (no e-mail, no assignee, an unset custom attribute) never equals, contains
//!   or is compared with anything; `not_equal_to` and `does_not_contain` hold for it. The
//!   priority value `nil` (or `null`) stands for "no priority", and `equal_to ["nil"]` matches a
//!   conversation without one.
//! - `attribute_changed` (values `{"from": [...], "to": [...]}`) holds when the event changed the
//!   attribute from one of `from` to one of `to`; an empty list means any value.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate};
use serde_json::{Map, Value};

use crate::custom_attributes::{AttributeModel, DisplayType};
use crate::error::FieldErrors;

use super::EventName;

/// A standard attribute a condition may test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standard {
    /// The message's type (`incoming`, `outgoing`); `message_created` only.
    MessageType,
    /// The message's text; `message_created` only.
    Content,
    /// The contact's e-mail.
    Email,
    /// The contact's phone number (E.164).
    PhoneNumber,
    /// The contact's country code (`additional_attributes.country_code`).
    CountryCode,
    /// The contact's city (`additional_attributes.city`).
    City,
    /// The contact's company (`additional_attributes.company_name`, or `company`).
    Company,
    /// The conversation's inbox id.
    InboxId,
    /// The conversation's status.
    Status,
    /// The assigned agent's user id.
    AssigneeId,
    /// The assigned team's id.
    TeamId,
    /// The conversation's priority.
    Priority,
    /// `additional_attributes.conversation_language`.
    ConversationLanguage,
    /// The conversation's labels.
    Labels,
    /// `additional_attributes.browser_language`.
    BrowserLanguage,
    /// `additional_attributes.mail_subject`.
    MailSubject,
    /// `additional_attributes.referer`.
    Referer,
}

impl Standard {
    /// Every standard attribute with its key.
    pub const ALL: [(Standard, &'static str); 17] = [
        (Standard::MessageType, "message_type"),
        (Standard::Content, "content"),
        (Standard::Email, "email"),
        (Standard::PhoneNumber, "phone_number"),
        (Standard::CountryCode, "country_code"),
        (Standard::City, "city"),
        (Standard::Company, "company"),
        (Standard::InboxId, "inbox_id"),
        (Standard::Status, "status"),
        (Standard::AssigneeId, "assignee_id"),
        (Standard::TeamId, "team_id"),
        (Standard::Priority, "priority"),
        (Standard::ConversationLanguage, "conversation_language"),
        (Standard::Labels, "labels"),
        (Standard::BrowserLanguage, "browser_language"),
        (Standard::MailSubject, "mail_subject"),
        (Standard::Referer, "referer"),
    ];

    /// The attribute spelled `key`.
    pub fn parse(key: &str) -> Option<Standard> {
        Self::ALL.iter().find(|(_, k)| *k == key).map(|(s, _)| *s)
    }

    /// Its key.
    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, k)| *k)
            .unwrap_or_default()
    }

    /// Whether it describes the message, so only `message_created` can test it.
    pub fn is_message(self) -> bool {
        matches!(self, Standard::MessageType | Standard::Content)
    }
}

/// What a condition tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribute {
    /// A standard attribute.
    Standard(Standard),
    /// A custom attribute of the conversation or the contact.
    Custom {
        /// Conversation or contact.
        model: AttributeModel,
        /// Its key.
        key: String,
        /// How its values compare.
        display_type: DisplayType,
    },
}

impl Attribute {
    /// The operators allowed for it (Chatwoot's sets, plus presence tests where a value can be
    /// missing and ordering for numbers).
    pub fn operators(&self) -> &'static [Operator] {
        use Operator::*;
        const T1: &[Operator] = &[EqualTo, NotEqualTo];
        const T1_PRESENCE: &[Operator] = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
        const T1_CHANGED: &[Operator] = &[EqualTo, NotEqualTo, AttributeChanged];
        const T2: &[Operator] = &[EqualTo, NotEqualTo, Contains, DoesNotContain];
        const T2_PRESENCE: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            Contains,
            DoesNotContain,
            IsPresent,
            IsNotPresent,
        ];
        const T3: &[Operator] = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
        const T3_CHANGED: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            IsPresent,
            IsNotPresent,
            AttributeChanged,
        ];
        const T6_PRESENCE: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            Contains,
            DoesNotContain,
            StartsWith,
            IsPresent,
            IsNotPresent,
        ];
        const ORDERED: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            IsPresent,
            IsNotPresent,
            IsGreaterThan,
            IsLessThan,
        ];
        const ORDERED_CHANGED: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            IsPresent,
            IsNotPresent,
            IsGreaterThan,
            IsLessThan,
            AttributeChanged,
        ];
        const T1_PRESENCE_CHANGED: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            IsPresent,
            IsNotPresent,
            AttributeChanged,
        ];
        const TEXT_CHANGED: &[Operator] = &[
            EqualTo,
            NotEqualTo,
            Contains,
            DoesNotContain,
            IsPresent,
            IsNotPresent,
            AttributeChanged,
        ];
        match self {
            Attribute::Standard(s) => match s {
                Standard::MessageType | Standard::InboxId => T1,
                Standard::Status | Standard::Priority => T1_CHANGED,
                Standard::CountryCode
                | Standard::ConversationLanguage
                | Standard::BrowserLanguage => T1,
                Standard::Content | Standard::MailSubject | Standard::Referer => T2,
                Standard::City | Standard::Company => T2,
                Standard::Email => T2_PRESENCE,
                Standard::PhoneNumber => T6_PRESENCE,
                Standard::AssigneeId | Standard::TeamId => T3_CHANGED,
                Standard::Labels => T3,
            },
            Attribute::Custom {
                model,
                display_type,
                ..
            } => {
                let conversation = *model == AttributeModel::ConversationAttribute;
                match display_type {
                    DisplayType::Text => {
                        if conversation {
                            TEXT_CHANGED
                        } else {
                            T2_PRESENCE
                        }
                    }
                    DisplayType::Number
                    | DisplayType::Currency
                    | DisplayType::Percent
                    | DisplayType::Date => {
                        if conversation {
                            ORDERED_CHANGED
                        } else {
                            ORDERED
                        }
                    }
                    DisplayType::Link | DisplayType::List | DisplayType::Checkbox => {
                        if conversation {
                            T1_PRESENCE_CHANGED
                        } else {
                            T1_PRESENCE
                        }
                    }
                }
            }
        }
    }

    fn key(&self) -> &str {
        match self {
            Attribute::Standard(s) => s.key(),
            Attribute::Custom { key, .. } => key,
        }
    }
}

/// How a condition compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// Equals any of the values.
    EqualTo,
    /// Equals none of the values.
    NotEqualTo,
    /// Contains any of the values.
    Contains,
    /// Contains none of the values.
    DoesNotContain,
    /// Starts with any of the values.
    StartsWith,
    /// Has a value.
    IsPresent,
    /// Has no value.
    IsNotPresent,
    /// Greater than the value (numbers, dates).
    IsGreaterThan,
    /// Less than the value (numbers, dates).
    IsLessThan,
    /// The event changed it `from` → `to`.
    AttributeChanged,
}

impl Operator {
    /// Every operator with its Chatwoot spelling.
    pub const ALL: [(Operator, &'static str); 10] = [
        (Operator::EqualTo, "equal_to"),
        (Operator::NotEqualTo, "not_equal_to"),
        (Operator::Contains, "contains"),
        (Operator::DoesNotContain, "does_not_contain"),
        (Operator::StartsWith, "starts_with"),
        (Operator::IsPresent, "is_present"),
        (Operator::IsNotPresent, "is_not_present"),
        (Operator::IsGreaterThan, "is_greater_than"),
        (Operator::IsLessThan, "is_less_than"),
        (Operator::AttributeChanged, "attribute_changed"),
    ];

    /// The operator spelled `text`.
    pub fn parse(text: &str) -> Option<Operator> {
        Self::ALL.iter().find(|(_, t)| *t == text).map(|(o, _)| *o)
    }

    /// Its spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(o, _)| *o == self)
            .map(|(_, t)| *t)
            .unwrap_or_default()
    }

    fn takes_values(self) -> bool {
        !matches!(self, Operator::IsPresent | Operator::IsNotPresent)
    }
}

/// How a condition joins the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// Both.
    And,
    /// Either.
    Or,
}

/// A normalised value: `None` is "no value" (`nil`, `null`, empty text).
pub type Scalar = Option<String>;

/// The values of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// A list (empty for the presence operators).
    List(Vec<Scalar>),
    /// `attribute_changed`: from any of, to any of (empty = any).
    Changed {
        /// Previous values.
        from: Vec<Scalar>,
        /// New values.
        to: Vec<Scalar>,
    },
}

/// One parsed condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// What it tests.
    pub attribute: Attribute,
    /// How.
    pub operator: Operator,
    /// Against what.
    pub values: Values,
    /// How it joins the next condition (ignored on the last).
    pub join: Join,
}

/// A custom attribute definition, as conditions need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    /// Key.
    pub key: String,
    /// Conversation or contact.
    pub model: AttributeModel,
    /// Display type.
    pub display_type: DisplayType,
}

/// Normalises one JSON value: `null`, `"nil"` and blank text are "no value"; numbers and
/// booleans become their text; `{"id": x}` (what some clients send for select options) is `x`.
pub fn scalar(value: &Value) -> Result<Scalar, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s == "nil" {
                Ok(None)
            } else {
                Ok(Some(s.to_owned()))
            }
        }
        Value::Object(o) => match o.get("id") {
            Some(id @ (Value::Number(_) | Value::String(_))) => scalar(id),
            _ => Err("must be text, a number or true/false"),
        },
        Value::Array(_) => Err("must be text, a number or true/false"),
    }
}

/// Parses and validates `raw` (a JSON array) for a rule on `event`. Errors name the field as
/// `conditions[i].<field>`. `definitions` are the account's custom attributes.
pub fn parse(
    raw: &Value,
    event: EventName,
    definitions: &[Definition],
) -> Result<Vec<Condition>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(items) = raw.as_array() else {
        errors.add("conditions", "must be a list");
        return Err(errors);
    };
    if items.len() > MAX_CONDITIONS {
        errors.add(
            "conditions",
            format!("are too many (maximum is {MAX_CONDITIONS})"),
        );
        return Err(errors);
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        match parse_one(item, event, definitions, last) {
            Ok(c) => out.push(c),
            Err((field, message)) => errors.add(format!("conditions[{i}].{field}"), message),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The most conditions one rule may have.
pub const MAX_CONDITIONS: usize = 50;

/// The most values one condition may list.
pub const MAX_VALUES: usize = 500;

fn parse_one(
    item: &Value,
    event: EventName,
    definitions: &[Definition],
    last: bool,
) -> Result<Condition, (&'static str, String)> {
    let Some(object) = item.as_object() else {
        return Err(("attribute_key", "must be an object".into()));
    };
    let key = object
        .get("attribute_key")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(("attribute_key", "can't be blank".to_owned()))?;
    let custom_type = object
        .get("custom_attribute_type")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let attribute = resolve_attribute(key, custom_type, definitions)?;
    if let Attribute::Standard(s) = attribute
        && s.is_message()
        && event != EventName::MessageCreated
    {
        return Err((
            "attribute_key",
            format!("{key} can only be tested on message_created"),
        ));
    }
    let operator_text = object
        .get("filter_operator")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let operator = Operator::parse(operator_text).ok_or_else(|| {
        (
            "filter_operator",
            format!(
                "is not one of: {}",
                attribute
                    .operators()
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    if !attribute.operators().contains(&operator) {
        return Err((
            "filter_operator",
            format!(
                "{} is not allowed for {key} (use one of: {})",
                operator.as_str(),
                attribute
                    .operators()
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let values = parse_values(object.get("values"), &attribute, operator)?;
    let join = match object.get("query_operator") {
        None | Some(Value::Null) if last => Join::And,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("and") => Join::And,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("or") => Join::Or,
        Some(Value::String(s)) if s.trim().is_empty() && last => Join::And,
        _ => {
            return Err((
                "query_operator",
                "must be AND or OR (every condition but the last joins the next one)".into(),
            ));
        }
    };
    Ok(Condition {
        attribute,
        operator,
        values,
        join,
    })
}

fn resolve_attribute(
    key: &str,
    custom_type: Option<&str>,
    definitions: &[Definition],
) -> Result<Attribute, (&'static str, String)> {
    let model = match custom_type {
        None => None,
        Some(text) => Some(AttributeModel::parse(text).ok_or((
            "custom_attribute_type",
            format!("is not one of: {}", AttributeModel::allowed()),
        ))?),
    };
    if model.is_none()
        && let Some(s) = Standard::parse(key)
    {
        return Ok(Attribute::Standard(s));
    }
    let found = definitions
        .iter()
        .filter(|d| d.key == key && model.is_none_or(|m| m == d.model))
        // Without a type, a conversation attribute wins over a contact one of the same key.
        .min_by_key(|d| d.model != AttributeModel::ConversationAttribute);
    match found {
        Some(d) => Ok(Attribute::Custom {
            model: d.model,
            key: d.key.clone(),
            display_type: d.display_type,
        }),
        None => Err((
            "attribute_key",
            format!("{key} is neither a standard attribute nor a custom attribute of the account"),
        )),
    }
}

fn list(value: Option<&Value>) -> Result<Vec<Scalar>, String> {
    let items: Vec<&Value> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    };
    if items.len() > MAX_VALUES {
        return Err(format!("are too many (maximum is {MAX_VALUES})"));
    }
    items
        .into_iter()
        .map(|v| scalar(v).map_err(str::to_owned))
        .collect()
}

fn parse_values(
    raw: Option<&Value>,
    attribute: &Attribute,
    operator: Operator,
) -> Result<Values, (&'static str, String)> {
    if operator == Operator::AttributeChanged {
        let Some(Value::Object(o)) = raw else {
            return Err((
                "values",
                "must be {\"from\": [...], \"to\": [...]} for attribute_changed".into(),
            ));
        };
        let from = list(o.get("from")).map_err(|e| ("values", e))?;
        let to = list(o.get("to")).map_err(|e| ("values", e))?;
        if from.is_empty() && to.is_empty() {
            return Err(("values", "need from or to (or both)".into()));
        }
        for v in from.iter().chain(&to) {
            check_value(attribute, v.as_deref())?;
        }
        return Ok(Values::Changed { from, to });
    }
    let values = list(raw).map_err(|e| ("values", e))?;
    if !operator.takes_values() {
        return Ok(Values::List(Vec::new()));
    }
    let present: Vec<&Scalar> = values.iter().filter(|v| v.is_some()).collect();
    let none_allowed = operator == Operator::EqualTo || operator == Operator::NotEqualTo;
    if present.is_empty() && !(none_allowed && !values.is_empty() && allows_none(attribute)) {
        return Err(("values", "can't be blank".into()));
    }
    if matches!(operator, Operator::IsGreaterThan | Operator::IsLessThan) && values.len() != 1 {
        return Err(("values", "must be exactly one value to compare with".into()));
    }
    for v in &values {
        if v.is_none() && !allows_none(attribute) {
            return Err(("values", "can't be blank".into()));
        }
        check_value(attribute, v.as_deref())?;
    }
    Ok(Values::List(values))
}

/// Whether "no value" (`nil`) may be listed: attributes that can be unset.
fn allows_none(attribute: &Attribute) -> bool {
    matches!(
        attribute,
        Attribute::Standard(Standard::Priority | Standard::AssigneeId | Standard::TeamId)
    )
}

fn check_value(attribute: &Attribute, value: Option<&str>) -> Result<(), (&'static str, String)> {
    use crate::conversations::model::{Priority, Status};
    let Some(value) = value else { return Ok(()) };
    let numeric = |t: &DisplayType| {
        matches!(
            t,
            DisplayType::Number | DisplayType::Currency | DisplayType::Percent
        )
    };
    let problem = match attribute {
        Attribute::Standard(Standard::Status) if Status::parse(value).is_none() => Some(format!(
            "{value} is not a status (one of: {})",
            Status::allowed()
        )),
        Attribute::Standard(Standard::Priority) if Priority::parse(value).is_none() => {
            Some(format!(
                "{value} is not a priority (one of: {}, nil)",
                Priority::allowed()
            ))
        }
        Attribute::Standard(Standard::MessageType) if message_type(value).is_none() => Some(
            format!("{value} is not a message type (incoming, outgoing, template)"),
        ),
        Attribute::Standard(Standard::InboxId | Standard::AssigneeId | Standard::TeamId)
            if value.parse::<i64>().is_err() =>
        {
            Some(format!("{value} is not an id"))
        }
        Attribute::Custom { display_type, .. }
            if numeric(display_type) && value.parse::<f64>().is_err() =>
        {
            Some(format!("{value} is not a number"))
        }
        Attribute::Custom {
            display_type: DisplayType::Date,
            ..
        } if date(value).is_none() => Some(format!("{value} is not a date (YYYY-MM-DD)")),
        Attribute::Custom {
            display_type: DisplayType::Checkbox,
            ..
        } if boolean(value).is_none() => Some(format!("{value} is not true or false")),
        _ => None,
    };
    match problem {
        Some(what) => Err(("values", what)),
        None => Ok(()),
    }
}

/// Chatwoot's integer message types and our names.
fn message_type(value: &str) -> Option<&'static str> {
    match value {
        "incoming" | "0" => Some("incoming"),
        "outgoing" | "1" => Some("outgoing"),
        "activity" | "2" => Some("activity"),
        "template" | "3" => Some("template"),
        _ => None,
    }
}

fn boolean(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.get(..10).unwrap_or(value), "%Y-%m-%d")
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(value)
                .ok()
                .map(|d| d.date_naive())
        })
}

/// What an event's rules are evaluated against: the conversation, its contact and the message
/// as they were when the event's transaction committed, and what the event changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The conversation row.
    pub conversation: Map<String, Value>,
    /// The contact row.
    pub contact: Map<String, Value>,
    /// The message (`message_created`).
    pub message: Option<Map<String, Value>>,
    /// Chatwoot-shaped `changed_attributes` of the event.
    pub changed: Vec<(String, Value, Value)>,
}

impl Snapshot {
    /// Builds a snapshot from the event's stored `snapshot` and `changed_attributes`.
    pub fn from_event(snapshot: &Value, changed_attributes: Option<&Value>) -> Snapshot {
        let object = |key: &str| {
            snapshot
                .get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let mut changed = Vec::new();
        for entry in changed_attributes
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for (name, change) in entry.as_object().into_iter().flatten() {
                changed.push((
                    name.clone(),
                    change.get("previous_value").cloned().unwrap_or(Value::Null),
                    change.get("current_value").cloned().unwrap_or(Value::Null),
                ));
            }
        }
        Snapshot {
            conversation: object("conversation"),
            contact: object("contact"),
            message: snapshot.get("message").and_then(Value::as_object).cloned(),
            changed,
        }
    }
}

/// An attribute's value in a snapshot.
#[derive(Clone, Debug, PartialEq)]
enum Found {
    Missing,
    One(String),
    Many(Vec<String>),
}

fn found(value: Option<&Value>) -> Found {
    match value.map(scalar) {
        Some(Ok(Some(text))) => Found::One(text),
        _ => Found::Missing,
    }
}

fn nested<'a>(row: &'a Map<String, Value>, object: &str, key: &str) -> Option<&'a Value> {
    row.get(object).and_then(|o| o.get(key))
}

fn lookup(attribute: &Attribute, s: &Snapshot) -> Found {
    let c = &s.conversation;
    let ct = &s.contact;
    match attribute {
        Attribute::Standard(standard) => match standard {
            Standard::MessageType => match s
                .message
                .as_ref()
                .and_then(|m| m.get("message_type"))
                .and_then(Value::as_str)
                .and_then(message_type)
            {
                Some(t) => Found::One(t.to_owned()),
                None => Found::Missing,
            },
            Standard::Content => found(s.message.as_ref().and_then(|m| m.get("content"))),
            Standard::Email => found(ct.get("email")),
            Standard::PhoneNumber => found(ct.get("phone_number")),
            Standard::CountryCode => found(nested(ct, "additional_attributes", "country_code")),
            Standard::City => found(nested(ct, "additional_attributes", "city")),
            Standard::Company => match found(nested(ct, "additional_attributes", "company_name")) {
                Found::Missing => found(nested(ct, "additional_attributes", "company")),
                other => other,
            },
            Standard::InboxId => found(c.get("inbox_id")),
            Standard::Status => found(c.get("status")),
            Standard::AssigneeId => found(c.get("assignee_id")),
            Standard::TeamId => found(c.get("team_id")),
            Standard::Priority => found(c.get("priority")),
            Standard::ConversationLanguage => {
                found(nested(c, "additional_attributes", "conversation_language"))
            }
            Standard::Labels => {
                let labels: Vec<String> = c
                    .get("labels")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                Found::Many(labels)
            }
            Standard::BrowserLanguage => {
                found(nested(c, "additional_attributes", "browser_language"))
            }
            Standard::MailSubject => found(nested(c, "additional_attributes", "mail_subject")),
            Standard::Referer => found(nested(c, "additional_attributes", "referer")),
        },
        Attribute::Custom { model, key, .. } => {
            let row = match model {
                AttributeModel::ConversationAttribute => c,
                AttributeModel::ContactAttribute => ct,
            };
            found(nested(row, "custom_attributes", key))
        }
    }
}

/// Equality of a stored value and a condition value, by the attribute's kind.
fn same(attribute: &Attribute, stored: &str, wanted: &str) -> bool {
    match attribute {
        Attribute::Standard(Standard::MessageType) => message_type(wanted) == Some(stored),
        Attribute::Custom { display_type, .. } => match display_type {
            DisplayType::Number | DisplayType::Currency | DisplayType::Percent => {
                match (stored.parse::<f64>(), wanted.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => stored.eq_ignore_ascii_case(wanted),
                }
            }
            DisplayType::Date => match (date(stored), date(wanted)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
            DisplayType::Checkbox => {
                boolean(stored).is_some() && boolean(stored) == boolean(wanted)
            }
            _ => stored.to_lowercase() == wanted.to_lowercase(),
        },
        _ => stored.to_lowercase() == wanted.to_lowercase(),
    }
}

fn order(attribute: &Attribute, stored: &str, wanted: &str) -> Option<Ordering> {
    match attribute {
        Attribute::Custom {
            display_type: DisplayType::Date,
            ..
        } => Some(date(stored)?.cmp(&date(wanted)?)),
        _ => stored
            .parse::<f64>()
            .ok()?
            .partial_cmp(&wanted.parse::<f64>().ok()?),
    }
}

fn equal_to(attribute: &Attribute, found: &Found, values: &[Scalar]) -> bool {
    match found {
        Found::Missing => values.iter().any(Option::is_none),
        Found::One(stored) => values
            .iter()
            .flatten()
            .any(|wanted| same(attribute, stored, wanted)),
        Found::Many(items) => {
            if items.is_empty() {
                values.iter().any(Option::is_none)
            } else {
                values.iter().flatten().any(|wanted| {
                    items
                        .iter()
                        .any(|item| item.to_lowercase() == wanted.to_lowercase())
                })
            }
        }
    }
}

fn contains(found: &Found, values: &[Scalar]) -> bool {
    let texts: Vec<String> = match found {
        Found::Missing => return false,
        Found::One(s) => vec![s.to_lowercase()],
        Found::Many(items) => items.iter().map(|i| i.to_lowercase()).collect(),
    };
    values
        .iter()
        .flatten()
        .any(|wanted| texts.iter().any(|t| t.contains(&wanted.to_lowercase())))
}

fn changed(condition: &Condition, s: &Snapshot, from: &[Scalar], to: &[Scalar]) -> bool {
    let (name, nested_key) = match &condition.attribute {
        Attribute::Standard(standard) => (standard.key(), None),
        Attribute::Custom { key, .. } => ("custom_attributes", Some(key.as_str())),
    };
    let Some((_, previous, current)) = s.changed.iter().find(|(n, _, _)| n == name) else {
        return false;
    };
    let pick = |v: &Value| -> Scalar {
        let v = match nested_key {
            Some(k) => v.get(k).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        };
        scalar(&v).ok().flatten()
    };
    let (previous, current) = (pick(previous), pick(current));
    if nested_key.is_some() && previous == current {
        return false;
    }
    let matches = |list: &[Scalar], value: &Scalar| {
        list.is_empty()
            || list.iter().any(|wanted| match (wanted, value) {
                (None, None) => true,
                (Some(w), Some(v)) => same(&condition.attribute, v, w),
                _ => false,
            })
    };
    matches(from, &previous) && matches(to, &current)
}

/// Whether one condition holds for the snapshot.
pub fn holds(condition: &Condition, s: &Snapshot) -> bool {
    let found = lookup(&condition.attribute, s);
    let values: &[Scalar] = match &condition.values {
        Values::List(values) => values,
        Values::Changed { from, to } => return changed(condition, s, from, to),
    };
    let attribute = &condition.attribute;
    match condition.operator {
        Operator::EqualTo => equal_to(attribute, &found, values),
        Operator::NotEqualTo => !equal_to(attribute, &found, values),
        Operator::Contains => contains(&found, values),
        Operator::DoesNotContain => !contains(&found, values),
        Operator::StartsWith => match &found {
            Found::One(stored) => values.iter().flatten().any(|v| stored.starts_with(v)),
            _ => false,
        },
        Operator::IsPresent => match &found {
            Found::Missing => false,
            Found::One(_) => true,
            Found::Many(items) => !items.is_empty(),
        },
        Operator::IsNotPresent => match &found {
            Found::Missing => true,
            Found::One(_) => false,
            Found::Many(items) => items.is_empty(),
        },
        Operator::IsGreaterThan | Operator::IsLessThan => {
            let wanted = if condition.operator == Operator::IsGreaterThan {
                Ordering::Greater
            } else {
                Ordering::Less
            };
            match (&found, values.first()) {
                (Found::One(stored), Some(Some(v))) => order(attribute, stored, v) == Some(wanted),
                _ => false,
            }
        }
        Operator::AttributeChanged => false,
    }
}

/// The outcome of evaluating a rule's conditions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the rule applies.
    pub matched: bool,
    /// When not: the first condition (in order) that was false.
    pub first_failed: Option<usize>,
}

/// Evaluates the conditions in order, AND binding tighter than OR. No conditions: matched.
pub fn evaluate(conditions: &[Condition], s: &Snapshot) -> Outcome {
    let results: Vec<bool> = conditions.iter().map(|c| holds(c, s)).collect();
    let mut matched = conditions.is_empty();
    let mut group = true;
    for (i, result) in results.iter().enumerate() {
        group &= *result;
        let ends_group = i + 1 == results.len() || conditions[i].join == Join::Or;
        if ends_group {
            matched |= group;
            group = true;
        }
    }
    Outcome {
        matched,
        first_failed: if matched {
            None
        } else {
            results.iter().position(|r| !r)
        },
    }
}

/// One line describing a condition, for the run log ("status equal_to open, pending").
pub fn describe(condition: &Condition) -> String {
    let show = |list: &[Scalar]| {
        list.iter()
            .map(|v| v.as_deref().unwrap_or("nil"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let values = match &condition.values {
        Values::List(list) if list.is_empty() => String::new(),
        Values::List(list) => format!(" {}", show(list)),
        Values::Changed { from, to } => format!(" from [{}] to [{}]", show(from), show(to)),
    };
    format!(
        "{} {}{values}",
        condition.attribute.key(),
        condition.operator.as_str()
    )
}

#[cfg(test)]
mod tests;
