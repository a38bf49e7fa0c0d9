//! Builds a delivery's Chatwoot payload from the current state of the event's subject.

use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::events::{Event, EventKind};
use crate::ids::{AccountId, ContactId, ConversationId, MessageId};
use crate::messages::model::MessageView;
use crate::shapes;
use crate::state::AppState;

async fn account_json(conn: &mut PgConnection, event: &Event) -> anyhow::Result<Value> {
    let name = sqlx::query_scalar!(
        "select name from accounts where id = $1",
        event.account_id.0
    )
    .fetch_one(conn)
    .await?;
    Ok(json!({ "id": event.account_id, "name": name }))
}

async fn last_chat_message(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversation: i64,
) -> anyhow::Result<Option<MessageView>> {
    let id = sqlx::query_scalar!(
        "select id from messages where account_id = $1 and conversation_id = $2 and message_type <> 'activity' and not private
         order by id desc limit 1",
        account_id.0,
        conversation
    )
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => {
            let message = crate::messages::repo::find_any(conn, account_id, MessageId(id)).await?;
            Ok(
                crate::messages::repo::views(conn, account_id, vec![message])
                    .await?
                    .pop(),
            )
        }
        None => Ok(None),
    }
}

/// The conversation's `webhook_data` (database id `conversation`), or `None` when it no longer
/// exists.
pub async fn conversation_webhook_data(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    conversation: i64,
) -> anyhow::Result<Option<Value>> {
    let Ok(c) =
        crate::conversations::repo::find_by_id(conn, account_id, ConversationId(conversation))
            .await
    else {
        return Ok(None);
    };
    let view = crate::conversations::service::view(conn, account_id, c).await?;
    let last = last_chat_message(conn, account_id, conversation).await?;
    Ok(Some(shapes::conversation_webhook(
        app,
        &view,
        last.as_ref(),
    )))
}

async fn conversation_data(
    app: &AppState,
    conn: &mut PgConnection,
    event: &Event,
    conversation: i64,
) -> anyhow::Result<Option<Value>> {
    conversation_webhook_data(app, conn, event.account_id, conversation).await
}

/// The payload of `event`, with its `event` key; `None` when its subject was deleted.
pub async fn build(
    app: &AppState,
    conn: &mut PgConnection,
    event: &Event,
) -> anyhow::Result<Option<Value>> {
    let account = account_json(conn, event).await?;
    let mut payload = match event.kind {
        EventKind::ConversationCreated
        | EventKind::ConversationUpdated
        | EventKind::ConversationStatusChanged => {
            let Some(conversation) = event.conversation_id else {
                return Ok(None);
            };
            let Some(mut data) = conversation_data(app, conn, event, conversation).await? else {
                return Ok(None);
            };
            if event.kind != EventKind::ConversationCreated
                && let Some(map) = data.as_object_mut()
            {
                map.insert(
                    "changed_attributes".into(),
                    event.changed_attributes.clone().unwrap_or(Value::Null),
                );
            }
            data
        }
        EventKind::MessageCreated | EventKind::MessageUpdated => {
            let (Some(message), Some(conversation)) = (event.message_id, event.conversation_id)
            else {
                return Ok(None);
            };
            let Ok(message) =
                crate::messages::repo::find_any(conn, event.account_id, MessageId(message)).await
            else {
                return Ok(None);
            };
            let Some(view) = crate::messages::repo::views(conn, event.account_id, vec![message])
                .await?
                .pop()
            else {
                return Ok(None);
            };
            let Some(conversation_json) = conversation_data(app, conn, event, conversation).await?
            else {
                return Ok(None);
            };
            let inbox_name = sqlx::query_scalar!(
                "select name from inboxes where id = $1",
                view.message.inbox_id.0
            )
            .fetch_one(&mut *conn)
            .await?;
            shapes::message_webhook(app, &view, &conversation_json, &account, &inbox_name)
        }
        EventKind::ContactCreated | EventKind::ContactUpdated => {
            let Some(contact) = event.contact_id else {
                return Ok(None);
            };
            let Ok(contact) =
                crate::contacts::service::find(conn, event.account_id, ContactId(contact)).await
            else {
                return Ok(None);
            };
            let mut data = shapes::contact_webhook(&contact, &account);
            if event.kind == EventKind::ContactUpdated
                && let Some(map) = data.as_object_mut()
            {
                map.insert(
                    "changed_attributes".into(),
                    event.changed_attributes.clone().unwrap_or(Value::Null),
                );
            }
            data
        }
        _ => return Ok(None),
    };
    if let Some(map) = payload.as_object_mut() {
        map.insert("event".into(), json!(event.kind));
    }
    Ok(Some(payload))
}
