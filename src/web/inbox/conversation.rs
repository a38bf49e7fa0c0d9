//! The open conversation: header with the status actions, the thread, the composer, and the
//! panel with the contact, the conversation's assignment, labels and attributes, and the
//! contact's previous conversations. Opening it marks it seen.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};

use super::composer::Composer;
use super::format::{self, contact_name, excerpt};
use super::list::{InboxPage, priority_name, status_name};
use super::query::InboxQuery;
use super::{Chip, Scope, fragment_target};
use crate::auth::context::Actor;
use crate::contacts::model::Contact;
use crate::conversations::model::{Priority, Status};
use crate::conversations::repo::ConversationView;
use crate::conversations::service as conversations;
use crate::custom_attributes::{self, AttributeModel, DisplayType};
use crate::error::Result;
use crate::i18n::Locale;
use crate::messages::model::{MessageStatus, MessageType, MessageView, Sender};
use crate::messages::service as messages;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::form::FormErrors;
use crate::web::labels::Choice;
use crate::web::session::{WebCtx, no_store};

/// Messages a page of the thread holds (the service's page size).
const THREAD_PAGE: usize = 20;

/// The top of the conversation.
#[derive(Clone, Debug)]
pub struct Header {
    /// Contact name.
    pub contact_name: String,
    /// Inbox name.
    pub inbox_name: String,
    /// Status value.
    pub status: String,
    /// Status name.
    pub status_label: String,
    /// End of the snooze, formatted.
    pub snoozed_until: Option<String>,
    /// Whether the contact is blocked (the conversation muted).
    pub muted: bool,
    /// Earliest custom snooze (`datetime-local`).
    pub snooze_min: String,
}

/// The contact card, as stored or as submitted.
#[derive(Clone, Debug, Default)]
pub struct ContactCard {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone_number: String,
    /// Shown name.
    pub display_name: String,
}

impl ContactCard {
    fn of(contact: &Contact) -> Self {
        ContactCard {
            name: contact.name.clone(),
            email: contact.email.clone().unwrap_or_default(),
            phone_number: contact.phone_number.clone().unwrap_or_default(),
            display_name: contact_name(contact),
        }
    }
}

/// One custom attribute field.
#[derive(Clone, Debug)]
pub struct AttributeField {
    /// Key (the input is named `attr_<key>`).
    pub key: String,
    /// Shown name.
    pub label: String,
    /// `text`, `number`, `date`, `url`, `checkbox` or `list`.
    pub kind: &'static str,
    /// Current value as text.
    pub value: String,
    /// Options of a list.
    pub options: Vec<Choice>,
}

/// A previous conversation of the contact.
#[derive(Clone, Debug)]
pub struct Previous {
    /// Link.
    pub href: String,
    /// Display id.
    pub display_id: i64,
    /// Status name.
    pub status: String,
    /// Last message.
    pub excerpt: String,
    /// Last activity.
    pub time: String,
}

/// The side panel.
#[derive(Clone, Debug)]
pub struct Details {
    /// The contact.
    pub contact: ContactCard,
    /// Contact page, for members who manage contacts.
    pub contact_href: Option<String>,
    /// Whether the member may edit the contact.
    pub can_edit_contact: bool,
    /// Refused contact fields.
    pub contact_errors: FormErrors,
    /// A confirmation after saving the contact.
    pub contact_saved: bool,
    /// Whether the member may assign others and teams.
    pub can_assign: bool,
    /// Assignee options ("" for nobody).
    pub assignees: Vec<Choice>,
    /// The assignee's name.
    pub assignee_name: Option<String>,
    /// Whether the member is the assignee.
    pub assigned_to_me: bool,
    /// Team options.
    pub teams: Vec<Choice>,
    /// Priority options.
    pub priorities: Vec<Choice>,
    /// Applied labels.
    pub labels: Vec<Chip>,
    /// Labels that may be added.
    pub addable_labels: Vec<Choice>,
    /// Custom attributes.
    pub attributes: Vec<AttributeField>,
    /// Other conversations of the contact.
    pub previous: Vec<Previous>,
    /// The macros the member may run (global ones and their own).
    pub macros: Vec<Choice>,
    /// A confirmation after queueing a macro.
    pub macro_queued: bool,
}

