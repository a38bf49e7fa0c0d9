//! Documentation-only schemas of the JSON API's responses (and of the request bodies that the
//! handlers read as raw JSON). Handlers build their JSON with `serde_json::json!` in
//! [`crate::shapes`] and the resource files; these types describe the same shapes
//! (`reference/chatwoot-api.md` §2–3) for the OpenAPI document and are never constructed.
//! When a shape changes in `shapes.rs`, change it here too.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::{IntoParams, ToResponse, ToSchema};

use crate::accounts::model::{AccountStatus, Availability, Role};
use crate::automation::actions::{ActionName, Owner};
use crate::conversations::model::{Priority, Status};
use crate::custom_attributes::{AttributeModel, DisplayType};
use crate::filters::Operator;
use crate::messages::model::MessageStatus;
use crate::roles::Permission;

// ---------------------------------------------------------------------------------------------
// Errors (Chatwoot's bodies, `error.rs`)

/// `{"error": "..."}`: a denial, a missing resource, a malformed body or filter.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    #[schema(example = "Resource could not be found")]
    pub error: String,
}

/// devise_token_auth's body when no token is sent.
#[derive(Serialize, ToSchema)]
pub struct SignInRequired {
    /// `["You need to sign in or sign up before continuing."]`.
    #[schema(example = json!(["You need to sign in or sign up before continuing."]))]
    pub errors: Vec<String>,
}

/// Rails' validation failure: a sentence and the fields it names.
#[derive(Serialize, ToSchema)]
pub struct ValidationErrorBody {
    /// Every problem, joined (`"Email has already been taken, Name can't be blank"`).
    #[schema(example = "Name can't be blank")]
    pub message: String,
    /// The invalid fields, as the API spells them.
    #[schema(example = json!(["name"]))]
    pub attributes: Vec<String>,
}

/// A 401 body: no token (`errors`), or a denial (`error`: "Invalid Access Token", "You are not
/// authorized to access this account", "Account is suspended", "You are not authorized to do
/// this action").
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum UnauthorizedBody {
    /// No `api_access_token` header.
    SignIn(SignInRequired),
    /// Unknown token, not a member, suspended account, or the role lacks the permission.
    Denied(ErrorBody),
}

/// A 422 body: a validation failure, or a malformed body (`{"error": ...}`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum UnprocessableBody {
    /// One or more invalid fields.
    Invalid(ValidationErrorBody),
    /// A malformed body, a missing parameter or a bad filter.
    Malformed(ErrorBody),
}

/// 401: no token, an unknown token, a suspended account, or the role lacks the permission
/// (Chatwoot answers permission denials with 401, not 403). A caller who is not a member of the
/// account gets the 404 of an account that does not exist.
#[derive(ToResponse)]
#[response(description = "Not signed in, or not allowed (Chatwoot answers denials with 401)")]
pub struct Unauthorized(UnauthorizedBody);

/// 404 `{"error":"Resource could not be found"}`: an unknown id, or one of another account.
#[derive(ToResponse)]
#[response(
    description = "Unknown id (or another account's)",
    example = json!({"error": "Resource could not be found"})
)]
pub struct NotFound(ErrorBody);

/// 422: invalid input.
#[derive(ToResponse)]
#[response(description = "Invalid input, a malformed body or an invalid query parameter")]
pub struct Unprocessable(UnprocessableBody);

/// 409 `{"error": ...}`: the change conflicts with the current state (a custom role members
/// still hold).
#[derive(ToResponse)]
#[response(description = "Conflicts with the current state")]
pub struct Conflict(ErrorBody);

/// 413: the body exceeds the route's limit.
#[derive(ToResponse)]
#[response(
    description = "Request body too large",
    example = json!({"error": "Request body is too large"})
)]
pub struct PayloadTooLarge(ErrorBody);

// ---------------------------------------------------------------------------------------------
// Request vocabularies: the values the handlers accept, for request bodies

/// The channel types an inbox can be created with.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelType {
    /// An API channel: messages arrive and leave through the API and webhooks.
    Api,
}

/// How an inbox names the agent on outgoing messages.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderNameType {
    /// The agent's name.
    Friendly,
    /// The agent's name and the business name.
    Professional,
}

/// The records bulk actions apply to.
#[derive(Serialize, ToSchema)]
pub enum BulkType {
    /// Conversations, by display id.
    Conversation,
}

/// The message types an API client may create.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewMessageType {
    /// From the contact (API inboxes only).
    Incoming,
    /// To the contact.
    Outgoing,
    /// A WhatsApp template.
    Template,
}

/// How a condition joins the next one (the server reads any case).
#[derive(Serialize, ToSchema)]
pub enum QueryOperator {
    /// Both (binds tighter than `or`).
    #[serde(rename = "and")]
    And,
    /// Either.
    #[serde(rename = "or")]
    Or,
    /// Chatwoot's spelling of `and`.
    #[serde(rename = "AND")]
    AndUpper,
    /// Chatwoot's spelling of `or`.
    #[serde(rename = "OR")]
    OrUpper,
}

/// One condition of a rule, as sent.
#[derive(Serialize, ToSchema)]
pub struct ConditionInput {
    /// The attribute (`content`, `status`, `inbox_id`, `labels`, a custom attribute key, ...).
    #[schema(pattern = "\\S")]
    pub attribute_key: String,
    /// The comparison; each attribute takes the operators that fit it.
    #[schema(schema_with = rule_operators)]
    pub filter_operator: String,
    /// The values compared with; for `attribute_changed`, `{"from": [...], "to": [...]}`.
    #[schema(schema_with = condition_values)]
    pub values: Value,
    /// Joins this condition to the next (any case); null on the last one.
    pub query_operator: Option<QueryOperator>,
    /// `conversation_attribute` or `contact_attribute` for a custom attribute.
    pub custom_attribute_type: Option<AttributeModel>,
}

// ---------------------------------------------------------------------------------------------
// Path parameters shared by many routes

/// The account scope.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AccountPath {
    /// The account's id.
    pub account_id: i64,
}

/// A conversation, by its per-account display id.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ConversationPath {
    /// The account's id.
    pub account_id: i64,
    /// The conversation's **display id** (per account, as shown in the UI), not a database id.
    pub id: i64,
}

/// A contact.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ContactPath {
    /// The account's id.
    pub account_id: i64,
    /// The contact's id.
    pub id: i64,
}

