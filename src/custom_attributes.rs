//! Custom attribute definitions: the extra fields an account adds to its conversations or
//! contacts (`custom_attributes` on those records holds the values, keyed by `attribute_key`).
//!
//! Invariants: a key is made of ASCII letters, digits, `_` and `-`, is unique per account and
//! model (the `custom_attribute_definitions_key` constraint decides), and does not shadow a
//! standard attribute of its model; a `list` attribute has at least one value; a
//! `regex_pattern` parses. Every member may read definitions; writing them is for
//! administrators ([`Permission::AccountManage`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::context::AccountCtx;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::roles::Permission;
use crate::state::AppState;
use crate::text_enum;

text_enum! {
    /// How a value is entered and shown (Chatwoot's integers 0–7, in this order).
    pub enum DisplayType {
        /// Free text.
        Text = "text",
        /// A number.
        Number = "number",
        /// An amount of money.
        Currency = "currency",
        /// A percentage.
        Percent = "percent",
        /// A URL.
        Link = "link",
        /// A date.
        Date = "date",
        /// One of `attribute_values`.
        List = "list",
        /// Yes or no.
        Checkbox = "checkbox",
    }
}

text_enum! {
    /// Which records carry the attribute (Chatwoot's integers 0–1, in this order).
    pub enum AttributeModel {
        /// Conversations.
        ConversationAttribute = "conversation_attribute",
        /// Contacts.
        ContactAttribute = "contact_attribute",
    }
}

/// Parses a Chatwoot enum parameter: the name, or its integer as a number or text.
fn lenient<T: Copy>(text: &str, all: &[T], parse: fn(&str) -> Option<T>) -> Option<T> {
    let text = text.trim();
    parse(text).or_else(|| text.parse::<usize>().ok().and_then(|i| all.get(i).copied()))
}

impl DisplayType {
    /// `"list"` or `"6"` → [`DisplayType::List`].
    pub fn parse_param(text: &str) -> Option<Self> {
        lenient(text, Self::ALL, Self::parse)
    }
}

impl AttributeModel {
    /// `"contact_attribute"` or `"1"` → [`AttributeModel::ContactAttribute`].
    pub fn parse_param(text: &str) -> Option<Self> {
        lenient(text, Self::ALL, Self::parse)
    }

    /// Keys Chatwoot reserves for the model's standard attributes.
    fn standard_keys(self) -> &'static [&'static str] {
        match self {
            AttributeModel::ConversationAttribute => &[
                "status",
                "priority",
                "assignee_id",
                "inbox_id",
                "team_id",
                "display_id",
                "campaign_id",
                "labels",
                "browser_language",
                "country_code",
                "referer",
                "created_at",
                "last_activity_at",
            ],
            AttributeModel::ContactAttribute => &[
                "name",
                "email",
                "phone_number",
                "identifier",
                "country_code",
                "city",
                "company_name",
                "created_at",
                "last_activity_at",
                "referer",
                "blocked",
            ],
        }
    }
}

/// A custom attribute definition's id.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct CustomAttributeId(pub i64);

impl std::fmt::Display for CustomAttributeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A definition, with Chatwoot's field names.
#[derive(Clone, Debug)]
pub struct Definition {
    /// Id.
    pub id: CustomAttributeId,
    /// Label shown to agents.
    pub attribute_display_name: String,
    /// How values are entered.
    pub attribute_display_type: DisplayType,
    /// Help text.
    pub attribute_description: Option<String>,
    /// Key in the records' `custom_attributes`.
    pub attribute_key: String,
    /// Conversations or contacts.
    pub attribute_model: AttributeModel,
    /// Pattern values must match (as the client sent it, possibly `/.../flags`).
    pub regex_pattern: Option<String>,
    /// Hint shown when a value does not match.
    pub regex_cue: Option<String>,
    /// The choices of a `list` attribute (a JSON array).
    pub attribute_values: Value,
    /// Default value, any JSON.
    pub default_value: Option<Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Fields of a create or update; `None` leaves a field unchanged (or default on create).
#[derive(Clone, Debug, Default)]
pub struct DefinitionInput {
    /// Label (required on create).
    pub attribute_display_name: Option<String>,
    /// Display type (`text` on create when absent).
    pub attribute_display_type: Option<DisplayType>,
    /// Help text (`Some(None)` clears it).
    pub attribute_description: Option<Option<String>>,
    /// Key (required on create).
    pub attribute_key: Option<String>,
    /// Model (`conversation_attribute` on create when absent).
    pub attribute_model: Option<AttributeModel>,
    /// Pattern (`Some(None)` clears it).
    pub regex_pattern: Option<Option<String>>,
    /// Hint (`Some(None)` clears it).
    pub regex_cue: Option<Option<String>>,
    /// Choices.
    pub attribute_values: Option<Vec<String>>,
    /// Default value (`Some(None)` clears it).
    pub default_value: Option<Option<Value>>,
}

/// The complete state a definition will have once saved.
#[derive(Debug)]
struct Draft {
    display_name: String,
    display_type: DisplayType,
    description: Option<String>,
    key: String,
    model: AttributeModel,
    regex_pattern: Option<String>,
    regex_cue: Option<String>,
    values: Value,
    default_value: Option<Value>,
}

fn blank_to_none(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

fn clean_values(values: Vec<String>) -> Value {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = value.trim();
        if !value.is_empty() && !out.iter().any(|v| v == value) {
            out.push(value.to_owned());
        }
    }
    Value::from(out)
}

impl Draft {
    fn new(input: DefinitionInput) -> Draft {
        Draft {
            display_name: String::new(),
            display_type: DisplayType::Text,
            description: None,
            key: String::new(),
            model: AttributeModel::ConversationAttribute,
            regex_pattern: None,
            regex_cue: None,
            values: Value::Array(Vec::new()),
            default_value: None,
        }
        .apply(input)
    }

