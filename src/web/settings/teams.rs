//! Settings → Teams: every member sees the teams and who belongs to them; creating, editing
//! and deleting a team is for administrators ([`Permission::AccountManage`], as
//! [`crate::teams`] decides), and adding or removing members needs
//! [`Permission::TeamManage`]. The pages show only the actions the member may take.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::shared::{self, Done, check, checked};
use crate::accounts::agents::{self, Agent};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::{TeamId, UserId};
use crate::roles::Permission;
use crate::state::AppState;
use crate::teams::{self, Team, TeamInput};
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the team settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/teams";
    Router::new()
        .route(BASE, get(list_teams).post(create_team))
        .route(&format!("{BASE}/new"), get(new_team))
        .route(&format!("{BASE}/{{id}}"), get(show_team).post(update_team))
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_team))
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_team))
        .route(&format!("{BASE}/{{id}}/members"), post(add_member))
        .route(
            &format!("{BASE}/{{id}}/members/delete"),
            post(remove_member),
        )
}

const FIELDS: &[&str] = &["name", "description"];
const MEMBER_FIELDS: &[&str] = &["user_ids"];

/// The team form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct TeamForm {
    name: String,
    description: String,
    allow_auto_assign: Option<String>,
}

impl TeamForm {
    fn blank() -> Self {
        TeamForm {
            allow_auto_assign: check(true),
            ..TeamForm::default()
        }
    }

    fn of(team: &Team) -> Self {
        TeamForm {
            name: team.info.name.clone(),
            description: team.info.description.clone().unwrap_or_default(),
            allow_auto_assign: check(team.info.allow_auto_assign),
        }
    }

    fn auto_assign(&self) -> bool {
        checked(&self.allow_auto_assign)
    }

    fn input(&self) -> TeamInput {
        TeamInput {
            name: Some(self.name.clone()),
            description: Some(Some(self.description.clone())),
            allow_auto_assign: Some(self.auto_assign()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/teams/index.html")]
struct TeamsPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    teams: Vec<Team>,
    /// Whether the member may create, edit and delete teams.
    can_manage: bool,
}

/// The form to create a team, or to edit `editing`.
#[derive(Template, WebTemplate)]
#[template(path = "settings/teams/form.html")]
struct TeamFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<TeamId>,
    form: TeamForm,
    errors: FormErrors,
}

impl TeamFormPage {
    fn new(web: &WebCtx, editing: Option<TeamId>, form: TeamForm) -> Self {
        TeamFormPage {
            tr: web.tr,
            nav: web.nav.clone(),
            editing,
            form,
            errors: FormErrors::default(),
        }
    }

    fn refused(mut self, errors: &FieldErrors) -> Response {
        self.errors = FormErrors::new(self.tr, errors, FIELDS);
        session::no_store(unprocessable(self))
    }

    fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("{}/settings/teams/{id}", self.nav.base()),
            None => format!("{}/settings/teams", self.nav.base()),
        }
    }
}

/// A team's members, with the form to add one.
#[derive(Template, WebTemplate)]
#[template(path = "settings/teams/show.html")]
struct TeamPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    team: Team,
    members: Vec<Agent>,
    /// Agents of the account who are not in the team.
    addable: Vec<Agent>,
    /// Whether the member may change who belongs to the team.
    can_change_members: bool,
    can_manage: bool,
    errors: FormErrors,
}

