//! The domain event log. Every change to conversations, messages and contacts records an event
//! in the same transaction, so a committed change always has its event and a rolled-back one has
//! none. Realtime updates read the NOTIFY each event sends; [`Consumer`]s (webhooks, automation
//! rules, registered in `app.rs`) get the events someone subscribes to, in batches per account,
//! from the [`Dispatch`] job.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::ids::AccountId;
use crate::jobs::{Job, JobError, JobSpec, KeyMode};
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

/// Who caused an event, as events store it (`auth::context::Actor` is one).
pub trait Performer {
    /// The `performed_by` JSON stored with the event (`{"type": "user", "id": 3}`).
    fn performed_by(&self) -> Value;
    /// Whether an automation rule acted: its events trigger no rules.
    fn is_automation(&self) -> bool;
}

/// Records events in the caller's transaction, in one statement: each event is stored, notified
/// to the realtime listeners (delivered at commit, with who may see its conversation), and, when something subscribes to it
/// (`event_subscriptions`: a webhook, an API inbox's URL, an automation rule), queued for its
/// account's [`Dispatch`] job. An event nobody subscribes to creates no job.
pub async fn record(
    conn: &mut PgConnection,
    account_id: AccountId,
    actor: &impl Performer,
    now: DateTime<Utc>,
    events: &[NewEvent],
) -> anyhow::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let kinds: Vec<String> = events.iter().map(|e| e.kind.as_str().to_owned()).collect();
    let conversations: Vec<Option<i64>> = events.iter().map(|e| e.conversation_id).collect();
    let messages: Vec<Option<i64>> = events.iter().map(|e| e.message_id).collect();
    let contacts: Vec<Option<i64>> = events.iter().map(|e| e.contact_id).collect();
    let inboxes: Vec<Option<i64>> = events.iter().map(|e| e.inbox_id).collect();
    let changes: Vec<Option<Value>> = events
        .iter()
        .map(|e| e.changed_attributes.clone())
        .collect();
    let data: Vec<Value> = events.iter().map(|e| e.data.clone()).collect();
    let performed_by = actor.performed_by();
    let by_automation = actor.is_automation();
    let dispatch = Dispatch { account_id };
    sqlx::query!(
        r#"with new_events as (
               insert into events (account_id, kind, conversation_id, message_id, contact_id, inbox_id,
                                   changed_attributes, performed_by, data, created_at)
               select $1, u.kind, u.conversation_id, u.message_id, u.contact_id, u.inbox_id, u.changes,
                      $8, u.data, $9
               from unnest($2::text[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::jsonb[], $10::jsonb[])
                    with ordinality as u(kind, conversation_id, message_id, contact_id, inbox_id, changes, data, n)
               order by u.n
               returning id, kind, conversation_id, message_id, contact_id, inbox_id
           ), notices as (
               select pg_notify($11, json_build_object(
                   'id', e.id, 'account_id', $1::int8, 'kind', e.kind, 'conversation_id', e.conversation_id,
                   'message_id', e.message_id, 'contact_id', e.contact_id, 'inbox_id', e.inbox_id,
                   'display_id', c.display_id, 'assignee_id', c.assignee_id,
                   'participants', array(select p.user_id from conversation_participants p
                                         where p.account_id = $1 and p.conversation_id = e.conversation_id))::text)
               from new_events e
               left join conversations c on c.account_id = $1 and c.id = e.conversation_id
           ), queued as (
               insert into event_dispatch (account_id, event_id)
               select $1, e.id from new_events e
               where exists (select 1 from event_subscriptions s
                             where s.account_id = $1 and s.kind = e.kind
                               and (s.inbox_id is null or s.inbox_id = e.inbox_id)
                               and (s.automation_events or not $12))
               returning event_id
           ), dispatcher as (
               select jobs_enqueue_keyed($13, $14, $15, 'preserve', $9, $16, $1, $9)
               from (select 1 from queued limit 1) q
           )
           select (select count(*) from notices) as "notified!", (select count(*) from dispatcher) as "dispatched!""#,
        account_id.0,
        &kinds,
        &conversations as &[Option<i64>],
        &messages as &[Option<i64>],
        &contacts as &[Option<i64>],
        &inboxes as &[Option<i64>],
        &changes as &[Option<Value>],
        performed_by,
        now,
        &data,
        NOTIFY_CHANNEL,
        by_automation,
        Dispatch::KIND,
        serde_json::to_value(&dispatch)?,
        Dispatch::key(account_id),
        Dispatch::MAX_ATTEMPTS,
    )
    .fetch_one(&mut *conn)
    .await?;
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
    Ok(load_many(conn, &[id], true).await?.pop())
}

