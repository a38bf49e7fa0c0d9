//! Chatwoot's JSON shapes (`reference/chatwoot-api.md` §2–3): the REST views, the
//! `push_event_data` variants embedded in them. Timestamps follow Chatwoot's mixed encodings on
//! purpose: clients depend on them. The shapes of conversations, messages, contacts, agents and
//! teams are typed (`…Json`) and serialised straight to the response: a page of 25
//! conversations is about 75 KB of JSON, and building it as a tree of values cost more than
//! everything else in the request.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::accounts::agents::Agent;
use crate::accounts::model::{Availability, Role};
use crate::contacts::model::Contact;
use crate::contacts::service::ContactInbox;
use crate::conversations::model::{Priority, Status};
use crate::conversations::repo::{ConversationView, TeamInfo};
use crate::ids::{
    AccountId, AttachmentId, ContactId, CustomRoleId, InboxId, MessageId, TeamId, UserId,
};
use crate::inboxes::model::Inbox;
use crate::messages::model::{Attachment, MessageStatus, MessageView, Sender};
use crate::state::AppState;
use crate::storage;

/// A typed shape as a JSON value (for callers that still assemble values by hand).
pub fn value(shape: impl Serialize) -> Value {
    serde_json::to_value(shape).unwrap_or(Value::Null)
}

/// Unix seconds, 0 when absent (Chatwoot's `.to_i` on nil).
pub fn unix(t: Option<DateTime<Utc>>) -> i64 {
    t.map(|t| t.timestamp()).unwrap_or(0)
}

/// Unix seconds with the fraction (Chatwoot's `updated_at.to_f`).
pub fn unix_float(t: DateTime<Utc>) -> f64 {
    t.timestamp_micros() as f64 / 1_000_000.0
}

/// ISO 8601 UTC with milliseconds, as Rails renders times.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Chatwoot's agent JSON (`models/_agent`).
#[derive(Debug, Serialize)]
pub struct AgentJson<'a> {
    id: UserId,
    account_id: AccountId,
    availability_status: Availability,
    auto_offline: bool,
    confirmed: bool,
    email: &'a str,
    provider: &'static str,
    available_name: &'a str,
    name: &'a str,
    role: Role,
    thumbnail: &'static str,
    custom_role_id: Option<CustomRoleId>,
}

/// Chatwoot's agent JSON (`models/_agent`).
pub fn agent(agent: &Agent) -> AgentJson<'_> {
    AgentJson {
        id: agent.user_id,
        account_id: agent.account_id,
        availability_status: agent.availability,
        auto_offline: agent.auto_offline,
        confirmed: agent.confirmed,
        email: &agent.email,
        provider: "email",
        available_name: agent.available_name(),
        name: &agent.name,
        role: agent.role,
        thumbnail: "",
        custom_role_id: agent.custom_role_id,
    }
}

/// A user's `push_event_data`.
#[derive(Debug, Serialize)]
pub struct UserPushJson<'a> {
    id: UserId,
    name: &'a str,
    available_name: &'a str,
    avatar_url: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    availability_status: Availability,
    thumbnail: &'static str,
}

/// A user's `push_event_data`.
pub fn agent_push(agent: &Agent) -> UserPushJson<'_> {
    UserPushJson {
        id: agent.user_id,
        name: &agent.name,
        available_name: agent.available_name(),
        avatar_url: "",
        kind: "user",
        availability_status: agent.availability,
        thumbnail: "",
    }
}

/// Chatwoot's team JSON.
#[derive(Debug, Serialize)]
pub struct TeamJson<'a> {
    id: TeamId,
    name: &'a str,
    description: Option<&'a str>,
    allow_auto_assign: bool,
    account_id: i64,
    is_member: bool,
}

/// Chatwoot's team JSON.
pub fn team(team: &TeamInfo, account_id: i64, is_member: bool) -> TeamJson<'_> {
    TeamJson {
        id: team.id,
        name: &team.name,
        description: team.description.as_deref(),
        allow_auto_assign: team.allow_auto_assign,
        account_id,
        is_member,
    }
}

