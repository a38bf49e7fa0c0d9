//! The rows of the rule builder and of the macro editor: conditions and actions as form fields
//! (`c{i}_attribute`, `c{i}_operator`, `c{i}_value`…, `a{i}_name`, `a{i}_value`, `a{i}_text`,
//! `a{i}_file`), their conversion to and from Chatwoot's JSON, and what each row offers: only
//! the operators its attribute allows, and a value input that fits it (selects for inboxes,
//! agents, teams, labels, statuses and priorities).
//!
//! The builder works without JavaScript: rows are added, removed and moved by submit buttons
//! named `op` (`add_condition`, `remove_condition_2`, `up_action_1`…); `refresh` redraws the
//! rows after an attribute or action changed (`static/automation.js` presses it on change).
//! Only `save` (the default) writes.

use std::collections::BTreeMap;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::context::{AccountCtx, Actor};
use crate::automation::EventName;
use crate::automation::actions::{ActionName, Owner};
use crate::automation::conditions::{Attribute, Operator, Standard};
use crate::automation::files;
use crate::conversations::model::{Priority, Status};
use crate::custom_attributes::{self, AttributeModel, DisplayType};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::state::AppState;
use crate::storage::Upload;
use crate::web::form::{FormErrors, field_message, unprocessable};
use crate::web::labels::Choice;
use crate::web::session;

/// The most rows of each kind the builder keeps (the services' own limits are lower).
const MAX_ROWS: usize = 60;

/// One condition as the form holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConditionRow {
    /// A standard key, or `conversation_attribute:key` / `contact_attribute:key`.
    pub attribute: String,
    /// Operator spelling.
    pub operator: String,
    /// Values (select options, or one text with a value per line).
    pub values: Vec<String>,
    /// `attribute_changed`: previous values.
    pub from: Vec<String>,
    /// `attribute_changed`: new values.
    pub to: Vec<String>,
    /// `and` or `or`: how it joins the next row.
    pub join: String,
}

/// One action as the form holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActionRow {
    /// Action name.
    pub name: String,
    /// Selected options.
    pub values: Vec<String>,
    /// Text (message, addresses, URL, SLA id).
    pub text: String,
    /// Attached files: id and name.
    pub files: Vec<(i64, String)>,
}

/// The rows of a form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    /// Conditions, in order.
    pub conditions: Vec<ConditionRow>,
    /// Actions, in order.
    pub actions: Vec<ActionRow>,
}

/// What a post asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Save the form.
    Save,
    /// Only redraw it (rows changed).
    Edit,
}

/// Splits a field name `c3_value` into (`c`, 3, `value`).
fn row_field(key: &str) -> Option<(char, usize, &str)> {
    let mut chars = key.chars();
    let kind = chars.next().filter(|k| *k == 'c' || *k == 'a')?;
    let rest = &key[1..];
    let (index, field) = rest.split_once('_')?;
    let index: usize = index.parse().ok()?;
    (index < MAX_ROWS).then_some((kind, index, field))
}

