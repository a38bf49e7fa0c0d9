//! From events to their deliveries: which targets get each one, created in batches by the
//! events dispatcher; and the deliveries automation rules and macros prepare themselves.

use std::collections::{HashMap, HashSet};

use futures_util::future::BoxFuture;
use sqlx::PgConnection;

use super::delivery::Send;
use crate::events::{Consumer, Event, EventKind};
use crate::state::AppState;

/// Events delivered to webhooks (Chatwoot's names; `conversation_opened`/`_resolved` and the
/// assignment and label events are internal, as in Chatwoot).
pub const WEBHOOK_EVENTS: [EventKind; 7] = [
    EventKind::ConversationCreated,
    EventKind::ConversationUpdated,
    EventKind::ConversationStatusChanged,
    EventKind::MessageCreated,
    EventKind::MessageUpdated,
    EventKind::ContactCreated,
    EventKind::ContactUpdated,
];

/// The stream a delivery belongs to: deliveries of one (target, stream) are sent one at a time,
/// in order (a conversation's events reach a receiver in the order they happened).
pub fn stream(conversation_id: Option<i64>, contact_id: Option<i64>) -> String {
    match (conversation_id, contact_id) {
        (Some(c), _) => format!("conversation:{c}"),
        (None, Some(c)) => format!("contact:{c}"),
        (None, None) => "account".to_owned(),
    }
}

/// The events consumer that turns events into webhook deliveries.
#[derive(Debug)]
pub struct Deliveries;

impl Consumer for Deliveries {
    fn consume<'a>(
        &'a self,
        app: &'a AppState,
        tx: &'a mut PgConnection,
        events: &'a [Event],
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(fan_out(app, tx, events))
    }
}

/// One delivery to create.
#[derive(Default)]
struct NewDeliveries {
    event_ids: Vec<i64>,
    targets: Vec<String>,
    webhook_ids: Vec<Option<i64>>,
    inbox_ids: Vec<Option<i64>>,
    urls: Vec<String>,
    kinds: Vec<String>,
    streams: Vec<String>,
}

impl NewDeliveries {
    fn push(
        &mut self,
        event: &Event,
        target: String,
        webhook: Option<i64>,
        inbox: Option<i64>,
        url: &str,
    ) {
        self.event_ids.push(event.id);
        self.targets.push(target);
        self.webhook_ids.push(webhook);
        self.inbox_ids.push(inbox);
        self.urls.push(url.to_owned());
        self.kinds.push(event.kind.as_str().to_owned());
        self.streams
            .push(stream(event.conversation_id, event.contact_id));
    }
}

/// Creates the deliveries of a batch of one account's events, in the dispatcher's transaction,
/// and wakes the sender of each target that got one.
async fn fan_out(app: &AppState, tx: &mut PgConnection, events: &[Event]) -> anyhow::Result<()> {
    let events: Vec<&Event> = events
        .iter()
        .filter(|e| WEBHOOK_EVENTS.contains(&e.kind))
        .collect();
    let Some(account_id) = events.first().map(|e| e.account_id) else {
        return Ok(());
    };
    // Activity messages are not delivered (private notes are, flagged `private`), nor events of
    // messages deleted since.
    let message_ids: Vec<i64> = events.iter().filter_map(|e| e.message_id).collect();
    let deliverable: HashSet<i64> = sqlx::query_scalar!(
        r#"select m.id as "id!" from unnest($2::int8[]) as k(id)
           cross join lateral (select id from messages where account_id = $1 and id = k.id
                                 and message_type <> 'activity') m"#,
        account_id.0,
        &message_ids
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let webhooks = sqlx::query!(
        "select id, url, subscriptions, inbox_id from webhooks where account_id = $1 and enabled",
        account_id.0
    )
    .fetch_all(&mut *tx)
    .await?;
    let inbox_urls: HashMap<i64, String> = sqlx::query!(
        "select inbox_id, webhook_url as \"webhook_url!\" from channel_api
         where account_id = $1 and webhook_url is not null",
        account_id.0
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.inbox_id, r.webhook_url))
    .collect();
    let mut new = NewDeliveries::default();
    for event in events {
        if event.message_id.is_some_and(|m| !deliverable.contains(&m)) {
            continue;
        }
        for w in &webhooks {
            let subscribed = w.subscriptions.iter().any(|s| s == event.kind.as_str());
            let inbox_matches = w.inbox_id.is_none() || w.inbox_id == event.inbox_id;
            if subscribed && inbox_matches {
                new.push(event, format!("webhook:{}", w.id), Some(w.id), None, &w.url);
            }
        }
        if event.conversation_id.is_some()
            && let Some(inbox) = event.inbox_id
            && let Some(url) = inbox_urls.get(&inbox)
        {
            new.push(event, format!("inbox:{inbox}"), None, Some(inbox), url);
        }
    }
    if new.event_ids.is_empty() {
        return Ok(());
    }
    let now = app.clock.now();
    let targets: HashSet<String> = sqlx::query_scalar!(
        "insert into webhook_deliveries (account_id, event_id, target, webhook_id, inbox_id, url, event,
                                         stream, stage, next_attempt_at, created_at)
         select $1, u.event_id, u.target, u.webhook_id, u.inbox_id, u.url, u.event, u.stream, 'new', $9, $9
         from unnest($2::int8[], $3::text[], $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[])
              as u(event_id, target, webhook_id, inbox_id, url, event, stream)
         on conflict (event_id, target) do nothing
         returning target",
        account_id.0,
        &new.event_ids,
        &new.targets,
        &new.webhook_ids as &[Option<i64>],
        &new.inbox_ids as &[Option<i64>],
        &new.urls,
        &new.kinds,
        &new.streams,
        now
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for target in targets {
        Send::wake(tx, now, account_id, &target).await?;
    }
    Ok(())
}

/// A delivery whose payload is fixed by its sender: an automation rule's or a macro's
/// `send_webhook_event` action.
#[derive(Debug)]
pub struct Prepared {
    /// The event that triggered the rule (none for macros).
    pub event_id: Option<i64>,
    /// Unique per (event, target): `automation:<rule>:<action index>`, `macro:<id>:<run>:...`.
    pub target: String,
    /// Where to POST.
    pub url: String,
    /// The `event` name (`automation_event.message_created`, `macro.executed`).
    pub event: String,
    /// The body.
    pub payload: serde_json::Value,
    /// The conversation (database id), for the delivery order.
    pub conversation_id: Option<i64>,
    /// The rule that sent it.
    pub automation_rule_id: Option<i64>,
    /// The macro that sent it.
    pub macro_id: Option<i64>,
}

/// Records a prepared delivery and wakes its sender (retried like any delivery). `None` when
/// the same event already has it (a rule runs once per event).
pub async fn enqueue_prepared(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: crate::ids::AccountId,
    prepared: Prepared,
) -> anyhow::Result<Option<uuid::Uuid>> {
    let now = app.clock.now();
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let row = sqlx::query!(
        "insert into webhook_deliveries (account_id, event_id, target, url, event, payload,
                                         automation_rule_id, macro_id, stream, stage, next_attempt_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'new', $10, $10)
         on conflict (event_id, target) do nothing returning id, delivery_id",
        account_id.0,
        prepared.event_id,
        prepared.target,
        prepared.url,
        prepared.event,
        prepared.payload,
        prepared.automation_rule_id,
        prepared.macro_id,
        stream(prepared.conversation_id, None),
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Send::wake(&mut tx, now, account_id, &prepared.target).await?;
    tx.commit().await?;
    Ok(Some(row.delivery_id))
}