/// Chatwoot's conversation list filters (`GET conversations`, `meta`, `search`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationFilters {
    /// `open` (default), `resolved`, `pending`, `snoozed` or `all` (`search` always uses `all`).
    pub status: Option<String>,
    /// `me`, `unassigned`, `assigned` or `all` (anything else is `all`).
    pub assignee_type: Option<String>,
    /// Only this inbox.
    pub inbox_id: Option<i64>,
    /// Only this team.
    pub team_id: Option<i64>,
    /// Label titles (`labels[]=a&labels[]=b`, repeated `labels=` or `labels=a,b`); every one
    /// must be present.
    pub labels: Option<Vec<String>>,
    /// `low`, `medium`, `high` or `urgent`.
    pub priority: Option<Priority>,
    /// Text to find: words of the messages (Portuguese stems, accents ignored: `nao` finds
    /// `não`, `pedidos` finds `pedido`; `"exact phrase"`, `or` and `-word` work), three or more
    /// characters of the contact's name, e-mail, phone digits or identifier, or `#12`/`12` for
    /// display id 12. Ranked: the number, then contacts, then messages by relevance; the
    /// newest 250 matches of each kind are considered.
    pub q: Option<String>,
    /// 1-based page of 25. A client asking for page N+1 right after page N continues where
    /// page N ended, so deep pages cost what the first one does.
    pub page: Option<i64>,
    /// `data.next_cursor` of the previous page: the page starts right after it (same order
    /// required; a cursor from another `sort_by` is a 422).
    pub cursor: Option<String>,
    /// `last_activity_at_desc` (default), `last_activity_at_asc`, `created_at_desc`,
    /// `created_at_asc`, `priority_desc`, `priority_asc`, `waiting_since_asc`,
    /// `waiting_since_desc`, or the legacy `sort_on_created_at`, `sort_on_priority`,
    /// `sort_on_waiting_since`; `sort_order` is read when `sort_by` is absent.
    pub sort_by: Option<String>,
    /// `participating` (conversations the caller participates in) or `unattended` (no first
    /// reply yet, or waiting); other values are ignored.
    pub conversation_type: Option<String>,
    /// Only the conversation with this contact inbox `source_id`.
    pub source_id: Option<String>,
    /// Only conversations updated within this many seconds (0 or more; a window longer than
    /// the calendar is every conversation); the list is then unpaged.
    #[param(minimum = 0)]
    pub updated_within: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A free-form JSON object.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Attributes(Value);

/// Chatwoot's agent JSON (`models/_agent`).
#[derive(Serialize, ToSchema)]
pub struct Agent {
    /// The user's id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// The agent's availability in this account.
    pub availability_status: Availability,
    /// Goes offline automatically when signed out.
    pub auto_offline: bool,
    /// Always true.
    pub confirmed: bool,
    /// Sign-in address.
    pub email: String,
    /// Always `"email"`.
    pub provider: String,
    /// `display_name` when set, else `name`.
    pub available_name: String,
    /// Full name.
    pub name: String,
    /// Built-in role.
    pub role: Role,
    /// Always `""`.
    pub thumbnail: String,
    /// The custom role refining `agent`, if any.
    #[schema(required = true)]
    pub custom_role_id: Option<i64>,
}

/// A user's `push_event_data` (senders, assignees in message lists).
#[derive(Serialize, ToSchema)]
pub struct UserPush {
    /// The user's id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// `display_name` when set, else `name`.
    pub available_name: String,
    /// Always `""`.
    pub avatar_url: String,
    /// Always `"user"`.
    #[serde(rename = "type")]
    #[schema(example = "user")]
    pub kind: String,
    /// Availability.
    pub availability_status: Availability,
    /// Always `""`.
    pub thumbnail: String,
}

/// Chatwoot's team JSON.
#[derive(Serialize, ToSchema)]
pub struct Team {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// New conversations of the team are assigned round-robin.
    pub allow_auto_assign: bool,
    /// The account.
    pub account_id: i64,
    /// Whether the caller belongs to the team (always false inside a conversation).
    pub is_member: bool,
}

/// One weekday's opening hours, in the inbox's time zone.
#[derive(Serialize, ToSchema)]
pub struct WorkingHour {
    /// 0 (Sunday) to 6 (Saturday).
    #[schema(minimum = 0, maximum = 6)]
    pub day_of_week: i16,
    /// Closed the whole day.
    pub closed_all_day: bool,
    /// Open the whole day.
    pub open_all_day: bool,
    /// Opening hour.
    #[schema(minimum = 0, maximum = 23)]
    pub open_hour: Option<i16>,
    /// Opening minute.
    #[schema(minimum = 0, maximum = 59)]
    pub open_minutes: Option<i16>,
    /// Closing hour.
    #[schema(minimum = 0, maximum = 23)]
    pub close_hour: Option<i16>,
    /// Closing minute.
    #[schema(minimum = 0, maximum = 59)]
    pub close_minutes: Option<i16>,
}

/// Chatwoot's inbox JSON (`models/_inbox`). Fields Atende does not use are present and null.
#[derive(Serialize, ToSchema)]
pub struct Inbox {
    /// Id.
    pub id: i64,
    /// Always `""`.
    pub avatar_url: String,
    /// The channel's id.
    pub channel_id: i64,
    /// Name.
    pub name: String,
    /// Chatwoot's channel class, e.g. `"Channel::Api"`.
    #[schema(example = "Channel::Api")]
    pub channel_type: String,
    /// Greets new conversations.
    pub greeting_enabled: bool,
    /// The greeting.
    #[schema(required = true)]
    pub greeting_message: Option<String>,
    /// Replies out of hours with `out_of_office_message`.
    pub working_hours_enabled: bool,
    /// Asks for the contact's e-mail.
    pub enable_email_collect: bool,
    /// Sends a satisfaction survey on resolve.
    pub csat_survey_enabled: bool,
    /// Always `{}`.
    pub csat_config: Attributes,
    /// Assigns new conversations round-robin.
    pub enable_auto_assignment: bool,
    /// Always `{}`.
    pub auto_assignment_config: Attributes,
    /// The out-of-office reply.
    #[schema(required = true)]
    pub out_of_office_message: Option<String>,
    /// Opening hours, one entry per weekday.
    pub working_hours: Vec<WorkingHour>,
    /// IANA time zone.
    pub timezone: String,
    /// Always null.
    #[schema(required = true)]
    pub callback_webhook_url: Option<String>,
    /// A customer message after resolve reopens the conversation (else starts a new one).
    pub allow_messages_after_resolved: bool,
    /// One open conversation per contact.
    pub lock_to_single_conversation: bool,
    /// `friendly` or `professional`.
    pub sender_name_type: String,
    /// Business name shown with `professional` senders.
    #[schema(required = true)]
    pub business_name: Option<String>,
    /// API channels: whether contacts must send `identifier_hash`; null otherwise.
    #[schema(required = true)]
    pub hmac_mandatory: Option<bool>,
    /// API channels: where conversation and message events are sent.
    #[schema(required = true)]
    pub webhook_url: Option<String>,
    /// API channels: the identifier of the public client API.
    #[schema(required = true)]
    pub inbox_identifier: Option<String>,
    /// API channels: free-form channel attributes; `{}` otherwise.
    pub additional_attributes: Attributes,
    /// API channels, administrators only: the HMAC token; null otherwise.
    #[schema(required = true)]
    pub hmac_token: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub allowed_domains: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub widget_color: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub website_url: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub welcome_title: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub welcome_tagline: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub web_widget_script: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub website_token: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub selected_feature_flags: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub reply_time: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub messaging_service_sid: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub phone_number: Option<String>,
    /// Chatwoot web-widget/provider field; always null in Atende.
    #[schema(required = true)]
    pub provider: Option<String>,
}

