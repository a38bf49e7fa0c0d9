//! The contacts pages: the list with search, a label filter and pages; a contact with its
//! conversations and notes; creating and editing one; starting a conversation with a contact
//! in an inbox the member may use. Every page needs [`Permission::ContactManage`] (the 403
//! page otherwise); the services check it again.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::auth::context::Actor;
use crate::contacts::model::Contact;
use crate::contacts::notes;
use crate::contacts::service::{self as contacts, ContactInput, PAGE_SIZE};
use crate::conversations::service::{self as conversations, NewConversation};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::{ContactId, InboxId};
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash::{self, Flash};
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{WebCtx, no_store};

/// Routes of the contacts pages.
pub fn router() -> Router<AppState> {
    let c = "/app/accounts/{account_id}/contacts";
    Router::new()
        .route(c, get(list_contacts).post(create_contact))
        .route(&format!("{c}/new"), get(new_contact))
        .route(
            &format!("{c}/{{id}}"),
            get(show_contact).post(update_contact),
        )
        .route(&format!("{c}/{{id}}/edit"), get(edit_contact))
        .route(&format!("{c}/{{id}}/notes"), post(add_note))
        .route(
            &format!("{c}/{{id}}/notes/{{note_id}}/delete"),
            post(delete_note),
        )
        .route(
            &format!("{c}/{{id}}/conversations"),
            post(start_conversation),
        )
}

fn actor(web: &WebCtx) -> Result<Actor> {
    web.ctx.require(Permission::ContactManage)?;
    Ok(Actor::Member(web.ctx.clone()))
}

fn name_of(contact: &Contact) -> String {
    let name = contact.name.trim();
    if name.is_empty() {
        [&contact.phone_number, &contact.email, &contact.identifier]
            .into_iter()
            .flatten()
            .next()
            .cloned()
            .unwrap_or_else(|| format!("#{}", contact.id))
    } else {
        name.to_owned()
    }
}

/// A contact as a list shows it.
struct ContactRow {
    href: String,
    name: String,
    email: String,
    phone: String,
    labels: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts/index.html")]
struct ContactsPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    q: String,
    labels: Vec<Choice>,
    rows: Vec<ContactRow>,
    page_of: String,
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
}

fn query_value(uri: &Uri, name: &str) -> String {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == name)
        .last()
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// `GET …/contacts?q=&label=&page=`.
async fn list_contacts(State(app): State<AppState>, web: WebCtx, uri: Uri) -> Result<Response> {
    let actor = actor(&web)?;
    let (q, label) = (query_value(&uri, "q"), query_value(&uri, "label"));
    let page = query_value(&uri, "page")
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, 100_000);
    let labels: Vec<String> = if label.is_empty() {
        Vec::new()
    } else {
        vec![label.clone()]
    };
    let (found, total) = if q.is_empty() {
        contacts::list(&app, &actor, page, Some("name"), &labels).await?
    } else {
        contacts::search_labeled(&app, &actor, &q, &labels, page, Some("name")).await?
    };
    let base = web.nav.base();
    let link = |page: i64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !q.is_empty() {
            s.append_pair("q", &q);
        }
        if !label.is_empty() {
            s.append_pair("label", &label);
        }
        s.append_pair("page", &page.to_string());
        format!("{base}/contacts?{}", s.finish())
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let mut label_choices = vec![Choice::new("", web.tr.t("contacts-any-label"), &label)];
    label_choices.extend(
        crate::labels::list(&app, &web.ctx)
            .await?
            .into_iter()
            .map(|l| Choice::new(l.title.clone(), l.title, &label)),
    );
    let rows = found
        .iter()
        .map(|c| ContactRow {
            href: format!("{base}/contacts/{}", c.id),
            name: name_of(c),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone_number.clone().unwrap_or_default(),
            labels: c.labels.clone(),
        })
        .collect();
    let (prev, next) = (
        (page > 1).then(|| link(page - 1)),
        (page < pages).then(|| link(page + 1)),
    );
    let page_of = web.tr.t_args(
        "contacts-page-of",
        &[
            ("page", page.into()),
            ("pages", pages.into()),
            ("total", total.into()),
        ],
    );
    let page_view = ContactsPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: flash::take(&web.session, web.tr).await,
        filtered: !q.is_empty() || !label.is_empty(),
        q,
        labels: label_choices,
        rows,
        prev,
        next,
        page_of,
    };
    Ok(no_store(page_view.into_response()))
}

const CONTACT_FIELDS: &[&str] = &["name", "email", "phone_number", "identifier"];

/// The contact form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct ContactForm {
    name: String,
    email: String,
    phone_number: String,
    identifier: String,
}