/// Loads events by id, in id order; their automation snapshots too when `with_snapshot` (only
/// rules read them, and they are the largest part of a row).
pub async fn load_many(
    conn: &mut PgConnection,
    ids: &[i64],
    with_snapshot: bool,
) -> anyhow::Result<Vec<Event>> {
    let rows = sqlx::query!(
        r#"select e.id as "id!", e.account_id as "account_id!", e.kind as "kind!: EventKind", e.conversation_id,
                  e.message_id, e.contact_id, e.inbox_id, e.changed_attributes, e.performed_by as "performed_by!",
                  e.data as "data!", e.created_at as "created_at!",
                  case when $2 then e.snapshot end as snapshot
           from unnest($1::int8[]) as k(id)
           cross join lateral (select * from events e where e.id = k.id) e
           order by e.id"#,
        ids,
        with_snapshot
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Event {
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
        })
        .collect())
}

/// Something that acts on recorded events (webhook deliveries, automation rules), registered
/// at the composition root (`app.rs`). It receives its account's queued events in batches, in
/// id order, inside the dispatcher's transaction: what it writes commits together with the
/// removal of the batch from the queue, so a batch is handled exactly once or not at all.
pub trait Consumer: Send + Sync + std::fmt::Debug {
    /// Handles a batch of one account's events (oldest first). Heavy or slow work (HTTP, rule
    /// actions) is not done here but queued for its own job.
    fn consume<'a>(
        &'a self,
        app: &'a AppState,
        tx: &'a mut PgConnection,
        events: &'a [Event],
    ) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// The consumers of this process.
pub type Consumers = Vec<Box<dyn Consumer>>;

/// Events handled per dispatcher transaction.
const BATCH: i64 = 500;
/// How long one dispatcher run keeps taking batches before it lets other jobs in.
const RUN_BUDGET: std::time::Duration = std::time::Duration::from_millis(500);

/// Dispatches an account's queued events to the consumers, a batch per transaction, oldest
/// first. One runs per account at a time (it is keyed), so the events of a conversation are
/// handled in order; events recorded during a run get a run of their own.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Dispatch {
    /// The account.
    pub account_id: AccountId,
}

impl Dispatch {
    /// The job key of an account's dispatcher.
    pub fn key(account_id: AccountId) -> String {
        format!("events.dispatch:{account_id}")
    }
}

impl Job for Dispatch {
    const KIND: &'static str = "events.dispatch";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let started = std::time::Instant::now();
        loop {
            let mut tx = app.db.begin().await?;
            let ids = sqlx::query_scalar!(
                "delete from event_dispatch where account_id = $1 and event_id in (
                     select event_id from event_dispatch where account_id = $1
                     order by event_id limit $2 for update skip locked)
                 returning event_id",
                self.account_id.0,
                BATCH
            )
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                return Ok(());
            }
            let events = load_many(&mut tx, &ids, true).await?;
            for consumer in &app.consumers {
                consumer.consume(&app, &mut tx, &events).await?;
            }
            tx.commit().await?;
            app.metrics.events_dispatched(events.len());
            if (ids.len() as i64) < BATCH {
                return Ok(());
            }
            if started.elapsed() > RUN_BUDGET {
                // More is queued: give the worker slot back and continue in a new run.
                let mut conn = app.db.acquire().await?;
                let spec = JobSpec::default()
                    .keyed_with(Self::key(self.account_id), KeyMode::Preserve)
                    .for_account(self.account_id);
                crate::jobs::enqueue(&mut conn, app.clock.now(), &self, spec).await?;
                return Ok(());
            }
        }
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
