//! Settings → Custom roles: the list, a form to create or edit one with a checklist of
//! [`Permission::ASSIGNABLE`] (each with its label and one-line description in the page
//! language), and deletion of a role nobody holds (a role with members is refused with the
//! reason, rather than silently turning them into plain agents) (administrators:
//! [`Permission::CustomRoleManage`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::accounts::agents;
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::CustomRoleId;
use crate::roles::Permission;
use crate::roles::custom::{self, CustomRole, CustomRoleInput};
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash::{self, Flash};
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the custom roles settings pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/app/accounts/{account_id}/settings/custom_roles",
            get(list_custom_roles).post(create_custom_role),
        )
        .route(
            "/app/accounts/{account_id}/settings/custom_roles/new",
            get(new_custom_role),
        )
        .route(
            "/app/accounts/{account_id}/settings/custom_roles/{id}",
            post(update_custom_role),
        )
        .route(
            "/app/accounts/{account_id}/settings/custom_roles/{id}/edit",
            get(edit_custom_role),
        )
        .route(
            "/app/accounts/{account_id}/settings/custom_roles/{id}/delete",
            post(delete_custom_role),
        )
}

const FIELDS: &[&str] = &["name", "description", "permissions"];

/// The role form, as submitted or as stored.
#[derive(Clone, Debug, Default)]
struct RoleForm {
    name: String,
    description: String,
    /// Names of the checked permissions.
    permissions: Vec<String>,
}

impl RoleForm {
    fn of(role: &CustomRole) -> Self {
        RoleForm {
            name: role.name.clone(),
            description: role.description.clone().unwrap_or_default(),
            permissions: role
                .permissions
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
        }
    }

    /// From the posted pairs: checkboxes repeat `permissions`, which a struct cannot take.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = RoleForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "name" => form.name = value,
                "description" => form.description = value,
                "permissions" => form.permissions.push(value),
                _ => {}
            }
        }
        form
    }

    /// Every field is sent, so every field is set: no box checked means no permission.
    fn input(&self) -> CustomRoleInput {
        CustomRoleInput {
            name: Some(self.name.clone()),
            description: Some(Some(self.description.clone())),
            permissions: Some(self.permissions.clone()),
        }
    }
}

/// A permission of the checklist.
struct PermissionChoice {
    value: &'static str,
    label: String,
    description: String,
    checked: bool,
}

/// A row of the list.
struct Row {
    role: CustomRole,
    permissions: Vec<String>,
    members: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/custom_roles/index.html")]
struct CustomRolesPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    /// Why a deletion was refused.
    alert: Option<String>,
    rows: Vec<Row>,
}

/// The form to create a role, or to edit the role `editing`.
#[derive(Template, WebTemplate)]
#[template(path = "settings/custom_roles/form.html")]
struct CustomRoleFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<CustomRoleId>,
    form: RoleForm,
    errors: FormErrors,
}

impl CustomRoleFormPage {
    fn new(web: &WebCtx, editing: Option<CustomRoleId>, form: RoleForm) -> Self {
        CustomRoleFormPage {
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

    fn choices(&self) -> Vec<PermissionChoice> {
        Permission::ASSIGNABLE
            .iter()
            .map(|p| PermissionChoice {
                value: p.as_str(),
                label: p.label(self.tr),
                description: p.description(self.tr),
                checked: self.form.permissions.iter().any(|c| c == p.as_str()),
            })
            .collect()
    }

    fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("{}/settings/custom_roles/{id}", self.nav.base()),
            None => format!("{}/settings/custom_roles", self.nav.base()),
        }
    }
}

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/custom_roles", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/custom_roles`.
async fn list_custom_roles(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let page = CustomRolesPage::load(&app, &web).await?;
    Ok(session::no_store(page.into_response()))
}

impl CustomRolesPage {
    async fn load(app: &AppState, web: &WebCtx) -> Result<Self> {
        web.ctx.require(Permission::CustomRoleManage)?;
        let roles = custom::list(app, &web.ctx).await?;
        let members = agents::list_with_invitations(app, &web.ctx).await?;
        let rows = roles
            .into_iter()
            .map(|role| Row {
                permissions: role.permissions.iter().map(|p| p.label(web.tr)).collect(),
                members: members
                    .iter()
                    .filter(|a| a.custom_role_id == Some(role.id))
                    .count(),
                role,
            })
            .collect();
        Ok(CustomRolesPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: flash::take(&web.session, web.tr).await,
            alert: None,
            rows,
        })
    }
}

/// `GET /app/accounts/{account_id}/settings/custom_roles/new`.
async fn new_custom_role(web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::CustomRoleManage)?;
    let page = CustomRoleFormPage::new(&web, None, RoleForm::default());
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/custom_roles`.
async fn create_custom_role(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response> {
    web.ctx.require(Permission::CustomRoleManage)?;
    let form = RoleForm::from_pairs(pairs);
    match custom::create(&app, &web.ctx, form.input())
        .await
        .or_invalid()?
    {
        Ok(role) => {
            flash::set(&web.session, Flash::RoleCreated(role.name)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(CustomRoleFormPage::new(&web, None, form).refused(&errors)),
    }
}

/// `GET /app/accounts/{account_id}/settings/custom_roles/{id}/edit`.
async fn edit_custom_role(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::CustomRoleManage)?;
    let role = custom::get(&app, &web.ctx, CustomRoleId(id)).await?;
    let page = CustomRoleFormPage::new(&web, Some(role.id), RoleForm::of(&role));
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/custom_roles/{id}`.
async fn update_custom_role(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response> {
    web.ctx.require(Permission::CustomRoleManage)?;
    let id = CustomRoleId(id);
    let form = RoleForm::from_pairs(pairs);
    match custom::update(&app, &web.ctx, id, form.input())
        .await
        .or_invalid()?
    {
        Ok(role) => {
            flash::set(&web.session, Flash::RoleUpdated(role.name)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(CustomRoleFormPage::new(&web, Some(id), form).refused(&errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/custom_roles/{id}/delete`: refused (409, the list
/// with the reason) while members hold the role.
async fn delete_custom_role(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::CustomRoleManage)?;
    let role = custom::get(&app, &web.ctx, CustomRoleId(id)).await?;
    match custom::delete(&app, &web.ctx, role.id).await {
        Ok(()) => {
            flash::set(&web.session, Flash::RoleDeleted(role.name)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(crate::error::Error::Conflict(_)) => {
            let mut page = CustomRolesPage::load(&app, &web).await?;
            page.alert = Some(web.tr.t1("custom-roles-delete-held", "name", role.name));
            let mut response = session::no_store(page.into_response());
            *response.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(response)
        }
        Err(e) => Err(e),
    }
}