/// A message as the thread shows it.
#[derive(Clone, Debug)]
pub struct MessageItem {
    /// Id.
    pub id: i64,
    /// `incoming`, `outgoing`, `note`, `activity`.
    pub kind: &'static str,
    /// Sender name.
    pub sender: String,
    /// Text.
    pub content: String,
    /// Time, formatted.
    pub time: String,
    /// Time, RFC 3339.
    pub time_iso: String,
    /// Files.
    pub attachments: Vec<AttachmentItem>,
    /// Delivery state value and name (outgoing replies).
    pub status: Option<(String, String)>,
    /// The channel's error of a failed message.
    pub error: Option<String>,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// A file of a message.
#[derive(Clone, Debug)]
pub struct AttachmentItem {
    /// Where it opens.
    pub url: String,
    /// File name.
    pub name: String,
    /// Whether it shows as an image.
    pub image: bool,
    /// Size, formatted.
    pub size: String,
}

impl MessageItem {
    /// The item of `view`.
    pub fn new(app: &AppState, scope: &Scope, view: &MessageView) -> Self {
        let tr = scope.tr;
        let m = &view.message;
        let kind = match (m.message_type, m.private) {
            (MessageType::Activity, _) => "activity",
            (_, true) => "note",
            (MessageType::Incoming, _) => "incoming",
            _ => "outgoing",
        };
        let sender = match &view.sender {
            Some(Sender::User { available_name, .. }) => available_name.clone(),
            Some(Sender::Contact(contact)) => contact_name(contact),
            None if m.is_automated() => tr.t("inbox-sender-automation"),
            None => tr.t("app-name"),
        };
        let deleted = m
            .content_attributes
            .get("deleted")
            .and_then(|v| v.as_bool())
            == Some(true);
        let content = if deleted {
            tr.t("message-deleted")
        } else {
            m.content.clone().unwrap_or_default()
        };
        let delivery = kind == "outgoing" && m.message_type != MessageType::Activity;
        let attachments = view
            .attachments
            .iter()
            .map(|a| AttachmentItem {
                url: match &a.external_url {
                    Some(u) if u.starts_with("https://") || u.starts_with("http://") => u.clone(),
                    _ => crate::storage::path(app, a.id, a.filename.as_deref()),
                },
                name: a
                    .filename
                    .clone()
                    .unwrap_or_else(|| tr.t("inbox-attachment-file")),
                image: a.file_type == "image" && a.storage_key.is_some(),
                size: format::size(a.byte_size),
            })
            .collect();
        MessageItem {
            id: m.id.0,
            kind,
            sender,
            content,
            time: scope.times.long(m.created_at),
            time_iso: format::iso(m.created_at),
            attachments,
            status: delivery.then(|| {
                (
                    m.status.as_str().to_owned(),
                    tr.t(&format!("inbox-delivery-{}", m.status.as_str())),
                )
            }),
            error: (delivery && m.status == MessageStatus::Failed).then(|| {
                m.external_error
                    .clone()
                    .unwrap_or_else(|| tr.t("inbox-delivery-no-reason"))
            }),
            deleted,
        }
    }
}

/// The thread.
#[derive(Clone, Debug, Default)]
pub struct Thread {
    /// Messages, oldest first.
    pub messages: Vec<MessageItem>,
    /// URL of the messages before the first one, when there may be some.
    pub older: Option<String>,
}

/// The open conversation.
#[derive(Clone, Debug)]
pub struct Pane {
    /// Display id.
    pub display_id: i64,
    /// `…/conversations/{id}`: where its actions post.
    pub href: String,
    /// Back to the list (small screens).
    pub back_href: String,
    /// Contact id (live contact updates).
    pub contact_id: i64,
    /// Header.
    pub header: Header,
    /// Side panel.
    pub details: Details,
    /// Thread (empty in header and panel fragments).
    pub thread: Thread,
    /// Composer.
    pub composer: Composer,
    /// Why the last change was refused (pages without JavaScript).
    pub alert: Option<String>,
}

fn older_href(scope: &Scope, display_id: i64, items: &[MessageItem]) -> Option<String> {
    (items.len() >= THREAD_PAGE).then(|| {
        format!(
            "{}/messages?before={}",
            scope.conversation_href(display_id),
            items.first().map_or(0, |m| m.id)
        )
    })
}

async fn details(
    app: &AppState,
    web: &WebCtx,
    scope: &Scope,
    view: &ConversationView,
) -> Result<Details> {
    let tr = scope.tr;
    let ctx = &web.ctx;
    let c = &view.conversation;
    let can_contacts = ctx.can(Permission::ContactManage);
    let can_assign = ctx.can(Permission::ConversationManage) || ctx.can(Permission::TeamManage);
    let assignee_value = c.assignee_id.map(|u| u.to_string()).unwrap_or_default();
    let mut assignees = vec![Choice::new("", tr.t("inbox-nobody"), &assignee_value)];
    if can_assign {
        assignees.extend(
            crate::accounts::agents::list(app, ctx)
                .await?
                .into_iter()
                .map(|a| Choice::new(a.user_id.to_string(), a.available_name(), &assignee_value)),
        );
    }
    let team_value = c.team_id.map(|t| t.to_string()).unwrap_or_default();
    let mut teams = vec![Choice::new("", tr.t("inbox-no-team"), &team_value)];
    teams.extend(
        crate::teams::list(app, ctx)
            .await?
            .into_iter()
            .map(|t| Choice::new(t.info.id.to_string(), t.info.name, &team_value)),
    );
    let priority_value = c.priority.map(|p| p.as_str()).unwrap_or_default();
    let mut priorities = vec![Choice::new("", tr.t("inbox-no-priority"), priority_value)];
    priorities.extend(
        [
            Priority::Urgent,
            Priority::High,
            Priority::Medium,
            Priority::Low,
        ]
        .into_iter()
        .map(|p| Choice::new(p.as_str(), priority_name(tr, p), priority_value)),
    );
    let mut addable: Vec<&String> = scope
        .label_colors
        .keys()
        .filter(|l| !c.labels.contains(l))
        .collect();
    addable.sort();
    let attributes = custom_attributes::list(app, ctx, Some(AttributeModel::ConversationAttribute))
        .await?
        .into_iter()
        .map(|d| {
            let value = match c.custom_attributes.get(&d.attribute_key) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let options = d
                .attribute_values
                .as_array()
                .map(|values| {
                    values
                        .iter()
                        .filter_map(|v| v.as_str())
                        .map(|v| Choice::new(v, v, &value))
                        .collect()
                })
                .unwrap_or_default();
            AttributeField {
                kind: match d.attribute_display_type {
                    DisplayType::Number | DisplayType::Currency | DisplayType::Percent => "number",
                    DisplayType::Date => "date",
                    DisplayType::Link => "url",
                    DisplayType::Checkbox => "checkbox",
                    DisplayType::List => "list",
                    DisplayType::Text => "text",
                },
                key: d.attribute_key,
                label: d.attribute_display_name,
                value,
                options,
            }
        })
        .collect();
    let previous = if can_contacts {
        conversations::of_contact(app, &scope.actor, view.contact.id)
            .await?
            .into_iter()
            .filter(|p| p.conversation.id != c.id)
            .take(5)
            .map(|p| Previous {
                href: scope.conversation_href(p.conversation.display_id),
                display_id: p.conversation.display_id,
                status: status_name(tr, p.conversation.status),
                excerpt: p
                    .last_non_activity_message
                    .as_ref()
                    .and_then(|m| m.message.content.as_deref())
                    .map(|t| excerpt(t, 60))
                    .unwrap_or_default(),
                time: scope.times.short(p.conversation.last_activity_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Details {
        contact: ContactCard::of(&view.contact),
        contact_href: can_contacts.then(|| format!("{}/contacts/{}", scope.base, view.contact.id)),
        can_edit_contact: can_contacts,
        contact_errors: FormErrors::default(),
        contact_saved: false,
        can_assign,
        assignee_name: view
            .assignee
            .as_ref()
            .map(|a| a.available_name().to_owned()),
        assigned_to_me: c.assignee_id == Some(ctx.user.id),
        assignees,
        teams,
        priorities,
        labels: scope.chips(&c.labels),
        addable_labels: addable
            .into_iter()
            .map(|l| Choice::new(l.as_str(), l.as_str(), ""))
            .collect(),
        attributes,
        previous,
        macros: crate::macros::runnable(app, ctx)
            .await?
            .into_iter()
            .map(|m| Choice::new(m.id.to_string(), m.name, ""))
            .collect(),
        macro_queued: false,
    })
}

impl Pane {
    /// The pane of `view`; the thread is loaded when `with_thread`.
    pub async fn load(
        app: &AppState,
        web: &WebCtx,
        scope: &Scope,
        view: &ConversationView,
        query: &InboxQuery,
        with_thread: bool,
    ) -> Result<Self> {
        let c = &view.conversation;
        let tr = scope.tr;
        let header = Header {
            contact_name: contact_name(&view.contact),
            inbox_name: view.inbox_name.clone(),
            status: c.status.as_str().to_owned(),
            status_label: status_name(tr, c.status),
            snoozed_until: c
                .snoozed_until
                .filter(|_| c.status == Status::Snoozed)
                .map(|t| scope.times.long(t)),
            muted: view.contact.blocked,
            snooze_min: scope.times.input_value(scope.times.now()),
        };
        let thread = if with_thread {
            let (_, views) =
                messages::list(app, &scope.actor, c.display_id, None, None, true).await?;
            let items: Vec<MessageItem> = views
                .iter()
                .map(|v| MessageItem::new(app, scope, v))
                .collect();
            Thread {
                older: older_href(scope, c.display_id, &items),
                messages: items,
            }
        } else {
            Thread::default()
        };
        let href = scope.conversation_href(c.display_id);
        Ok(Pane {
            display_id: c.display_id,
            back_href: format!("{}/conversations{}", scope.base, query.suffix()),
            contact_id: view.contact.id.0,
            header,
            details: details(app, web, scope, view).await?,
            thread,
            composer: Composer::new(&href, false),
            href,
            alert: None,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/pane_fragment.html")]
struct PaneFragment {
    tr: Locale,
    pane: Pane,
    title: String,
}

/// Renders the conversation page (or its pane for htmx) with `pane`.
pub async fn render(
    app: &AppState,
    web: &WebCtx,
    scope: &Scope,
    query: &InboxQuery,
    pane: Pane,
    headers: &HeaderMap,
) -> Result<Response> {
    if fragment_target(headers) == Some("conversation-pane") {
        let title = format!(
            "{} · #{} · {}",
            pane.header.contact_name,
            pane.display_id,
            web.tr.t("app-name")
        );
        return Ok(no_store(
            PaneFragment {
                tr: web.tr,
                pane,
                title,
            }
            .into_response(),
        ));
    }
    let page = InboxPage::load(app, web, scope, query, Some(pane)).await?;
    Ok(no_store(page.into_response()))
}

/// `GET …/conversations/{id}`: the inbox with the conversation open, marked seen.
pub async fn show_conversation(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    query: InboxQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let view = conversations::mark_seen(&app, &scope.actor, display_id, false).await?;
    let pane = Pane::load(&app, &web, &scope, &view, &query, true).await?;
    render(&app, &web, &scope, &query, pane, &headers).await
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/header_fragment.html")]
struct HeaderFragment {
    tr: Locale,
    pane: Pane,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/details_fragment.html")]
pub struct DetailsFragment {
    /// Page language.
    pub tr: Locale,
    /// The conversation (its details part is rendered).
    pub pane: Pane,
}

/// The pane of a conversation the member may see, without its thread.
pub async fn pane_without_thread(
    app: &AppState,
    web: &WebCtx,
    scope: &Scope,
    display_id: i64,
) -> Result<Pane> {
    let view = conversations::get(app, &scope.actor, display_id).await?;
    Pane::load(app, web, scope, &view, &InboxQuery::default(), false).await
}

/// `GET …/conversations/{id}/header`: the header, after a change.
pub async fn header_fragment(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let pane = pane_without_thread(&app, &web, &scope, display_id).await?;
    Ok(no_store(
        HeaderFragment { tr: web.tr, pane }.into_response(),
    ))
}

/// `GET …/conversations/{id}/details`: the side panel, after a change.
pub async fn details_fragment(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let pane = pane_without_thread(&app, &web, &scope, display_id).await?;
    Ok(no_store(
        DetailsFragment { tr: web.tr, pane }.into_response(),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/messages_fragment.html")]
struct MessagesFragment {
    tr: Locale,
    pane: ThreadOnly,
}

/// What the messages partial reads (`pane.thread`).
struct ThreadOnly {
    thread: Thread,
}

fn int_param(uri: &Uri, name: &str) -> Option<i64> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// `GET …/conversations/{id}/messages?after=|before=|only=`: messages after one (live
/// updates), a page before one (older ones, with the link to the page before), or one message
/// again (its delivery state changed).
pub async fn messages_fragment(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    uri: Uri,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let (before, after, only) = (
        int_param(&uri, "before"),
        int_param(&uri, "after"),
        int_param(&uri, "only"),
    );
    let (before, after) = match only {
        Some(id) => (Some(id + 1), Some(id - 1)),
        None => (before, after),
    };
    let actor: &Actor = &scope.actor;
    let (_, views) = messages::list(&app, actor, display_id, before, after, true).await?;
    let items: Vec<MessageItem> = views
        .iter()
        .map(|v| MessageItem::new(&app, &scope, v))
        .collect();
    let older = if before.is_some() && after.is_none() {
        older_href(&scope, display_id, &items)
    } else {
        None
    };
    let pane = ThreadOnly {
        thread: Thread {
            messages: items,
            older,
        },
    };
    Ok(no_store(
        MessagesFragment { tr: web.tr, pane }.into_response(),
    ))
}