/// Chatwoot's inbox JSON (`models/_inbox`); the HMAC token only for administrators.
pub fn inbox(inbox: &Inbox, show_secrets: bool) -> Value {
    let api = inbox.api.as_ref();
    json!({
        "id": inbox.id,
        "avatar_url": "",
        "channel_id": inbox.channel_id(),
        "name": inbox.name,
        "channel_type": inbox.channel_type.chatwoot_name(),
        "greeting_enabled": inbox.greeting_enabled,
        "greeting_message": inbox.greeting_message,
        "working_hours_enabled": inbox.working_hours_enabled,
        "enable_email_collect": inbox.enable_email_collect,
        "csat_survey_enabled": inbox.csat_survey_enabled,
        "csat_config": {},
        "enable_auto_assignment": inbox.enable_auto_assignment,
        "auto_assignment_config": {},
        "out_of_office_message": inbox.out_of_office_message,
        "working_hours": inbox.working_hours,
        "timezone": inbox.timezone,
        "callback_webhook_url": null,
        "allow_messages_after_resolved": inbox.allow_messages_after_resolved,
        "lock_to_single_conversation": inbox.lock_to_single_conversation,
        "sender_name_type": inbox.sender_name_type,
        "business_name": inbox.business_name,
        "allowed_domains": null,
        "widget_color": null,
        "website_url": null,
        "hmac_mandatory": api.map(|a| a.hmac_mandatory),
        "welcome_title": null,
        "welcome_tagline": null,
        "web_widget_script": null,
        "website_token": null,
        "selected_feature_flags": null,
        "reply_time": null,
        "messaging_service_sid": null,
        "phone_number": null,
        "provider": null,
        "webhook_url": api.and_then(|a| a.webhook_url.clone()),
        "inbox_identifier": api.map(|a| a.identifier.clone()),
        "additional_attributes": api.map(|a| a.additional_attributes.clone()).unwrap_or(json!({})),
        "hmac_token": api.filter(|_| show_secrets).map(|a| a.hmac_token.clone()),
    })
}

/// `inbox_slim`.
#[derive(Debug, Serialize)]
pub struct InboxSlimJson<'a> {
    id: InboxId,
    avatar_url: &'static str,
    channel_id: i64,
    name: &'a str,
    channel_type: &'static str,
    provider: Option<()>,
}

/// `inbox_slim`, from a contact inbox.
pub fn inbox_slim(ci: &ContactInbox) -> InboxSlimJson<'_> {
    InboxSlimJson {
        id: ci.inbox_id,
        avatar_url: "",
        channel_id: ci.channel_id,
        name: &ci.inbox_name,
        channel_type: ci.channel_type.chatwoot_name(),
        provider: None,
    }
}

/// `inbox_slim`, from an inbox.
pub fn inbox_slim_of(inbox: &Inbox) -> InboxSlimJson<'_> {
    InboxSlimJson {
        id: inbox.id,
        avatar_url: "",
        channel_id: inbox.channel_id(),
        name: &inbox.name,
        channel_type: inbox.channel_type.chatwoot_name(),
        provider: None,
    }
}

/// One of a contact's inboxes, inside its JSON.
#[derive(Debug, Serialize)]
pub struct ContactInboxJson<'a> {
    source_id: &'a str,
    inbox: InboxSlimJson<'a>,
}

/// Chatwoot's contact JSON (`models/_contact`).
#[derive(Debug, Serialize)]
pub struct ContactJson<'a> {
    additional_attributes: &'a Value,
    availability_status: &'static str,
    email: Option<&'a str>,
    id: ContactId,
    name: &'a str,
    phone_number: Option<&'a str>,
    blocked: bool,
    identifier: Option<&'a str>,
    thumbnail: &'static str,
    custom_attributes: &'a Value,
    created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_activity_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_inboxes: Option<Vec<ContactInboxJson<'a>>>,
}

