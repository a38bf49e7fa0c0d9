//! Message use cases: listing a conversation's messages, creating them (from agents, the API,
//! the channel, automation), delivery status updates and soft deletion, and the activity
//! messages every change leaves in the thread.
//!
//! A new message moves the conversation's clocks as Chatwoot does (`chatwoot-features.md`
//! §1.3): an incoming message sets `waiting_since` if it is blank and reopens a resolved or
//! snoozed conversation (unless the contact is blocked); a human, public, outgoing reply clears
//! `waiting_since` and sets `first_reply_created_at` once. Automation and campaign messages are
//! not human replies and move neither clock.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::model::{
    Attachment, ContentType, Message, MessageStatus, MessageType, MessageView, Sender,
};
use super::repo::{self, NewMessage};
use super::variables;
use crate::auth::context::Actor;
use crate::contacts::model::Contact;
use crate::conversations::model::{Conversation, Status};
use crate::conversations::repo::find_visible;
use crate::conversations::service as conversations;
use crate::error::{Error, FieldErrors, Result};
use crate::events::{self, Changes, EventKind, NewEvent};
use crate::ids::MessageId;
use crate::inboxes::model::ChannelType;
use crate::state::AppState;
use crate::storage::{self, Upload};

/// Most attachments per message (Chatwoot's limit).
pub const MAX_ATTACHMENTS: usize = 15;

/// Input of a new message.
#[derive(Clone, Debug)]
pub struct MessageInput {
    /// Text.
    pub content: Option<String>,
    /// Direction; outgoing by default.
    pub message_type: MessageType,
    /// A private note.
    pub private: bool,
    /// Content type (`text` by default).
    pub content_type: Option<String>,
    /// Structured attributes (`in_reply_to`, ...).
    pub content_attributes: Value,
    /// The channel's id of the message; a repeat is not stored twice.
    pub source_id: Option<String>,
    /// Echoed back to the client that sent it.
    pub echo_id: Option<String>,
    /// Files.
    pub attachments: Vec<Upload>,
}

impl Default for MessageInput {
    fn default() -> Self {
        MessageInput {
            content: None,
            message_type: MessageType::Outgoing,
            private: false,
            content_type: None,
            content_attributes: json!({}),
            source_id: None,
            echo_id: None,
            attachments: Vec::new(),
        }
    }
}

/// The messages of a conversation the actor may see (`before`/`after` cursors).
pub async fn list(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    before: Option<i64>,
    after: Option<i64>,
    include_private: bool,
) -> Result<(Conversation, Vec<MessageView>)> {
    let mut conn = app.db.acquire().await?;
    let c = find_visible(&mut conn, actor, display_id, false).await?;
    let messages = repo::list(
        &mut conn,
        actor.account_id(),
        c.id,
        before,
        after,
        include_private,
    )
    .await?;
    let views = repo::views(&mut conn, actor.account_id(), messages).await?;
    Ok((c, views))
}

/// Creates a message in a conversation the actor may see. A repeated `source_id` returns the
/// message stored the first time.
///
/// The common case is five round trips: begin; the conversation locked with its channel and
/// contact; the message, the conversation's clocks and the contact's activity written in one
/// statement; the events (with their dispatch and notifications) in one statement; commit. The
/// answer is built from what was written, not read back.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn create(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    input: MessageInput,
) -> Result<MessageView> {
    let now = app.clock.now();
    let echo_id = input.echo_id.clone();
    let mut tx = app.db.begin().await?;
    let (c, channel, contact) =
        crate::conversations::repo::lock_for_message(&mut tx, actor, display_id).await?;
    let mut view = write(app, &mut tx, actor, c, channel, contact, input, now).await?;
    tx.commit().await?;
    view.echo_id = echo_id;
    Ok(view)
}

/// The longest message text accepted, in bytes (Chatwoot's limit).
pub const MAX_CONTENT: usize = 150_000;

