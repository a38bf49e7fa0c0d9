//! Message and attachment types.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::accounts::model::Availability;
use crate::contacts::model::Contact;
use crate::ids::{AccountId, AttachmentId, ConversationId, InboxId, MessageId, UserId};
use crate::text_enum;

text_enum! {
    /// Who a message goes to or comes from.
    pub enum MessageType {
        /// From the customer.
        Incoming = "incoming",
        /// To the customer (or a private note, with `private`).
        Outgoing = "outgoing",
        /// A record of a change ("Conversation resolved by Ana").
        Activity = "activity",
        /// A template (WhatsApp) sent to the customer.
        Template = "template",
    }
}

impl MessageType {
    /// Chatwoot's integer encoding (REST and push payloads).
    pub fn as_int(self) -> i64 {
        match self {
            MessageType::Incoming => 0,
            MessageType::Outgoing => 1,
            MessageType::Activity => 2,
            MessageType::Template => 3,
        }
    }

    /// From Chatwoot's integer encoding.
    pub fn from_int(n: i64) -> Option<Self> {
        match n {
            0 => Some(MessageType::Incoming),
            1 => Some(MessageType::Outgoing),
            2 => Some(MessageType::Activity),
            3 => Some(MessageType::Template),
            _ => None,
        }
    }
}

text_enum! {
    /// Delivery state, reported by the channel.
    pub enum MessageStatus {
        /// Handed to the channel.
        Sent = "sent",
        /// Delivered to the customer's device.
        Delivered = "delivered",
        /// Read by the customer.
        Read = "read",
        /// The channel could not deliver it.
        Failed = "failed",
    }
}

text_enum! {
    /// Chatwoot's `content_type` values.
    pub enum ContentType {
        /// Plain text.
        Text = "text",
        /// Input text.
        InputText = "input_text",
        /// Input text area.
        InputTextarea = "input_textarea",
        /// Input e-mail.
        InputEmail = "input_email",
        /// Input select.
        InputSelect = "input_select",
        /// Cards.
        Cards = "cards",
        /// Form.
        Form = "form",
        /// Article.
        Article = "article",
        /// E-mail.
        IncomingEmail = "incoming_email",
        /// CSAT input.
        InputCsat = "input_csat",
        /// Integrations.
        Integrations = "integrations",
        /// Sticker.
        Sticker = "sticker",
        /// Voice call.
        VoiceCall = "voice_call",
    }
}

/// A message row.
#[derive(Clone, Debug)]
pub struct Message {
    /// Id.
    pub id: MessageId,
    /// The account.
    pub account_id: AccountId,
    /// The conversation (database id).
    pub conversation_id: ConversationId,
    /// The inbox.
    pub inbox_id: InboxId,
    /// Direction.
    pub message_type: MessageType,
    /// Text.
    pub content: Option<String>,
    /// Content type.
    pub content_type: String,
    /// Structured attributes (`in_reply_to`, `deleted`, ...).
    pub content_attributes: Value,
    /// Channel attributes.
    pub additional_attributes: Value,
    /// A private note (never sent to the customer).
    pub private: bool,
    /// Delivery state.
    pub status: MessageStatus,
    /// The channel's error for a failed message.
    pub external_error: Option<String>,
    /// The channel's id of the message (unique per inbox).
    pub source_id: Option<String>,
    /// `User` or `Contact`.
    pub sender_type: Option<String>,
    /// The sender's id.
    pub sender_id: Option<i64>,
    /// An automation rule or campaign that produced it.
    pub performed_by: Option<Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Message {
    /// Whether it was produced by an automation rule or a campaign (not a human reply).
    pub fn is_automated(&self) -> bool {
        self.performed_by.is_some()
    }

    /// Whether it counts as chat: neither an activity nor a private note.
    pub fn is_chat(&self) -> bool {
        self.message_type != MessageType::Activity && !self.private
    }
}

/// A file (or location, contact card...) attached to a message.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// Id.
    pub id: AttachmentId,
    /// The message.
    pub message_id: MessageId,
    /// The account.
    pub account_id: AccountId,
    /// `image`, `audio`, `video`, `file`, ...
    pub file_type: String,
    /// MIME type, sniffed from the bytes.
    pub content_type: Option<String>,
    /// Original file name.
    pub filename: Option<String>,
    /// Size in bytes.
    pub byte_size: i64,
    /// Where the bytes are stored.
    pub storage_key: Option<String>,
    /// An external URL instead of stored bytes.
    pub external_url: Option<String>,
    /// Image width.
    pub width: Option<i32>,
    /// Image height.
    pub height: Option<i32>,
}

impl Attachment {
    /// The file extension, if the name has one.
    pub fn extension(&self) -> Option<&str> {
        self.filename
            .as_deref()
            .and_then(|f| f.rsplit_once('.'))
            .map(|(_, ext)| ext)
            .filter(|e| !e.is_empty())
    }
}

/// Who sent a message.
#[derive(Clone, Debug)]
pub enum Sender {
    /// An agent.
    User {
        /// Id.
        id: UserId,
        /// Full name.
        name: String,
        /// Display name or name.
        available_name: String,
        /// E-mail.
        email: String,
        /// Availability in the account.
        availability: Availability,
    },
    /// The customer.
    Contact(Box<Contact>),
}

/// A message with what renders it: attachments, sender, the conversation's display id.
#[derive(Clone, Debug)]
pub struct MessageView {
    /// The message.
    pub message: Message,
    /// Its attachments.
    pub attachments: Vec<Attachment>,
    /// Its sender.
    pub sender: Option<Sender>,
    /// The conversation's display id (Chatwoot's `conversation_id` in JSON).
    pub conversation_display_id: i64,
    /// The echo id the client sent with the request that created it.
    pub echo_id: Option<String>,
}
