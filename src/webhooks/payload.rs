//! Builds deliveries' Chatwoot payloads from the current state of their events' subjects, for a
//! whole batch of one account's events at once: each kind of row (conversations, messages,
//! contacts, last chat messages) is read in one query for the batch.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::conversations::repo::ConversationView;
use crate::events::{Event, EventKind};
use crate::ids::{AccountId, ContactId, MessageId};
use crate::messages::model::MessageView;
use crate::shapes;
use crate::state::AppState;

/// The conversation's `webhook_data` (database id `conversation`), or `None` when it no longer
/// exists.
pub async fn conversation_webhook_data(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    conversation: i64,
) -> anyhow::Result<Option<Value>> {
    let mut data = conversations_data(app, conn, account_id, &[conversation]).await?;
    Ok(data.remove(&conversation))
}

/// The `webhook_data` of conversations (by database id); deleted ones are missing.
async fn conversations_data(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    ids: &[i64],
) -> anyhow::Result<HashMap<i64, Value>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let conversations = crate::conversations::repo::find_many(conn, account_id, ids).await?;
    let views: Vec<ConversationView> =
        crate::conversations::repo::views(conn, account_id, conversations).await?;
    let last = crate::messages::repo::last_chat_messages(conn, account_id, ids).await?;
    let last_views: HashMap<i64, MessageView> =
        crate::messages::repo::views(conn, account_id, last.into_values().collect())
            .await?
            .into_iter()
            .map(|v| (v.message.conversation_id.0, v))
            .collect();
    Ok(views
        .iter()
        .map(|view| {
            let id = view.conversation.id.0;
            (
                id,
                shapes::conversation_webhook(app, view, last_views.get(&id)),
            )
        })
        .collect())
}

/// The payloads of a batch of one account's events, with their `event` key, by event id. An
/// event whose subject was deleted has no payload.
pub async fn build_many(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    events: &[Event],
) -> anyhow::Result<HashMap<i64, Value>> {
    if events.is_empty() {
        return Ok(HashMap::new());
    }
    let name = sqlx::query_scalar!("select name from accounts where id = $1", account_id.0)
        .fetch_one(&mut *conn)
        .await?;
    let account = json!({ "id": account_id, "name": name });
    let mut conversation_ids: Vec<i64> = events.iter().filter_map(|e| e.conversation_id).collect();
    conversation_ids.sort_unstable();
    conversation_ids.dedup();
    let conversations = conversations_data(app, conn, account_id, &conversation_ids).await?;
    let inbox_names: HashMap<i64, String> = sqlx::query!(
        "select id, name from inboxes where account_id = $1",
        account_id.0
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, r.name))
    .collect();
    let message_ids: Vec<i64> = events.iter().filter_map(|e| e.message_id).collect();
    let messages = crate::messages::repo::find_many(conn, account_id, &message_ids).await?;
    let messages: HashMap<MessageId, MessageView> =
        crate::messages::repo::views(conn, account_id, messages)
            .await?
            .into_iter()
            .map(|v| (v.message.id, v))
            .collect();
    let contact_ids: Vec<i64> = events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ContactCreated | EventKind::ContactUpdated
            )
        })
        .filter_map(|e| e.contact_id)
        .collect();
    let contacts: HashMap<ContactId, crate::contacts::model::Contact> =
        crate::contacts::service::find_many(conn, account_id, &contact_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let mut out = HashMap::with_capacity(events.len());
    for event in events {
        let payload = match event.kind {
            EventKind::ConversationCreated
            | EventKind::ConversationUpdated
            | EventKind::ConversationStatusChanged => event
                .conversation_id
                .and_then(|c| conversations.get(&c).cloned())
                .map(|mut data| {
                    if event.kind != EventKind::ConversationCreated
                        && let Some(map) = data.as_object_mut()
                    {
                        map.insert(
                            "changed_attributes".into(),
                            event.changed_attributes.clone().unwrap_or(Value::Null),
                        );
                    }
                    data
                }),
            EventKind::MessageCreated | EventKind::MessageUpdated => {
                let message = event.message_id.and_then(|m| messages.get(&MessageId(m)));
                let conversation = event.conversation_id.and_then(|c| conversations.get(&c));
                match (message, conversation) {
                    (Some(message), Some(conversation)) => {
                        let inbox = inbox_names
                            .get(&message.message.inbox_id.0)
                            .map(String::as_str)
                            .unwrap_or_default();
                        Some(shapes::message_webhook(
                            app,
                            message,
                            conversation,
                            &account,
                            inbox,
                        ))
                    }
                    _ => None,
                }
            }
            EventKind::ContactCreated | EventKind::ContactUpdated => event
                .contact_id
                .and_then(|c| contacts.get(&ContactId(c)))
                .map(|contact| {
                    let mut data = shapes::contact_webhook(contact, &account);
                    if event.kind == EventKind::ContactUpdated
                        && let Some(map) = data.as_object_mut()
                    {
                        map.insert(
                            "changed_attributes".into(),
                            event.changed_attributes.clone().unwrap_or(Value::Null),
                        );
                    }
                    data
                }),
            _ => None,
        };
        if let Some(mut payload) = payload {
            if let Some(map) = payload.as_object_mut() {
                map.insert("event".into(), json!(event.kind));
            }
            out.insert(event.id, payload);
        }
    }
    Ok(out)
}
