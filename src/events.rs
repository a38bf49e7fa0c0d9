//! The domain event log. Every change to conversations, messages and contacts records an event
//! in the same transaction, so a committed change always has its event and a rolled-back one has
//! none. Realtime updates, webhooks and automation rules consume these rows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::auth::context::Actor;
use crate::ids::AccountId;
use crate::jobs::{Job, JobError, JobSpec};
use crate::state::AppState;
use crate::text_enum;

text_enum! {
    /// What happened.
    pub enum EventKind {
        /// A conversation was created.
        ConversationCreated = "conversation_created",
        /// Attributes of a conversation changed (`changed_attributes` says which).
        ConversationUpdated = "conversation_updated",
        /// The status changed.
        ConversationStatusChanged = "conversation_status_changed",
        /// The conversation was (re)opened.
        ConversationOpened = "conversation_opened",
        /// The conversation was resolved.
        ConversationResolved = "conversation_resolved",
        /// A message was created.
        MessageCreated = "message_created",
        /// A message changed (status, deletion).
        MessageUpdated = "message_updated",
        /// A contact was created.
        ContactCreated = "contact_created",
        /// A contact changed.
        ContactUpdated = "contact_updated",
        /// The assignee changed.
        AssigneeChanged = "assignee_changed",
        /// The team changed.
        TeamChanged = "team_changed",
        /// Labels were added to a conversation.
        LabelAdded = "label_added",
    }
}

/// An event to record.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// The conversation (database id), if any.
    pub conversation_id: Option<i64>,
    /// The message, if any.
    pub message_id: Option<i64>,
    /// The contact, if any.
    pub contact_id: Option<i64>,
    /// The inbox, if any.
    pub inbox_id: Option<i64>,
    /// Chatwoot-shaped changes, for updates.
    pub changed_attributes: Option<Value>,
    /// Extra data (added labels, previous values).
    pub data: Value,
}

impl NewEvent {
    /// An event of `kind` with nothing attached yet.
    pub fn new(kind: EventKind) -> Self {
        NewEvent {
            kind,
            conversation_id: None,
            message_id: None,
            contact_id: None,
            inbox_id: None,
            changed_attributes: None,
            data: json!({}),
        }
    }

    /// About a conversation.
    pub fn conversation(mut self, conversation_id: i64, inbox_id: i64, contact_id: i64) -> Self {
        self.conversation_id = Some(conversation_id);
        self.inbox_id = Some(inbox_id);
        self.contact_id = Some(contact_id);
        self
    }

    /// About a message.
    pub fn message(mut self, message_id: i64) -> Self {
        self.message_id = Some(message_id);
        self
    }

    /// About a contact.
    pub fn contact(mut self, contact_id: i64) -> Self {
        self.contact_id = Some(contact_id);
        self
    }

    /// With Chatwoot-shaped changes.
    pub fn changes(mut self, changes: &Changes) -> Self {
        self.changed_attributes = Some(changes.to_json());
        self
    }

