//! From an event to its deliveries: which targets get it.

use sqlx::PgConnection;

use super::delivery::Deliver;
use crate::events::{Event, EventKind};
use crate::jobs::{self, JobSpec};
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

/// The serial queue of a target's deliveries about one conversation (or one contact).
pub fn queue(target: &str, conversation_id: Option<i64>, contact_id: Option<i64>) -> String {
    match (conversation_id, contact_id) {
        (Some(c), _) => format!("webhook:{target}:conversation:{c}"),
        (None, Some(c)) => format!("webhook:{target}:contact:{c}"),
        (None, None) => format!("webhook:{target}:account"),
    }
}

/// Creates the deliveries of an event and enqueues them, in the dispatch job's transaction.
pub async fn fan_out(app: &AppState, tx: &mut PgConnection, event: &Event) -> anyhow::Result<()> {
    if !WEBHOOK_EVENTS.contains(&event.kind) {
        return Ok(());
    }
    if let Some(message) = event.message_id {
        // Activity messages are not delivered (private notes are, flagged `private`).
        let activity = sqlx::query_scalar!(
            "select message_type = 'activity' from messages where account_id = $1 and id = $2",
            event.account_id.0,
            message
        )
        .fetch_optional(&mut *tx)
        .await?
        .flatten()
        .unwrap_or(true);
        if activity {
            return Ok(());
        }
    }
    let mut targets: Vec<(String, Option<i64>, Option<i64>, String)> = sqlx::query!(
        "select id, url from webhooks
         where account_id = $1 and enabled and $2 = any(subscriptions) and (inbox_id is null or inbox_id = $3)",
        event.account_id.0,
        event.kind.as_str(),
        event.inbox_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (format!("webhook:{}", r.id), Some(r.id), None, r.url))
    .collect();
    if event.conversation_id.is_some() {
        let inbox_url = sqlx::query!(
            "select inbox_id, webhook_url from channel_api where account_id = $1 and inbox_id = $2 and webhook_url is not null",
            event.account_id.0,
            event.inbox_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = inbox_url
            && let Some(url) = row.webhook_url
        {
            targets.push((
                format!("inbox:{}", row.inbox_id),
                None,
                Some(row.inbox_id),
                url,
            ));
        }
    }
    let now = app.clock.now();
    for (target, webhook_id, inbox_id, url) in targets {
        let delivery = sqlx::query_scalar!(
            "insert into webhook_deliveries (account_id, event_id, target, webhook_id, inbox_id, url, event, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (event_id, target) do nothing returning id",
            event.account_id.0,
            event.id,
            target,
            webhook_id,
            inbox_id,
            url,
            event.kind.as_str(),
            now
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(delivery_id) = delivery {
            let spec = JobSpec {
                account_id: Some(event.account_id),
                ..JobSpec::default()
            }
            .in_queue(queue(&target, event.conversation_id, event.contact_id));
            jobs::enqueue(tx, now, &Deliver { delivery_id }, spec).await?;
        }
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

/// Records a prepared delivery and enqueues it (retried like any delivery). `None` when the
/// same event already has it (a rule runs once per event).
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
                                         automation_rule_id, macro_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (event_id, target) do nothing returning id, delivery_id",
        account_id.0,
        prepared.event_id,
        prepared.target,
        prepared.url,
        prepared.event,
        prepared.payload,
        prepared.automation_rule_id,
        prepared.macro_id,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let spec = JobSpec {
        account_id: Some(account_id),
        ..JobSpec::default()
    }
    .in_queue(queue(&prepared.target, prepared.conversation_id, None));
    jobs::enqueue(
        &mut tx,
        now,
        &Deliver {
            delivery_id: row.id,
        },
        spec,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(row.delivery_id))
}
