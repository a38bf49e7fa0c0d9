//! SQL for messages and attachments.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::model::{Attachment, Message, MessageStatus, MessageType, MessageView, Sender};
use crate::accounts::model::Availability;
use crate::conversations::model::Conversation;
use crate::error::{Error, Result};
use crate::ids::{AccountId, AttachmentId, ConversationId, InboxId, MessageId, UserId};

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    account_id: i64,
    conversation_id: i64,
    inbox_id: i64,
    message_type: MessageType,
    content: Option<String>,
    content_type: String,
    content_attributes: Value,
    additional_attributes: Value,
    private: bool,
    status: MessageStatus,
    external_error: Option<String>,
    source_id: Option<String>,
    sender_type: Option<String>,
    sender_id: Option<i64>,
    performed_by: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Self {
        Message {
            id: MessageId(r.id),
            account_id: AccountId(r.account_id),
            conversation_id: ConversationId(r.conversation_id),
            inbox_id: InboxId(r.inbox_id),
            message_type: r.message_type,
            content: r.content,
            content_type: r.content_type,
            content_attributes: r.content_attributes,
            additional_attributes: r.additional_attributes,
            private: r.private,
            status: r.status,
            external_error: r.external_error,
            source_id: r.source_id,
            sender_type: r.sender_type,
            sender_id: r.sender_id,
            performed_by: r.performed_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "m.id, m.account_id, m.conversation_id, m.inbox_id, m.message_type, m.content, m.content_type, \
                       m.content_attributes, m.additional_attributes, m.private, m.status, m.external_error, \
                       m.source_id, m.sender_type, m.sender_id, m.performed_by, m.created_at, m.updated_at";

/// A message to insert.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The inbox.
    pub inbox_id: InboxId,
    /// Direction.
    pub message_type: MessageType,
    /// Text.
    pub content: Option<String>,
    /// Content type.
    pub content_type: String,
    /// Structured attributes.
    pub content_attributes: Value,
    /// Private note.
    pub private: bool,
    /// Channel id.
    pub source_id: Option<String>,
    /// `User` | `Contact`.
    pub sender_type: Option<&'static str>,
    /// Sender id.
    pub sender_id: Option<i64>,
    /// Automation or campaign that produced it.
    pub performed_by: Option<Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Inserts a message. With a `source_id` already used in the inbox, inserts nothing and
/// returns `None` (the channel sent it twice).
pub async fn insert(
    conn: &mut PgConnection,
    account_id: AccountId,
    m: &NewMessage,
) -> Result<Option<Message>> {
    let row: Option<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into messages as m (account_id, conversation_id, inbox_id, message_type, content, content_type,
                                 content_attributes, private, source_id, sender_type, sender_id, performed_by,
                                 created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
         on conflict (inbox_id, source_id) do nothing
         returning {COLUMNS}"
    )))
    .bind(account_id.0)
    .bind(m.conversation_id.0)
    .bind(m.inbox_id.0)
    .bind(m.message_type)
    .bind(&m.content)
    .bind(&m.content_type)
    .bind(&m.content_attributes)
    .bind(m.private)
    .bind(&m.source_id)
    .bind(m.sender_type)
    .bind(m.sender_id)
    .bind(&m.performed_by)
    .bind(m.created_at)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Message::from))
}

/// The message of an inbox with this source id.
pub async fn find_by_source_id(
    conn: &mut PgConnection,
    account_id: AccountId,
    inbox: InboxId,
    source_id: &str,
) -> Result<Option<Message>> {
    let row: Option<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from messages m where m.account_id = $1 and m.inbox_id = $2 and m.source_id = $3"
    )))
    .bind(account_id.0)
    .bind(inbox.0)
    .bind(source_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Message::from))
}

/// One message of a conversation.
pub async fn find(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversation: ConversationId,
    id: MessageId,
) -> Result<Message> {
    let row: MessageRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from messages m where m.account_id = $1 and m.conversation_id = $2 and m.id = $3"
    )))
    .bind(account_id.0)
    .bind(conversation.0)
    .bind(id.0)
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(row.into())
}

