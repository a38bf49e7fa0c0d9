//! Actions of automation rules and macros: Chatwoot's JSON (`{action_name, action_params}`),
//! validated when the rule or macro is saved, and run in order through the same service
//! functions the API and the pages call. One failing action does not stop the next.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::auth::context::Actor;
use crate::conversations::model::{Priority, Status};
use crate::conversations::service as conversations;
use crate::error::FieldErrors;
use crate::ids::{AccountId, TeamId, UserId};
use crate::jobs::{self, JobSpec};
use crate::mail::{self, SendMail};
use crate::messages::service::{self as messages, MAX_CONTENT, MessageInput};
use crate::state::AppState;
use crate::text_enum;

text_enum! {
    /// Chatwoot's action names.
    pub enum ActionName {
        /// Assign an agent (`nil` unassigns; macros also take `self`).
        AssignAgent = "assign_agent",
        /// Assign a team (`nil` removes it).
        AssignTeam = "assign_team",
        /// Remove the team (macros).
        RemoveAssignedTeam = "remove_assigned_team",
        /// Add labels.
        AddLabel = "add_label",
        /// Remove labels.
        RemoveLabel = "remove_label",
        /// E-mail the members of teams.
        SendEmailToTeam = "send_email_to_team",
        /// E-mail the conversation's transcript.
        SendEmailTranscript = "send_email_transcript",
        /// Mute: resolve and block the contact.
        MuteConversation = "mute_conversation",
        /// Snooze until the next customer message.
        SnoozeConversation = "snooze_conversation",
        /// Resolve.
        ResolveConversation = "resolve_conversation",
        /// Reopen.
        OpenConversation = "open_conversation",
        /// Mark pending.
        PendingConversation = "pending_conversation",
        /// Set the status.
        ChangeStatus = "change_status",
        /// Set the priority (`nil` clears it).
        ChangePriority = "change_priority",
        /// Send a public message.
        SendMessage = "send_message",
        /// Add a private note.
        AddPrivateNote = "add_private_note",
        /// Send the attached files.
        SendAttachment = "send_attachment",
        /// POST the conversation to a URL.
        SendWebhookEvent = "send_webhook_event",
        /// Apply an SLA policy.
        AddSla = "add_sla",
    }
}

/// Who owns an action list: the allowed actions differ a little.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// An automation rule.
    Rule,
    /// A macro.
    Macro,
}

impl Owner {
    /// The actions it may use (Chatwoot's lists, plus `remove_assigned_team` and
    /// `pending_conversation` for rules).
    pub fn allows(self, name: ActionName) -> bool {
        match self {
            Owner::Rule => true,
            Owner::Macro => !matches!(
                name,
                ActionName::SendEmailToTeam | ActionName::AddSla | ActionName::OpenConversation
            ),
        }
    }
}

/// Whom `assign_agent` assigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentTarget {
    /// Nobody (`nil`).
    Nobody,
    /// A member.
    User(UserId),
    /// The member running the macro (`self`).
    Myself,
}

/// One parsed action.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Assign an agent.
    AssignAgent(AgentTarget),
    /// Assign a team, or none.
    AssignTeam(Option<TeamId>),
    /// Remove the team.
    RemoveAssignedTeam,
    /// Add labels.
    AddLabel(Vec<String>),
    /// Remove labels.
    RemoveLabel(Vec<String>),
    /// E-mail teams.
    SendEmailToTeam {
        /// The teams.
        team_ids: Vec<TeamId>,
        /// The text (variables rendered).
        message: String,
    },
    /// E-mail the transcript to comma-separated addresses (variables rendered).
    SendEmailTranscript(String),
    /// Mute.
    Mute,
    /// Snooze until the next customer message.
    Snooze,
    /// Resolve.
    Resolve,
    /// Reopen.
    Open,
    /// Pending.
    Pending,
    /// Set the status.
    ChangeStatus(Status),
    /// Set or clear the priority.
    ChangePriority(Option<Priority>),
    /// Public message.
    SendMessage(String),
    /// Private note.
    AddPrivateNote(String),
    /// Files of the rule or macro (`automation_files` ids).
    SendAttachment(Vec<i64>),
    /// POST to a URL.
    SendWebhookEvent(String),
    /// An SLA policy id.
    AddSla(i64),
}

