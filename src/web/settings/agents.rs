//! Settings → Agents: the members of the account, inviting one, changing a member's role and
//! custom role, removing one (administrators: [`Permission::AgentManage`]). `agents::list` is
//! open to every member, so the page checks the permission itself.
//!
//! A generated initial password is shown once, in the response to the invitation (not through
//! the session-stored flash). A refused row change (such as demoting the last administrator)
//! re-renders the page with 422 and the reason in an alert.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts::agents::{self, Agent, AgentPatch, NewAgent};
use crate::accounts::model::Role;
use crate::auth::password;
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
}

const INVITE_FIELDS: &[&str] = &["name", "email", "role", "custom_role_id", "password"];

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

/// The invitation form. No `Debug`: it may hold a password.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
struct InviteForm {
    name: String,
    email: String,
    role: String,
    custom_role_id: String,
    /// Blank: generate one.
    password: String,
}

impl InviteForm {
    fn blank() -> Self {
        InviteForm {
            role: Role::Agent.as_str().to_owned(),
            ..InviteForm::default()
        }
    }

    fn new_agent(&self) -> Result<NewAgent, FieldErrors> {
        Ok(NewAgent {
            name: Some(self.name.clone()),
            email: self.email.clone(),
            role: Some(parse_role(&self.role)?),
            custom_role_id: parse_custom_role(&self.custom_role_id)?,
            password: Some(self.password.clone()).filter(|p| !p.is_empty()),
            ..NewAgent::default()
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

/// A password generated for a new user, shown once.
struct Generated {
    name: String,
    email: String,
    password: String,
}

struct Row {
    agent: Agent,
    is_self: bool,
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
    generated: Option<Generated>,
}

impl AgentsPage {
    async fn load(app: &AppState, web: &WebCtx) -> Result<Self> {
        let roles = custom::list_unchecked(app, web.ctx.account_id).await?;
        let rows = agents::list(app, &web.ctx)
            .await?
            .into_iter()
            .map(|agent| Row {
                is_self: agent.user_id == web.ctx.user_id(),
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
            generated: None,
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

    fn availability(&self, row: &Row) -> String {
        labels::availability(self.tr, row.agent.availability)
    }

    fn password_hint(&self) -> String {
        self.tr
            .t1("agents-password-hint", "count", password::MIN_LENGTH as i64)
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

/// `POST /app/accounts/{account_id}/settings/agents`: invites a new user, or adds an existing
/// one (who keeps their password).
async fn invite_agent(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<InviteForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let created = match form.new_agent() {
        Ok(input) => agents::create(&app, &web.ctx, input).await.or_invalid()?,
        Err(errors) => Err(errors),
    };
    let mut page = match created {
        Ok(created) => {
            let name = created.agent.name.clone();
            let Some(password) = created.generated_password else {
                let done = if created.new_user {
                    Flash::AgentInvited(name)
                } else {
                    Flash::AgentJoined(name)
                };
                flash::set(&web.session, done).await?;
                return Ok(see_other(htmx, &agents_url(&web)));
            };
            let mut page = AgentsPage::load(&app, &web).await?;
            page.generated = Some(Generated {
                name,
                email: created.agent.email,
                password,
            });
            return Ok(session::no_store(page.into_response()));
        }
        Err(errors) => {
            let mut page = AgentsPage::load(&app, &web).await?;
            page.errors = FormErrors::new(web.tr, &errors, INVITE_FIELDS);
            page
        }
    };
    page.invite = InviteForm {
        password: String::new(),
        ..form
    };
    Ok(session::no_store(unprocessable(page)))
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
/// (their other accounts stay).
async fn remove_agent(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AgentManage)?;
    let user_id = UserId(id);
    let agent = agents::find(&mut *app.db.acquire().await?, web.ctx.account_id, user_id).await?;
    match agents::remove(&app, &web.ctx, user_id).await.or_invalid()? {
        // Who removed themselves has no page left in this account.
        Ok(()) if user_id == web.ctx.user_id() => Ok(see_other(htmx, "/app")),
        Ok(()) => {
            flash::set(&web.session, Flash::AgentRemoved(agent.name)).await?;
            Ok(see_other(htmx, &agents_url(&web)))
        }
        Err(errors) => Ok(AgentsPage::load(&app, &web)
            .await?
            .refused_row(user_id, &errors)),
    }
}
