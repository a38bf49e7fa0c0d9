//! Settings → Inboxes (administrators: [`Permission::InboxManage`]): the list, creating an API
//! channel inbox, the inbox page (its identifier, webhook URL and HMAC token, and its settings
//! form) and deletion. Members and working hours have their own pages
//! ([`super::inbox_members`], [`super::working_hours`]), linked from the inbox page's tabs.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::shared::{self, Done, check, checked};
use crate::auth::context::Actor;
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::InboxId;
use crate::inboxes::model::Inbox;
use crate::inboxes::service::{self, InboxInput};
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the inbox list, inbox page and settings.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/inboxes";
    Router::new()
        .route(BASE, get(list_inboxes).post(create_inbox))
        .route(&format!("{BASE}/new"), get(new_inbox))
        .route(
            &format!("{BASE}/{{id}}"),
            get(show_inbox).post(update_inbox),
        )
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_inbox))
}

const NEW_FIELDS: &[&str] = &["name", "webhook_url"];
const FIELDS: &[&str] = &["name", "webhook_url", "greeting_message", "timezone"];

/// Every IANA time zone name, for the time zone inputs' suggestions.
pub fn timezones() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// The inbox of the path, as its administrator sees it (404 for another account's).
pub async fn load(app: &AppState, web: &WebCtx, id: i64) -> Result<Inbox> {
    service::get(app, &Actor::Member(web.ctx.clone()), InboxId(id)).await
}

/// The form creating an API inbox.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct NewInboxForm {
    name: String,
    webhook_url: String,
}

/// The inbox settings form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct InboxForm {
    name: String,
    webhook_url: String,
    greeting_enabled: Option<String>,
    greeting_message: String,
    lock_to_single_conversation: Option<String>,
    timezone: String,
}

impl InboxForm {
    fn of(inbox: &Inbox) -> Self {
        InboxForm {
            name: inbox.name.clone(),
            webhook_url: inbox
                .api
                .as_ref()
                .and_then(|a| a.webhook_url.clone())
                .unwrap_or_default(),
            greeting_enabled: check(inbox.greeting_enabled),
            greeting_message: inbox.greeting_message.clone().unwrap_or_default(),
            lock_to_single_conversation: check(inbox.lock_to_single_conversation),
            timezone: inbox.timezone.clone(),
        }
    }

    fn greeting(&self) -> bool {
        checked(&self.greeting_enabled)
    }

    fn single_conversation(&self) -> bool {
        checked(&self.lock_to_single_conversation)
    }

    /// Every field is sent, so every field is set; a blank webhook URL or greeting clears it.
    fn input(&self) -> InboxInput {
        let greeting = self.greeting_message.trim();
        InboxInput {
            name: Some(self.name.clone()),
            webhook_url: Some(Some(self.webhook_url.clone())),
            greeting_enabled: Some(self.greeting()),
            greeting_message: Some((!greeting.is_empty()).then(|| greeting.to_owned())),
            lock_to_single_conversation: Some(self.single_conversation()),
            timezone: Some(self.timezone.trim().to_owned()),
            ..InboxInput::default()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/inboxes/index.html")]
struct InboxesPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    inboxes: Vec<Inbox>,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/inboxes/new.html")]
struct NewInboxPage {
    tr: Locale,
    nav: Nav,
    form: NewInboxForm,
    errors: FormErrors,
}

/// The inbox page: what integrators need, and the settings form.
#[derive(Template, WebTemplate)]
#[template(path = "settings/inboxes/show.html")]
struct InboxPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    inbox: Inbox,
    /// The tab shown (for `_tabs.html`).
    tab: &'static str,
    form: InboxForm,
    errors: FormErrors,
}

impl InboxPage {
    fn new(web: &WebCtx, inbox: Inbox, form: InboxForm) -> Self {
        InboxPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            inbox,
            tab: "settings",
            form,
            errors: FormErrors::default(),
        }
    }

    fn timezones(&self) -> impl Iterator<Item = &'static str> {
        timezones()
    }

    fn identifier(&self) -> &str {
        self.inbox
            .api
            .as_ref()
            .map(|a| a.identifier.as_str())
            .unwrap_or_default()
    }

    fn hmac_token(&self) -> &str {
        self.inbox
            .api
            .as_ref()
            .map(|a| a.hmac_token.as_str())
            .unwrap_or_default()
    }

    fn webhook_url(&self) -> Option<&str> {
        self.inbox
            .api
            .as_ref()
            .and_then(|a| a.webhook_url.as_deref())
    }
}

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/inboxes", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/inboxes`.
async fn list_inboxes(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let page = InboxesPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: flash::take(&web.session, web.tr).await,
        inboxes: service::list(&app, &Actor::Member(web.ctx.clone())).await?,
    };
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/inboxes/new`.
async fn new_inbox(web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let page = NewInboxPage {
        tr: web.tr,
        nav: web.nav.clone(),
        form: NewInboxForm::default(),
        errors: FormErrors::default(),
    };
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/inboxes`: an API channel inbox; then its page.
async fn create_inbox(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<NewInboxForm>,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let input = InboxInput {
        name: Some(form.name.clone()),
        channel_type: Some("api".into()),
        webhook_url: Some(Some(form.webhook_url.clone())),
        ..InboxInput::default()
    };
    match service::create(&app, &web.ctx, input).await.or_invalid()? {
        Ok(inbox) => {
            let url = format!("{}/{}", list_url(&web), inbox.id);
            shared::done(&web.session, Done::InboxCreated(inbox.name)).await?;
            Ok(see_other(htmx, &url))
        }
        Err(errors) => {
            let page = NewInboxPage {
                tr: web.tr,
                nav: web.nav.clone(),
                errors: FormErrors::new(web.tr, &errors, NEW_FIELDS),
                form,
            };
            Ok(session::no_store(unprocessable(page)))
        }
    }
}

/// `GET /app/accounts/{account_id}/settings/inboxes/{id}`.
async fn show_inbox(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let inbox = load(&app, &web, id).await?;
    let form = InboxForm::of(&inbox);
    let mut page = InboxPage::new(&web, inbox, form);
    page.flash = flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/inboxes/{id}`: the settings form.
async fn update_inbox(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<InboxForm>,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let inbox = load(&app, &web, id).await?;
    match service::update(&app, &web.ctx, inbox.id, form.input())
        .await
        .or_invalid()?
    {
        Ok(saved) => {
            shared::done(&web.session, Done::InboxUpdated(saved.name)).await?;
            Ok(see_other(htmx, &format!("{}/{id}", list_url(&web))))
        }
        Err(errors) => Ok(refused(&web, inbox, form, &errors)),
    }
}

fn refused(web: &WebCtx, inbox: Inbox, form: InboxForm, errors: &FieldErrors) -> Response {
    let mut page = InboxPage::new(web, inbox, form);
    page.errors = FormErrors::new(web.tr, errors, FIELDS);
    session::no_store(unprocessable(page))
}

/// `POST /app/accounts/{account_id}/settings/inboxes/{id}/delete`: with its conversations.
async fn delete_inbox(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let inbox = load(&app, &web, id).await?;
    service::delete(&app, &web.ctx, inbox.id).await?;
    shared::done(&web.session, Done::InboxDeleted(inbox.name)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}
