//! Settings → Canned responses: every member sees and searches the account's saved replies
//! (ranked as [`crate::canned::list`] ranks them); creating, editing and deleting them needs
//! [`Permission::CannedResponseManage`], which plain agents have.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::shared::{self, Done};
use crate::canned::{self, CannedResponse, CannedResponseId, CannedResponseInput};
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the canned response settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/canned_responses";
    Router::new()
        .route(
            BASE,
            get(list_canned_responses).post(create_canned_response),
        )
        .route(&format!("{BASE}/new"), get(new_canned_response))
        .route(&format!("{BASE}/{{id}}"), post(update_canned_response))
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_canned_response))
        .route(
            &format!("{BASE}/{{id}}/delete"),
            post(delete_canned_response),
        )
}

const FIELDS: &[&str] = &["short_code", "content"];

/// The value of `name` in a query string; a malformed query is no query.
pub fn query_param(query: Option<&str>, name: &str) -> String {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The canned response form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct CannedForm {
    short_code: String,
    content: String,
}

impl CannedForm {
    fn of(canned: &CannedResponse) -> Self {
        CannedForm {
            short_code: canned.short_code.clone(),
            content: canned.content.clone(),
        }
    }

    fn input(&self) -> CannedResponseInput {
        CannedResponseInput {
            short_code: Some(self.short_code.clone()),
            content: Some(self.content.clone()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/canned_responses/index.html")]
struct CannedPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    /// The search term, as typed.
    search: String,
    responses: Vec<CannedResponse>,
    can_manage: bool,
}

/// The form to create a canned response, or to edit `editing`.
#[derive(Template, WebTemplate)]
#[template(path = "settings/canned_responses/form.html")]
struct CannedFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<CannedResponseId>,
    form: CannedForm,
    errors: FormErrors,
}

impl CannedFormPage {
    fn new(web: &WebCtx, editing: Option<CannedResponseId>, form: CannedForm) -> Self {
        CannedFormPage {
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
            Some(id) => format!("{}/settings/canned_responses/{id}", self.nav.base()),
            None => format!("{}/settings/canned_responses", self.nav.base()),
        }
    }
}

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/canned_responses", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/canned_responses?q=…`: open to every member.
async fn list_canned_responses(
    State(app): State<AppState>,
    web: WebCtx,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let search = query_param(query.as_deref(), "q");
    let responses = canned::list(&app, &web.ctx, Some(&search)).await?;
    let page = CannedPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: flash::take(&web.session, web.tr).await,
        search,
        responses,
        can_manage: web.ctx.can(Permission::CannedResponseManage),
    };
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/canned_responses/new`.
async fn new_canned_response(web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::CannedResponseManage)?;
    let page = CannedFormPage::new(&web, None, CannedForm::default());
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/canned_responses`.
async fn create_canned_response(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<CannedForm>,
) -> Result<Response> {
    web.ctx.require(Permission::CannedResponseManage)?;
    match canned::create(&app, &web.ctx, form.input())
        .await
        .or_invalid()?
    {
        Ok(canned) => {
            shared::done(&web.session, Done::CannedCreated(canned.short_code)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(CannedFormPage::new(&web, None, form).refused(&errors)),
    }
}

/// `GET /app/accounts/{account_id}/settings/canned_responses/{id}/edit`.
async fn edit_canned_response(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::CannedResponseManage)?;
    let canned = canned::get(&app, &web.ctx, CannedResponseId(id)).await?;
    let page = CannedFormPage::new(&web, Some(canned.id), CannedForm::of(&canned));
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/canned_responses/{id}`.
async fn update_canned_response(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<CannedForm>,
) -> Result<Response> {
    web.ctx.require(Permission::CannedResponseManage)?;
    let id = CannedResponseId(id);
    match canned::update(&app, &web.ctx, id, form.input())
        .await
        .or_invalid()?
    {
        Ok(canned) => {
            shared::done(&web.session, Done::CannedUpdated(canned.short_code)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(CannedFormPage::new(&web, Some(id), form).refused(&errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/canned_responses/{id}/delete`.
async fn delete_canned_response(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::CannedResponseManage)?;
    let canned = canned::get(&app, &web.ctx, CannedResponseId(id)).await?;
    canned::delete(&app, &web.ctx, canned.id).await?;
    shared::done(&web.session, Done::CannedDeleted(canned.short_code)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_term_is_read_from_the_query() {
        assert_eq!(query_param(Some("q=ol%C3%A1+mundo&x=1"), "q"), "olá mundo");
        assert_eq!(query_param(Some("x=1"), "q"), "");
        assert_eq!(query_param(None, "q"), "");
    }
}