/// Inserts a message and, in the same statement, writes what it changes on its (locked)
/// conversation — status, snooze, clocks, last activity — and, for an incoming message, the
/// contact's last activity. With a `source_id` already used in the inbox, writes nothing and
/// returns `None`.
pub async fn insert_with_effects(
    conn: &mut PgConnection,
    c: &Conversation,
    m: &NewMessage,
    incoming: bool,
    now: DateTime<Utc>,
) -> Result<Option<Message>> {
    let row: Option<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "with m as (
             insert into messages as m (account_id, conversation_id, inbox_id, message_type, content, content_type,
                                        content_attributes, private, source_id, sender_type, sender_id, performed_by,
                                        created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
             on conflict (inbox_id, source_id) do nothing
             returning {COLUMNS}
         ), conversation as (
             update conversations set status = $14, snoozed_until = $15, waiting_since = $16,
                 first_reply_created_at = $17, last_activity_at = $18, updated_at = $13
             where account_id = $1 and id = $2 and exists (select 1 from m)
         ), contact as (
             update contacts set last_activity_at = $13
             where account_id = $1 and id = $19 and $20 and exists (select 1 from m)
         )
         select * from m"
    )))
    .bind(c.account_id.0)
    .bind(m.conversation_id.0)
    .bind(m.inbox_id.0)
    .bind(m.message_type)
    .bind(&m.content)
    .bind(&m.content_type)
    .bind(&m.content_attributes)
    .bind(m.private)
    .bind(&m.source_id)
    .bind(m.sender_type)
    .bind(m.sender_id)
    .bind(&m.performed_by)
    .bind(now)
    .bind(c.status)
    .bind(c.snoozed_until)
    .bind(c.waiting_since)
    .bind(c.first_reply_created_at)
    .bind(c.last_activity_at)
    .bind(c.contact_id.0)
    .bind(incoming)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Message::from))
}

/// Inserts the stored files of a new message, in one statement; returns them as attachments.
pub async fn insert_attachments(
    conn: &mut PgConnection,
    account_id: AccountId,
    message: MessageId,
    files: &[crate::storage::Stored],
) -> Result<Vec<Attachment>> {
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let id = sqlx::query_scalar!(
            "insert into attachments (account_id, message_id, file_type, content_type, filename, byte_size, storage_key, width, height)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
            account_id.0,
            message.0,
            file.file_type,
            file.content_type,
            file.filename,
            file.byte_size,
            file.key,
            file.dimensions.map(|d| d.0),
            file.dimensions.map(|d| d.1)
        )
        .fetch_one(&mut *conn)
        .await?;
        out.push(Attachment {
            id: AttachmentId(id),
            message_id: message,
            account_id,
            file_type: file.file_type.clone(),
            content_type: Some(file.content_type.clone()),
            filename: Some(file.filename.clone()),
            byte_size: file.byte_size,
            storage_key: Some(file.key.clone()),
            external_url: None,
            width: file.dimensions.map(|d| d.0),
            height: file.dimensions.map(|d| d.1),
        });
    }
    Ok(out)
}

/// A message by id, in any conversation of the account.
pub async fn find_any(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: MessageId,
) -> Result<Message> {
    let row: MessageRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from messages m where m.account_id = $1 and m.id = $2"
    )))
    .bind(account_id.0)
    .bind(id.0)
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(row.into())
}

/// A page of a conversation's messages, oldest first: the latest 20 by default, 20 before
/// `before`, up to 100 after `after`, or those between both (at most 1,000).
pub async fn list(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversation: ConversationId,
    before: Option<i64>,
    after: Option<i64>,
    include_private: bool,
) -> Result<Vec<Message>> {
    let (limit, newest_first) = match (before, after) {
        (Some(_), Some(_)) => (1000, false),
        (None, Some(_)) => (100, false),
        _ => (20, true),
    };
    let order = if newest_first { "desc" } else { "asc" };
    let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from messages m
         where m.account_id = $1 and m.conversation_id = $2
           and ($3::bigint is null or m.id < $3) and ($4::bigint is null or m.id > $4)
           and ($5 or not m.private)
         order by m.id {order} limit $6"
    )))
    .bind(account_id.0)
    .bind(conversation.0)
    .bind(before)
    .bind(after)
    .bind(include_private)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let mut messages: Vec<Message> = rows.into_iter().map(Message::from).collect();
    if newest_first {
        messages.reverse();
    }
    Ok(messages)
}

/// The end of a conversation as a list row shows it.
#[derive(Debug, Default)]
pub struct Tails {
    /// The last message of any kind, by conversation.
    pub last: HashMap<i64, Message>,
    /// The last message that is not an activity, by conversation.
    pub last_non_activity: HashMap<i64, Message>,
    /// Incoming messages after the agents last looked (capped at 10), by conversation.
    pub unread: HashMap<i64, i64>,
}

