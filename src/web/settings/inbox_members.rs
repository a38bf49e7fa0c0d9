//! Settings → Inboxes → Members (administrators: [`Permission::InboxManage`]): the agents who
//! work an inbox (members see its conversations), adding and removing one.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::inboxes::load;
use super::shared::{self, Done};
use crate::accounts::agents::{self, Agent};
use crate::auth::context::Actor;
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::UserId;
use crate::inboxes::model::Inbox;
use crate::inboxes::service::{self, MemberChange};
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the inbox members page.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/inboxes/{id}/members";
    Router::new()
        .route(BASE, get(list_members).post(add_member))
        .route(&format!("{BASE}/delete"), post(remove_member))
}

const FIELDS: &[&str] = &["user_ids"];

/// The member to add or remove.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MemberForm {
    user_ids: String,
}

impl MemberForm {
    fn user(&self) -> Result<UserId, FieldErrors> {
        self.user_ids
            .trim()
            .parse()
            .map(UserId)
            .map_err(|_| FieldErrors::one("user_ids", "can't be blank"))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/inboxes/members.html")]
struct MembersPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    inbox: Inbox,
    tab: &'static str,
    members: Vec<Agent>,
    addable: Vec<Agent>,
    errors: FormErrors,
}

impl MembersPage {
    async fn load(app: &AppState, web: &WebCtx, id: i64) -> Result<Self> {
        let inbox = load(app, web, id).await?;
        let ids = service::member_ids(app, &Actor::Member(web.ctx.clone()), inbox.id).await?;
        let everyone = agents::list(app, &web.ctx).await?;
        let members = everyone
            .iter()
            .filter(|a| ids.contains(&a.user_id))
            .cloned()
            .collect();
        Ok(MembersPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            inbox,
            tab: "members",
            members,
            addable: shared::addable(&everyone, &ids),
            errors: FormErrors::default(),
        })
    }
}

fn page_url(web: &WebCtx, id: i64) -> String {
    format!("{}/settings/inboxes/{id}/members", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/inboxes/{id}/members`.
async fn list_members(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let mut page = MembersPage::load(&app, &web, id).await?;
    page.flash = flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/inboxes/{id}/members`: adds one agent.
async fn add_member(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let inbox = load(&app, &web, id).await?;
    let added = match form.user() {
        Ok(user) => service::change_members(&app, &web.ctx, inbox.id, &[user], MemberChange::Add)
            .await
            .or_invalid()?
            .map(|_| user),
        Err(errors) => Err(errors),
    };
    match added {
        Ok(user) => {
            let agent =
                agents::find(&mut *app.db.acquire().await?, web.ctx.account_id, user).await?;
            let name = agent.available_name().to_owned();
            shared::done(&web.session, Done::InboxMemberAdded(name)).await?;
            Ok(see_other(htmx, &page_url(&web, id)))
        }
        Err(errors) => {
            let mut page = MembersPage::load(&app, &web, id).await?;
            page.errors = FormErrors::new(web.tr, &errors, FIELDS);
            Ok(session::no_store(unprocessable(page)))
        }
    }
}

/// `POST /app/accounts/{account_id}/settings/inboxes/{id}/members/delete`: removes one agent.
async fn remove_member(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let page = MembersPage::load(&app, &web, id).await?;
    let user = form.user().map_err(|_| Error::NotFound)?;
    let agent = page
        .members
        .iter()
        .find(|a| a.user_id == user)
        .ok_or(Error::NotFound)?;
    service::change_members(&app, &web.ctx, page.inbox.id, &[user], MemberChange::Remove).await?;
    let name = agent.available_name().to_owned();
    shared::done(&web.session, Done::InboxMemberRemoved(name)).await?;
    Ok(see_other(htmx, &page_url(&web, id)))
}