fn validate(input: &MessageInput, channel: ChannelType) -> Result<()> {
    let mut errors = FieldErrors::new();
    if input.message_type == MessageType::Incoming && channel != ChannelType::Api {
        return Err(Error::BadRequest(
            "Incoming messages are only allowed in Api inboxes".into(),
        ));
    }
    if input.message_type == MessageType::Activity {
        errors.add("message_type", "can't be activity");
    }
    let blank = input.content.as_deref().is_none_or(|c| c.trim().is_empty());
    if blank && input.attachments.is_empty() {
        errors.add("content", "can't be blank");
    }
    if input
        .content
        .as_deref()
        .is_some_and(|c| c.len() > MAX_CONTENT)
    {
        errors.add(
            "content",
            format!("is too long (maximum is {MAX_CONTENT} characters)"),
        );
    }
    if let Some(kind) = &input.content_type
        && ContentType::parse(kind).is_none()
    {
        errors.add(
            "content_type",
            format!("is not one of: {}", ContentType::allowed()),
        );
    }
    if !input.content_attributes.is_object() {
        errors.add("content_attributes", "must be an object");
    }
    if input.attachments.len() > MAX_ATTACHMENTS {
        errors.add(
            "attachments",
            format!("exceeded maximum allowed ({MAX_ATTACHMENTS})"),
        );
    }
    errors.into_result()
}

/// Creates a message inside the caller's transaction, on a conversation the caller locked, and
/// applies its effects on the conversation. Returns the message id (the existing one for a
/// repeated `source_id`).
pub async fn create_in(
    app: &AppState,
    tx: &mut PgConnection,
    actor: &Actor,
    c: Conversation,
    input: MessageInput,
    now: DateTime<Utc>,
) -> Result<MessageId> {
    let (channel, contact) = crate::conversations::repo::message_context(&mut *tx, &c).await?;
    Ok(write(app, tx, actor, c, channel, contact, input, now)
        .await?
        .message
        .id)
}