/// `inbox_slim`: an inbox inside a contact.
#[derive(Serialize, ToSchema)]
pub struct InboxSlim {
    /// Id.
    pub id: i64,
    /// Always `""`.
    pub avatar_url: String,
    /// The channel's id.
    pub channel_id: i64,
    /// Name.
    pub name: String,
    /// Chatwoot's channel class.
    #[schema(example = "Channel::Api")]
    pub channel_type: String,
    /// Always null.
    #[schema(required = true)]
    pub provider: Option<String>,
}

/// A contact's presence in an inbox.
#[derive(Serialize, ToSchema)]
pub struct ContactInboxRef {
    /// The contact's id in that channel (a phone number, a UUID).
    pub source_id: String,
    /// The inbox.
    pub inbox: InboxSlim,
}

/// Chatwoot's contact JSON (`models/_contact`).
#[derive(Serialize, ToSchema)]
pub struct Contact {
    /// Id.
    pub id: i64,
    /// Name (may be empty).
    pub name: String,
    /// E-mail, lowercased.
    #[schema(required = true)]
    pub email: Option<String>,
    /// Phone number in E.164.
    #[schema(required = true)]
    pub phone_number: Option<String>,
    /// External identifier (a WhatsApp JID, a CRM id).
    #[schema(required = true)]
    pub identifier: Option<String>,
    /// Blocked contacts' conversations stay resolved.
    pub blocked: bool,
    /// Always `"offline"` (Atende has no web widget).
    pub availability_status: String,
    /// Always `""`.
    pub thumbnail: String,
    /// Free-form attributes (company, city, ...).
    pub additional_attributes: Attributes,
    /// Values of the account's contact attributes.
    pub custom_attributes: Attributes,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last incoming message; absent when there is none.
    #[schema(nullable = false)]
    pub last_activity_at: Option<i64>,
    /// The inboxes the contact is reachable in; absent inside conversations and merges.
    #[schema(nullable = false)]
    pub contact_inboxes: Option<Vec<ContactInboxRef>>,
}

/// A contact's `push_event_data` (message senders, message-list meta).
#[derive(Serialize, ToSchema)]
pub struct ContactPush {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail.
    #[schema(required = true)]
    pub email: Option<String>,
    /// Phone number.
    #[schema(required = true)]
    pub phone_number: Option<String>,
    /// External identifier.
    #[schema(required = true)]
    pub identifier: Option<String>,
    /// Free-form attributes.
    pub additional_attributes: Attributes,
    /// Custom attribute values.
    pub custom_attributes: Attributes,
    /// Always `""`.
    pub thumbnail: String,
    /// Blocked.
    pub blocked: bool,
    /// Always `"contact"`.
    #[serde(rename = "type")]
    #[schema(example = "contact")]
    pub kind: String,
}

/// Who sent a message: a user or a contact (`type` tells).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Sender {
    /// An agent (`type: "user"`).
    User(UserPush),
    /// The customer (`type: "contact"`).
    Contact(ContactPush),
}

/// An attachment of a message.
#[derive(Serialize, ToSchema)]
pub struct Attachment {
    /// Id.
    pub id: i64,
    /// The message.
    pub message_id: i64,
    /// `image`, `audio`, `video`, `file`, `location`, ...
    #[schema(example = "image")]
    pub file_type: String,
    /// The account.
    pub account_id: i64,
    /// File extension, if known.
    #[schema(required = true)]
    pub extension: Option<String>,
    /// A signed URL of the file (`/files/{id}/{signature}/{name}`) or the external link.
    pub data_url: String,
    /// Same as `data_url` for images, `""` otherwise.
    pub thumb_url: String,
    /// Bytes.
    pub file_size: i64,
    /// Image width.
    #[schema(required = true)]
    pub width: Option<i32>,
    /// Image height.
    #[schema(required = true)]
    pub height: Option<i32>,
}

/// A message as the REST API returns it (`models/_message`): `message_type` is an integer and
/// `created_at` unix seconds.
#[derive(Serialize, ToSchema)]
pub struct Message {
    /// Id.
    pub id: i64,
    /// Text.
    #[schema(required = true)]
    pub content: Option<String>,
    /// The inbox.
    pub inbox_id: i64,
    /// The conversation's display id.
    pub conversation_id: i64,
    /// 0 incoming, 1 outgoing, 2 activity, 3 template.
    #[schema(minimum = 0, maximum = 3)]
    pub message_type: i64,
    /// `text`, `input_select`, `cards`, ... (always a string).
    #[schema(example = "text")]
    pub content_type: String,
    /// Delivery state.
    pub status: MessageStatus,
    /// `in_reply_to`, `external_error`, `deleted`, ...
    pub content_attributes: Attributes,
    /// Unix seconds.
    pub created_at: i64,
    /// A private note (never sent to the customer).
    pub private: bool,
    /// The channel's id of the message.
    #[schema(required = true)]
    pub source_id: Option<String>,
    /// The client's `echo_id`, on the create response only.
    #[schema(nullable = false)]
    pub echo_id: Option<String>,
    /// Absent for system messages.
    #[schema(nullable = false)]
    pub sender: Option<Sender>,
    /// Absent when there are none.
    #[schema(nullable = false)]
    pub attachments: Option<Vec<Attachment>>,
}

/// The conversation summary inside a message's `push_event_data`.
#[derive(Serialize, ToSchema)]
pub struct MessagePushConversation {
    /// Assigned agent.
    #[schema(required = true)]
    pub assignee_id: Option<i64>,
    /// Unread incoming messages.
    pub unread_count: i64,
    /// Unix seconds.
    pub last_activity_at: i64,
    /// `{source_id}` of the contact inbox.
    pub contact_inbox: Attributes,
}