    fn of(d: &Definition) -> Draft {
        Draft {
            display_name: d.attribute_display_name.clone(),
            display_type: d.attribute_display_type,
            description: d.attribute_description.clone(),
            key: d.attribute_key.clone(),
            model: d.attribute_model,
            regex_pattern: d.regex_pattern.clone(),
            regex_cue: d.regex_cue.clone(),
            values: d.attribute_values.clone(),
            default_value: d.default_value.clone(),
        }
    }

    fn apply(mut self, input: DefinitionInput) -> Draft {
        if let Some(name) = input.attribute_display_name {
            self.display_name = name.trim().to_owned();
        }
        if let Some(key) = input.attribute_key {
            self.key = key.trim().to_owned();
        }
        self.display_type = input.attribute_display_type.unwrap_or(self.display_type);
        self.model = input.attribute_model.unwrap_or(self.model);
        if let Some(d) = input.attribute_description {
            self.description = blank_to_none(d.map(|d| d.trim().to_owned()));
        }
        if let Some(p) = input.regex_pattern {
            self.regex_pattern = blank_to_none(p);
        }
        if let Some(c) = input.regex_cue {
            self.regex_cue = blank_to_none(c);
        }
        if let Some(values) = input.attribute_values {
            self.values = clean_values(values);
        }
        if let Some(v) = input.default_value {
            self.default_value = v.filter(|v| !v.is_null());
        }
        self
    }

    /// Field errors of the draft; `key_changed` checks the standard-attribute clash.
    fn validate(&self, key_changed: bool) -> Result<()> {
        let mut errors = FieldErrors::new();
        if self.display_name.is_empty() {
            errors.add("attribute_display_name", "can't be blank");
        }
        if self.key.is_empty() {
            errors.add("attribute_key", "can't be blank");
        } else if !self
            .key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            errors.add(
                "attribute_key",
                "can only contain letters, numbers, underscores and hyphens",
            );
        } else if key_changed && self.model.standard_keys().contains(&self.key.as_str()) {
            errors.add(
                "attribute_key",
                "The provided key is not allowed as it might conflict with default attributes.",
            );
        }
        if self.display_type == DisplayType::List
            && self.values.as_array().is_none_or(|v| v.is_empty())
        {
            errors.add("attribute_values", "can't be blank for a list attribute");
        }
        if let Some(pattern) = &self.regex_pattern
            && !pattern_compiles(pattern)
        {
            errors.add("regex_pattern", "is not a valid regular expression");
        }
        errors.into_result()
    }
}

/// Whether a pattern parses. Clients send JavaScript patterns, bare or as `/source/flags`
/// literals; constructs the Rust parser does not support but JavaScript does (look-around,
/// back-references, identity escapes) are given the benefit of the doubt.
pub fn pattern_compiles(pattern: &str) -> bool {
    use regex_syntax::ast::ErrorKind;
    if pattern.len() > 1000 {
        return false;
    }
    let source = pattern
        .strip_prefix('/')
        .and_then(|rest| rest.rsplit_once('/'))
        .filter(|(_, flags)| flags.chars().all(|f| "dgimsuvy".contains(f)))
        .map_or(pattern, |(source, _)| source);
    match regex_syntax::Parser::new().parse(source) {
        Ok(_) => true,
        Err(regex_syntax::Error::Parse(e)) => matches!(
            e.kind(),
            ErrorKind::UnsupportedLookAround
                | ErrorKind::UnsupportedBackreference
                | ErrorKind::EscapeUnrecognized
        ),
        Err(_) => false,
    }
}