impl Rows {
    /// The rows of the posted `pairs`, with `op` applied; other pairs are the caller's.
    pub fn from_pairs(pairs: &[(String, String)]) -> (Rows, Op) {
        let mut conditions: BTreeMap<usize, ConditionRow> = BTreeMap::new();
        let mut actions: BTreeMap<usize, ActionRow> = BTreeMap::new();
        let mut op = String::new();
        for (key, value) in pairs {
            if key == "op" {
                op = value.clone();
                continue;
            }
            let Some((kind, index, field)) = row_field(key) else {
                continue;
            };
            if kind == 'c' {
                let row = conditions.entry(index).or_default();
                match field {
                    "attribute" => row.attribute = value.trim().to_owned(),
                    "operator" => row.operator = value.trim().to_owned(),
                    "value" => row.values.push(value.clone()),
                    "from" => row.from.push(value.clone()),
                    "to" => row.to.push(value.clone()),
                    "join" => row.join = value.trim().to_owned(),
                    _ => {}
                }
            } else {
                let row = actions.entry(index).or_default();
                match field {
                    "name" => row.name = value.trim().to_owned(),
                    "value" => row.values.push(value.clone()),
                    "text" => row.text = value.clone(),
                    "file" => {
                        let (id, name) = value.split_once('|').unwrap_or((value, ""));
                        if let Ok(id) = id.trim().parse()
                            && !row.files.iter().any(|(f, _)| *f == id)
                        {
                            row.files.push((id, name.to_owned()));
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut rows = Rows {
            conditions: conditions.into_values().collect(),
            actions: actions.into_values().collect(),
        };
        let op = rows.apply(&op);
        (rows, op)
    }

    /// Applies a row operation; anything else is a save.
    fn apply(&mut self, op: &str) -> Op {
        fn shift<T>(rows: &mut Vec<T>, verb: &str, index: usize) {
            match verb {
                "remove" if index < rows.len() => {
                    rows.remove(index);
                }
                "up" if index > 0 && index < rows.len() => rows.swap(index - 1, index),
                "down" if index + 1 < rows.len() => rows.swap(index, index + 1),
                _ => {}
            }
        }
        match op {
            "" | "save" => return Op::Save,
            "add_condition" if self.conditions.len() < MAX_ROWS => {
                self.conditions.push(ConditionRow::default())
            }
            "add_action" if self.actions.len() < MAX_ROWS => {
                self.actions.push(ActionRow::default())
            }
            _ => {
                let mut parts = op.splitn(3, '_');
                let (verb, kind, index) = (parts.next(), parts.next(), parts.next());
                if let (Some(verb), Some(kind), Some(Ok(index))) =
                    (verb, kind, index.map(str::parse::<usize>))
                {
                    match kind {
                        "condition" => shift(&mut self.conditions, verb, index),
                        "action" => shift(&mut self.actions, verb, index),
                        _ => {}
                    }
                }
            }
        }
        Op::Edit
    }

    /// The rows of a saved rule or macro.
    pub fn from_json(conditions: &Value, actions: &Value, files: &[files::AutomationFile]) -> Rows {
        let conditions = conditions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(condition_of)
            .collect();
        let actions = actions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(|a| action_of(a, files))
            .collect();
        Rows {
            conditions,
            actions,
        }
    }

    /// Conditions as Chatwoot's JSON, for the service to validate.
    pub fn conditions_json(&self, catalogue: &Catalogue) -> Value {
        let last = self.conditions.len().saturating_sub(1);
        Value::Array(
            self.conditions
                .iter()
                .enumerate()
                .map(|(i, row)| condition_json(row, catalogue, i == last))
                .collect(),
        )
    }

    /// Actions as Chatwoot's JSON.
    pub fn actions_json(&self) -> Value {
        Value::Array(self.actions.iter().map(action_json).collect())
    }
}

/// Reads a builder form posted as multipart: its pairs, with each file of an `a{i}_upload`
/// input stored first and named by an `a{i}_file` pair. Uploads that are refused are returned
/// as errors of their action row.
async fn read_multipart(
    app: &AppState,
    ctx: &AccountCtx,
    mut multipart: Multipart,
) -> Result<(Vec<(String, String)>, FieldErrors)> {
    let bad = |e: axum::extract::multipart::MultipartError| Error::BadRequest(e.body_text().into());
    let mut pairs = Vec::new();
    let mut errors = FieldErrors::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match row_field(&name) {
            Some(('a', index, "upload")) => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let declared_type = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(bad)?;
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                let upload = Upload {
                    filename,
                    declared_type,
                    bytes,
                };
                match files::upload(app, ctx.account_id, upload).await {
                    Ok(file) => pairs.push((
                        format!("a{index}_file"),
                        format!("{}|{}", file.id, file.filename),
                    )),
                    Err(Error::Validation(refused)) => {
                        for e in refused.iter() {
                            errors
                                .add(format!("actions[{index}].action_params"), e.message.clone());
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            _ => {
                let value = field.text().await.map_err(bad)?;
                pairs.push((name, value));
            }
        }
    }
    Ok((pairs, errors))
}

/// What a builder post carries: all its pairs (for the page's own fields), its rows, what it
/// asks for, and the uploads that were refused.
pub struct Posted {
    /// Every field, files replaced by their `a{i}_file` pairs.
    pub pairs: Vec<(String, String)>,
    /// The rows, with `op` applied.
    pub rows: Rows,
    /// Save, or only redraw.
    pub op: Op,
    /// Refused uploads, as errors of their rows.
    pub upload_errors: FieldErrors,
}

impl Posted {
    /// Reads a builder post (see [`read_multipart`]).
    pub async fn read(
        app: &AppState,
        ctx: &AccountCtx,
        multipart: std::result::Result<Multipart, MultipartRejection>,
    ) -> Result<Posted> {
        let multipart = multipart.map_err(|e| Error::BadRequest(e.body_text().into()))?;
        let (pairs, upload_errors) = read_multipart(app, ctx, multipart).await?;
        let (rows, op) = Rows::from_pairs(&pairs);
        Ok(Posted {
            pairs,
            rows,
            op,
            upload_errors,
        })
    }

    /// Whether to call the service: a save with every upload stored.
    pub fn saves(&self) -> bool {
        self.op == Op::Save && self.upload_errors.is_empty()
    }
}

/// The errors of a builder form that are not about a row (those are drawn on their rows), for
/// the fields `placed` or the summary.
pub fn form_errors(tr: Locale, errors: &FieldErrors, placed: &[&str]) -> FormErrors {
    let mut outside = FieldErrors::new();
    for e in errors.iter() {
        if !e.field.starts_with("conditions[") && !e.field.starts_with("actions[") {
            outside.add(e.field.clone(), e.message.clone());
        }
    }
    FormErrors::new(tr, &outside, placed)
}

/// A builder page: 200 while rows are edited, 422 when a save was refused.
pub fn form_response(page: impl IntoResponse, refused: bool) -> Response {
    if refused {
        session::no_store(unprocessable(page))
    } else {
        session::no_store(page.into_response())
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("nil".to_owned()),
        Value::Object(o) => o.get("id").and_then(text_of),
        Value::Array(_) => None,
    }
}

fn texts(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
        Some(other) => text_of(other).into_iter().collect(),
        None => Vec::new(),
    }
}

fn condition_of(object: &Map<String, Value>) -> ConditionRow {
    let key = object
        .get("attribute_key")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let attribute = match object.get("custom_attribute_type").and_then(Value::as_str) {
        Some(model) if !model.trim().is_empty() => format!("{}:{key}", model.trim()),
        _ => key.to_owned(),
    };
    let operator = object
        .get("filter_operator")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut row = ConditionRow {
        attribute,
        operator,
        join: object
            .get("query_operator")
            .and_then(Value::as_str)
            .unwrap_or("and")
            .to_ascii_lowercase(),
        ..ConditionRow::default()
    };
    match object.get("values") {
        Some(Value::Object(changed)) => {
            row.from = texts(changed.get("from"));
            row.to = texts(changed.get("to"));
        }
        other => row.values = texts(other),
    }
    row
}

fn action_of(object: &Map<String, Value>, files: &[files::AutomationFile]) -> ActionRow {
    let name = object
        .get("action_name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let params: Vec<Value> = match object.get("action_params") {
        Some(Value::Array(items)) => items.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other.clone()],
    };
    let mut row = ActionRow {
        name,
        ..ActionRow::default()
    };
    match ActionName::parse(&row.name).map(param_kind) {
        Some(ParamKind::Text(_)) | Some(ParamKind::Number) => {
            row.text = params.first().and_then(text_of).unwrap_or_default();
        }
        Some(ParamKind::TeamsAndMessage) => {
            if let Some(spec) = params.first().and_then(Value::as_object) {
                row.values = texts(spec.get("team_ids"));
                row.text = spec
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
            }
        }
        Some(ParamKind::Files) => {
            for id in params.iter().filter_map(text_of) {
                if let Ok(id) = id.parse::<i64>() {
                    let name = files
                        .iter()
                        .find(|f| f.id == id)
                        .map(|f| f.filename.clone())
                        .unwrap_or_else(|| format!("#{id}"));
                    row.files.push((id, name));
                }
            }
        }
        _ => row.values = params.iter().filter_map(text_of).collect(),
    }
    row
}

/// Values of a text input: one per line.
fn lines(values: &[String]) -> Vec<Value> {
    values
        .iter()
        .flat_map(|v| v.lines())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Value::from(v.to_owned()))
        .collect()
}

/// Values of a select: ids as numbers, the rest as text.
fn options(values: &[String], ids: bool) -> Vec<Value> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| match v.parse::<i64>() {
            Ok(n) if ids => Value::from(n),
            _ => Value::from(v.to_owned()),
        })
        .collect()
}

fn condition_json(row: &ConditionRow, catalogue: &Catalogue, last: bool) -> Value {
    let (key, custom_type) = match row.attribute.split_once(':') {
        Some((model, key)) => (key, Some(model)),
        None => (row.attribute.as_str(), None),
    };
    let kind = catalogue
        .attribute(&row.attribute)
        .map(|a| catalogue.value_kind(&a))
        .unwrap_or(ValueKind::Lines);
    let values_of = |values: &[String]| -> Vec<Value> {
        match &kind {
            ValueKind::Select { ids, .. } => options(values, *ids),
            ValueKind::Lines => lines(values),
            ValueKind::Number | ValueKind::Date => options(values, false),
        }
    };
    let operator = Operator::parse(&row.operator);
    let values = match operator {
        Some(Operator::AttributeChanged) => {
            json!({"from": values_of(&row.from), "to": values_of(&row.to)})
        }
        Some(Operator::IsPresent | Operator::IsNotPresent) => json!([]),
        _ => Value::Array(values_of(&row.values)),
    };
    let mut object = json!({
        "attribute_key": key,
        "filter_operator": row.operator,
        "values": values,
        "query_operator": if last { Value::Null } else if row.join == "or" { json!("or") } else { json!("and") },
    });
    if let Some(model) = custom_type {
        object["custom_attribute_type"] = json!(model);
    }
    object
}

fn action_json(row: &ActionRow) -> Value {
    let name = ActionName::parse(&row.name);
    let params = match name.map(param_kind) {
        None | Some(ParamKind::None) => json!([]),
        Some(ParamKind::Select { ids, .. }) => Value::Array(options(&row.values, ids)),
        Some(ParamKind::TeamsAndMessage) => json!([{
            "team_ids": options(&row.values, true),
            "message": row.text.trim(),
        }]),
        Some(ParamKind::Text(_)) => json!([row.text.trim()]),
        Some(ParamKind::Number) => Value::Array(options(std::slice::from_ref(&row.text), true)),
        Some(ParamKind::Files) => {
            Value::Array(row.files.iter().map(|(id, _)| Value::from(*id)).collect())
        }
    };
    json!({"action_name": row.name, "action_params": params})
}

/// What an action's parameters are entered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParamKind {
    /// Nothing.
    None,
    /// A select of `source` (several when `multiple`); `ids` are sent as numbers.
    Select {
        source: Source,
        multiple: bool,
        ids: bool,
    },
    /// Teams and a message.
    TeamsAndMessage,
    /// A text: `message` (with variables), `emails` or `url`.
    Text(&'static str),
    /// A number (an SLA policy id).
    Number,
    /// Uploaded files.
    Files,
}

/// Where a select's options come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Agents,
    Teams,
    Labels,
    Statuses,
    Priorities,
}

fn param_kind(name: ActionName) -> ParamKind {
    use ActionName::*;
    let select = |source, multiple, ids| ParamKind::Select {
        source,
        multiple,
        ids,
    };
    match name {
        AssignAgent => select(Source::Agents, false, true),
        AssignTeam => select(Source::Teams, false, true),
        AddLabel | RemoveLabel => select(Source::Labels, true, false),
        ChangeStatus => select(Source::Statuses, false, false),
        ChangePriority => select(Source::Priorities, false, false),
        SendEmailToTeam => ParamKind::TeamsAndMessage,
        SendEmailTranscript => ParamKind::Text("emails"),
        SendMessage | AddPrivateNote => ParamKind::Text("message"),
        SendWebhookEvent => ParamKind::Text("url"),
        AddSla => ParamKind::Number,
        SendAttachment => ParamKind::Files,
        RemoveAssignedTeam | MuteConversation | SnoozeConversation | ResolveConversation
        | OpenConversation | PendingConversation => ParamKind::None,
    }
}

/// How a condition's values are entered.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ValueKind {
    /// Options (value, label); `ids` are sent as numbers.
    Select {
        options: Vec<(String, String)>,
        ids: bool,
    },
    /// Free text, a value per line.
    Lines,
    /// One number.
    Number,
    /// One date.
    Date,
}