/// A message's `push_event_data` (inside conversations: `messages[]`,
/// `last_non_activity_message`).
#[derive(Serialize, ToSchema)]
pub struct MessagePush {
    /// Id.
    pub id: i64,
    /// Text.
    #[schema(required = true)]
    pub content: Option<String>,
    /// The account.
    pub account_id: i64,
    /// The inbox.
    pub inbox_id: i64,
    /// The conversation's display id.
    pub conversation_id: i64,
    /// 0 incoming, 1 outgoing, 2 activity, 3 template.
    pub message_type: i64,
    /// Content type.
    pub content_type: String,
    /// Content attributes.
    pub content_attributes: Attributes,
    /// Delivery state.
    pub status: MessageStatus,
    /// Private note.
    pub private: bool,
    /// The channel's id of the message.
    #[schema(required = true)]
    pub source_id: Option<String>,
    /// `User` or `Contact`.
    #[schema(required = true)]
    pub sender_type: Option<String>,
    /// The sender's id.
    #[schema(required = true)]
    pub sender_id: Option<i64>,
    /// Always `{}`.
    pub external_source_ids: Attributes,
    /// Additional attributes.
    pub additional_attributes: Attributes,
    /// Same as `content`.
    #[schema(required = true)]
    pub processed_message_content: Option<String>,
    /// Always `{}`.
    pub sentiment: Attributes,
    /// Unix seconds.
    pub created_at: i64,
    /// ISO 8601.
    pub updated_at: DateTime<Utc>,
    /// A summary of the conversation.
    pub conversation: MessagePushConversation,
    /// Absent for system messages.
    #[schema(nullable = false)]
    pub sender: Option<Sender>,
    /// Absent when there are none.
    #[schema(nullable = false)]
    pub attachments: Option<Vec<Attachment>>,
}

/// `meta` of a conversation.
#[derive(Serialize, ToSchema)]
pub struct ConversationMeta {
    /// The contact (without `contact_inboxes`).
    pub sender: Contact,
    /// Chatwoot's channel class, e.g. `"Channel::Api"`.
    pub channel: String,
    /// Whether the contact's identity was verified by HMAC.
    #[schema(required = true)]
    pub hmac_verified: Option<bool>,
    /// The assigned agent; **absent** when unassigned.
    #[schema(nullable = false)]
    pub assignee: Option<Agent>,
    /// `"User"`; absent when unassigned.
    #[schema(nullable = false, example = "User")]
    pub assignee_type: Option<String>,
    /// The team; absent when none.
    #[schema(nullable = false)]
    pub team: Option<Team>,
}