impl TeamPage {
    async fn load(app: &AppState, web: &WebCtx, id: TeamId) -> Result<Self> {
        let team = teams::get(app, &web.ctx, id).await?;
        let members = teams::members(app, &web.ctx, id).await?;
        let ids: Vec<UserId> = members.iter().map(|m| m.user_id).collect();
        let addable = shared::addable(&agents::list(app, &web.ctx).await?, &ids);
        Ok(TeamPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            team,
            members,
            addable,
            can_change_members: web.ctx.can(Permission::TeamManage),
            can_manage: web.ctx.can(Permission::AccountManage),
            errors: FormErrors::default(),
        })
    }
}

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/teams", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/teams`: open to every member.
async fn list_teams(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let page = TeamsPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: flash::take(&web.session, web.tr).await,
        teams: teams::list(&app, &web.ctx).await?,
        can_manage: web.ctx.can(Permission::AccountManage),
    };
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/teams/new`.
async fn new_team(web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let page = TeamFormPage::new(&web, None, TeamForm::blank());
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/teams`.
async fn create_team(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<TeamForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    match teams::create(&app, &web.ctx, form.input())
        .await
        .or_invalid()?
    {
        Ok(team) => {
            let url = format!("{}/{}", list_url(&web), team.info.id);
            shared::done(&web.session, Done::TeamCreated(team.info.name)).await?;
            Ok(see_other(htmx, &url))
        }
        Err(errors) => Ok(TeamFormPage::new(&web, None, form).refused(&errors)),
    }
}

/// `GET /app/accounts/{account_id}/settings/teams/{id}`: the team and its members.
async fn show_team(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    let mut page = TeamPage::load(&app, &web, TeamId(id)).await?;
    page.flash = flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/teams/{id}/edit`.
async fn edit_team(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let team = teams::get(&app, &web.ctx, TeamId(id)).await?;
    let page = TeamFormPage::new(&web, Some(team.info.id), TeamForm::of(&team));
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/teams/{id}`.
async fn update_team(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<TeamForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let id = TeamId(id);
    match teams::update(&app, &web.ctx, id, form.input())
        .await
        .or_invalid()?
    {
        Ok(team) => {
            shared::done(&web.session, Done::TeamUpdated(team.info.name)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(TeamFormPage::new(&web, Some(id), form).refused(&errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/teams/{id}/delete`: its conversations keep going
/// without a team.
async fn delete_team(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let team = teams::get(&app, &web.ctx, TeamId(id)).await?;
    teams::delete(&app, &web.ctx, team.info.id).await?;
    shared::done(&web.session, Done::TeamDeleted(team.info.name)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}

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

/// A user id that is not a member of the account: the service answers as Chatwoot does (401
/// "Invalid User IDs"); the page says it next to the picker.
fn not_a_member() -> FieldErrors {
    FieldErrors::one(
        "user_ids",
        "contains users who are not members of the account",
    )
}

/// `POST /app/accounts/{account_id}/settings/teams/{id}/members`: adds one agent.
async fn add_member(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response> {
    web.ctx.require(Permission::TeamManage)?;
    let team = TeamId(id);
    let added = match form.user() {
        Ok(user) => match teams::add_members(&app, &web.ctx, team, &[user]).await {
            Ok(added) => Ok(added),
            Err(Error::Unauthorized(_)) => Err(not_a_member()),
            Err(e) => return Err(e),
        },
        Err(errors) => Err(errors),
    };
    match added {
        Ok(added) => {
            if let Some(agent) = added.first() {
                let name = agent.available_name().to_owned();
                shared::done(&web.session, Done::TeamMemberAdded(name)).await?;
            }
            Ok(see_other(htmx, &format!("{}/{id}", list_url(&web))))
        }
        Err(errors) => {
            let mut page = TeamPage::load(&app, &web, team).await?;
            page.errors = FormErrors::new(web.tr, &errors, MEMBER_FIELDS);
            Ok(session::no_store(unprocessable(page)))
        }
    }
}

/// `POST /app/accounts/{account_id}/settings/teams/{id}/members/delete`: removes one agent.
async fn remove_member(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response> {
    web.ctx.require(Permission::TeamManage)?;
    let team = TeamId(id);
    let user = form.user().map_err(|_| Error::NotFound)?;
    let members = teams::members(&app, &web.ctx, team).await?;
    let agent = members
        .iter()
        .find(|a| a.user_id == user)
        .ok_or(Error::NotFound)?;
    teams::remove_members(&app, &web.ctx, team, &[user]).await?;
    let name = agent.available_name().to_owned();
    shared::done(&web.session, Done::TeamMemberRemoved(name)).await?;
    Ok(see_other(htmx, &format!("{}/{id}", list_url(&web))))
}