/// A custom attribute as the builder offers it.
#[derive(Clone, Debug)]
struct CustomField {
    model: AttributeModel,
    key: String,
    name: String,
    display_type: DisplayType,
    options: Vec<String>,
}

/// What the rows offer: the account's inboxes, agents, teams, labels and custom attributes, in
/// the page language.
#[derive(Clone, Debug)]
pub struct Catalogue {
    tr: Locale,
    owner: Owner,
    inboxes: Vec<(String, String)>,
    agents: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    labels: Vec<(String, String)>,
    custom: Vec<CustomField>,
}

impl Catalogue {
    /// The account's records as `ctx` sees them.
    pub async fn load(app: &AppState, ctx: &AccountCtx, tr: Locale, owner: Owner) -> Result<Self> {
        let inboxes = crate::inboxes::service::list(app, &Actor::Member(ctx.clone()))
            .await?
            .into_iter()
            .map(|i| (i.id.to_string(), i.name))
            .collect();
        let agents = crate::accounts::agents::list(app, ctx)
            .await?
            .into_iter()
            .map(|a| (a.user_id.to_string(), a.available_name().to_owned()))
            .collect();
        let teams = crate::teams::list(app, ctx)
            .await?
            .into_iter()
            .map(|t| (t.info.id.to_string(), t.info.name))
            .collect();
        let labels = crate::labels::list(app, ctx)
            .await?
            .into_iter()
            .map(|l| (l.title.clone(), l.title))
            .collect();
        let custom = custom_attributes::list(app, ctx, None)
            .await?
            .into_iter()
            .map(|d| CustomField {
                model: d.attribute_model,
                options: d
                    .attribute_values
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                key: d.attribute_key,
                name: d.attribute_display_name,
                display_type: d.attribute_display_type,
            })
            .collect();
        Ok(Catalogue {
            tr,
            owner,
            inboxes,
            agents,
            teams,
            labels,
            custom,
        })
    }