/// A conversation as the REST API returns it (`conversations/partials/_conversation`).
#[derive(Serialize, ToSchema)]
pub struct Conversation {
    /// The per-account **display id** (use it in URLs).
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// UUID.
    pub uuid: uuid::Uuid,
    /// The inbox.
    pub inbox_id: i64,
    /// Status.
    pub status: Status,
    /// Priority, null when none.
    #[schema(required = true)]
    pub priority: Option<Priority>,
    /// Label titles.
    pub labels: Vec<String>,
    /// Free-form attributes.
    pub additional_attributes: Attributes,
    /// Custom attribute values.
    pub custom_attributes: Attributes,
    /// The last message (0 or 1 element).
    pub messages: Vec<MessagePush>,
    /// The newest message that is not an activity.
    #[schema(required = true)]
    pub last_non_activity_message: Option<MessagePush>,
    /// Contact, channel, assignee and team.
    pub meta: ConversationMeta,
    /// Unix seconds, 0 if never.
    pub agent_last_seen_at: i64,
    /// Unix seconds, 0 if never.
    pub assignee_last_seen_at: i64,
    /// Unix seconds, 0 if never.
    pub contact_last_seen_at: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds with a fraction.
    pub updated_at: f64,
    /// Unix seconds of the last activity.
    pub timestamp: i64,
    /// Unix seconds of the last activity.
    pub last_activity_at: i64,
    /// Unix seconds, 0 if none.
    pub first_reply_created_at: i64,
    /// Unix seconds, 0 if not waiting.
    pub waiting_since: i64,
    /// ISO 8601, **not** unix seconds.
    #[schema(required = true)]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Unread incoming messages (at most 10).
    pub unread_count: i64,
    /// Always true.
    pub can_reply: bool,
    /// Whether the contact is blocked.
    pub muted: bool,
    /// Always null.
    #[schema(required = true)]
    pub sla_policy_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Conversations

/// The four counts of `GET conversations` and `GET conversations/meta`.
#[derive(Serialize, ToSchema)]
pub struct ConversationCounts {
    /// Assigned to the caller.
    pub mine_count: i64,
    /// Assigned to anyone.
    pub assigned_count: i64,
    /// Unassigned.
    pub unassigned_count: i64,
    /// All the caller may see.
    pub all_count: i64,
    /// Present (`true`) when a filter beyond status, inbox and team (labels, priority, search
    /// text, conditions) was counted only in part: each count stops at 1,000 matches and looks
    /// at no more than 5,000 conversations, so the counts are lower bounds.
    pub counts_capped: Option<bool>,
}

/// The three counts of `search` and `filter` (no `assigned_count`).
#[derive(Serialize, ToSchema)]
pub struct FilterCounts {
    /// Assigned to the caller.
    pub mine_count: i64,
    /// Unassigned.
    pub unassigned_count: i64,
    /// All matches.
    pub all_count: i64,
    /// Present (`true`) when the counts are lower bounds: `filter` stops at 1,000 matches and
    /// looks at no more than 5,000 conversations per count; `search` considers 250 message and
    /// 250 contact matches.
    pub counts_capped: Option<bool>,
}

/// `data` of the conversation list.
#[derive(Serialize, ToSchema)]
pub struct ConversationListData {
    /// Counts over the whole filter.
    pub meta: ConversationCounts,
    /// Up to 25 conversations.
    pub payload: Vec<Conversation>,
    /// Where the next page starts (`cursor=`); null on the last page.
    pub next_cursor: Option<String>,
}

/// `GET conversations`: `{data: {meta, payload, next_cursor}}`.
#[derive(Serialize, ToSchema)]
pub struct ConversationList {
    /// Counts and the page.
    pub data: ConversationListData,
}

/// `GET conversations/meta`.
#[derive(Serialize, ToSchema)]
pub struct ConversationMetaResponse {
    /// Counts.
    pub meta: ConversationCounts,
}

/// `search` and `filter`: `{meta, payload}`.
#[derive(Serialize, ToSchema)]
pub struct ConversationSearch {
    /// Counts.
    pub meta: FilterCounts,
    /// Up to 25 conversations.
    pub payload: Vec<Conversation>,
}

/// `{payload: [conversation]}`.
#[derive(Serialize, ToSchema)]
pub struct ConversationPayloadList {
    /// Conversations.
    pub payload: Vec<Conversation>,
}

/// One filter condition.
#[derive(Serialize, ToSchema)]
pub struct FilterCondition {
    /// The attribute (`status`, `assignee_id`, `labels`, `name`, a custom attribute key, ...).
    #[schema(pattern = "\\S")]
    pub attribute_key: String,
    /// The comparison.
    pub filter_operator: Operator,
    /// The values (strings, numbers, booleans or `{id}` objects).
    pub values: Vec<Value>,
    /// `and` or `or`, joining this condition to the next (AND binds tighter).
    pub query_operator: Option<String>,
}

/// `POST conversations/filter` and `contacts/filter` (a bare array of conditions is accepted
/// too).
#[derive(Serialize, ToSchema)]
pub struct FilterRequest {
    /// 1 to 50 conditions.
    #[schema(min_items = 1, max_items = 50)]
    pub payload: Vec<FilterCondition>,
}

/// `PATCH conversations/{id}`: only `priority` is read; other keys are ignored, as Chatwoot.
#[derive(Serialize, ToSchema)]
pub struct ConversationUpdate {
    /// `low`, `medium`, `high`, `urgent`; null, `""` or `"none"` clear it.
    pub priority: Option<Priority>,
}

/// `POST …/toggle_status`.
#[derive(Serialize, ToSchema)]
pub struct ToggleStatusRequest {
    /// The new status (`bot` means `pending`); absent toggles between open and resolved.
    pub status: Option<Status>,
    /// With `snoozed`: unix seconds or ISO 8601; absent snoozes until the next reply.
    #[schema(value_type = Option<String>)]
    pub snoozed_until: Option<Value>,
}

/// The `toggle_status` result.
#[derive(Serialize, ToSchema)]
pub struct ToggleStatusPayload {
    /// Always true.
    pub success: bool,
    /// The display id.
    pub conversation_id: i64,
    /// The status now.
    pub current_status: Status,
    /// ISO 8601 when snoozed.
    #[schema(required = true)]
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// `POST …/toggle_status` response: `{meta: {}, payload: {...}}`.
#[derive(Serialize, ToSchema)]
pub struct ToggleStatusResponse {
    /// Always `{}`.
    pub meta: Attributes,
    /// The result.
    pub payload: ToggleStatusPayload,
}

/// `POST …/toggle_priority`.
#[derive(Serialize, ToSchema)]
pub struct TogglePriorityRequest {
    /// `low`, `medium`, `high`, `urgent`; null or `"none"` clear it.
    pub priority: Option<Priority>,
}

/// `POST …/assignments`: `assignee_id` (an agent, or null to unassign) or, without it,
/// `team_id` (a team, or null). Ids may be numbers or numeric strings.
#[derive(Serialize, ToSchema)]
pub struct AssignmentRequest {
    /// The agent to assign; null unassigns.
    pub assignee_id: Option<i64>,
    /// The team to assign (read only when `assignee_id` is absent); null clears it.
    pub team_id: Option<i64>,
}

/// The assignment result: the agent, the team, or null when cleared.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum AssignmentResult {
    /// After `assignee_id`.
    Agent(Agent),
    /// After `team_id`.
    Team(Team),
}

/// `{payload: ["label", ...]}`.
#[derive(Serialize, ToSchema)]
pub struct LabelTitles {
    /// Label titles.
    pub payload: Vec<String>,
}

/// `{custom_attributes: {...}}`.
#[derive(Serialize, ToSchema)]
pub struct CustomAttributesResponse {
    /// The saved values.
    pub custom_attributes: Attributes,
}

// ---------------------------------------------------------------------------------------------
// Messages

/// `POST …/messages` as JSON. Booleans and ids may be strings.
#[derive(Serialize, ToSchema)]
pub struct NewMessage {
    /// Text (required unless the message carries files, which only multipart bodies can).
    #[schema(pattern = "\\S")]
    pub content: Option<String>,
    /// `outgoing` (default), `incoming` (API inboxes only) or `template`; Chatwoot's integers
    /// (0, 1, 3) are accepted too.
    #[schema(value_type = Option<NewMessageType>, example = "outgoing")]
    pub message_type: Option<String>,
    /// A private note.
    pub private: Option<bool>,
    /// `text` (default), `input_select`, `cards`, ...
    pub content_type: Option<String>,
    /// An object, or a JSON object as a string (`in_reply_to`, `items`, ...).
    #[schema(value_type = Option<Object>)]
    pub content_attributes: Option<Value>,
    /// The channel's id of the message (deduplicates incoming messages).
    pub source_id: Option<String>,
    /// Echoed back in the response and realtime events.
    pub echo_id: Option<String>,
}

/// `POST …/messages` as `multipart/form-data` (Evolution API): text fields, with
/// `content_attributes` as JSON text, and up to 15 `attachments[]` files.
#[derive(Serialize, ToSchema)]
pub struct NewMessageMultipart {
    /// Text.
    pub content: Option<String>,
    /// `outgoing`, `incoming`, `template` or `0`/`1`/`3`.
    pub message_type: Option<String>,
    /// `"true"` or `"false"`.
    pub private: Option<String>,
    /// Content type.
    pub content_type: Option<String>,
    /// A JSON object as text.
    pub content_attributes: Option<String>,
    /// The channel's id of the message.
    pub source_id: Option<String>,
    /// Echoed back.
    pub echo_id: Option<String>,
    /// Files (at most 40 MB each, 100 MB in all).
    #[serde(rename = "attachments[]")]
    #[schema(schema_with = binary_files)]
    pub attachments: Vec<Vec<u8>>,
}

/// An IANA time zone name (`America/Sao_Paulo`), or null.
pub fn time_zone() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(
            chrono_tz::TZ_VARIANTS
                .iter()
                .map(|tz| Value::from(tz.name()))
                .chain([Value::Null]),
        ))
        .description(Some("IANA time zone"))
}

/// Webhook subscriptions: at least one of the event names a webhook may subscribe to.
pub fn webhook_events() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(crate::webhooks::service::SUBSCRIPTIONS)),
        )
        .min_items(Some(1))
        .description(Some("Events to deliver (at least one)"))
}