/// Writes a message on a locked conversation and moves the conversation's clocks and status;
/// returns its view.
#[expect(clippy::too_many_arguments, reason = "the parts of one locked write")]
async fn write(
    app: &AppState,
    tx: &mut PgConnection,
    actor: &Actor,
    mut c: Conversation,
    channel: ChannelType,
    mut contact: Contact,
    input: MessageInput,
    now: DateTime<Utc>,
) -> Result<MessageView> {
    validate(&input, channel)?;
    let source_id = input
        .source_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    // Files are only stored for a message that is new.
    if let Some(source) = &source_id
        && !input.attachments.is_empty()
        && let Some(existing) =
            repo::find_by_source_id(tx, c.account_id, c.inbox_id, source).await?
    {
        return existing_view(tx, repeated(existing, &c)?).await;
    }
    let incoming = input.message_type == MessageType::Incoming;
    // What agents, the API, macros and automations send is rendered once, here; what customers
    // write never is.
    let mut input = input;
    if !incoming && let Some(content) = input.content.as_deref().filter(|t| t.contains("{{")) {
        let sender = actor.user_id().or(c.assignee_id);
        let values = variables::values_for(tx, &c, sender).await?;
        input.content = Some(crate::variables::render(content, &values).text);
    }
    let (sender_type, sender_id) = if incoming {
        (Some("Contact"), Some(c.contact_id.0))
    } else {
        (
            actor.user_id().map(|_| "User"),
            actor.user_id().map(|u| u.0),
        )
    };
    let performed_by = match actor {
        Actor::Automation { .. } => Some(actor.performed_by()),
        _ => None,
    };
    let new = NewMessage {
        conversation_id: c.id,
        inbox_id: c.inbox_id,
        message_type: input.message_type,
        content: input.content.filter(|t| !t.is_empty()),
        content_type: input.content_type.unwrap_or_else(|| "text".into()),
        content_attributes: input.content_attributes,
        private: input.private && !incoming,
        source_id,
        sender_type,
        sender_id,
        performed_by,
        created_at: now,
    };

    // The conversation's clocks and status.
    let previous_status = c.status;
    let mut changes = Changes::new();
    let mut activities = Vec::new();
    if incoming {
        if c.waiting_since.is_none() {
            changes.track("waiting_since", c.waiting_since, Some(now));
            c.waiting_since = Some(now);
        }
        if matches!(c.status, Status::Resolved | Status::Snoozed) && !contact.blocked {
            let reopened_from = c.status;
            conversations::set_status(&mut c, Status::Open, None, &mut changes);
            // The incoming message itself started the wait again.
            c.waiting_since = Some(now);
            let key = if reopened_from == Status::Snoozed {
                "activity-reopened-snoozed-by-contact"
            } else {
                "activity-reopened-by-contact"
            };
            activities.push(actor.locale().t1(key, "name", contact.name.clone()));
        }
        contact.last_activity_at = Some(now);
    } else if !new.private
        && actor.is_human()
        && matches!(
            new.message_type,
            MessageType::Outgoing | MessageType::Template
        )
    {
        if c.first_reply_created_at.is_none() {
            changes.track(
                "first_reply_created_at",
                c.first_reply_created_at,
                Some(now),
            );
            c.first_reply_created_at = Some(now);
        }
        if c.waiting_since.is_some() {
            changes.track(
                "waiting_since",
                c.waiting_since,
                Option::<DateTime<Utc>>::None,
            );
            c.waiting_since = None;
        }
    }
    c.last_activity_at = now;

    let stored = storage::store_all(tx, app, c.account_id, &input.attachments).await?;
    let (message, attachments) = match insert(app, tx, &c, &new, incoming, now, &stored).await {
        Ok(Some(inserted)) => inserted,
        // A repeated source id (or a concurrent request that stored it first): nothing changes.
        Ok(None) => {
            storage::discard(app, &stored).await;
            let source = new.source_id.as_deref().unwrap_or_default();
            let existing = repo::find_by_source_id(tx, c.account_id, c.inbox_id, source)
                .await?
                .ok_or(Error::NotFound)?;
            return existing_view(tx, repeated(existing, &c)?).await;
        }
        Err(e) => {
            storage::discard(app, &stored).await;
            return Err(e);
        }
    };
    let created = NewEvent::new(EventKind::MessageCreated)
        .conversation(c.id.0, c.inbox_id.0, c.contact_id.0)
        .message(message.id.0);
    let mut follow = conversations::change_events(&c, &changes);
    if activities.is_empty() {
        follow.insert(0, created);
        events::record(tx, c.account_id, actor, now, &follow).await?;
    } else {
        events::record(tx, c.account_id, actor, now, &[created]).await?;
        for text in activities {
            add_activity(tx, actor, &c, text, now).await?;
        }
        events::record(tx, c.account_id, actor, now, &follow).await?;
    }
    if previous_status == Status::Snoozed || c.status == Status::Snoozed {
        conversations::schedule_snooze(tx, &c, now).await?;
    }
    let sender = match (incoming, actor) {
        (true, _) => Some(Sender::Contact(Box::new(contact))),
        (false, Actor::Member(ctx)) => Some(Sender::User {
            id: ctx.user.id,
            name: ctx.user.name.clone(),
            available_name: ctx.user.available_name().to_owned(),
            email: ctx.user.email.clone(),
            availability: ctx.availability,
        }),
        (false, _) => None,
    };
    Ok(MessageView {
        message,
        attachments,
        sender,
        conversation_display_id: c.display_id,
        echo_id: None,
    })
}

/// Inserts the message with its effects and its files' rows, within the account's quota;
/// `None` for a repeated source id.
async fn insert(
    app: &AppState,
    tx: &mut PgConnection,
    c: &Conversation,
    new: &NewMessage,
    incoming: bool,
    now: DateTime<Utc>,
    stored: &[storage::Stored],
) -> Result<Option<(Message, Vec<Attachment>)>> {
    let Some(message) = repo::insert_with_effects(tx, c, new, incoming, now).await? else {
        return Ok(None);
    };
    let attachments = repo::insert_attachments(tx, c.account_id, message.id, stored).await?;
    if !stored.is_empty() {
        storage::check_quota(tx, app, c.account_id).await?;
    }
    Ok(Some((message, attachments)))
}

/// The view of a message stored earlier (a repeated `source_id`).
/// The message stored the first time a `source_id` came, when it came for this conversation
/// (a client repeating itself). In another conversation of the inbox it is a 422: the caller
/// may not see that conversation, and the message is not theirs to read.
fn repeated(existing: Message, c: &Conversation) -> Result<Message> {
    if existing.conversation_id == c.id {
        Ok(existing)
    } else {
        Err(Error::invalid(
            "source_id",
            "has already been taken by a message of another conversation",
        ))
    }
}