    /// The attribute a row names.
    fn attribute(&self, id: &str) -> Option<Attribute> {
        match id.split_once(':') {
            None => Standard::parse(id).map(Attribute::Standard),
            Some((model, key)) => {
                let model = AttributeModel::parse(model)?;
                self.custom
                    .iter()
                    .find(|c| c.model == model && c.key == key)
                    .map(|c| Attribute::Custom {
                        model,
                        key: c.key.clone(),
                        display_type: c.display_type,
                    })
            }
        }
    }

    fn value_kind(&self, attribute: &Attribute) -> ValueKind {
        let tr = self.tr;
        let none = || ("nil".to_owned(), tr.t("automation-none"));
        let with_none = |mut list: Vec<(String, String)>| {
            list.insert(0, none());
            list
        };
        let select = |options, ids| ValueKind::Select { options, ids };
        match attribute {
            Attribute::Standard(s) => match s {
                Standard::MessageType => select(
                    ["incoming", "outgoing", "template"]
                        .iter()
                        .map(|t| ((*t).to_owned(), tr.t(&format!("automation-message-{t}"))))
                        .collect(),
                    false,
                ),
                Standard::InboxId => select(self.inboxes.clone(), true),
                Standard::AssigneeId => select(with_none(self.agents.clone()), true),
                Standard::TeamId => select(with_none(self.teams.clone()), true),
                Standard::Labels => select(self.labels.clone(), false),
                Standard::Status => select(statuses(tr), false),
                Standard::Priority => select(with_none(priorities(tr)), false),
                _ => ValueKind::Lines,
            },
            Attribute::Custom {
                model,
                key,
                display_type,
            } => match display_type {
                DisplayType::Number | DisplayType::Currency | DisplayType::Percent => {
                    ValueKind::Number
                }
                DisplayType::Date => ValueKind::Date,
                DisplayType::Checkbox => select(
                    vec![
                        ("true".to_owned(), tr.t("settings-yes")),
                        ("false".to_owned(), tr.t("settings-no")),
                    ],
                    false,
                ),
                DisplayType::List => select(
                    self.custom
                        .iter()
                        .find(|c| c.model == *model && c.key == *key)
                        .map(|c| c.options.iter().map(|o| (o.clone(), o.clone())).collect())
                        .unwrap_or_default(),
                    false,
                ),
                DisplayType::Text | DisplayType::Link => ValueKind::Lines,
            },
        }
    }