    /// With extra data.
    pub fn data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// Channel realtime listeners LISTEN on; the payload carries ids only (NOTIFY is limited to
/// 8000 bytes, and each listener checks what its users may see anyway).
pub const NOTIFY_CHANNEL: &str = "atende_events";

/// Records events in the caller's transaction. Each one also notifies the realtime listeners
/// (delivered at commit) and enqueues its dispatch job, which runs the consumers (webhooks;
/// automation rules) in order per conversation.
pub async fn record(
    conn: &mut PgConnection,
    account_id: AccountId,
    actor: &Actor,
    now: DateTime<Utc>,
    events: &[NewEvent],
) -> anyhow::Result<()> {
    for event in events {
        let id = sqlx::query_scalar!(
            "insert into events (account_id, kind, conversation_id, message_id, contact_id, inbox_id,
                                 changed_attributes, performed_by, data, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
            account_id.0,
            event.kind as EventKind,
            event.conversation_id,
            event.message_id,
            event.contact_id,
            event.inbox_id,
            event.changed_attributes,
            actor.performed_by(),
            event.data,
            now
        )
        .fetch_one(&mut *conn)
        .await?;
        let notice = json!({
            "id": id, "account_id": account_id, "kind": event.kind,
            "conversation_id": event.conversation_id, "message_id": event.message_id,
            "contact_id": event.contact_id, "inbox_id": event.inbox_id,
        });
        sqlx::query!(
            "select pg_notify($1, $2)",
            NOTIFY_CHANNEL,
            notice.to_string()
        )
        .execute(&mut *conn)
        .await?;
        let queue = match (event.conversation_id, event.contact_id) {
            (Some(conversation), _) => format!("events:conversation:{conversation}"),
            (None, Some(contact)) => format!("events:contact:{contact}"),
            (None, None) => format!("events:account:{account_id}"),
        };
        let spec = JobSpec {
            account_id: Some(account_id),
            ..JobSpec::default()
        }
        .in_queue(queue);
        crate::jobs::enqueue(conn, now, &Dispatch { event_id: id }, spec).await?;
    }
    Ok(())
}

/// A recorded event, as consumers read it.
#[derive(Clone, Debug)]
pub struct Event {
    /// Row id (also the SSE event id).
    pub id: i64,
    /// The account.
    pub account_id: AccountId,
    /// What happened.
    pub kind: EventKind,
    /// The conversation (database id).
    pub conversation_id: Option<i64>,
    /// The message.
    pub message_id: Option<i64>,
    /// The contact.
    pub contact_id: Option<i64>,
    /// The inbox.
    pub inbox_id: Option<i64>,
    /// Chatwoot-shaped changes.
    pub changed_attributes: Option<Value>,
    /// Who did it.
    pub performed_by: Value,
    /// Extra data.
    pub data: Value,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The conversation, contact and message at commit, for automation rules (taken only when
    /// the account had an active rule for the event).
    pub snapshot: Option<Value>,
}

/// Loads an event.
pub async fn load(conn: &mut PgConnection, id: i64) -> anyhow::Result<Option<Event>> {
    let row = sqlx::query!(
        r#"select id, account_id, kind as "kind: EventKind", conversation_id, message_id, contact_id, inbox_id,
                  changed_attributes, performed_by, data, created_at, snapshot
           from events where id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Event {
        id: r.id,
        account_id: AccountId(r.account_id),
        kind: r.kind,
        conversation_id: r.conversation_id,
        message_id: r.message_id,
        contact_id: r.contact_id,
        inbox_id: r.inbox_id,
        changed_attributes: r.changed_attributes,
        performed_by: r.performed_by,
        data: r.data,
        created_at: r.created_at,
        snapshot: r.snapshot,
    }))
}

/// Runs the consumers of one event: creates its webhook deliveries, then runs the automation
/// rules listening to it. Idempotent: a delivery is unique per (event, target), a rule's run per
/// (rule, event).
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Dispatch {
    /// The event.
    pub event_id: i64,
}

impl Job for Dispatch {
    const KIND: &'static str = "events.dispatch";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let mut tx = app.db.begin().await?;
        let Some(event) = load(&mut tx, self.event_id).await? else {
            return Ok(());
        };
        crate::webhooks::dispatch::fan_out(&app, &mut tx, &event).await?;
        tx.commit().await?;
        crate::automation::runner::on_event(&app, &event).await?;
        Ok(())
    }
}

/// A list of attribute changes rendered as Chatwoot's `changed_attributes`
/// (`[{"status": {"previous_value": "open", "current_value": "resolved"}}, ...]`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Changes(Vec<(String, Value, Value)>);

impl Changes {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `name` going from `previous` to `current` when they differ.
    pub fn track(&mut self, name: &str, previous: impl Serialize, current: impl Serialize) {
        let previous = serde_json::to_value(previous).unwrap_or(Value::Null);
        let current = serde_json::to_value(current).unwrap_or(Value::Null);
        if previous != current {
            self.0.push((name.to_owned(), previous, current));
        }
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `name` changed.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _, _)| n == name)
    }

    /// The value `name` had before the change.
    pub fn previous(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, previous, _)| previous)
    }

    /// The JSON array Chatwoot sends.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|(name, previous, current)| {
                    json!({ name: { "previous_value": previous, "current_value": current } })
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_values_are_not_tracked_and_changes_keep_chatwoots_shape() {
        let mut changes = Changes::new();
        changes.track("status", "open", "resolved");
        changes.track("priority", Option::<String>::None, Option::<String>::None);
        changes.track("assignee_id", Option::<i64>::None, Some(3));
        assert!(changes.contains("status"));
        assert!(!changes.contains("priority"));
        assert_eq!(
            changes.to_json(),
            json!([
                {"status": {"previous_value": "open", "current_value": "resolved"}},
                {"assignee_id": {"previous_value": null, "current_value": 3}},
            ])
        );
    }
}