async fn existing_view(tx: &mut PgConnection, message: Message) -> Result<MessageView> {
    let account_id = message.account_id;
    repo::views(tx, account_id, vec![message])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Adds an activity message ("Conversation resolved by Ana") to the thread.
pub async fn add_activity(
    tx: &mut PgConnection,
    actor: &Actor,
    c: &Conversation,
    content: String,
    now: DateTime<Utc>,
) -> Result<()> {
    let new = NewMessage {
        conversation_id: c.id,
        inbox_id: c.inbox_id,
        message_type: MessageType::Activity,
        content: Some(content),
        content_type: "text".into(),
        content_attributes: json!({}),
        private: false,
        source_id: None,
        sender_type: None,
        sender_id: None,
        performed_by: None,
        created_at: now,
    };
    if let Some(message) = repo::insert(tx, c.account_id, &new).await? {
        let event = NewEvent::new(EventKind::MessageCreated)
            .conversation(c.id.0, c.inbox_id.0, c.contact_id.0)
            .message(message.id.0);
        events::record(tx, c.account_id, actor, now, &[event]).await?;
    }
    Ok(())
}

/// `PATCH messages/{id}`: the channel reports delivery (API inboxes only).
pub async fn update_status(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    id: MessageId,
    status: MessageStatus,
    external_error: Option<String>,
) -> Result<MessageView> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let c = conversations::lock(&mut tx, actor, display_id).await?;
    let channel = sqlx::query_scalar!(
        r#"select channel_type as "channel_type: ChannelType" from inboxes where account_id = $1 and id = $2"#,
        c.account_id.0,
        c.inbox_id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if channel != ChannelType::Api {
        return Err(Error::Conflict(
            "Message status update is only allowed for API inboxes".into(),
        ));
    }
    let message = repo::find(&mut tx, c.account_id, c.id, id).await?;
    sqlx::query!(
        "update messages set status = $3, external_error = $4, updated_at = $5 where account_id = $1 and id = $2",
        c.account_id.0,
        message.id.0,
        status as MessageStatus,
        external_error,
        now
    )
    .execute(&mut *tx)
    .await?;
    let event = NewEvent::new(EventKind::MessageUpdated)
        .conversation(c.id.0, c.inbox_id.0, c.contact_id.0)
        .message(id.0);
    events::record(&mut tx, c.account_id, actor, now, &[event]).await?;
    let message = repo::find(&mut tx, c.account_id, c.id, id).await?;
    let view = repo::views(&mut tx, c.account_id, vec![message])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(view)
}

/// `DELETE messages/{id}`: a soft delete. The text becomes "This message was deleted" (in the
/// account's language), `content_attributes.deleted` is set, attachments go (their files are
/// removed from disk once this commits), and
/// `message_updated` tells gateways to revoke it on the channel.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), message.id = %id))]
pub async fn delete(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    id: MessageId,
) -> Result<MessageView> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let c = conversations::lock(&mut tx, actor, display_id).await?;
    let message = repo::find(&mut tx, c.account_id, c.id, id).await?;
    if message.message_type == MessageType::Activity {
        return Err(Error::invalid(
            "message",
            "activity messages can't be deleted",
        ));
    }
    sqlx::query!(
        "delete from attachments where account_id = $1 and message_id = $2",
        c.account_id.0,
        id.0
    )
    .execute(&mut *tx)
    .await?;
    storage::schedule_removal(&mut tx, now, c.account_id).await?;
    let mut attributes = message.content_attributes.clone();
    if let Some(map) = attributes.as_object_mut() {
        map.insert("deleted".into(), json!(true));
    }
    sqlx::query!(
        "update messages set content = $3, content_type = 'text', content_attributes = $4, updated_at = $5
         where account_id = $1 and id = $2",
        c.account_id.0,
        id.0,
        actor.locale().t("message-deleted"),
        attributes,
        now
    )
    .execute(&mut *tx)
    .await?;
    let event = NewEvent::new(EventKind::MessageUpdated)
        .conversation(c.id.0, c.inbox_id.0, c.contact_id.0)
        .message(id.0);
    events::record(&mut tx, c.account_id, actor, now, &[event]).await?;
    let message = repo::find(&mut tx, c.account_id, c.id, id).await?;
    let view = repo::views(&mut tx, c.account_id, vec![message])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(view)
}