    /// The attributes a rule on `event` may test, as options.
    fn attribute_choices(&self, event: EventName, current: &str) -> Vec<Choice> {
        let tr = self.tr;
        let mut out: Vec<Choice> = Standard::ALL
            .iter()
            .filter(|(s, _)| !s.is_message() || event == EventName::MessageCreated)
            .map(|(_, key)| Choice::new(*key, attribute_label(tr, key), current))
            .collect();
        for c in &self.custom {
            let group = match c.model {
                AttributeModel::ConversationAttribute => tr.t("automation-custom-conversation"),
                AttributeModel::ContactAttribute => tr.t("automation-custom-contact"),
            };
            out.push(Choice::new(
                format!("{}:{}", c.model.as_str(), c.key),
                format!("{group}: {}", c.name),
                current,
            ));
        }
        out
    }

    fn action_options(&self, source: Source) -> Vec<(String, String)> {
        let tr = self.tr;
        match source {
            Source::Agents => {
                let mut list = vec![("nil".to_owned(), tr.t("automation-nobody"))];
                if self.owner == Owner::Macro {
                    list.push(("self".to_owned(), tr.t("automation-self")));
                }
                list.extend(self.agents.iter().cloned());
                list
            }
            Source::Teams => {
                let mut list = vec![("nil".to_owned(), tr.t("automation-none"))];
                list.extend(self.teams.iter().cloned());
                list
            }
            Source::Labels => self.labels.clone(),
            Source::Statuses => statuses(tr),
            Source::Priorities => {
                let mut list = vec![("nil".to_owned(), tr.t("automation-none"))];
                list.extend(priorities(tr));
                list
            }
        }
    }

    /// The condition rows for a rule on `event`, ready to draw, with the errors of `errors`.
    pub fn condition_views(
        &self,
        rows: &[ConditionRow],
        event: EventName,
        errors: &FieldErrors,
    ) -> Vec<ConditionView> {
        let tr = self.tr;
        let count = rows.len();
        rows.iter()
            .enumerate()
            .map(|(index, row)| {
                let mut attributes = self.attribute_choices(event, &row.attribute);
                let attribute = self.attribute(&row.attribute).or_else(|| {
                    // A new row, or an attribute that no longer exists: the first offered.
                    let first = attributes.first()?;
                    self.attribute(&first.value)
                });
                if !attributes.iter().any(|c| c.selected)
                    && let Some(first) = attributes.first_mut()
                {
                    first.selected = true;
                }
                let allowed: &[Operator] = attribute.as_ref().map_or(&[], Attribute::operators);
                let operator = Operator::parse(&row.operator)
                    .filter(|o| allowed.contains(o))
                    .or_else(|| allowed.first().copied());
                let current_operator = operator.map(Operator::as_str).unwrap_or_default();
                let operators = allowed
                    .iter()
                    .map(|o| {
                        Choice::new(o.as_str(), operator_label(tr, o.as_str()), current_operator)
                    })
                    .collect();
                let kind = attribute
                    .as_ref()
                    .map(|a| self.value_kind(a))
                    .unwrap_or(ValueKind::Lines);
                let input =
                    |values: &[String], name: &str| ValueInput::new(&kind, values, name, index);
                let (values, from, to) = match operator {
                    Some(Operator::IsPresent | Operator::IsNotPresent) | None => (None, None, None),
                    Some(Operator::AttributeChanged) => (
                        None,
                        Some(input(&row.from, "from")),
                        Some(input(&row.to, "to")),
                    ),
                    Some(_) => (Some(input(&row.values, "value")), None, None),
                };
                let join = if row.join == "or" { "or" } else { "and" };
                ConditionView {
                    index,
                    number: index as i64 + 1,
                    first: index == 0,
                    last: index + 1 == count,
                    attributes,
                    operators,
                    values,
                    from,
                    to,
                    joins: vec![
                        Choice::new("and", tr.t("automation-and"), join),
                        Choice::new("or", tr.t("automation-or"), join),
                    ],
                    error: row_error(tr, errors, &format!("conditions[{index}].")),
                }
            })
            .collect()
    }

