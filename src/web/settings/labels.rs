//! Settings → Labels: every member sees the account's labels with their colour; creating,
//! editing and deleting them needs [`Permission::LabelManage`]. Titles are stored lowercase
//! ([`crate::labels`] normalises them); the colour comes from `<input type="color">`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::shared::{self, Done, check, checked};
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::LabelId;
use crate::labels::{self, DEFAULT_COLOR, Label, LabelInput};
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the label settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/labels";
    Router::new()
        .route(BASE, get(list_labels).post(create_label))
        .route(&format!("{BASE}/new"), get(new_label))
        .route(&format!("{BASE}/{{id}}"), post(update_label))
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_label))
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_label))
}

const FIELDS: &[&str] = &["title", "description", "color"];

/// The label form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct LabelForm {
    title: String,
    description: String,
    color: String,
    show_on_sidebar: Option<String>,
}

impl LabelForm {
    fn blank() -> Self {
        LabelForm {
            color: DEFAULT_COLOR.to_owned(),
            show_on_sidebar: check(true),
            ..LabelForm::default()
        }
    }

    fn of(label: &Label) -> Self {
        LabelForm {
            title: label.title.clone(),
            description: label.description.clone().unwrap_or_default(),
            color: label.color.clone(),
            show_on_sidebar: check(label.show_on_sidebar),
        }
    }

    fn sidebar(&self) -> bool {
        checked(&self.show_on_sidebar)
    }

    /// A colour the picker can show (it only takes `#rrggbb`).
    fn picker_color(&self) -> String {
        let color = self.color.trim().to_lowercase();
        let valid = color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|c| c.is_ascii_hexdigit());
        if valid {
            color
        } else {
            DEFAULT_COLOR.to_owned()
        }
    }

    fn input(&self) -> LabelInput {
        LabelInput {
            title: Some(self.title.clone()),
            description: Some(Some(self.description.clone())),
            color: Some(self.color.clone()),
            show_on_sidebar: Some(self.sidebar()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/labels/index.html")]
struct LabelsPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    labels: Vec<Label>,
    can_manage: bool,
}

/// The form to create a label, or to edit `editing`.
#[derive(Template, WebTemplate)]
#[template(path = "settings/labels/form.html")]
struct LabelFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<LabelId>,
    form: LabelForm,
    errors: FormErrors,
}

impl LabelFormPage {
    fn new(web: &WebCtx, editing: Option<LabelId>, form: LabelForm) -> Self {
        LabelFormPage {
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
            Some(id) => format!("{}/settings/labels/{id}", self.nav.base()),
            None => format!("{}/settings/labels", self.nav.base()),
        }
    }
}

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/labels", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/labels`: open to every member.
async fn list_labels(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let page = LabelsPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: flash::take(&web.session, web.tr).await,
        labels: labels::list(&app, &web.ctx).await?,
        can_manage: web.ctx.can(Permission::LabelManage),
    };
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/labels/new`.
async fn new_label(web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::LabelManage)?;
    let page = LabelFormPage::new(&web, None, LabelForm::blank());
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/labels`.
async fn create_label(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<LabelForm>,
) -> Result<Response> {
    web.ctx.require(Permission::LabelManage)?;
    match labels::create(&app, &web.ctx, form.input())
        .await
        .or_invalid()?
    {
        Ok(label) => {
            shared::done(&web.session, Done::LabelCreated(label.title)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(LabelFormPage::new(&web, None, form).refused(&errors)),
    }
}

/// `GET /app/accounts/{account_id}/settings/labels/{id}/edit`.
async fn edit_label(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::LabelManage)?;
    let label = labels::get(&app, &web.ctx, LabelId(id)).await?;
    let page = LabelFormPage::new(&web, Some(label.id), LabelForm::of(&label));
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/labels/{id}`: conversations and contacts keep the
/// titles they carry.
async fn update_label(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<LabelForm>,
) -> Result<Response> {
    web.ctx.require(Permission::LabelManage)?;
    let id = LabelId(id);
    match labels::update(&app, &web.ctx, id, form.input())
        .await
        .or_invalid()?
    {
        Ok(label) => {
            shared::done(&web.session, Done::LabelUpdated(label.title)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(LabelFormPage::new(&web, Some(id), form).refused(&errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/labels/{id}/delete`.
async fn delete_label(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::LabelManage)?;
    let label = labels::get(&app, &web.ctx, LabelId(id)).await?;
    labels::delete(&app, &web.ctx, label.id).await?;
    shared::done(&web.session, Done::LabelDeleted(label.title)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}
