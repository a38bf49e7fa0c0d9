//! Settings → Macros (every member): the macros the member may run — global ones and their own
//! personal ones — and an editor with the same action rows as the rule builder (plus "assign
//! to whoever runs it"). Agents create personal macros; administrators also global ones. Who
//! may edit or delete a macro is the service's rule ([`Macro::editable_by`]); the list offers
//! only what the member may do. Macros are run from the conversation's side panel.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::automation::UPLOAD_LIMIT;
use super::automation::builder::{self, ActionView, Catalogue, Posted, Rows, form_response};
use super::shared::{self, Done};
use crate::accounts::model::Role;
use crate::automation::actions::Owner;
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::macros::{self, Macro, MacroInput, Visibility};
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, see_other};
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the macro settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/macros";
    let upload = || DefaultBodyLimit::max(UPLOAD_LIMIT);
    Router::new()
        .route(BASE, get(list_macros).post(create_macro).layer(upload()))
        .route(&format!("{BASE}/new"), get(new_macro))
        .route(
            &format!("{BASE}/{{id}}"),
            post(update_macro).layer(upload()),
        )
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_macro))
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_macro))
}

const FIELDS: &[&str] = &["name", "visibility", "actions"];

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/macros", web.nav.base())
}

fn visibility_label(tr: Locale, visibility: Visibility) -> String {
    tr.t(&format!("macros-visibility-{}", visibility.as_str()))
}

/// A row of the list.
struct MacroRow {
    item: Macro,
    visibility: String,
    author: String,
    actions: String,
    editable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/macros/index.html")]
struct MacrosPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    rows: Vec<MacroRow>,
}

/// `GET /app/accounts/{account_id}/settings/macros`.
async fn list_macros(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let tr = web.tr;
    let rows = macros::list(&app, &web.ctx)
        .await?
        .into_iter()
        .map(|item| MacroRow {
            visibility: visibility_label(tr, item.visibility),
            author: item
                .created_by
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            actions: item
                .actions
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.get("action_name").and_then(serde_json::Value::as_str))
                .map(|name| builder::action_label(tr, name))
                .collect::<Vec<_>>()
                .join(", "),
            editable: item.editable_by(&web.ctx),
            item,
        })
        .collect();
    let page = MacrosPage {
        tr,
        nav: web.nav.clone(),
        flash: crate::web::flash::take(&web.session, tr).await,
        rows,
    };
    Ok(session::no_store(page.into_response()))
}

/// The fields of the macro form other than its actions.
#[derive(Clone, Debug)]
struct MacroForm {
    name: String,
    visibility: String,
}

/// The macro editor.
#[derive(Template, WebTemplate)]
#[template(path = "settings/macros/form.html")]
struct MacroFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<i64>,
    form: MacroForm,
    visibilities: Vec<Choice>,
    actions: Vec<ActionView>,
    errors: FormErrors,
}

impl MacroFormPage {
    async fn new(
        app: &AppState,
        web: &WebCtx,
        editing: Option<i64>,
        form: MacroForm,
        rows: &Rows,
        errors: &FieldErrors,
    ) -> Result<Self> {
        let catalogue = Catalogue::load(app, &web.ctx, web.tr, Owner::Macro).await?;
        let mut offered = vec![Visibility::Personal];
        if web.ctx.role == Role::Administrator || form.visibility == "global" {
            offered.push(Visibility::Global);
        }
        let visibilities = offered
            .into_iter()
            .map(|v| Choice::new(v.as_str(), visibility_label(web.tr, v), &form.visibility))
            .collect();
        Ok(MacroFormPage {
            tr: web.tr,
            nav: web.nav.clone(),
            editing,
            actions: catalogue.action_views(&rows.actions, errors),
            visibilities,
            form,
            errors: builder::form_errors(web.tr, errors, FIELDS),
        })
    }

    fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("{}/settings/macros/{id}", self.nav.base()),
            None => format!("{}/settings/macros", self.nav.base()),
        }
    }

    fn rows_refused(&self) -> bool {
        self.actions.iter().any(|a| a.error.is_some())
    }
}

/// `GET …/settings/macros/new`.
async fn new_macro(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let form = MacroForm {
        name: String::new(),
        visibility: Visibility::Personal.as_str().to_owned(),
    };
    let rows = Rows {
        conditions: Vec::new(),
        actions: vec![Default::default()],
    };
    let page = MacroFormPage::new(&app, &web, None, form, &rows, &FieldErrors::new()).await?;
    Ok(form_response(page, false))
}

/// The macro form's own fields of a post.
fn macro_form(pairs: &[(String, String)]) -> MacroForm {
    let mut form = MacroForm {
        name: String::new(),
        visibility: Visibility::Personal.as_str().to_owned(),
    };
    for (key, value) in pairs {
        match key.as_str() {
            "name" => form.name = value.clone(),
            "visibility" => form.visibility = value.trim().to_owned(),
            _ => {}
        }
    }
    form
}

/// A post of the editor for a new macro (`editing` none) or macro `editing`: a row edit
/// redraws it; a save creates or updates the macro, or redraws it with the refusal.
async fn save(
    app: &AppState,
    web: &WebCtx,
    htmx: HxRequest,
    editing: Option<i64>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    if let Some(id) = editing {
        editable(app, web, id).await?;
    }
    let posted = Posted::read(app, &web.ctx, multipart).await?;
    let form = macro_form(&posted.pairs);
    let errors = if posted.saves() {
        let input = MacroInput {
            name: Some(form.name.clone()),
            visibility: Some(form.visibility.clone()),
            actions: Some(posted.rows.actions_json()),
        };
        let saved = match editing {
            None => macros::create(app, &web.ctx, input).await,
            Some(id) => macros::update(app, &web.ctx, id, input).await,
        };
        match saved.or_invalid()? {
            Ok(saved) => {
                let done = match editing {
                    None => Done::MacroCreated(saved.name),
                    Some(_) => Done::MacroUpdated(saved.name),
                };
                shared::done(&web.session, done).await?;
                return Ok(see_other(htmx, &list_url(web)));
            }
            Err(errors) => errors,
        }
    } else {
        posted.upload_errors
    };
    let page = MacroFormPage::new(app, web, editing, form, &posted.rows, &errors).await?;
    Ok(form_response(page, !errors.is_empty()))
}

/// `POST …/settings/macros`.
async fn create_macro(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    save(&app, &web, htmx, None, multipart).await
}

/// The macro `id` if the member may edit it; 403 when they may only run it.
async fn editable(app: &AppState, web: &WebCtx, id: i64) -> Result<Macro> {
    let found = macros::get(app, &web.ctx, id).await?;
    if !found.editable_by(&web.ctx) {
        return Err(Error::Forbidden);
    }
    Ok(found)
}

/// `GET …/settings/macros/{id}/edit`.
async fn edit_macro(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    let found = editable(&app, &web, id).await?;
    let form = MacroForm {
        name: found.name.clone(),
        visibility: found.visibility.as_str().to_owned(),
    };
    let rows = Rows::from_json(&serde_json::Value::Null, &found.actions, &found.files);
    let page = MacroFormPage::new(&app, &web, Some(id), form, &rows, &FieldErrors::new()).await?;
    Ok(form_response(page, false))
}

/// `POST …/settings/macros/{id}`.
async fn update_macro(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    save(&app, &web, htmx, Some(id), multipart).await
}

/// `POST …/settings/macros/{id}/delete`.
async fn delete_macro(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    let found = editable(&app, &web, id).await?;
    macros::delete(&app, &web.ctx, id).await?;
    shared::done(&web.session, Done::MacroDeleted(found.name)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}