    /// The action rows, ready to draw, with the errors of `errors`.
    pub fn action_views(&self, rows: &[ActionRow], errors: &FieldErrors) -> Vec<ActionView> {
        let tr = self.tr;
        let count = rows.len();
        let allowed: Vec<ActionName> = ActionName::ALL
            .iter()
            .copied()
            .filter(|n| self.owner.allows(*n))
            .collect();
        rows.iter()
            .enumerate()
            .map(|(index, row)| {
                let name = ActionName::parse(&row.name)
                    .filter(|n| allowed.contains(n))
                    .unwrap_or(allowed[0]);
                let names = allowed
                    .iter()
                    .map(|n| Choice::new(n.as_str(), action_label(tr, n.as_str()), name.as_str()))
                    .collect();
                let kind = param_kind(name);
                let (select, multiple) = match kind {
                    ParamKind::Select {
                        source, multiple, ..
                    } => (Some(self.action_options(source)), multiple),
                    ParamKind::TeamsAndMessage => (Some(self.teams.clone()), true),
                    _ => (None, false),
                };
                let options = select
                    .map(|options| {
                        options
                            .into_iter()
                            .map(|(value, label)| Choice {
                                selected: row.values.iter().any(|v| v.trim() == value),
                                value,
                                label,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let text = match kind {
                    ParamKind::Text(what) => Some(what),
                    ParamKind::TeamsAndMessage => Some("message"),
                    ParamKind::Number => Some("number"),
                    _ => None,
                };
                ActionView {
                    index,
                    number: index as i64 + 1,
                    first: index == 0,
                    last: index + 1 == count,
                    names,
                    has_select: !matches!(
                        kind,
                        ParamKind::None | ParamKind::Text(_) | ParamKind::Number | ParamKind::Files
                    ),
                    multiple,
                    options,
                    text_kind: text.unwrap_or_default(),
                    text: row.text.clone(),
                    files: (kind == ParamKind::Files).then(|| row.files.clone()),
                    error: row_error(tr, errors, &format!("actions[{index}].")),
                }
            })
            .collect()
    }
}

/// The messages of the fields under `prefix` (`conditions[2].`), as one sentence list.
fn row_error(tr: Locale, errors: &FieldErrors, prefix: &str) -> Option<String> {
    let messages: Vec<String> = errors
        .iter()
        .filter(|e| e.field.starts_with(prefix))
        .map(|e| builder_message(tr, &e.field, &e.message))
        .collect();
    (!messages.is_empty()).then(|| messages.join(" "))
}

/// A service message about a row in the page language.
pub fn builder_message(tr: Locale, field: &str, message: &str) -> String {
    let field = field.rsplit('.').next().unwrap_or(field);
    match message {
        "need the text to send" | "need the message to send" => tr.t("automation-error-text"),
        "need at least one label" => tr.t("automation-error-labels"),
        "need at least one team" => tr.t("automation-error-teams"),
        "need an http(s) URL" => tr.t("automation-error-url"),
        "need at least one uploaded file" | "need uploaded file ids" => {
            tr.t("automation-error-files")
        }
        "need the e-mail addresses (comma-separated)" => tr.t("automation-error-emails"),
        "need an SLA policy id" => tr.t("automation-error-sla"),
        "need from or to (or both)" => tr.t("automation-error-changed"),
        m if m.ends_with(" is not an e-mail address") => tr.t1(
            "automation-error-email",
            "address",
            m.trim_end_matches(" is not an e-mail address").to_owned(),
        ),
        m => field_message(tr, field, m),
    }
}

fn statuses(tr: Locale) -> Vec<(String, String)> {
    Status::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                tr.t(&format!("status-{}", s.as_str())),
            )
        })
        .collect()
}

fn priorities(tr: Locale) -> Vec<(String, String)> {
    Priority::ALL
        .iter()
        .map(|p| {
            (
                p.as_str().to_owned(),
                tr.t(&format!("priority-{}", p.as_str())),
            )
        })
        .collect()
}

/// The name of a standard attribute.
pub fn attribute_label(tr: Locale, key: &str) -> String {
    tr.t(&format!("automation-attribute-{}", key.replace('_', "-")))
}

/// The name of an operator.
pub fn operator_label(tr: Locale, operator: &str) -> String {
    tr.t(&format!(
        "automation-operator-{}",
        operator.replace('_', "-")
    ))
}

/// The name of an action.
pub fn action_label(tr: Locale, name: &str) -> String {
    tr.t(&format!("automation-action-{}", name.replace('_', "-")))
}

/// The name of an event.
pub fn event_label(tr: Locale, event: &str) -> String {
    tr.t(&format!("automation-event-{}", event.replace('_', "-")))
}

/// A value input of a condition row.
#[derive(Clone, Debug)]
pub struct ValueInput {
    /// Input name (`c2_value`, `c2_from`, `c2_to`).
    pub name: String,
    /// `select`, `lines`, `number` or `date`.
    pub kind: &'static str,
    /// Options of a select (several may be chosen).
    pub options: Vec<Choice>,
    /// The text of the other kinds.
    pub text: String,
}

impl ValueInput {
    fn new(kind: &ValueKind, values: &[String], name: &str, index: usize) -> Self {
        let name = format!("c{index}_{name}");
        match kind {
            ValueKind::Select { options, .. } => ValueInput {
                name,
                kind: "select",
                options: options
                    .iter()
                    .map(|(value, label)| Choice {
                        selected: values.iter().any(|v| v.trim() == value),
                        value: value.clone(),
                        label: label.clone(),
                    })
                    .collect(),
                text: String::new(),
            },
            other => ValueInput {
                name,
                kind: match other {
                    ValueKind::Number => "number",
                    ValueKind::Date => "date",
                    _ => "lines",
                },
                options: Vec::new(),
                text: values
                    .iter()
                    .map(|v| if v == "nil" { "" } else { v.as_str() })
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
        }
    }
}

/// A condition row, ready to draw.
#[derive(Clone, Debug)]
pub struct ConditionView {
    /// Position (0-based, in field names).
    pub index: usize,
    /// Position shown (1-based).
    pub number: i64,
    /// Whether it is the first row (no "move up").
    pub first: bool,
    /// Whether it is the last row (no join, no "move down").
    pub last: bool,
    /// Attribute options.
    pub attributes: Vec<Choice>,
    /// The operators its attribute allows.
    pub operators: Vec<Choice>,
    /// Values, unless the operator takes none.
    pub values: Option<ValueInput>,
    /// `attribute_changed`: from.
    pub from: Option<ValueInput>,
    /// `attribute_changed`: to.
    pub to: Option<ValueInput>,
    /// AND / OR.
    pub joins: Vec<Choice>,
    /// What is wrong with it.
    pub error: Option<String>,
}

/// An action row, ready to draw.
#[derive(Clone, Debug)]
pub struct ActionView {
    /// Position (0-based).
    pub index: usize,
    /// Position shown.
    pub number: i64,
    /// First row.
    pub first: bool,
    /// Last row.
    pub last: bool,
    /// Action options.
    pub names: Vec<Choice>,
    /// Whether it has a select.
    pub has_select: bool,
    /// Whether several options may be chosen.
    pub multiple: bool,
    /// Its options.
    pub options: Vec<Choice>,
    /// `message`, `emails`, `url`, `number`, or empty for no text.
    pub text_kind: &'static str,
    /// The text.
    pub text: String,
    /// Attached files (a `send_attachment` row).
    pub files: Option<Vec<(i64, String)>>,
    /// What is wrong with it.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn catalogue() -> Catalogue {
        Catalogue {
            tr: Locale::En,
            owner: Owner::Rule,
            inboxes: vec![("7".into(), "WhatsApp".into())],
            agents: vec![("3".into(), "Ana".into())],
            teams: vec![("4".into(), "Vendas".into())],
            labels: vec![("vip".into(), "vip".into())],
            custom: vec![CustomField {
                model: AttributeModel::ContactAttribute,
                key: "plano".into(),
                name: "Plano".into(),
                display_type: DisplayType::List,
                options: vec!["ouro".into(), "prata".into()],
            }],
        }
    }

