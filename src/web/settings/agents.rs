//! Settings → Agents: the members of the account and its pending invitations; inviting,
//! sending an invitation again, changing a role and custom role, removing a member or
//! withdrawing an invitation (administrators: [`Permission::AgentManage`]). `agents::list` is
//! open to every member, so the page checks the permission itself.
//!
//! An invitation is e-mailed when SMTP is configured; otherwise its link is shown once, in the
//! response to the invitation (never through the session-stored flash). A refused row change
//! (such as demoting the last administrator) re-renders the page with 422 and the reason in an
//! alert.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts::agents::{self, Agent, AgentPatch};
use crate::accounts::invitations::{self, NewInvitation, Sent};
use crate::accounts::model::Role;
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::{CustomRoleId, UserId};
use crate::roles::Permission;
use crate::roles::custom::{self, CustomRole};
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash::{self, Flash};
use crate::web::form::{
    FormErrors, HxRequest, OrInvalid, PageForm, field_message, see_other, unprocessable,
};
use crate::web::labels::{self, Choice};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the agents settings page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/app/accounts/{account_id}/settings/agents",
            get(list_agents).post(invite_agent),
        )
        .route(
            "/app/accounts/{account_id}/settings/agents/{id}",
            post(update_agent),
        )
        .route(
            "/app/accounts/{account_id}/settings/agents/{id}/delete",
            post(remove_agent),
        )
        .route(
            "/app/accounts/{account_id}/settings/agents/{id}/resend",
            post(resend_invitation),
        )
}

const INVITE_FIELDS: &[&str] = &["name", "email", "role", "custom_role_id"];

/// `""` is "no custom role".
fn parse_custom_role(value: &str) -> Result<Option<CustomRoleId>, FieldErrors> {
    match value.trim() {
        "" => Ok(None),
        id => id
            .parse()
            .map(|id| Some(CustomRoleId(id)))
            .map_err(|_| FieldErrors::one("custom_role_id", "is invalid")),
    }
}

fn parse_role(value: &str) -> Result<Role, FieldErrors> {
    Role::parse(value).ok_or_else(|| FieldErrors::one("role", "is invalid"))
}

/// The invitation form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct InviteForm {
    name: String,
    email: String,
    role: String,
    custom_role_id: String,
}

impl InviteForm {
    fn blank() -> Self {
        InviteForm {
            role: Role::Agent.as_str().to_owned(),
            ..InviteForm::default()
        }
    }

    fn invitation(&self) -> Result<NewInvitation, FieldErrors> {
        Ok(NewInvitation {
            name: Some(self.name.clone()),
            email: self.email.clone(),
            role: Some(parse_role(&self.role)?),
            custom_role_id: parse_custom_role(&self.custom_role_id)?,
            auto_offline: None,
        })
    }
}

/// A row's role change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RoleForm {
    role: String,
    custom_role_id: String,
}

impl RoleForm {
    fn patch(&self) -> Result<AgentPatch, FieldErrors> {
        Ok(AgentPatch {
            role: Some(parse_role(&self.role)?),
            custom_role_id: Some(parse_custom_role(&self.custom_role_id)?),
            ..AgentPatch::default()
        })
    }
}

/// An invitation link to hand over (no SMTP), shown once.
struct Link {
    name: String,
    email: String,
    url: String,
}

struct Row {
    agent: Agent,
    is_self: bool,
    /// For an invitation: whether its link has expired.
    expired: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/agents/index.html")]
struct AgentsPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    rows: Vec<Row>,
    roles: Vec<CustomRole>,
    invite: InviteForm,
    errors: FormErrors,
    /// Why a row change was refused.
    alert: Option<String>,
    link: Option<Link>,
}

impl AgentsPage {
    async fn load(app: &AppState, web: &WebCtx) -> Result<Self> {
        let roles = custom::list_unchecked(app, web.ctx.account_id).await?;
        let mut conn = app.db.acquire().await?;
        let expired: std::collections::HashSet<UserId> =
            invitations::list(&mut conn, web.ctx.account_id)
                .await?
                .into_iter()
                .filter(|i| i.expired(app.clock.now()))
                .map(|i| i.id)
                .collect();
        drop(conn);
        let rows = agents::list_with_invitations(app, &web.ctx)
            .await?
            .into_iter()
            .map(|agent| Row {
                is_self: agent.user_id == web.ctx.user_id(),
                expired: expired.contains(&agent.user_id),
                agent,
            })
            .collect();
        Ok(AgentsPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            rows,
            roles,
            invite: InviteForm::blank(),
            errors: FormErrors::default(),
            alert: None,
            link: None,
        })
    }

    fn role_choices(&self, current: &str) -> Vec<Choice> {
        labels::role_choices(self.tr, current)
    }

    fn custom_role_choices(&self, current: &str) -> Vec<Choice> {
        let mut choices = vec![Choice::new("", self.tr.t("agents-no-custom-role"), current)];
        choices.extend(
            self.roles
                .iter()
                .map(|r| Choice::new(r.id.to_string(), r.name.as_str(), current)),
        );
        choices
    }

    fn row_custom_role(&self, row: &Row) -> String {
        row.agent
            .custom_role_id
            .map(|id| id.to_string())
            .unwrap_or_default()
    }

    fn invite_hint(&self) -> String {
        self.tr
            .t1("agents-invite-hint", "days", invitations::LIFETIME_DAYS)
    }

    /// What the availability column says of a row: the member's availability, or where their
    /// invitation stands.
    fn status(&self, row: &Row) -> String {
        match (row.agent.confirmed, row.expired) {
            (true, _) => labels::availability(self.tr, row.agent.availability),
            (false, false) => self.tr.t("agents-invitation-pending"),
            (false, true) => self.tr.t("agents-invitation-expired"),
        }
    }

    /// The page refusing a change of `user_id` for `errors`.
    fn refused_row(mut self, user_id: UserId, errors: &FieldErrors) -> Response {
        let name = self
            .rows
            .iter()
            .find(|r| r.agent.user_id == user_id)
            .map(|r| r.agent.name.clone())
            .unwrap_or_default();
        let reason: Vec<String> = errors
            .iter()
            .map(|e| field_message(self.tr, &e.field, &e.message))
            .collect();
        self.alert = Some(self.tr.t_args(
            "agents-not-changed",
            &[("name", name.into()), ("reason", reason.join(" ").into())],
        ));
        session::no_store(unprocessable(self))
    }
}