impl ContactForm {
    fn of(c: &Contact) -> Self {
        ContactForm {
            name: c.name.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone_number: c.phone_number.clone().unwrap_or_default(),
            identifier: c.identifier.clone().unwrap_or_default(),
        }
    }

    fn input(&self) -> ContactInput {
        ContactInput {
            name: Some(self.name.clone()),
            email: Some(Some(self.email.clone())),
            phone_number: Some(Some(self.phone_number.clone())),
            identifier: Some(Some(self.identifier.clone())),
            ..ContactInput::default()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts/form.html")]
struct ContactFormPage {
    tr: Locale,
    nav: Nav,
    /// The contact edited, or `None` for a new one.
    editing: Option<i64>,
    form: ContactForm,
    errors: FormErrors,
}

impl ContactFormPage {
    fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("{}/contacts/{id}", self.nav.base()),
            None => format!("{}/contacts", self.nav.base()),
        }
    }

    fn back(&self) -> String {
        match self.editing {
            Some(id) => format!("{}/contacts/{id}", self.nav.base()),
            None => format!("{}/contacts", self.nav.base()),
        }
    }
}

/// `GET …/contacts/new`.
async fn new_contact(web: WebCtx) -> Result<Response> {
    actor(&web)?;
    let page = ContactFormPage {
        tr: web.tr,
        nav: web.nav,
        editing: None,
        form: ContactForm::default(),
        errors: FormErrors::default(),
    };
    Ok(no_store(page.into_response()))
}

/// `POST …/contacts`.
async fn create_contact(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<ContactForm>,
) -> Result<Response> {
    let actor = actor(&web)?;
    match contacts::create(&app, &actor, form.input())
        .await
        .or_invalid()?
    {
        Ok((contact, _)) => {
            flash::set(&web.session, Flash::ContactCreated(name_of(&contact))).await?;
            Ok(see_other(
                htmx,
                &format!("{}/contacts/{}", web.nav.base(), contact.id),
            ))
        }
        Err(errors) => Ok(unprocessable(ContactFormPage {
            errors: FormErrors::new(web.tr, &errors, CONTACT_FIELDS),
            tr: web.tr,
            nav: web.nav,
            editing: None,
            form,
        })),
    }
}

/// `GET …/contacts/{id}/edit`.
async fn edit_contact(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    let actor = actor(&web)?;
    let contact = contacts::get(&app, &actor, ContactId(id)).await?;
    let page = ContactFormPage {
        tr: web.tr,
        nav: web.nav,
        editing: Some(id),
        form: ContactForm::of(&contact),
        errors: FormErrors::default(),
    };
    Ok(no_store(page.into_response()))
}

/// `POST …/contacts/{id}`.
async fn update_contact(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<ContactForm>,
) -> Result<Response> {
    let actor = actor(&web)?;
    match contacts::update(&app, &actor, ContactId(id), form.input())
        .await
        .or_invalid()?
    {
        Ok(contact) => {
            flash::set(&web.session, Flash::ContactUpdated(name_of(&contact))).await?;
            Ok(see_other(
                htmx,
                &format!("{}/contacts/{id}", web.nav.base()),
            ))
        }
        Err(errors) => Ok(unprocessable(ContactFormPage {
            errors: FormErrors::new(web.tr, &errors, CONTACT_FIELDS),
            tr: web.tr,
            nav: web.nav,
            editing: Some(id),
            form,
        })),
    }
}

/// A conversation of the contact.
struct ConversationLine {
    href: String,
    display_id: i64,
    status: String,
    inbox: String,
    excerpt: String,
}

/// A note.
struct NoteLine {
    id: i64,
    content: String,
    author: String,
    time: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts/show.html")]
struct ContactPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    contact_id: i64,
    name: String,
    form: ContactForm,
    labels: Vec<String>,
    created: String,
    conversations: Vec<ConversationLine>,
    notes: Vec<NoteLine>,
    inboxes: Vec<Choice>,
    start: StartForm,
    note: String,
    errors: FormErrors,
}

/// The "start a conversation" form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct StartForm {
    inbox_id: String,
    message: String,
}