    #[test]
    fn rows_are_added_removed_and_moved_by_op_buttons() {
        let posted = pairs(&[
            ("c0_attribute", "status"),
            ("c1_attribute", "priority"),
            ("c2_attribute", "labels"),
            ("op", "up_condition_2"),
        ]);
        let (rows, op) = Rows::from_pairs(&posted);
        assert_eq!(op, Op::Edit);
        let order: Vec<&str> = rows
            .conditions
            .iter()
            .map(|c| c.attribute.as_str())
            .collect();
        assert_eq!(order, ["status", "labels", "priority"]);

        let (mut rows, _) = Rows::from_pairs(&pairs(&[("a0_name", "resolve_conversation")]));
        assert_eq!(rows.apply("add_action"), Op::Edit);
        assert_eq!(rows.actions.len(), 2);
        rows.apply("down_action_0");
        assert_eq!(rows.actions[1].name, "resolve_conversation");
        rows.apply("remove_action_1");
        assert_eq!(rows.actions, vec![ActionRow::default()]);
        rows.apply("remove_action_9");
        rows.apply("up_action_0");
        assert_eq!(rows.actions.len(), 1);
        assert_eq!(rows.apply("save"), Op::Save);
        assert_eq!(rows.apply(""), Op::Save);
    }

    #[test]
    fn the_form_becomes_chatwoots_json_and_back() {
        let posted = pairs(&[
            ("c0_attribute", "inbox_id"),
            ("c0_operator", "equal_to"),
            ("c0_value", "7"),
            ("c0_join", "or"),
            ("c1_attribute", "content"),
            ("c1_operator", "contains"),
            ("c1_value", "boleto\n  segunda via \n\n"),
            ("c1_join", "and"),
            ("c2_attribute", "contact_attribute:plano"),
            ("c2_operator", "equal_to"),
            ("c2_value", "ouro"),
            ("c2_value", "prata"),
            ("c3_attribute", "status"),
            ("c3_operator", "attribute_changed"),
            ("c3_from", "open"),
            ("c3_to", "resolved"),
            ("a0_name", "add_label"),
            ("a0_value", "vip"),
            ("a1_name", "send_email_to_team"),
            ("a1_value", "4"),
            ("a1_text", " Olá {{ contact.name }} "),
            ("a2_name", "send_attachment"),
            ("a2_file", "12|boleto.pdf"),
            ("a2_file", "12|boleto.pdf"),
            ("a3_name", "assign_agent"),
            ("a3_value", "nil"),
        ]);
        let (rows, op) = Rows::from_pairs(&posted);
        assert_eq!(op, Op::Save);
        let c = catalogue();
        let conditions = rows.conditions_json(&c);
        assert_eq!(
            conditions,
            json!([
                {"attribute_key": "inbox_id", "filter_operator": "equal_to", "values": [7], "query_operator": "or"},
                {"attribute_key": "content", "filter_operator": "contains", "values": ["boleto", "segunda via"], "query_operator": "and"},
                {"attribute_key": "plano", "custom_attribute_type": "contact_attribute", "filter_operator": "equal_to", "values": ["ouro", "prata"], "query_operator": "and"},
                {"attribute_key": "status", "filter_operator": "attribute_changed", "values": {"from": ["open"], "to": ["resolved"]}, "query_operator": null},
            ])
        );
        let actions = rows.actions_json();
        assert_eq!(
            actions,
            json!([
                {"action_name": "add_label", "action_params": ["vip"]},
                {"action_name": "send_email_to_team", "action_params": [{"team_ids": [4], "message": "Olá {{ contact.name }}"}]},
                {"action_name": "send_attachment", "action_params": [12]},
                {"action_name": "assign_agent", "action_params": ["nil"]},
            ])
        );
        let stored = [files::AutomationFile {
            id: 12,
            filename: "boleto.pdf".into(),
            content_type: "application/pdf".into(),
            file_type: "file".into(),
            byte_size: 3,
        }];
        let again = Rows::from_json(&conditions, &actions, &stored);
        assert_eq!(again.conditions_json(&c), conditions);
        assert_eq!(again.actions_json(), actions);
        assert_eq!(again.actions[2].files, vec![(12, "boleto.pdf".to_owned())]);
    }