/// Chatwoot's contact JSON (`models/_contact`), with `contact_inboxes` when given.
pub fn contact<'a>(
    contact: &'a Contact,
    contact_inboxes: Option<&'a [ContactInbox]>,
) -> ContactJson<'a> {
    ContactJson {
        additional_attributes: &contact.additional_attributes,
        availability_status: "offline",
        email: contact.email.as_deref(),
        id: contact.id,
        name: &contact.name,
        phone_number: contact.phone_number.as_deref(),
        blocked: contact.blocked,
        identifier: contact.identifier.as_deref(),
        thumbnail: "",
        custom_attributes: &contact.custom_attributes,
        created_at: contact.created_at.timestamp(),
        last_activity_at: contact.last_activity_at.map(|t| t.timestamp()),
        contact_inboxes: contact_inboxes.map(|inboxes| {
            inboxes
                .iter()
                .filter(|ci| ci.contact_id == contact.id)
                .map(|ci| ContactInboxJson {
                    source_id: &ci.source_id,
                    inbox: inbox_slim(ci),
                })
                .collect()
        }),
    }
}

/// A contact's `push_event_data`.
#[derive(Debug, Serialize)]
pub struct ContactPushJson<'a> {
    additional_attributes: &'a Value,
    custom_attributes: &'a Value,
    email: Option<&'a str>,
    id: ContactId,
    identifier: Option<&'a str>,
    name: &'a str,
    phone_number: Option<&'a str>,
    thumbnail: &'static str,
    blocked: bool,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A contact's `push_event_data`.
pub fn contact_push(contact: &Contact) -> ContactPushJson<'_> {
    ContactPushJson {
        additional_attributes: &contact.additional_attributes,
        custom_attributes: &contact.custom_attributes,
        email: contact.email.as_deref(),
        id: contact.id,
        identifier: contact.identifier.as_deref(),
        name: &contact.name,
        phone_number: contact.phone_number.as_deref(),
        thumbnail: "",
        blocked: contact.blocked,
        kind: "contact",
    }
}

/// A message sender's `push_event_data`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum SenderPushJson<'a> {
    /// An agent.
    User(UserPushJson<'a>),
    /// The customer.
    Contact(ContactPushJson<'a>),
}

fn sender_push(sender: &Sender) -> SenderPushJson<'_> {
    match sender {
        Sender::User {
            id,
            name,
            available_name,
            availability,
            ..
        } => SenderPushJson::User(UserPushJson {
            id: *id,
            name,
            available_name,
            avatar_url: "",
            kind: "user",
            availability_status: *availability,
            thumbnail: "",
        }),
        Sender::Contact(contact) => SenderPushJson::Contact(contact_push(contact)),
    }
}

/// An attachment's JSON.
#[derive(Debug, Serialize)]
pub struct AttachmentJson<'a> {
    id: AttachmentId,
    message_id: MessageId,
    file_type: &'a str,
    account_id: AccountId,
    extension: Option<&'a str>,
    data_url: String,
    thumb_url: String,
    file_size: i64,
    width: Option<i32>,
    height: Option<i32>,
}

/// An attachment's JSON.
pub fn attachment<'a>(app: &AppState, a: &'a Attachment) -> AttachmentJson<'a> {
    let url = a
        .external_url
        .clone()
        .unwrap_or_else(|| storage::url(app, a.id, a.filename.as_deref()));
    AttachmentJson {
        id: a.id,
        message_id: a.message_id,
        file_type: &a.file_type,
        account_id: a.account_id,
        extension: a.extension(),
        thumb_url: if a.file_type == "image" {
            url.clone()
        } else {
            String::new()
        },
        data_url: url,
        file_size: a.byte_size,
        width: a.width,
        height: a.height,
    }
}

fn attachments<'a>(app: &AppState, view: &'a MessageView) -> Vec<AttachmentJson<'a>> {
    view.attachments
        .iter()
        .map(|a| attachment(app, a))
        .collect()
}