impl ContactPage {
    async fn load(app: &AppState, web: &WebCtx, id: i64) -> Result<Self> {
        let actor = actor(web)?;
        let contact = contacts::get(app, &actor, ContactId(id)).await?;
        let base = web.nav.base();
        let account = crate::accounts::service::get_account(app, &web.ctx).await?;
        let tz: chrono_tz::Tz = account.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let format = match web.tr {
            Locale::PtBr => "%d/%m/%Y %H:%M",
            Locale::En => "%b %-d, %Y %H:%M",
        };
        let when =
            |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format(format).to_string();
        let conversations = conversations::of_contact(app, &actor, contact.id)
            .await?
            .into_iter()
            .map(|v| ConversationLine {
                href: format!("{base}/conversations/{}", v.conversation.display_id),
                display_id: v.conversation.display_id,
                status: web
                    .tr
                    .t(&format!("status-{}", v.conversation.status.as_str())),
                inbox: v.inbox_name.clone(),
                excerpt: v
                    .last_non_activity_message
                    .as_ref()
                    .and_then(|m| m.message.content.clone())
                    .map(|t| t.chars().take(100).collect())
                    .unwrap_or_default(),
            })
            .collect();
        let notes = notes::list(app, &actor, contact.id)
            .await?
            .into_iter()
            .map(|n| NoteLine {
                id: n.id,
                author: n
                    .author
                    .as_ref()
                    .map(|a| a.available_name().to_owned())
                    .unwrap_or_default(),
                time: when(n.created_at),
                content: n.content,
            })
            .collect();
        let inboxes = contacts::contactable_inboxes(app, &actor, contact.id)
            .await?
            .into_iter()
            .map(|(inbox, _)| Choice::new(inbox.id.to_string(), inbox.name, ""))
            .collect();
        Ok(ContactPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: flash::take(&web.session, web.tr).await,
            contact_id: id,
            name: name_of(&contact),
            form: ContactForm::of(&contact),
            labels: contact.labels.clone(),
            created: when(contact.created_at),
            conversations,
            notes,
            inboxes,
            start: StartForm::default(),
            note: String::new(),
            errors: FormErrors::default(),
        })
    }
}

/// `GET …/contacts/{id}`.
async fn show_contact(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    let page = ContactPage::load(&app, &web, id).await?;
    Ok(no_store(page.into_response()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoteForm {
    content: String,
}

/// `POST …/contacts/{id}/notes`.
async fn add_note(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<NoteForm>,
) -> Result<Response> {
    let actor = actor(&web)?;
    match notes::create(&app, &actor, ContactId(id), &form.content)
        .await
        .or_invalid()?
    {
        Ok(_) => {
            flash::set(&web.session, Flash::NoteAdded).await?;
            Ok(see_other(
                htmx,
                &format!("{}/contacts/{id}#notes", web.nav.base()),
            ))
        }
        Err(errors) => {
            let mut page = ContactPage::load(&app, &web, id).await?;
            page.note = form.content;
            page.errors = FormErrors::new(web.tr, &errors, &["content"]);
            Ok(unprocessable(page))
        }
    }
}

/// The `{note_id}` of a note path.
struct NoteId(i64);

impl<S: Send + Sync> FromRequestParts<S> for NoteId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        params
            .iter()
            .find(|(name, _)| *name == "note_id")
            .and_then(|(_, v)| v.parse().ok())
            .map(NoteId)
            .ok_or(Error::NotFound)
    }
}

/// `POST …/contacts/{id}/notes/{note_id}/delete`.
async fn delete_note(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    NoteId(note): NoteId,
    htmx: HxRequest,
) -> Result<Response> {
    let actor = actor(&web)?;
    notes::delete(&app, &actor, ContactId(id), note).await?;
    flash::set(&web.session, Flash::NoteDeleted).await?;
    Ok(see_other(
        htmx,
        &format!("{}/contacts/{id}#notes", web.nav.base()),
    ))
}

/// `POST …/contacts/{id}/conversations`: a new conversation with the contact in an inbox the
/// member may use, with an optional first message; then that conversation opens.
async fn start_conversation(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<StartForm>,
) -> Result<Response> {
    let actor = actor(&web)?;
    let result = match form.inbox_id.trim().parse::<i64>() {
        Ok(inbox) => {
            conversations::create(
                &app,
                &actor,
                NewConversation {
                    inbox_id: Some(InboxId(inbox)),
                    contact_id: Some(ContactId(id)),
                    message: Some(form.message.clone()),
                    ..NewConversation::default()
                },
            )
            .await
        }
        Err(_) => Err(Error::Validation(FieldErrors::one(
            "inbox_id",
            "can't be blank",
        ))),
    };
    match result.or_invalid()? {
        Ok(view) => Ok(see_other(
            htmx,
            &format!(
                "{}/conversations/{}",
                web.nav.base(),
                view.conversation.display_id
            ),
        )),
        Err(errors) => {
            let mut page = ContactPage::load(&app, &web, id).await?;
            page.errors = FormErrors::new(web.tr, &errors, &["inbox_id", "message"]);
            page.inboxes = page
                .inboxes
                .into_iter()
                .map(|c| Choice::new(c.value, c.label, form.inbox_id.trim()))
                .collect();
            page.start = form;
            Ok(unprocessable(page))
        }
    }
}