fn key_taken() -> Error {
    Error::invalid("attribute_key", "has already been taken")
}

/// The account's definitions, oldest first, of one model or all.
pub async fn list(
    app: &AppState,
    ctx: &AccountCtx,
    model: Option<AttributeModel>,
) -> Result<Vec<Definition>> {
    let rows = sqlx::query!(
        r#"select id, attribute_display_name, attribute_display_type as "attribute_display_type: DisplayType",
                  attribute_description, attribute_key, attribute_model as "attribute_model: AttributeModel",
                  regex_pattern, regex_cue, attribute_values, default_value, created_at, updated_at
           from custom_attribute_definitions
           where account_id = $1 and ($2::text is null or attribute_model = $2)
           order by id"#,
        ctx.account_id.0,
        model.map(AttributeModel::as_str)
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Definition {
            id: CustomAttributeId(r.id),
            attribute_display_name: r.attribute_display_name,
            attribute_display_type: r.attribute_display_type,
            attribute_description: r.attribute_description,
            attribute_key: r.attribute_key,
            attribute_model: r.attribute_model,
            regex_pattern: r.regex_pattern,
            regex_cue: r.regex_cue,
            attribute_values: r.attribute_values,
            default_value: r.default_value,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

async fn fetch(
    conn: &mut sqlx::PgConnection,
    ctx: &AccountCtx,
    id: CustomAttributeId,
) -> Result<Definition> {
    let r = sqlx::query!(
        r#"select id, attribute_display_name, attribute_display_type as "attribute_display_type: DisplayType",
                  attribute_description, attribute_key, attribute_model as "attribute_model: AttributeModel",
                  regex_pattern, regex_cue, attribute_values, default_value, created_at, updated_at
           from custom_attribute_definitions
           where account_id = $1 and id = $2"#,
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(Definition {
        id: CustomAttributeId(r.id),
        attribute_display_name: r.attribute_display_name,
        attribute_display_type: r.attribute_display_type,
        attribute_description: r.attribute_description,
        attribute_key: r.attribute_key,
        attribute_model: r.attribute_model,
        regex_pattern: r.regex_pattern,
        regex_cue: r.regex_cue,
        attribute_values: r.attribute_values,
        default_value: r.default_value,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// One definition. Open to every member.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: CustomAttributeId) -> Result<Definition> {
    fetch(&mut *app.db.acquire().await?, ctx, id).await
}

/// Creates a definition (administrators).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(
    app: &AppState,
    ctx: &AccountCtx,
    input: DefinitionInput,
) -> Result<Definition> {
    ctx.require(Permission::AccountManage)?;
    let d = Draft::new(input);
    d.validate(true)?;
    let id = sqlx::query_scalar!(
        "insert into custom_attribute_definitions
             (account_id, attribute_display_name, attribute_display_type, attribute_description,
              attribute_key, attribute_model, regex_pattern, regex_cue, attribute_values,
              default_value, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning id",
        ctx.account_id.0,
        d.display_name,
        d.display_type.as_str(),
        d.description,
        d.key,
        d.model.as_str(),
        d.regex_pattern,
        d.regex_cue,
        d.values,
        d.default_value,
        app.clock.now()
    )
    .fetch_one(&app.db)
    .await
    .on_constraint("custom_attribute_definitions_key", key_taken)?;
    get(app, ctx, CustomAttributeId(id)).await
}

/// Updates the given fields of a definition (administrators); the result is validated whole
/// (turning an attribute into a `list` needs values).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, custom_attribute.id = %id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: CustomAttributeId,
    input: DefinitionInput,
) -> Result<Definition> {
    ctx.require(Permission::AccountManage)?;
    let mut tx = app.db.begin().await?;
    // Lock the row: the whole new state is validated against the current one.
    sqlx::query_scalar!(
        "select id from custom_attribute_definitions where account_id = $1 and id = $2 for update",
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let current = fetch(&mut tx, ctx, id).await?;
    let d = Draft::of(&current).apply(input);
    d.validate(d.key != current.attribute_key || d.model != current.attribute_model)?;
    sqlx::query!(
        "update custom_attribute_definitions set
             attribute_display_name = $3, attribute_display_type = $4, attribute_description = $5,
             attribute_key = $6, attribute_model = $7, regex_pattern = $8, regex_cue = $9,
             attribute_values = $10, default_value = $11, updated_at = $12
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0,
        d.display_name,
        d.display_type.as_str(),
        d.description,
        d.key,
        d.model.as_str(),
        d.regex_pattern,
        d.regex_cue,
        d.values,
        d.default_value,
        app.clock.now()
    )
    .execute(&mut *tx)
    .await
    .on_constraint("custom_attribute_definitions_key", key_taken)?;
    let updated = fetch(&mut tx, ctx, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a definition (administrators). Values already stored on records stay.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, custom_attribute.id = %id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: CustomAttributeId) -> Result<()> {
    ctx.require(Permission::AccountManage)?;
    let deleted = sqlx::query!(
        "delete from custom_attribute_definitions where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .execute(&app.db)
    .await?
    .rows_affected();
    if deleted == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, key: &str) -> DefinitionInput {
        DefinitionInput {
            attribute_display_name: Some(name.into()),
            attribute_key: Some(key.into()),
            ..Default::default()
        }
    }

    fn failing_fields(d: &Draft, key_changed: bool) -> Vec<String> {
        match d.validate(key_changed) {
            Err(Error::Validation(errors)) => {
                errors.fields().iter().map(|f| f.to_string()).collect()
            }
            Err(other) => panic!("unexpected {other:?}"),
            Ok(()) => Vec::new(),
        }
    }

    #[test]
    fn enums_accept_names_and_chatwoot_integers() {
        assert_eq!(DisplayType::parse_param("list"), Some(DisplayType::List));
        assert_eq!(DisplayType::parse_param("7"), Some(DisplayType::Checkbox));
        assert_eq!(DisplayType::parse_param(" 0 "), Some(DisplayType::Text));
        assert_eq!(DisplayType::parse_param("8"), None);
        assert_eq!(DisplayType::parse_param("-1"), None);
        assert_eq!(DisplayType::parse_param("List"), None);
        assert_eq!(
            AttributeModel::parse_param("1"),
            Some(AttributeModel::ContactAttribute)
        );
        assert_eq!(
            AttributeModel::parse_param("conversation_attribute"),
            Some(AttributeModel::ConversationAttribute)
        );
        assert_eq!(AttributeModel::parse_param("2"), None);
    }

    #[test]
    fn defaults_are_text_and_conversation() {
        let d = Draft::new(input(" Plano ", " plano-2024 "));
        assert_eq!(d.display_name, "Plano");
        assert_eq!(d.key, "plano-2024");
        assert_eq!(d.display_type, DisplayType::Text);
        assert_eq!(d.model, AttributeModel::ConversationAttribute);
        assert!(failing_fields(&d, true).is_empty());
    }

    #[test]
    fn bad_drafts_name_their_field() {
        let cases: Vec<(DefinitionInput, &str)> = vec![
            (input("", "k"), "attribute_display_name"),
            (input("N", " "), "attribute_key"),
            (input("N", "com espaço"), "attribute_key"),
            (input("N", "a.b"), "attribute_key"),
            (input("N", "status"), "attribute_key"),
            (
                DefinitionInput {
                    attribute_display_type: Some(DisplayType::List),
                    attribute_values: Some(vec![" ".into()]),
                    ..input("N", "k")
                },
                "attribute_values",
            ),
            (
                DefinitionInput {
                    regex_pattern: Some(Some("([a-z]".into())),
                    ..input("N", "k")
                },
                "regex_pattern",
            ),
        ];
        for (input, field) in cases {
            let d = Draft::new(input);
            assert_eq!(failing_fields(&d, true), vec![field], "{d:?}");
        }
    }

    #[test]
    fn standard_keys_clash_only_within_their_model() {
        let contact = Draft::new(DefinitionInput {
            attribute_model: Some(AttributeModel::ContactAttribute),
            ..input("N", "status")
        });
        assert!(failing_fields(&contact, true).is_empty());
        let conversation = Draft::new(input("N", "status"));
        assert!(failing_fields(&conversation, false).is_empty());
    }

    #[test]
    fn list_values_are_trimmed_and_deduplicated() {
        let d = Draft::new(DefinitionInput {
            attribute_display_type: Some(DisplayType::List),
            attribute_values: Some(vec![
                " Ouro ".into(),
                "Prata".into(),
                "Ouro".into(),
                "".into(),
            ]),
            ..input("Plano", "plano")
        });
        assert_eq!(d.values, serde_json::json!(["Ouro", "Prata"]));
        assert!(failing_fields(&d, true).is_empty());
    }

    #[test]
    fn javascript_patterns_are_accepted_and_broken_ones_refused() {
        for ok in [
            r"^\d{5}-?\d{3}$",
            r"/^[A-Z]{2}\d+$/i",
            r"^(?=.*\d).{8,}$",
            r"^(a)\1$",
            r"^\/path$",
            r"^[^@\s]+@[^@\s]+$",
        ] {
            assert!(pattern_compiles(ok), "{ok}");
        }
        for bad in ["([a-z]", "a{2,1}", "[z-a]", "*a", r"\p{Nonsense}"] {
            assert!(!pattern_compiles(bad), "{bad}");
        }
    }
}