/// A message as the REST API returns it (`models/_message`): no `account_id`, no
/// `sender_type`, `message_type` as an integer, `created_at` in unix seconds.
#[derive(Debug, Serialize)]
pub struct MessageJson<'a> {
    id: MessageId,
    content: Option<&'a str>,
    inbox_id: InboxId,
    conversation_id: i64,
    message_type: i64,
    content_type: &'a str,
    status: MessageStatus,
    content_attributes: &'a Value,
    created_at: i64,
    private: bool,
    source_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    echo_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<SenderPushJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<AttachmentJson<'a>>,
}

/// A message as the REST API returns it.
pub fn message<'a>(app: &AppState, view: &'a MessageView) -> MessageJson<'a> {
    let m = &view.message;
    MessageJson {
        id: m.id,
        content: m.content.as_deref(),
        inbox_id: m.inbox_id,
        conversation_id: view.conversation_display_id,
        message_type: m.message_type.as_int(),
        content_type: &m.content_type,
        status: m.status,
        content_attributes: &m.content_attributes,
        created_at: m.created_at.timestamp(),
        private: m.private,
        source_id: m.source_id.as_deref(),
        echo_id: view.echo_id.as_deref(),
        sender: view.sender.as_ref().map(sender_push),
        attachments: attachments(app, view),
    }
}

/// `{}`.
#[derive(Debug, Serialize)]
pub struct EmptyJson {}

/// What a message's `push_event_data` says of its conversation.
#[derive(Debug, Serialize)]
pub struct ConversationRefJson<'a> {
    assignee_id: Option<UserId>,
    unread_count: i64,
    last_activity_at: i64,
    contact_inbox: SourceIdJson<'a>,
}

/// `{"source_id": ...}`.
#[derive(Debug, Serialize)]
pub struct SourceIdJson<'a> {
    source_id: Option<&'a str>,
}

/// A message's `push_event_data` (inside conversations and realtime events).
#[derive(Debug, Serialize)]
pub struct MessagePushJson<'a> {
    id: MessageId,
    content: Option<&'a str>,
    account_id: AccountId,
    inbox_id: InboxId,
    conversation_id: i64,
    message_type: i64,
    content_type: &'a str,
    content_attributes: &'a Value,
    status: MessageStatus,
    private: bool,
    source_id: Option<&'a str>,
    sender_type: Option<&'a str>,
    sender_id: Option<i64>,
    external_source_ids: EmptyJson,
    additional_attributes: &'a Value,
    processed_message_content: Option<&'a str>,
    sentiment: EmptyJson,
    created_at: i64,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation: Option<ConversationRefJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<SenderPushJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<AttachmentJson<'a>>,
}

/// A message's `push_event_data` (inside conversations and realtime events).
pub fn message_push<'a>(
    app: &AppState,
    view: &'a MessageView,
    conversation: Option<&'a ConversationView>,
) -> MessagePushJson<'a> {
    let m = &view.message;
    MessagePushJson {
        id: m.id,
        content: m.content.as_deref(),
        account_id: m.account_id,
        inbox_id: m.inbox_id,
        conversation_id: view.conversation_display_id,
        message_type: m.message_type.as_int(),
        content_type: &m.content_type,
        content_attributes: &m.content_attributes,
        status: m.status,
        private: m.private,
        source_id: m.source_id.as_deref(),
        sender_type: m.sender_type.as_deref(),
        sender_id: m.sender_id,
        external_source_ids: EmptyJson {},
        additional_attributes: &m.additional_attributes,
        processed_message_content: m.content.as_deref(),
        sentiment: EmptyJson {},
        created_at: m.created_at.timestamp(),
        updated_at: iso(m.updated_at),
        conversation: conversation.map(|c| ConversationRefJson {
            assignee_id: c.conversation.assignee_id,
            unread_count: c.unread_count,
            last_activity_at: c.conversation.last_activity_at.timestamp(),
            contact_inbox: SourceIdJson {
                source_id: c.contact_inbox.as_ref().map(|ci| ci.source_id.as_str()),
            },
        }),
        sender: view.sender.as_ref().map(sender_push),
        attachments: attachments(app, view),
    }
}