fn agents_url(web: &WebCtx) -> String {
    format!("{}/settings/agents", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/agents`.
async fn list_agents(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let mut page = AgentsPage::load(&app, &web).await?;
    page.flash = flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/agents`: invites the address (the answer does
/// not depend on whether it already has a user).
async fn invite_agent(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<InviteForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let sent = match form.invitation() {
        Ok(input) => invitations::create(&app, &web.ctx, input)
            .await
            .or_invalid()?,
        Err(errors) => Err(errors),
    };
    match sent {
        Ok(sent) => after_sending(&app, &web, htmx, sent).await,
        Err(errors) => {
            let mut page = AgentsPage::load(&app, &web).await?;
            page.errors = FormErrors::new(web.tr, &errors, INVITE_FIELDS);
            page.invite = form;
            Ok(session::no_store(unprocessable(page)))
        }
    }
}

/// The page after an invitation went out: back to the list when it was e-mailed, else the list
/// with the link shown this once.
async fn after_sending(
    app: &AppState,
    web: &WebCtx,
    htmx: HxRequest,
    sent: Sent,
) -> Result<Response> {
    let invitation = sent.invitation;
    let Some(url) = sent.link else {
        flash::set(&web.session, Flash::AgentInvited(invitation.name)).await?;
        return Ok(see_other(htmx, &agents_url(web)));
    };
    let mut page = AgentsPage::load(app, web).await?;
    page.link = Some(Link {
        name: invitation.name,
        email: invitation.email,
        url,
    });
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/agents/{id}/resend`: a new link for a pending
/// invitation (the old one stops working).
async fn resend_invitation(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let sent = invitations::resend(&app, &web.ctx, UserId(id)).await?;
    after_sending(&app, &web, htmx, sent).await
}

/// `POST /app/accounts/{account_id}/settings/agents/{id}`: role and custom role.
async fn update_agent(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let user_id = UserId(id);
    let updated = match form.patch() {
        Ok(patch) => agents::update(&app, &web.ctx, user_id, patch)
            .await
            .or_invalid()?,
        Err(errors) => Err(errors),
    };
    match updated {
        // Who gave up their own administrator role may no longer open this page.
        Ok(agent) if agent.user_id == web.ctx.user_id() && agent.role != Role::Administrator => {
            Ok(see_other(htmx, &web.nav.base()))
        }
        Ok(agent) => {
            flash::set(&web.session, Flash::AgentUpdated(agent.name)).await?;
            Ok(see_other(htmx, &agents_url(&web)))
        }
        Err(errors) => Ok(AgentsPage::load(&app, &web)
            .await?
            .refused_row(user_id, &errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/agents/{id}/delete`: the user leaves the account
/// (their other accounts stay), or the invitation is withdrawn.
async fn remove_agent(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let user_id = UserId(id);
    let name = {
        let mut conn = app.db.acquire().await?;
        match agents::find(&mut conn, web.ctx.account_id, user_id).await {
            Ok(agent) => agent.name,
            Err(crate::error::Error::NotFound) => {
                invitations::find(&mut conn, web.ctx.account_id, user_id)
                    .await?
                    .ok_or(crate::error::Error::NotFound)?
                    .name
            }
            Err(e) => return Err(e),
        }
    };
    match agents::remove(&app, &web.ctx, user_id).await.or_invalid()? {
        // Who removed themselves has no page left in this account.
        Ok(()) if user_id == web.ctx.user_id() => Ok(see_other(htmx, "/app")),
        Ok(()) => {
            flash::set(&web.session, Flash::AgentRemoved(name)).await?;
            Ok(see_other(htmx, &agents_url(&web)))
        }
        Err(errors) => Ok(AgentsPage::load(&app, &web)
            .await?
            .refused_row(user_id, &errors)),
    }
}