/// The actions of a rule or a macro, as sent: at least one, each an action `owner` may use.
fn actions(owner: Owner) -> ArrayBuilder {
    let names = ActionName::ALL
        .iter()
        .filter(|name| owner.allows(**name))
        .map(|name| name.as_str());
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .property(
                    "action_name",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(names)),
                )
                .property(
                    "action_params",
                    ArrayBuilder::new().description(Some(
                        "Agent or team ids, label titles, a status, a text, a URL, file ids",
                    )),
                )
                .required("action_name"),
        )
        .min_items(Some(1))
        .description(Some("`[{action_name, action_params}]`, run in order"))
}

/// The operators of rule conditions.
fn rule_operators() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            crate::automation::conditions::Operator::ALL
                .iter()
                .map(|(_, name)| *name),
        ))
}

/// A condition's values: a list, or `{from, to}` lists for `attribute_changed`.
fn condition_values() -> utoipa::openapi::schema::OneOfBuilder {
    let changes = ObjectBuilder::new()
        .property("from", ArrayBuilder::new())
        .property("to", ArrayBuilder::new());
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(ArrayBuilder::new())
        .item(changes)
}

/// A rule's actions.
pub fn rule_actions() -> ArrayBuilder {
    actions(Owner::Rule)
}

/// A macro's actions (no `send_email_to_team`, `open_conversation` or `add_sla`).
pub fn macro_actions() -> ArrayBuilder {
    actions(Owner::Macro)
}

/// The permissions a custom role may hold.
pub fn assignable_permissions() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(Permission::ASSIGNABLE.iter().map(|p| p.as_str()))),
        )
        .description(Some(
            "Permission names; settings reserved to administrators cannot be given",
        ))
}

fn string_or_integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
}

fn binary_files() -> ArrayBuilder {
    ArrayBuilder::new().items(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
    )
}

/// `GET …/messages` `meta`.
#[derive(Serialize, ToSchema)]
pub struct MessageListMeta {
    /// The conversation's labels.
    pub labels: Vec<String>,
    /// The conversation's additional attributes.
    pub additional_attributes: Attributes,
    /// The contact.
    pub contact: ContactPush,
    /// The assignee; absent when unassigned.
    #[schema(nullable = false)]
    pub assignee: Option<UserPush>,
    /// Unix seconds, 0 if never.
    pub agent_last_seen_at: i64,
    /// Unix seconds, 0 if never.
    pub assignee_last_seen_at: i64,
}

/// `GET …/messages`: `{meta, payload}`, oldest first.
#[derive(Serialize, ToSchema)]
pub struct MessageList {
    /// About the conversation.
    pub meta: MessageListMeta,
    /// Messages, ascending.
    pub payload: Vec<Message>,
}

// ---------------------------------------------------------------------------------------------
// Contacts

/// `meta` of contact lists.
#[derive(Serialize, ToSchema)]
pub struct ContactListMeta {
    /// Total matches.
    pub count: i64,
    /// The raw `page` parameter: a string when sent, the integer 1 otherwise.
    #[schema(schema_with = string_or_integer, example = "1")]
    pub current_page: Value,
}

/// `GET contacts`, `search`, `filter`, `active`: 15 per page.
#[derive(Serialize, ToSchema)]
pub struct ContactList {
    /// Count and page.
    pub meta: ContactListMeta,
    /// Contacts (with `contact_inboxes` unless `include_contact_inboxes=false`).
    pub payload: Vec<Contact>,
}

/// `{payload: contact}`.
#[derive(Serialize, ToSchema)]
pub struct ContactResponse {
    /// The contact, with `contact_inboxes`.
    pub payload: Contact,
}

/// The contact inbox created along with a contact.
#[derive(Serialize, ToSchema)]
pub struct CreatedContactInbox {
    /// The inbox, when `inbox_id` was given.
    #[schema(required = true)]
    pub inbox: Option<Inbox>,
    /// The source id, when `inbox_id` was given.
    #[schema(required = true)]
    pub source_id: Option<String>,
}

/// `POST contacts` payload.
#[derive(Serialize, ToSchema)]
pub struct CreatedContact {
    /// The contact.
    pub contact: Contact,
    /// Its inbox, if any.
    pub contact_inbox: CreatedContactInbox,
}

/// `POST contacts`: `{payload: {contact, contact_inbox}}`.
#[derive(Serialize, ToSchema)]
pub struct ContactCreateResponse {
    /// The result.
    pub payload: CreatedContact,
}

/// `{payload: [{source_id, inbox}]}`.
#[derive(Serialize, ToSchema)]
pub struct ContactInboxList {
    /// Inboxes.
    pub payload: Vec<ContactInboxRef>,
}