    #[test]
    fn each_row_offers_only_what_fits_its_attribute() {
        let c = catalogue();
        let rows = vec![
            ConditionRow {
                attribute: "phone_number".into(),
                operator: "attribute_changed".into(),
                ..ConditionRow::default()
            },
            ConditionRow {
                attribute: "assignee_id".into(),
                operator: "attribute_changed".into(),
                to: vec!["3".into()],
                ..ConditionRow::default()
            },
            ConditionRow {
                attribute: "labels".into(),
                operator: "is_present".into(),
                ..ConditionRow::default()
            },
            ConditionRow::default(),
        ];
        let views = c.condition_views(&rows, EventName::ConversationUpdated, &FieldErrors::new());
        let ops = |v: &ConditionView| -> Vec<String> {
            v.operators.iter().map(|o| o.value.clone()).collect()
        };
        // Phone numbers cannot be "changed": the operator falls back to the first allowed.
        assert_eq!(
            ops(&views[0]),
            [
                "equal_to",
                "not_equal_to",
                "contains",
                "does_not_contain",
                "starts_with",
                "is_present",
                "is_not_present"
            ]
        );
        assert!(views[0].operators[0].selected);
        assert_eq!(views[0].values.as_ref().map(|v| v.kind), Some("lines"));
        // An agent change offers agents (and "nobody") in both lists, the chosen one selected.
        let to = views[1].to.as_ref().expect("to");
        assert_eq!(to.kind, "select");
        assert_eq!(
            to.options
                .iter()
                .map(|o| (o.value.as_str(), o.selected))
                .collect::<Vec<_>>(),
            [("nil", false), ("3", true)]
        );
        assert!(views[1].values.is_none());
        assert!(views[2].values.is_none() && views[2].from.is_none());
        // Message attributes are not offered on conversation events; a new row takes the
        // first attribute offered.
        assert!(!views[3].attributes.iter().any(|a| a.value == "content"));
        assert_eq!(
            views[3]
                .attributes
                .iter()
                .find(|a| a.selected)
                .map(|a| a.value.as_str()),
            Some("email")
        );
        assert!(
            views[3]
                .attributes
                .iter()
                .any(|a| a.value == "contact_attribute:plano")
        );
        assert!(views[3].last && !views[2].last);
    }

    #[test]
    fn every_attribute_operator_action_and_event_has_a_name() {
        for tr in Locale::ALL {
            let names = Standard::ALL
                .iter()
                .map(|(_, k)| attribute_label(tr, k))
                .chain(Operator::ALL.iter().map(|(_, o)| operator_label(tr, o)))
                .chain(ActionName::ALL.iter().map(|a| action_label(tr, a.as_str())))
                .chain(EventName::ALL.iter().map(|e| event_label(tr, e.as_str())));
            for name in names {
                assert!(!name.starts_with("Unknown localization"), "{tr}: {name}");
            }
            for message in [
                "need the text to send",
                "need at least one label",
                "need at least one team",
                "need an http(s) URL",
                "need at least one uploaded file",
                "need the e-mail addresses (comma-separated)",
                "need an SLA policy id",
                "need from or to (or both)",
                "x@ is not an e-mail address",
            ] {
                let text = builder_message(tr, "actions[0].action_params", message);
                assert!(text.ends_with('.') && text != message, "{tr}: {text}");
            }
        }
    }
}