/// The most actions one rule or macro may have.
pub const MAX_ACTIONS: usize = 30;

/// Parses and validates the shape of `raw` (a JSON array). References to other records
/// (agents, teams, labels, files, URLs) are checked by [`check_references`].
pub fn parse(raw: &Value, owner: Owner) -> Result<Vec<Action>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(items) = raw.as_array() else {
        errors.add("actions", "must be a list");
        return Err(errors);
    };
    if items.is_empty() {
        errors.add("actions", "can't be blank");
    }
    if items.len() > MAX_ACTIONS {
        errors.add(
            "actions",
            format!("are too many (maximum is {MAX_ACTIONS})"),
        );
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate().take(MAX_ACTIONS) {
        match parse_one(item, owner) {
            Ok(action) => out.push(action),
            Err((field, message)) => errors.add(format!("actions[{i}].{field}"), message),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn param_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("id").and_then(param_text),
        _ => None,
    }
}

fn id_param(value: Option<&Value>) -> Result<Option<i64>, (&'static str, String)> {
    let text = value.and_then(param_text).unwrap_or_default();
    if text.is_empty() || text == "nil" || text == "0" {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| ("action_params", format!("{text} is not an id")))
}

fn parse_one(item: &Value, owner: Owner) -> Result<Action, (&'static str, String)> {
    let name_text = item
        .get("action_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = ActionName::parse(name_text).ok_or_else(|| {
        (
            "action_name",
            format!(
                "is not one of: {}",
                ActionName::ALL
                    .iter()
                    .filter(|n| owner.allows(**n))
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    if !owner.allows(name) {
        return Err(("action_name", format!("{name} is not available in macros")));
    }
    let params: Vec<Value> = match item.get("action_params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    };
    let first = params.first();
    let text_param = || -> Result<String, (&'static str, String)> {
        let text = first.and_then(Value::as_str).unwrap_or_default();
        if text.trim().is_empty() {
            return Err(("action_params", "need the text to send".into()));
        }
        if text.len() > MAX_CONTENT {
            return Err((
                "action_params",
                format!("is too long (maximum is {MAX_CONTENT} characters)"),
            ));
        }
        Ok(text.to_owned())
    };
    let labels = || -> Result<Vec<String>, (&'static str, String)> {
        let labels: Vec<String> = params
            .iter()
            .filter_map(param_text)
            .map(|l| l.to_lowercase())
            .filter(|l| !l.is_empty())
            .collect();
        if labels.is_empty() {
            return Err(("action_params", "need at least one label".into()));
        }
        Ok(labels)
    };
    Ok(match name {
        ActionName::AssignAgent => {
            let text = first.and_then(param_text).unwrap_or_default();
            if text == "self" {
                if owner == Owner::Rule {
                    return Err((
                        "action_params",
                        "self is only available in macros (a rule has no user)".into(),
                    ));
                }
                Action::AssignAgent(AgentTarget::Myself)
            } else {
                match id_param(first)? {
                    Some(id) => Action::AssignAgent(AgentTarget::User(UserId(id))),
                    None if first.is_some() => Action::AssignAgent(AgentTarget::Nobody),
                    None => return Err(("action_params", "need an agent id or nil".into())),
                }
            }
        }
        ActionName::AssignTeam => {
            if first.is_none() {
                return Err(("action_params", "need a team id or nil".into()));
            }
            Action::AssignTeam(id_param(first)?.map(TeamId))
        }
        ActionName::RemoveAssignedTeam => Action::RemoveAssignedTeam,
        ActionName::AddLabel => Action::AddLabel(labels()?),
        ActionName::RemoveLabel => Action::RemoveLabel(labels()?),
        ActionName::SendEmailToTeam => {
            let spec = first.and_then(Value::as_object).ok_or((
                "action_params",
                "must be [{\"team_ids\": [...], \"message\": \"...\"}]".to_owned(),
            ))?;
            let team_ids: Vec<TeamId> = spec
                .get("team_ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(param_text)
                .filter_map(|t| t.parse().ok())
                .map(TeamId)
                .collect();
            if team_ids.is_empty() {
                return Err(("action_params", "need at least one team".into()));
            }
            let message = spec
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            if message.is_empty() {
                return Err(("action_params", "need the message to send".into()));
            }
            Action::SendEmailToTeam { team_ids, message }
        }
        ActionName::SendEmailTranscript => {
            let list = text_param().map_err(|_| {
                (
                    "action_params",
                    "need the e-mail addresses (comma-separated)".to_owned(),
                )
            })?;
            for address in list.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                if !address.contains("{{") && !mail::valid_address(address) {
                    return Err((
                        "action_params",
                        format!("{address} is not an e-mail address"),
                    ));
                }
            }
            Action::SendEmailTranscript(list)
        }
        ActionName::MuteConversation => Action::Mute,
        ActionName::SnoozeConversation => Action::Snooze,
        ActionName::ResolveConversation => Action::Resolve,
        ActionName::OpenConversation => Action::Open,
        ActionName::PendingConversation => Action::Pending,
        ActionName::ChangeStatus => {
            let text = first.and_then(param_text).unwrap_or_default();
            Action::ChangeStatus(Status::parse(&text).ok_or((
                "action_params",
                format!("need a status (one of: {})", Status::allowed()),
            ))?)
        }
        ActionName::ChangePriority => {
            let text = first.and_then(param_text).unwrap_or_default();
            if text.is_empty() && first.is_none() {
                return Err(("action_params", "need a priority or nil".into()));
            }
            if text.is_empty() || text == "nil" {
                Action::ChangePriority(None)
            } else {
                Action::ChangePriority(Some(Priority::parse(&text).ok_or((
                    "action_params",
                    format!("need a priority (one of: {}, nil)", Priority::allowed()),
                ))?))
            }
        }
        ActionName::SendMessage => Action::SendMessage(text_param()?),
        ActionName::AddPrivateNote => Action::AddPrivateNote(text_param()?),
        ActionName::SendAttachment => {
            let mut ids = Vec::new();
            for p in &params {
                match id_param(Some(p))? {
                    Some(id) => ids.push(id),
                    None => return Err(("action_params", "need uploaded file ids".into())),
                }
            }
            if ids.is_empty() {
                return Err(("action_params", "need at least one uploaded file".into()));
            }
            Action::SendAttachment(ids)
        }
        ActionName::SendWebhookEvent => {
            let url = first.and_then(Value::as_str).unwrap_or_default().trim();
            let parsed = url::Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            if parsed.is_none() {
                return Err(("action_params", "need an http(s) URL".into()));
            }
            Action::SendWebhookEvent(url.to_owned())
        }
        ActionName::AddSla => match id_param(first)? {
            Some(id) if id > 0 => Action::AddSla(id),
            _ => return Err(("action_params", "need an SLA policy id".into())),
        },
    })
}

/// Checks what the actions point at: agents and teams of the account, existing labels, files
/// uploaded to the account and not owned by another rule or macro, URLs the outbound policy
/// allows. `owned_by` is the rule's or macro's own files column and id, when it exists.
pub async fn check_references(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    actions: &[Action],
    own_files: &[i64],
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for (i, action) in actions.iter().enumerate() {
        let field = format!("actions[{i}].action_params");
        let result = check_one(app, conn, account_id, action, own_files).await;
        match result {
            Ok(None) => {}
            Ok(Some(message)) => errors.add(field, message),
            Err(e) => {
                tracing::error!(error = ?e, "checking automation actions");
                errors.add(field, "could not be checked; try again");
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

async fn check_one(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    action: &Action,
    own_files: &[i64],
) -> anyhow::Result<Option<String>> {
    Ok(match action {
        Action::AssignAgent(AgentTarget::User(user)) => {
            let member = sqlx::query_scalar!(
                "select exists(select 1 from account_users where account_id = $1 and user_id = $2)",
                account_id.0,
                user.0
            )
            .fetch_one(&mut *conn)
            .await?
            .unwrap_or(false);
            (!member).then(|| format!("{user} is not an agent of this account"))
        }
        Action::AssignTeam(Some(team)) => missing_teams(conn, account_id, &[*team]).await?,
        Action::SendEmailToTeam { team_ids, .. } => {
            missing_teams(conn, account_id, team_ids).await?
        }
        Action::AddLabel(labels) | Action::RemoveLabel(labels) => {
            let known: Vec<String> = sqlx::query_scalar!(
                "select title from labels where account_id = $1 and title = any($2)",
                account_id.0,
                labels as &[String]
            )
            .fetch_all(&mut *conn)
            .await?;
            let unknown: Vec<&str> = labels
                .iter()
                .filter(|l| !known.contains(l))
                .map(String::as_str)
                .collect();
            (!unknown.is_empty()).then(|| format!("no such label: {}", unknown.join(", ")))
        }
        Action::SendAttachment(ids) => {
            let usable: Vec<i64> = sqlx::query_scalar!(
                "select id from automation_files
                 where account_id = $1 and id = any($2)
                   and ((rule_id is null and macro_id is null) or id = any($3))",
                account_id.0,
                ids,
                own_files
            )
            .fetch_all(&mut *conn)
            .await?;
            let bad: Vec<String> = ids
                .iter()
                .filter(|id| !usable.contains(id))
                .map(i64::to_string)
                .collect();
            (!bad.is_empty()).then(|| format!("no such uploaded file: {}", bad.join(", ")))
        }
        Action::SendWebhookEvent(url) => app.outbound.check_url(url).await.err(),
        _ => None,
    })
}

async fn missing_teams(
    conn: &mut PgConnection,
    account_id: AccountId,
    teams: &[TeamId],
) -> anyhow::Result<Option<String>> {
    let ids: Vec<i64> = teams.iter().map(|t| t.0).collect();
    let known: Vec<i64> = sqlx::query_scalar!(
        "select id from teams where account_id = $1 and id = any($2)",
        account_id.0,
        &ids
    )
    .fetch_all(conn)
    .await?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !known.contains(id))
        .map(i64::to_string)
        .collect();
    Ok((!missing.is_empty()).then(|| format!("no such team: {}", missing.join(", "))))
}

/// The file ids an action list sends.
pub fn file_ids(actions: &[Action]) -> Vec<i64> {
    actions
        .iter()
        .flat_map(|a| match a {
            Action::SendAttachment(ids) => ids.clone(),
            _ => Vec::new(),
        })
        .collect()
}

/// What an action run belongs to, for payloads, webhook targets and e-mail subjects.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A rule run for an event.
    Rule {
        /// The rule.
        rule_id: i64,
        /// Its name.
        rule_name: String,
        /// The event's id.
        event_id: i64,
        /// The event's name.
        event_name: String,
    },
    /// A macro run by a member.
    Macro {
        /// The macro.
        macro_id: i64,
        /// Its name.
        macro_name: String,
        /// One id per execution (a macro may run on many conversations).
        run: uuid::Uuid,
    },
}

/// The result of one action, for the run log.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ActionResult {
    /// The action's name.
    pub action_name: String,
    /// Whether it did its job.
    pub ok: bool,
    /// What it did, or why it failed.
    pub detail: String,
}

/// Runs the actions in order on conversation `display_id`; every action's result is reported,
/// failures included.
pub async fn run_all(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    actions: &[Action],
    origin: &Origin,
) -> Vec<ActionResult> {
    let mut results = Vec::with_capacity(actions.len());
    for (index, action) in actions.iter().enumerate() {
        let outcome = run_one(app, actor, display_id, action, origin, index).await;
        let (ok, detail) = match outcome {
            Ok(detail) => (true, detail),
            Err(detail) => (false, detail),
        };
        if !ok {
            tracing::warn!(action = %name_of(action), %detail, "automation action failed");
        }
        results.push(ActionResult {
            action_name: name_of(action).as_str().to_owned(),
            ok,
            detail,
        });
    }
    results
}

/// The name of an action.
pub fn name_of(action: &Action) -> ActionName {
    match action {
        Action::AssignAgent(_) => ActionName::AssignAgent,
        Action::AssignTeam(_) => ActionName::AssignTeam,
        Action::RemoveAssignedTeam => ActionName::RemoveAssignedTeam,
        Action::AddLabel(_) => ActionName::AddLabel,
        Action::RemoveLabel(_) => ActionName::RemoveLabel,
        Action::SendEmailToTeam { .. } => ActionName::SendEmailToTeam,
        Action::SendEmailTranscript(_) => ActionName::SendEmailTranscript,
        Action::Mute => ActionName::MuteConversation,
        Action::Snooze => ActionName::SnoozeConversation,
        Action::Resolve => ActionName::ResolveConversation,
        Action::Open => ActionName::OpenConversation,
        Action::Pending => ActionName::PendingConversation,
        Action::ChangeStatus(_) => ActionName::ChangeStatus,
        Action::ChangePriority(_) => ActionName::ChangePriority,
        Action::SendMessage(_) => ActionName::SendMessage,
        Action::AddPrivateNote(_) => ActionName::AddPrivateNote,
        Action::SendAttachment(_) => ActionName::SendAttachment,
        Action::SendWebhookEvent(_) => ActionName::SendWebhookEvent,
        Action::AddSla(_) => ActionName::AddSla,
    }
}

fn failed(e: crate::error::Error) -> String {
    match e {
        crate::error::Error::Validation(errors) => errors.full_message(),
        crate::error::Error::NotFound => "the conversation no longer exists".into(),
        crate::error::Error::Forbidden | crate::error::Error::Unauthorized(_) => {
            "not allowed for this user".into()
        }
        crate::error::Error::BadRequest(m)
        | crate::error::Error::Conflict(m)
        | crate::error::Error::Refused(m) => m.to_string(),
        other => {
            tracing::error!(error = ?other, "automation action failed");
            "internal error (see the server log)".into()
        }
    }
}

async fn set_status(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    status: Status,
) -> Result<String, String> {
    let result = conversations::toggle_status(app, actor, display_id, Some(status), None)
        .await
        .map_err(failed)?;
    Ok(format!("status is {}", result.status))
}

async fn run_one(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    action: &Action,
    origin: &Origin,
    index: usize,
) -> Result<String, String> {
    match action {
        Action::AssignAgent(target) => {
            let user = match target {
                AgentTarget::Nobody => None,
                AgentTarget::User(u) => Some(*u),
                AgentTarget::Myself => actor.user_id(),
            };
            let agent = conversations::assign_agent(app, actor, display_id, user)
                .await
                .map_err(failed)?;
            match (user, agent) {
                (None, _) => Ok("unassigned".into()),
                (Some(_), Some(agent)) => Ok(format!("assigned to {}", agent.available_name())),
                (Some(u), None) => Err(format!("{u} is no longer an agent of this account")),
            }
        }
        Action::AssignTeam(team) => {
            let info = conversations::assign_team(app, actor, display_id, *team)
                .await
                .map_err(failed)?;
            Ok(match info {
                Some(t) => format!("assigned to team {}", t.name),
                None => "team removed".into(),
            })
        }
        Action::RemoveAssignedTeam => {
            conversations::assign_team(app, actor, display_id, None)
                .await
                .map_err(failed)?;
            Ok("team removed".into())
        }
        Action::AddLabel(labels) => {
            let now = conversations::change_labels(app, actor, display_id, labels, &[])
                .await
                .map_err(failed)?;
            Ok(format!("labels: {}", now.join(", ")))
        }
        Action::RemoveLabel(labels) => {
            let now = conversations::change_labels(app, actor, display_id, &[], labels)
                .await
                .map_err(failed)?;
            Ok(format!("labels: {}", now.join(", ")))
        }
        Action::SendEmailToTeam { team_ids, message } => {
            send_team_email(app, actor, display_id, team_ids, message, origin).await
        }
        Action::SendEmailTranscript(list) => {
            send_transcript(app, actor, display_id, list, origin).await
        }
        Action::Mute => {
            conversations::set_muted(app, actor, display_id, true)
                .await
                .map_err(failed)?;
            Ok("muted".into())
        }
        Action::Snooze => set_status(app, actor, display_id, Status::Snoozed).await,
        Action::Resolve => set_status(app, actor, display_id, Status::Resolved).await,
        Action::Open => set_status(app, actor, display_id, Status::Open).await,
        Action::Pending => set_status(app, actor, display_id, Status::Pending).await,
        Action::ChangeStatus(status) => set_status(app, actor, display_id, *status).await,
        Action::ChangePriority(priority) => {
            conversations::set_priority(app, actor, display_id, *priority)
                .await
                .map_err(failed)?;
            Ok(match priority {
                Some(p) => format!("priority is {p}"),
                None => "priority cleared".into(),
            })
        }
        Action::SendMessage(text) | Action::AddPrivateNote(text) => {
            let private = matches!(action, Action::AddPrivateNote(_));
            let input = MessageInput {
                content: Some(text.clone()),
                private,
                content_attributes: origin_attributes(origin),
                ..MessageInput::default()
            };
            let sent = messages::create(app, actor, display_id, input)
                .await
                .map_err(failed)?;
            Ok(format!(
                "{} {} sent",
                if private { "note" } else { "message" },
                sent.message.id
            ))
        }
        Action::SendAttachment(ids) => {
            let uploads = super::files::uploads(app, actor.account_id(), ids)
                .await
                .map_err(failed)?;
            if uploads.is_empty() {
                return Err("the files are gone".into());
            }
            let input = MessageInput {
                attachments: uploads,
                content_attributes: origin_attributes(origin),
                ..MessageInput::default()
            };
            let sent = messages::create(app, actor, display_id, input)
                .await
                .map_err(failed)?;
            Ok(format!(
                "message {} sent with {} file(s)",
                sent.message.id,
                ids.len()
            ))
        }
        Action::SendWebhookEvent(url) => {
            send_webhook(app, actor, display_id, url, origin, index).await
        }
        Action::AddSla(policy) => Err(format!(
            "SLA policy {policy} was not applied: this installation has no SLA policies yet"
        )),
    }
}

/// Messages sent by a rule carry its id, as Chatwoot's do (`automation_rule_id`).
fn origin_attributes(origin: &Origin) -> Value {
    match origin {
        Origin::Rule { rule_id, .. } => json!({ "automation_rule_id": rule_id }),
        Origin::Macro { .. } => json!({}),
    }
}

fn origin_label(origin: &Origin) -> &str {
    match origin {
        Origin::Rule { rule_name, .. } => rule_name,
        Origin::Macro { macro_name, .. } => macro_name,
    }
}

/// The conversation's page, for links in e-mails.
fn conversation_link(app: &AppState, account_id: AccountId, display_id: i64) -> String {
    format!(
        "{}/app/accounts/{account_id}/conversations/{display_id}",
        app.base_url()
    )
}

async fn render_for(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    text: &str,
) -> Result<String, String> {
    let rendered = crate::messages::variables::preview(app, actor, Some(display_id), Some(text))
        .await
        .map_err(failed)?;
    Ok(rendered.text)
}

async fn queue_mail(app: &AppState, account_id: AccountId, mail: &SendMail) -> Result<(), String> {
    let mut conn = app.db.acquire().await.map_err(|e| failed(e.into()))?;
    let spec = JobSpec {
        account_id: Some(account_id),
        ..JobSpec::default()
    };
    jobs::enqueue(&mut conn, app.clock.now(), mail, spec)
        .await
        .map_err(|e| failed(crate::error::Error::Other(e)))?;
    Ok(())
}

async fn send_team_email(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    team_ids: &[TeamId],
    message: &str,
    origin: &Origin,
) -> Result<String, String> {
    if app.config.smtp.is_none() {
        return Err("e-mail is not configured (ATENDE_SMTP_HOST)".into());
    }
    let account_id = actor.account_id();
    let text = render_for(app, actor, display_id, message).await?;
    let ids: Vec<i64> = team_ids.iter().map(|t| t.0).collect();
    let recipients: Vec<String> = sqlx::query_scalar!(
        "select distinct u.email from team_members tm
         join users u on u.id = tm.user_id
         join account_users au on au.account_id = tm.account_id and au.user_id = tm.user_id
         where tm.account_id = $1 and tm.team_id = any($2)
         order by u.email",
        account_id.0,
        &ids
    )
    .fetch_all(&app.db)
    .await
    .map_err(|e| failed(e.into()))?;
    if recipients.is_empty() {
        return Err("the teams have no members".into());
    }
    let tr = actor.locale();
    let link = conversation_link(app, account_id, display_id);
    let subject = tr.t_args(
        "automation-email-team-subject",
        &[
            ("name", origin_label(origin).to_owned().into()),
            ("id", display_id.into()),
        ],
    );
    let body = format!(
        "{text}\n\n{}\n{link}\n",
        tr.t1("automation-email-open-conversation", "id", display_id)
    );
    for to in &recipients {
        let mail = SendMail {
            to: to.clone(),
            subject: subject.clone(),
            text: body.clone(),
            html: None,
        };
        queue_mail(app, account_id, &mail).await?;
    }
    Ok(format!("e-mail queued for {}", recipients.join(", ")))
}

async fn send_transcript(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    list: &str,
    origin: &Origin,
) -> Result<String, String> {
    if app.config.smtp.is_none() {
        return Err("e-mail is not configured (ATENDE_SMTP_HOST)".into());
    }
    let account_id = actor.account_id();
    let rendered = render_for(app, actor, display_id, list).await?;
    let mut candidates = Vec::new();
    let mut skipped = Vec::new();
    for address in rendered.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        if mail::valid_address(address) {
            if !candidates
                .iter()
                .any(|r: &String| r.eq_ignore_ascii_case(address))
            {
                candidates.push(address.to_owned());
            }
        } else {
            skipped.push(format!("{address} (not an e-mail address)"));
        }
    }
    if candidates.is_empty() {
        return Err(format!(
            "no valid address in \"{rendered}\" (the variables may be empty)"
        ));
    }
    // No open relay: a transcript goes only to the account's own contacts and members.
    let known = known_addresses(app, account_id, &candidates).await?;
    let mut recipients = Vec::new();
    for address in candidates {
        if known.contains(&address.to_lowercase()) {
            recipients.push(address);
        } else {
            skipped.push(format!(
                "{address} (not a contact or member of this account)"
            ));
        }
    }
    if recipients.is_empty() {
        return Err(format!(
            "no address in \"{rendered}\" belongs to a contact or member of this account; skipped {}",
            skipped.join(", ")
        ));
    }
    let (text, html) = transcript(app, actor, display_id).await?;
    let tr = actor.locale();
    let subject = tr.t1("automation-email-transcript-subject", "id", display_id);
    let _ = origin;
    for to in &recipients {
        let mail = SendMail {
            to: to.clone(),
            subject: subject.clone(),
            text: text.clone(),
            html: Some(html.clone()),
        };
        queue_mail(app, account_id, &mail).await?;
    }
    let mut detail = format!("transcript queued for {}", recipients.join(", "));
    if !skipped.is_empty() {
        detail.push_str(&format!("; skipped {}", skipped.join(", ")));
    }
    Ok(detail)
}

/// Of `addresses`, those (lowercased) that are e-mails of the account's contacts or members.
async fn known_addresses(
    app: &AppState,
    account_id: AccountId,
    addresses: &[String],
) -> Result<Vec<String>, String> {
    // Stored contact addresses keep the case they were typed in; try both spellings so the
    // unique index answers.
    let mut spellings: Vec<String> = addresses.to_vec();
    spellings.extend(addresses.iter().map(|a| a.to_lowercase()));
    sqlx::query_scalar!(
        r#"select lower(c.email) as "email!" from contacts c
           where c.account_id = $1 and c.email = any($2)
           union
           select u.email from users u
           join account_users au on au.user_id = u.id and au.account_id = $1
           where u.email = any($2)"#,
        account_id.0,
        &spellings
    )
    .fetch_all(&app.db)
    .await
    .map_err(|e| failed(e.into()))
}

/// Webhook and e-mail actions among `actions`: what a run takes of the account's
/// per-minute outbound rate ([`crate::limits::Rate::OutboundActions`]).
pub fn outbound_units(actions: &[Action]) -> u32 {
    actions
        .iter()
        .filter(|a| {
            matches!(
                a,
                Action::SendWebhookEvent(_)
                    | Action::SendEmailToTeam { .. }
                    | Action::SendEmailTranscript(_)
            )
        })
        .count() as u32
}

/// The conversation's public messages as text and HTML (private notes and activity left out).
async fn transcript(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
) -> Result<(String, String), String> {
    let rows = sqlx::query!(
        r#"select m.message_type, m.content, m.created_at,
                  coalesce(nullif(btrim(u.display_name), ''), u.name, ct.name) as "sender?",
                  (select count(*) from attachments a where a.account_id = m.account_id and a.message_id = m.id) as "files!"
           from conversations c
           join messages m on m.account_id = c.account_id and m.conversation_id = c.id
           left join users u on m.sender_type = 'User' and u.id = m.sender_id
           left join contacts ct on m.sender_type = 'Contact' and ct.account_id = m.account_id and ct.id = m.sender_id
           where c.account_id = $1 and c.display_id = $2
             and m.message_type in ('incoming', 'outgoing', 'template') and not m.private
           order by m.created_at, m.id"#,
        actor.account_id().0,
        display_id
    )
    .fetch_all(&app.db)
    .await
    .map_err(|e| failed(e.into()))?;
    let tr = actor.locale();
    let bot = tr.t("automation-email-transcript-bot");
    let mut text = String::new();
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><table cellpadding=\"6\">",
    );
    for row in rows {
        let at: DateTime<Utc> = row.created_at;
        let who = row.sender.unwrap_or_else(|| bot.clone());
        let mut content = row.content.unwrap_or_default();
        if row.files > 0 {
            if !content.is_empty() {
                content.push(' ');
            }
            content.push_str(&tr.t1("automation-email-transcript-files", "count", row.files));
        }
        text.push_str(&format!(
            "[{}] {who}: {content}\n",
            at.format("%Y-%m-%d %H:%M UTC")
        ));
        html.push_str(&format!(
            "<tr><td style=\"color:#666;white-space:nowrap\">{}</td><td><strong>{}</strong></td><td>{}</td></tr>",
            at.format("%Y-%m-%d %H:%M UTC"),
            escape_html(&who),
            escape_html(&content).replace('\n', "<br>")
        ));
    }
    html.push_str("</table></body></html>");
    Ok((text, html))
}

async fn send_webhook(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    url: &str,
    origin: &Origin,
    index: usize,
) -> Result<String, String> {
    let account_id = actor.account_id();
    let c = conversations::get(app, actor, display_id)
        .await
        .map_err(failed)?;
    let mut conn = app.db.acquire().await.map_err(|e| failed(e.into()))?;
    let mut data = crate::webhooks::payload::conversation_webhook_data(
        app,
        &mut conn,
        account_id,
        c.conversation.id.0,
    )
    .await
    .map_err(|e| failed(crate::error::Error::Other(e)))?
    .ok_or("the conversation no longer exists")?;
    let (event, target, event_id, rule_id, macro_id) = match origin {
        Origin::Rule {
            rule_id,
            event_id,
            event_name,
            ..
        } => (
            format!("automation_event.{event_name}"),
            format!("automation:{rule_id}:{index}"),
            Some(*event_id),
            Some(*rule_id),
            None,
        ),
        Origin::Macro { macro_id, run, .. } => (
            "macro.executed".to_owned(),
            format!("macro:{macro_id}:{run}:{index}:{display_id}"),
            None,
            None,
            Some(*macro_id),
        ),
    };
    data["event"] = json!(event);
    let delivery = crate::webhooks::dispatch::enqueue_prepared(
        app,
        &mut conn,
        account_id,
        crate::webhooks::dispatch::Prepared {
            event_id,
            target,
            url: url.to_owned(),
            event,
            payload: data,
            conversation_id: Some(c.conversation.id.0),
            automation_rule_id: rule_id,
            macro_id,
        },
    )
    .await
    .map_err(|e| failed(crate::error::Error::Other(e)))?;
    Ok(match delivery {
        Some(id) => format!("webhook delivery {id} queued"),
        None => "webhook already queued for this event".into(),
    })
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