/// A note on a contact.
#[derive(Serialize, ToSchema)]
pub struct Note {
    /// Id.
    pub id: i64,
    /// Text.
    pub content: String,
    /// The account.
    pub account_id: i64,
    /// The contact.
    pub contact_id: i64,
    /// The author, if still a member.
    #[schema(required = true)]
    pub user: Option<Agent>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

// ---------------------------------------------------------------------------------------------
// Inboxes

/// `{payload: [inbox]}`.
#[derive(Serialize, ToSchema)]
pub struct InboxList {
    /// Inboxes.
    pub payload: Vec<Inbox>,
}

/// `{agent_bot: null}` (Atende has no agent bots).
#[derive(Serialize, ToSchema)]
pub struct AgentBotResponse {
    /// Always null.
    #[schema(required = true)]
    pub agent_bot: Option<Attributes>,
}

/// `{payload: [agent]}`.
#[derive(Serialize, ToSchema)]
pub struct AgentPayloadList {
    /// Agents.
    pub payload: Vec<Agent>,
}

// ---------------------------------------------------------------------------------------------
// Settings resources

/// A label.
#[derive(Serialize, ToSchema)]
pub struct Label {
    /// Id.
    pub id: i64,
    /// Title (lowercase).
    pub title: String,
    /// Description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// `#RRGGBB`.
    pub color: String,
    /// Shown in the sidebar.
    pub show_on_sidebar: bool,
}

/// `{payload: [label]}`.
#[derive(Serialize, ToSchema)]
pub struct LabelList {
    /// Labels.
    pub payload: Vec<Label>,
}

/// A canned response.
#[derive(Serialize, ToSchema)]
pub struct CannedResponse {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// The `/short_code` typed in the composer.
    pub short_code: String,
    /// The text (may use `{{ contact.name }}` variables).
    pub content: String,
    /// ISO 8601.
    pub created_at: DateTime<Utc>,
    /// ISO 8601.
    pub updated_at: DateTime<Utc>,
}

/// A custom attribute definition.
#[derive(Serialize, ToSchema)]
pub struct CustomAttributeDefinition {
    /// Id.
    pub id: i64,
    /// Label shown in the UI.
    pub attribute_display_name: String,
    /// How the value is entered.
    pub attribute_display_type: DisplayType,
    /// Description.
    #[schema(required = true)]
    pub attribute_description: Option<String>,
    /// The key in `custom_attributes`.
    pub attribute_key: String,
    /// Which records carry it.
    pub attribute_model: AttributeModel,
    /// Values must match this pattern.
    #[schema(required = true)]
    pub regex_pattern: Option<String>,
    /// Hint shown when the pattern does not match.
    #[schema(required = true)]
    pub regex_cue: Option<String>,
    /// The options of a `list` attribute.
    pub attribute_values: Vec<String>,
    /// Default value.
    #[schema(required = true, value_type = Option<Object>)]
    pub default_value: Option<Value>,
    /// ISO 8601.
    pub created_at: DateTime<Utc>,
    /// ISO 8601.
    pub updated_at: DateTime<Utc>,
}

/// A custom role.
#[derive(Serialize, ToSchema)]
pub struct CustomRole {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// What its members may do.
    pub permissions: Vec<Permission>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The inbox a webhook is limited to.
#[derive(Serialize, ToSchema)]
pub struct WebhookInbox {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// An account webhook.
#[derive(Serialize, ToSchema)]
pub struct Webhook {
    /// Id.
    pub id: i64,
    /// Name.
    #[schema(required = true)]
    pub name: Option<String>,
    /// Where events are POSTed.
    pub url: String,
    /// The account.
    pub account_id: i64,
    /// Event names (`conversation_created`, `message_created`, ...).
    pub subscriptions: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled automatically, if it was.
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    /// Only events of this inbox; absent for the whole account.
    #[schema(nullable = false)]
    pub inbox: Option<WebhookInbox>,
    /// The signing secret: **only** in the create response.
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

/// `{webhooks: [..]}`.
#[derive(Serialize, ToSchema)]
pub struct WebhookListPayload {
    /// Webhooks.
    pub webhooks: Vec<Webhook>,
}

/// `GET webhooks`: `{payload: {webhooks: [..]}}`.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    /// Wrapper.
    pub payload: WebhookListPayload,
}

/// `{webhook: {..}}`.
#[derive(Serialize, ToSchema)]
pub struct WebhookPayload {
    /// The webhook.
    pub webhook: Webhook,
}

/// `{payload: {webhook: {..}}}`.
#[derive(Serialize, ToSchema)]
pub struct WebhookResponse {
    /// Wrapper.
    pub payload: WebhookPayload,
}

/// One delivery of a webhook event.
#[derive(Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// Id.
    pub id: i64,
    /// The event name.
    pub event: String,
    /// The `X-Atende-Delivery` id (the same on every attempt).
    pub delivery_id: uuid::Uuid,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// HTTP status of the last attempt.
    #[schema(required = true)]
    pub last_status: Option<i32>,
    /// Error of the last attempt.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// Latency of the last attempt.
    #[schema(required = true)]
    pub last_latency_ms: Option<i32>,
    /// ISO 8601.
    pub created_at: DateTime<Utc>,
    /// ISO 8601, when delivered or given up.
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
}

/// `{payload: [delivery]}`, newest first.
#[derive(Serialize, ToSchema)]
pub struct WebhookDeliveryList {
    /// The last 100 deliveries.
    pub payload: Vec<WebhookDelivery>,
}

// ---------------------------------------------------------------------------------------------
// Account and profile

/// `settings` of an account.
#[derive(Serialize, ToSchema)]
pub struct AccountSettings {
    /// Minutes of inactivity after which conversations resolve.
    #[schema(required = true)]
    pub auto_resolve_after: Option<i32>,
}

/// An account.
#[derive(Serialize, ToSchema)]
pub struct Account {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `en` or `pt-BR`.
    #[schema(example = "pt-BR")]
    pub locale: String,
    /// IANA time zone.
    pub timezone: String,
    /// Chatwoot's `domain` setting.
    #[schema(required = true)]
    pub domain: Option<String>,
    /// Sender address of account e-mail.
    #[schema(required = true)]
    pub support_email: Option<String>,
    /// `active` or `suspended`.
    pub status: AccountStatus,
    /// Always `{}`.
    pub features: Attributes,
    /// Settings.
    pub settings: AccountSettings,
    /// Free-form attributes.
    pub custom_attributes: Attributes,
    /// Always `{}`.
    pub cache_keys: Attributes,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Atende's version.
    pub latest_chatwoot_version: String,
}

/// A custom role inside a membership.
#[derive(Serialize, ToSchema)]
pub struct MembershipCustomRole {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// Permissions.
    pub permissions: Vec<Permission>,
}

/// One of the user's accounts.
#[derive(Serialize, ToSchema)]
pub struct Membership {
    /// The account's id.
    pub id: i64,
    /// The account's name.
    pub name: String,
    /// The account's status.
    pub status: AccountStatus,
    /// When the user last used it.
    #[schema(required = true)]
    pub active_at: Option<DateTime<Utc>>,
    /// Role.
    pub role: Role,
    /// `["administrator"]`, `["agent"]`, or a custom role's permissions plus `"custom_role"`.
    pub permissions: Vec<String>,
    /// Availability in this account.
    pub availability: Availability,
    /// Same as `availability`.
    pub availability_status: Availability,
    /// Goes offline when signed out.
    pub auto_offline: bool,
    /// Custom role id.
    #[schema(required = true)]
    pub custom_role_id: Option<i64>,
    /// Custom role.
    #[schema(required = true)]
    pub custom_role: Option<MembershipCustomRole>,
}

/// The caller's user (`views/api/v1/models/_user`).
#[derive(Serialize, ToSchema)]
pub struct Profile {
    /// Id.
    pub id: i64,
    /// The token the caller used (after `reset_access_token`, the new one).
    pub access_token: String,
    /// The active account (most recently used).
    #[schema(required = true)]
    pub account_id: Option<i64>,
    /// `display_name` when set, else `name`.
    pub available_name: String,
    /// Always `""`.
    pub avatar_url: String,
    /// Always true.
    pub confirmed: bool,
    /// Name shown to customers.
    #[schema(required = true)]
    pub display_name: Option<String>,
    /// Signature appended to replies.
    #[schema(required = true)]
    pub message_signature: Option<String>,
    /// Sign-in address.
    pub email: String,
    /// Always `""`.
    pub hmac_identifier: String,
    /// Always null.
    #[schema(required = true)]
    pub inviter_id: Option<i64>,
    /// Full name.
    pub name: String,
    /// Phone number.
    #[schema(required = true)]
    pub phone_number: Option<String>,
    /// `en`, `pt-BR`, or null (follow the browser).
    #[schema(required = true)]
    pub locale: Option<String>,
    /// Always `"email"`.
    pub provider: String,
    /// Always null.
    #[schema(required = true)]
    pub pubsub_token: Option<String>,
    /// Role in the active account.
    #[schema(required = true)]
    pub role: Option<Role>,
    /// UI preferences.
    pub ui_settings: Attributes,
    /// Same as `email`.
    pub uid: String,
    /// Always null.
    #[serde(rename = "type")]
    #[schema(required = true)]
    pub kind: Option<String>,
    /// Every membership.
    pub accounts: Vec<Membership>,
}

// ---------------------------------------------------------------------------------------------
// Operations

/// `GET /api` (Chatwoot): version and service health.
#[derive(Serialize, ToSchema)]
pub struct ApiInfo {
    /// Atende's version.
    #[schema(example = "0.1.0")]
    pub version: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    #[schema(example = "2026-01-15 10:20:30")]
    pub timestamp: String,
    /// `ok` or `failing`.
    pub queue_services: String,
    /// `ok` or `failing`.
    pub data_services: String,
}

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
}

/// `GET /readyz`.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not ready`.
    pub status: String,
    /// `ok` or `unreachable`.
    pub database: String,
    /// `ok` or `pending`.
    pub migrations: String,
}