/// [`Tails`] of conversations (`(id, agent_last_seen_at)`), in two queries: one backward step on
/// each conversation's index per part, however long the conversation, then the messages.
pub async fn tails(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversations: &[(i64, Option<DateTime<Utc>>)],
) -> Result<Tails> {
    let ids: Vec<i64> = conversations.iter().map(|c| c.0).collect();
    let seen: Vec<Option<DateTime<Utc>>> = conversations.iter().map(|c| c.1).collect();
    let rows = sqlx::query!(
        r#"select c.id as "id!", a.id as "last?", n.id as "chat?", u.unread as "unread!"
           from unnest($2::int8[], $3::timestamptz[]) as c(id, seen)
           left join lateral (select m.id from messages m where m.account_id = $1 and m.conversation_id = c.id
                              order by m.id desc limit 1) a on true
           left join lateral (select m.id from messages m where m.account_id = $1 and m.conversation_id = c.id
                                and m.message_type <> 'activity' order by m.id desc limit 1) n on true
           cross join lateral (select count(*) as unread from (
                                   select 1 from messages m where m.account_id = $1 and m.conversation_id = c.id
                                     and m.message_type = 'incoming' and (c.seen is null or m.created_at > c.seen)
                                   limit 10) r) u"#,
        account_id.0,
        &ids,
        &seen as &[Option<DateTime<Utc>>]
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut wanted: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.last, r.chat])
        .flatten()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let messages: HashMap<i64, Message> = find_many(conn, account_id, &wanted)
        .await?
        .into_iter()
        .map(|m| (m.id.0, m))
        .collect();
    let mut tails = Tails::default();
    for r in rows {
        if let Some(m) = r.last.and_then(|id| messages.get(&id)) {
            tails.last.insert(r.id, m.clone());
        }
        if let Some(m) = r.chat.and_then(|id| messages.get(&id)) {
            tails.last_non_activity.insert(r.id, m.clone());
        }
        tails.unread.insert(r.id, r.unread);
    }
    Ok(tails)
}

/// For each conversation, its last chat message (neither an activity nor a private note).
pub async fn last_chat_messages(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversations: &[i64],
) -> Result<HashMap<i64, Message>> {
    last_of_each(
        conn,
        account_id,
        conversations,
        "m.message_type <> 'activity' and not m.private",
    )
    .await
}

/// The newest message matching `condition` (trusted SQL) in each conversation.
async fn last_of_each(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversations: &[i64],
    condition: &'static str,
) -> Result<HashMap<i64, Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from unnest($2::int8[]) as c(id)
         cross join lateral (select * from messages m
                             where m.account_id = $1 and m.conversation_id = c.id and {condition}
                             order by m.id desc limit 1) m"
    )))
    .bind(account_id.0)
    .bind(conversations)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.conversation_id, Message::from(r)))
        .collect())
}

/// Messages by id, in any conversation of the account (in no particular order).
pub async fn find_many(
    conn: &mut PgConnection,
    account_id: AccountId,
    ids: &[i64],
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from unnest($2::int8[]) as k(id)
         cross join lateral (select * from messages m where m.account_id = $1 and m.id = k.id) m"
    )))
    .bind(account_id.0)
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Message::from).collect())
}