/// A conversation's `meta` in the REST API.
#[derive(Debug, Serialize)]
pub struct ConversationMetaJson<'a> {
    sender: ContactJson<'a>,
    channel: &'static str,
    hmac_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<AgentJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<TeamJson<'a>>,
}

/// A conversation as the REST API returns it (`conversations/partials/_conversation`).
#[derive(Debug, Serialize)]
pub struct ConversationJson<'a> {
    id: i64,
    account_id: AccountId,
    uuid: uuid::Uuid,
    inbox_id: InboxId,
    status: Status,
    priority: Option<Priority>,
    labels: &'a [String],
    additional_attributes: &'a Value,
    custom_attributes: &'a Value,
    messages: Vec<MessagePushJson<'a>>,
    last_non_activity_message: Option<MessagePushJson<'a>>,
    meta: ConversationMetaJson<'a>,
    agent_last_seen_at: i64,
    assignee_last_seen_at: i64,
    contact_last_seen_at: i64,
    created_at: i64,
    updated_at: f64,
    timestamp: i64,
    last_activity_at: i64,
    first_reply_created_at: i64,
    waiting_since: i64,
    snoozed_until: Option<String>,
    unread_count: i64,
    can_reply: bool,
    muted: bool,
    sla_policy_id: Option<()>,
}

/// A conversation as the REST API returns it (`conversations/partials/_conversation`).
pub fn conversation<'a>(app: &AppState, view: &'a ConversationView) -> ConversationJson<'a> {
    let c = &view.conversation;
    ConversationJson {
        id: c.display_id,
        account_id: c.account_id,
        uuid: c.uuid,
        inbox_id: c.inbox_id,
        status: c.status,
        priority: c.priority,
        labels: &c.labels,
        additional_attributes: &c.additional_attributes,
        custom_attributes: &c.custom_attributes,
        messages: view
            .last_message
            .iter()
            .map(|m| message_push(app, m, Some(view)))
            .collect(),
        last_non_activity_message: view
            .last_non_activity_message
            .as_ref()
            .map(|m| message_push(app, m, Some(view))),
        meta: ConversationMetaJson {
            sender: contact(&view.contact, None),
            channel: view.channel_type.chatwoot_name(),
            hmac_verified: view.contact_inbox.as_ref().map(|ci| ci.hmac_verified),
            assignee: view.assignee.as_ref().map(agent),
            assignee_type: view.assignee.as_ref().map(|_| "User"),
            team: view.team.as_ref().map(|t| team(t, c.account_id.0, false)),
        },
        agent_last_seen_at: unix(c.agent_last_seen_at),
        assignee_last_seen_at: unix(c.assignee_last_seen_at),
        contact_last_seen_at: unix(c.contact_last_seen_at),
        created_at: c.created_at.timestamp(),
        updated_at: unix_float(c.updated_at),
        timestamp: c.last_activity_at.timestamp(),
        last_activity_at: c.last_activity_at.timestamp(),
        first_reply_created_at: unix(c.first_reply_created_at),
        waiting_since: unix(c.waiting_since),
        snoozed_until: c.snoozed_until.map(iso),
        unread_count: view.unread_count,
        can_reply: true,
        muted: view.contact.blocked,
        sla_policy_id: None,
    }
}

/// The `toggle_status` payload.
pub fn status_payload(
    display_id: i64,
    status: Status,
    snoozed_until: Option<DateTime<Utc>>,
) -> Value {
    json!({
        "meta": {},
        "payload": {
            "success": true,
            "conversation_id": display_id,
            "current_status": status,
            "snoozed_until": snoozed_until.map(iso),
        }
    })
}

