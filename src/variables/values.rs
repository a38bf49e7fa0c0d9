//! The values a template is rendered against: plain input records ([`Sources`]) and the lookup
//! they produce ([`Values`]). Callers fill the records from their own models; this module knows
//! nothing of them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::catalogue::{AttributeScope, is_attribute_key};

/// The lookup a template is rendered against: path → text.
///
/// Holds only values that exist; a path that is absent, or whose text is empty after trimming,
/// renders as missing (its fallback, or nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    map: BTreeMap<String, String>,
}

impl Values {
    /// An empty lookup: every placeholder renders its fallback or nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the text of `path`, returning the previous one.
    pub fn insert(&mut self, path: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.map.insert(path.into(), value.into())
    }

    /// The text of `path`, if set (possibly blank).
    pub fn get(&self, path: &str) -> Option<&str> {
        self.map.get(path).map(String::as_str)
    }

    /// The text of `path` when set and not blank: what a placeholder renders.
    pub fn present(&self, path: &str) -> Option<&str> {
        self.get(path).filter(|value| !value.trim().is_empty())
    }

    /// Whether `path` is set (possibly blank).
    pub fn contains(&self, path: &str) -> bool {
        self.map.contains_key(path)
    }

    /// How many paths are set.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no path is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The set paths and their text, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Values {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            map: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

/// The contact of the conversation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContactVars {
    /// `contact.id`.
    pub id: i64,
    /// Full name; `contact.name`, `contact.first_name`, `contact.last_name`.
    pub name: Option<String>,
    /// `contact.email`.
    pub email: Option<String>,
    /// `contact.phone_number`.
    pub phone_number: Option<String>,
    /// `contact.custom_attribute.<key>`.
    pub custom_attributes: Map<String, Value>,
}

/// The agent the text is sent as (usually the assignee, or the one writing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentVars {
    /// Full name; `agent.name`, `agent.first_name`, `agent.last_name`.
    pub name: Option<String>,
    /// `agent.email`.
    pub email: Option<String>,
    /// `agent.phone_number`.
    pub phone_number: Option<String>,
}

/// The conversation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationVars {
    /// The per-account number users see; both `conversation.id` and `conversation.display_id`.
    pub display_id: i64,
    /// `conversation.custom_attribute.<key>`.
    pub custom_attributes: Map<String, Value>,
}

/// The inbox of the conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxVars {
    /// `inbox.id`.
    pub id: i64,
    /// `inbox.name`.
    pub name: String,
}

/// The account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountVars {
    /// `account.name`.
    pub name: String,
}

/// Everything a template may refer to; a record that is `None` leaves its variables missing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sources {
    /// The contact.
    pub contact: Option<ContactVars>,
    /// The agent.
    pub agent: Option<AgentVars>,
    /// The conversation.
    pub conversation: Option<ConversationVars>,
    /// The inbox.
    pub inbox: Option<InboxVars>,
    /// The account.
    pub account: Option<AccountVars>,
}

impl Sources {
    /// The lookup of every variable these records define.
    ///
    /// Rules: text fields are trimmed (custom attributes are not); names keep their own
    /// capitalisation; `first_name` is the first
    /// whitespace-separated word of the name (a one-word name is all first name) and `last_name`
    /// the last word when there are at least two; custom attributes follow
    /// [`attribute_text`]; keys that cannot be written in a path are skipped.
    pub fn values(&self) -> Values {
        let mut values = Values::new();
        if let Some(contact) = &self.contact {
            values.insert("contact.id", contact.id.to_string());
            insert_name(&mut values, "contact", contact.name.as_deref());
            insert_opt(&mut values, "contact.email", contact.email.as_deref());
            insert_opt(
                &mut values,
                "contact.phone_number",
                contact.phone_number.as_deref(),
            );
            insert_attributes(
                &mut values,
                AttributeScope::Contact,
                &contact.custom_attributes,
            );
        }
        if let Some(agent) = &self.agent {
            insert_name(&mut values, "agent", agent.name.as_deref());
            insert_opt(&mut values, "agent.email", agent.email.as_deref());
            insert_opt(
                &mut values,
                "agent.phone_number",
                agent.phone_number.as_deref(),
            );
        }
        if let Some(conversation) = &self.conversation {
            let id = conversation.display_id.to_string();
            values.insert("conversation.id", id.clone());
            values.insert("conversation.display_id", id);
            insert_attributes(
                &mut values,
                AttributeScope::Conversation,
                &conversation.custom_attributes,
            );
        }
        if let Some(inbox) = &self.inbox {
            values.insert("inbox.id", inbox.id.to_string());
            values.insert("inbox.name", inbox.name.trim());
        }
        if let Some(account) = &self.account {
            values.insert("account.name", account.name.trim());
        }
        values
    }
}

/// The first and last words of a name: `("Maria", Some("Souza"))` for "Maria da Souza",
/// `("Pelé", None)` for "Pelé", `None` for a blank name.
pub fn split_name(name: &str) -> Option<(&str, Option<&str>)> {
    let mut words = name.split_whitespace();
    let first = words.next()?;
    Some((first, words.next_back()))
}

/// The text a custom attribute renders as: strings as they are, numbers and booleans as their
/// JSON text (`42`, `3.5`, `true`); `None` (missing) for null, arrays and objects, which have no
/// one obvious rendering in a message.
pub fn attribute_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn insert_opt(values: &mut Values, path: &str, value: Option<&str>) {
    if let Some(value) = value {
        values.insert(path, value.trim());
    }
}

fn insert_name(values: &mut Values, prefix: &str, name: Option<&str>) {
    let Some(name) = name.map(str::trim) else {
        return;
    };
    values.insert(format!("{prefix}.name"), name);
    if let Some((first, last)) = split_name(name) {
        values.insert(format!("{prefix}.first_name"), first);
        if let Some(last) = last {
            values.insert(format!("{prefix}.last_name"), last);
        }
    }
}

fn insert_attributes(values: &mut Values, scope: AttributeScope, attributes: &Map<String, Value>) {
    for (key, value) in attributes {
        if is_attribute_key(key)
            && let Some(text) = attribute_text(value)
        {
            values.insert(scope.path(key), text);
        }
    }
}