/// Inserts an attachment row.
#[allow(clippy::too_many_arguments)]
pub async fn insert_attachment(
    conn: &mut PgConnection,
    account_id: AccountId,
    message: MessageId,
    file_type: &str,
    content_type: &str,
    filename: &str,
    byte_size: i64,
    storage_key: &str,
    dimensions: Option<(i32, i32)>,
) -> Result<()> {
    sqlx::query!(
        "insert into attachments (account_id, message_id, file_type, content_type, filename, byte_size, storage_key, width, height)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        account_id.0,
        message.0,
        file_type,
        content_type,
        filename,
        byte_size,
        storage_key,
        dimensions.map(|d| d.0),
        dimensions.map(|d| d.1)
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One attachment (for serving its file).
pub async fn find_attachment(conn: &mut PgConnection, id: AttachmentId) -> Result<Attachment> {
    let r = sqlx::query!(
        "select id, message_id, account_id, file_type, content_type, filename, byte_size, storage_key, external_url, width, height
         from attachments where id = $1",
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(Attachment {
        id: AttachmentId(r.id),
        message_id: MessageId(r.message_id),
        account_id: AccountId(r.account_id),
        file_type: r.file_type,
        content_type: r.content_type,
        filename: r.filename,
        byte_size: r.byte_size,
        storage_key: r.storage_key,
        external_url: r.external_url,
        width: r.width,
        height: r.height,
    })
}

/// Attaches senders, attachments and display ids to messages, in a few batched queries.
pub async fn views(
    conn: &mut PgConnection,
    account_id: AccountId,
    messages: Vec<Message>,
) -> Result<Vec<MessageView>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = messages.iter().map(|m| m.id.0).collect();
    let attachments = attachments_of(conn, account_id, &ids).await?;
    let conversation_ids: Vec<i64> = messages.iter().map(|m| m.conversation_id.0).collect();
    let display_ids: HashMap<i64, i64> = sqlx::query!(
        "select c.id as \"id!\", c.display_id as \"display_id!\" from unnest($2::int8[]) as k(id)
         cross join lateral (select id, display_id from conversations where account_id = $1 and id = k.id) c",
        account_id.0,
        &conversation_ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, r.display_id))
    .collect();
    let users = user_senders(conn, account_id, &messages).await?;
    let contact_ids: Vec<i64> = messages
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("Contact"))
        .filter_map(|m| m.sender_id)
        .collect();
    let contacts: HashMap<i64, Sender> =
        crate::contacts::service::find_many(conn, account_id, &contact_ids)
            .await?
            .into_iter()
            .map(|c| (c.id.0, Sender::Contact(Box::new(c))))
            .collect();
    Ok(assemble(
        messages,
        attachments,
        &users,
        &contacts,
        &display_ids,
    ))
}

/// The attachments of messages, by message.
pub async fn attachments_of(
    conn: &mut PgConnection,
    account_id: AccountId,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<Attachment>>> {
    let rows = sqlx::query!(
        "select id, message_id, account_id, file_type, content_type, filename, byte_size, storage_key, external_url, width, height
         from attachments where account_id = $1 and message_id = any($2) order by id",
        account_id.0,
        message_ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: HashMap<i64, Vec<Attachment>> = HashMap::new();
    for a in rows {
        out.entry(a.message_id).or_default().push(Attachment {
            id: AttachmentId(a.id),
            message_id: MessageId(a.message_id),
            account_id: AccountId(a.account_id),
            file_type: a.file_type,
            content_type: a.content_type,
            filename: a.filename,
            byte_size: a.byte_size,
            storage_key: a.storage_key,
            external_url: a.external_url,
            width: a.width,
            height: a.height,
        });
    }
    Ok(out)
}

/// The agents who sent some of `messages`, as senders.
async fn user_senders(
    conn: &mut PgConnection,
    account_id: AccountId,
    messages: &[Message],
) -> Result<HashMap<i64, Sender>> {
    let user_ids: Vec<i64> = messages
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("User"))
        .filter_map(|m| m.sender_id)
        .collect();
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(sqlx::query!(
        r#"select u.id, u.name, u.display_name, u.email,
                  coalesce(au.availability, 'offline') as "availability!: Availability"
           from users u left join account_users au on au.user_id = u.id and au.account_id = $1
           where u.id = any($2)"#,
        account_id.0,
        &user_ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        let available_name = r
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| r.name.clone());
        (
            r.id,
            Sender::User {
                id: UserId(r.id),
                name: r.name,
                available_name,
                email: r.email,
                availability: r.availability,
            },
        )
    })
    .collect())
}

/// Message views from what was already read: attachments by message, senders by id (users and
/// contacts), display ids by conversation.
pub fn assemble(
    messages: Vec<Message>,
    attachments: HashMap<i64, Vec<Attachment>>,
    users: &HashMap<i64, Sender>,
    contacts: &HashMap<i64, Sender>,
    display_ids: &HashMap<i64, i64>,
) -> Vec<MessageView> {
    messages
        .into_iter()
        .map(|message| {
            let sender = match (message.sender_type.as_deref(), message.sender_id) {
                (Some("User"), Some(id)) => users.get(&id).cloned(),
                (Some("Contact"), Some(id)) => contacts.get(&id).cloned(),
                _ => None,
            };
            let conversation_display_id = display_ids
                .get(&message.conversation_id.0)
                .copied()
                .unwrap_or_default();
            MessageView {
                attachments: attachments.get(&message.id.0).cloned().unwrap_or_default(),
                message,
                sender,
                conversation_display_id,
                echo_id: None,
            }
        })
        .collect()
}