/// A contact's `webhook_data` (`contact_created`, `contact_updated`, message senders).
pub fn contact_webhook(contact: &Contact, account: &Value) -> Value {
    json!({
        "account": account,
        "additional_attributes": contact.additional_attributes,
        "avatar": "",
        "custom_attributes": contact.custom_attributes,
        "email": contact.email,
        "id": contact.id,
        "identifier": contact.identifier,
        "name": contact.name,
        "phone_number": contact.phone_number,
        "thumbnail": "",
        "blocked": contact.blocked,
    })
}

/// A conversation's `webhook_data` (§3.2): the push shape, with ISO `first_reply_created_at`,
/// the raw contact inbox, and the last chat message (neither activity nor private).
pub fn conversation_webhook(
    app: &AppState,
    view: &ConversationView,
    last_chat: Option<&MessageView>,
) -> Value {
    let c = &view.conversation;
    let contact_inbox = view.contact_inbox.as_ref().map(|ci| {
        json!({
            "id": ci.id, "contact_id": ci.contact_id, "inbox_id": ci.inbox_id, "source_id": ci.source_id,
            "created_at": iso(ci.created_at), "updated_at": iso(ci.created_at), "hmac_verified": ci.hmac_verified,
            "pubsub_token": null,
        })
    });
    json!({
        "additional_attributes": c.additional_attributes,
        "can_reply": true,
        "channel": view.channel_type.chatwoot_name(),
        "contact_inbox": contact_inbox,
        "id": c.display_id,
        "inbox_id": c.inbox_id,
        "messages": last_chat.map(|m| vec![message_push(app, m, Some(view))]).unwrap_or_default(),
        "labels": c.labels,
        "meta": {
            "sender": contact_push(&view.contact),
            "assignee": view.assignee.as_ref().map(agent_push),
            "assignee_type": view.assignee.as_ref().map(|_| "User"),
            "team": view.team.as_ref().map(|t| json!({ "id": t.id, "name": t.name })),
            "hmac_verified": view.contact_inbox.as_ref().map(|ci| ci.hmac_verified),
        },
        "status": c.status,
        "custom_attributes": c.custom_attributes,
        "snoozed_until": c.snoozed_until.map(iso),
        "unread_count": view.unread_count,
        "first_reply_created_at": c.first_reply_created_at.map(iso),
        "priority": c.priority,
        "waiting_since": unix(c.waiting_since),
        "agent_last_seen_at": unix(c.agent_last_seen_at),
        "contact_last_seen_at": unix(c.contact_last_seen_at),
        "last_activity_at": c.last_activity_at.timestamp(),
        "timestamp": c.last_activity_at.timestamp(),
        "created_at": c.created_at.timestamp(),
        "updated_at": unix_float(c.updated_at),
    })
}

/// A message's `webhook_data` (§3.4): `message_type` as a string, ISO `created_at`, the whole
/// conversation, and the sender in its webhook shape.
pub fn message_webhook(
    app: &AppState,
    message: &MessageView,
    conversation: &Value,
    account: &Value,
    inbox_name: &str,
) -> Value {
    let m = &message.message;
    let sender = match &message.sender {
        Some(Sender::User {
            id, name, email, ..
        }) => json!({ "id": id, "name": name, "email": email, "type": "user" }),
        Some(Sender::Contact(contact)) => contact_webhook(contact, account),
        None => Value::Null,
    };
    let mut value = json!({
        "id": m.id,
        "content": m.content,
        "content_type": m.content_type,
        "content_attributes": m.content_attributes,
        "message_type": m.message_type,
        "private": m.private,
        "source_id": m.source_id,
        "created_at": iso(m.created_at),
        "additional_attributes": m.additional_attributes,
        "account": account,
        "inbox": { "id": m.inbox_id, "name": inbox_name },
        "sender": sender,
        "conversation": conversation,
    });
    if !message.attachments.is_empty()
        && let Some(map) = value.as_object_mut()
    {
        map.insert(
            "attachments".into(),
            message
                .attachments
                .iter()
                .map(|a| self::value(attachment(app, a)))
                .collect(),
        );
    }
    value
}