/// One message variable.
#[derive(Serialize, ToSchema)]
pub struct Variable {
    /// The path written between the braces, e.g. `contact.first_name`.
    pub key: String,
    /// `standard`, `contact_attribute` or `conversation_attribute`.
    pub kind: String,
    /// What it stands for, in Brazilian Portuguese.
    pub description_pt_br: String,
    /// What it stands for, in English.
    pub description_en: String,
}

/// `{payload: [variable]}`.
#[derive(Serialize, ToSchema)]
pub struct VariableList {
    /// The catalogue.
    pub payload: Vec<Variable>,
}

/// A rendered text and what it could not fill.
#[derive(Serialize, ToSchema)]
pub struct VariablePreview {
    /// The rendered text.
    pub content: String,
    /// Variables whose fallback was used.
    pub fell_back: Vec<String>,
    /// Variables rendered as nothing (missing, no fallback).
    pub empty: Vec<String>,
    /// Variables that do not exist (likely typos); also listed in `fell_back` or `empty`.
    pub unknown: Vec<String>,
    /// Whether a size bound stopped rendering.
    pub limited: bool,
}

/// A file uploaded for `send_attachment`, under a rule or a macro.
#[derive(Serialize, ToSchema)]
pub struct AutomationFile {
    /// Id (the same as `blob_id`).
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Content type.
    pub file_type: String,
    /// Not served (always null).
    pub file_url: Option<String>,
    /// The id to name in `send_attachment` params.
    pub blob_id: i64,
    /// File name.
    pub filename: String,
    /// Size in bytes.
    pub byte_size: i64,
}

/// An automation rule.
#[derive(Serialize, ToSchema)]
pub struct AutomationRule {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The event it listens to.
    pub event_name: String,
    /// `[{attribute_key, filter_operator, values, query_operator, custom_attribute_type}]`.
    pub conditions: Vec<serde_json::Value>,
    /// `[{action_name, action_params}]`.
    pub actions: Vec<serde_json::Value>,
    /// Creation time (Unix seconds).
    pub created_on: i64,
    /// Whether it runs.
    pub active: bool,
    /// Files of its `send_attachment` actions.
    pub files: Vec<AutomationFile>,
    /// When it last evaluated an event (ISO 8601).
    pub last_run_at: Option<String>,
}

/// `{payload: [rule]}`.
#[derive(Serialize, ToSchema)]
pub struct AutomationRuleList {
    /// Rules.
    pub payload: Vec<AutomationRule>,
}

/// `{payload: rule}`.
#[derive(Serialize, ToSchema)]
pub struct AutomationRulePayload {
    /// The rule.
    pub payload: AutomationRule,
}

/// The result of one action in a run.
#[derive(Serialize, ToSchema)]
pub struct AutomationActionResult {
    /// The action.
    pub action_name: String,
    /// Whether it did its job.
    pub ok: bool,
    /// What it did, or why it failed.
    pub detail: String,
}

/// One evaluation of a rule.
#[derive(Serialize, ToSchema)]
pub struct AutomationRun {
    /// Id.
    pub id: i64,
    /// The event evaluated.
    pub event_id: i64,
    /// The conversation's display id (null once deleted).
    pub conversation_id: Option<i64>,
    /// Whether the conditions held.
    pub matched: bool,
    /// The first condition that was false (0-based).
    pub failed_condition: Option<i32>,
    /// That condition in words, or why the rule could not be evaluated.
    pub failed_reason: Option<String>,
    /// The actions' results, in order.
    pub results: Vec<AutomationActionResult>,
    /// `running` or `done`.
    pub state: String,
    /// ISO 8601.
    pub created_at: String,
}

/// `{payload: [run]}`.
#[derive(Serialize, ToSchema)]
pub struct AutomationRunList {
    /// The last 100 evaluations, newest first.
    pub payload: Vec<AutomationRun>,
}

/// An uploaded file's id.
#[derive(Serialize, ToSchema)]
pub struct UploadedBlob {
    /// The id as text (Chatwoot's signed blob id).
    pub blob_key: String,
    /// The id to name in `send_attachment` params.
    pub blob_id: i64,
    /// File name.
    pub filename: String,
    /// Content type.
    pub file_type: String,
    /// Size in bytes.
    pub byte_size: i64,
}

/// The author or editor of a macro.
#[derive(Serialize, ToSchema)]
pub struct MacroPerson {
    /// User id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
}

/// A macro.
#[derive(Serialize, ToSchema)]
pub struct Macro {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Name.
    pub name: String,
    /// `personal` or `global`.
    pub visibility: String,
    /// `[{action_name, action_params}]`.
    pub actions: Vec<serde_json::Value>,
    /// Author.
    pub created_by: Option<MacroPerson>,
    /// Last editor.
    pub updated_by: Option<MacroPerson>,
    /// Files of its `send_attachment` actions.
    pub files: Vec<AutomationFile>,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601.
    pub updated_at: String,
}

/// `{payload: [macro]}`.
#[derive(Serialize, ToSchema)]
pub struct MacroList {
    /// Macros.
    pub payload: Vec<Macro>,
}

/// `{payload: macro}`.
#[derive(Serialize, ToSchema)]
pub struct MacroPayload {
    /// The macro.
    pub payload: Macro,
}
