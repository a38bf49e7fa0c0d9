//! Settings → Automation ([`Permission::AutomationManage`]): the rule list (event, active
//! switch, clone, delete, last run), the rule builder ([`builder`]) and each rule's run log —
//! the last 100 evaluations with the condition that failed and every action's result.

pub(super) mod builder;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use self::builder::{ActionView, Catalogue, ConditionView, Posted, Rows, form_response};
use super::shared::{self, Done};
use super::webhooks::when;
use crate::automation::EventName;
use crate::automation::actions::Owner;
use crate::automation::rules::{self, Rule, RuleInput, Run};
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, see_other};
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Files of `send_attachment` actions are uploaded with the form.
pub(super) const UPLOAD_LIMIT: usize = 45 * 1024 * 1024;

/// Routes of the automation settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/automation";
    let upload = || DefaultBodyLimit::max(UPLOAD_LIMIT);
    Router::new()
        .route(BASE, get(list_rules).post(create_rule).layer(upload()))
        .route(&format!("{BASE}/new"), get(new_rule))
        .route(
            &format!("{BASE}/{{id}}"),
            get(show_rule).post(update_rule).layer(upload()),
        )
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_rule))
        .route(&format!("{BASE}/{{id}}/toggle"), post(toggle_rule))
        .route(&format!("{BASE}/{{id}}/clone"), post(clone_rule))
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_rule))
}

const FIELDS: &[&str] = &["name", "description", "event_name", "conditions", "actions"];

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/automation", web.nav.base())
}

/// A row of the list.
struct RuleRow {
    rule: Rule,
    event: String,
    last_run: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/automation/index.html")]
struct RulesPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    rows: Vec<RuleRow>,
}

/// `GET /app/accounts/{account_id}/settings/automation`.
async fn list_rules(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let rows = rules::list(&app, &web.ctx)
        .await?
        .into_iter()
        .map(|rule| RuleRow {
            event: builder::event_label(web.tr, rule.event_name.as_str()),
            last_run: rule.last_run_at.map(when),
            rule,
        })
        .collect();
    let page = RulesPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: crate::web::flash::take(&web.session, web.tr).await,
        rows,
    };
    Ok(session::no_store(page.into_response()))
}

/// The fields of the rule form other than its rows.
#[derive(Clone, Debug)]
struct RuleForm {
    name: String,
    description: String,
    event_name: String,
    active: bool,
}

impl RuleForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut form = RuleForm {
            name: String::new(),
            description: String::new(),
            event_name: String::new(),
            active: false,
        };
        for (key, value) in pairs {
            match key.as_str() {
                "name" => form.name = value.clone(),
                "description" => form.description = value.clone(),
                "event_name" => form.event_name = value.trim().to_owned(),
                "active" => form.active = true,
                _ => {}
            }
        }
        form
    }

    fn event(&self) -> EventName {
        EventName::parse(&self.event_name).unwrap_or(EventName::MessageCreated)
    }
}

/// The rule builder.
#[derive(Template, WebTemplate)]
#[template(path = "settings/automation/form.html")]
struct RuleFormPage {
    tr: Locale,
    nav: Nav,
    /// The rule being edited.
    editing: Option<i64>,
    form: RuleForm,
    events: Vec<Choice>,
    conditions: Vec<ConditionView>,
    actions: Vec<ActionView>,
    errors: FormErrors,
}

impl RuleFormPage {
    async fn new(
        app: &AppState,
        web: &WebCtx,
        editing: Option<i64>,
        form: RuleForm,
        rows: &Rows,
        errors: &FieldErrors,
    ) -> Result<Self> {
        let catalogue = Catalogue::load(app, &web.ctx, web.tr, Owner::Rule).await?;
        let event = form.event();
        let events = EventName::ALL
            .iter()
            .map(|e| {
                Choice::new(
                    e.as_str(),
                    builder::event_label(web.tr, e.as_str()),
                    event.as_str(),
                )
            })
            .collect();
        Ok(RuleFormPage {
            tr: web.tr,
            nav: web.nav.clone(),
            editing,
            conditions: catalogue.condition_views(&rows.conditions, event, errors),
            actions: catalogue.action_views(&rows.actions, errors),
            events,
            form,
            errors: builder::form_errors(web.tr, errors, FIELDS),
        })
    }

    fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("{}/settings/automation/{id}", self.nav.base()),
            None => format!("{}/settings/automation", self.nav.base()),
        }
    }

    /// Whether any row was refused (the summary on top says so).
    fn rows_refused(&self) -> bool {
        self.conditions.iter().any(|c| c.error.is_some())
            || self.actions.iter().any(|a| a.error.is_some())
    }
}

/// `GET …/settings/automation/new`: one empty condition and one empty action to start with.
async fn new_rule(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let form = RuleForm {
        name: String::new(),
        description: String::new(),
        event_name: EventName::MessageCreated.as_str().to_owned(),
        active: true,
    };
    let rows = Rows {
        conditions: vec![Default::default()],
        actions: vec![Default::default()],
    };
    let page = RuleFormPage::new(&app, &web, None, form, &rows, &FieldErrors::new()).await?;
    Ok(form_response(page, false))
}

/// The rule a builder post describes.
async fn input(app: &AppState, web: &WebCtx, form: &RuleForm, rows: &Rows) -> Result<RuleInput> {
    let catalogue = Catalogue::load(app, &web.ctx, web.tr, Owner::Rule).await?;
    Ok(RuleInput {
        name: Some(form.name.clone()),
        description: Some(Some(form.description.clone())),
        event_name: Some(form.event_name.clone()),
        conditions: Some(rows.conditions_json(&catalogue)),
        actions: Some(rows.actions_json()),
        active: Some(form.active),
    })
}

/// A builder post for a new rule (`editing` none) or rule `editing`: a row edit redraws the
/// builder; a save creates or updates the rule, or redraws it with the refusal.
async fn save(
    app: &AppState,
    web: &WebCtx,
    htmx: HxRequest,
    editing: Option<i64>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    if let Some(id) = editing {
        rules::get(app, &web.ctx, id).await?;
    }
    let posted = Posted::read(app, &web.ctx, multipart).await?;
    let form = RuleForm::from_pairs(&posted.pairs);
    let errors = if posted.saves() {
        let input = input(app, web, &form, &posted.rows).await?;
        let saved = match editing {
            None => rules::create(app, &web.ctx, input).await,
            Some(id) => rules::update(app, &web.ctx, id, input).await,
        };
        match saved.or_invalid()? {
            Ok(rule) => {
                let done = match editing {
                    None => Done::RuleCreated(rule.name),
                    Some(_) => Done::RuleUpdated(rule.name),
                };
                shared::done(&web.session, done).await?;
                return Ok(see_other(htmx, &list_url(web)));
            }
            Err(errors) => errors,
        }
    } else {
        posted.upload_errors
    };
    let page = RuleFormPage::new(app, web, editing, form, &posted.rows, &errors).await?;
    Ok(form_response(page, !errors.is_empty()))
}

/// `POST …/settings/automation`.
async fn create_rule(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    save(&app, &web, htmx, None, multipart).await
}

/// `GET …/settings/automation/{id}/edit`.
async fn edit_rule(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let rule = rules::get(&app, &web.ctx, id).await?;
    let form = RuleForm {
        name: rule.name.clone(),
        description: rule.description.clone().unwrap_or_default(),
        event_name: rule.event_name.as_str().to_owned(),
        active: rule.active,
    };
    let rows = Rows::from_json(&rule.conditions, &rule.actions, &rule.files);
    let page = RuleFormPage::new(&app, &web, Some(id), form, &rows, &FieldErrors::new()).await?;
    Ok(form_response(page, false))
}

/// `POST …/settings/automation/{id}`.
async fn update_rule(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    save(&app, &web, htmx, Some(id), multipart).await
}

/// `POST …/settings/automation/{id}/toggle`: the active switch of the list.
async fn toggle_rule(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let rule = rules::get(&app, &web.ctx, id).await?;
    let input = RuleInput {
        active: Some(!rule.active),
        ..RuleInput::default()
    };
    let saved = rules::update(&app, &web.ctx, id, input).await?;
    let done = if saved.active {
        Done::RuleEnabled(saved.name)
    } else {
        Done::RuleDisabled(saved.name)
    };
    shared::done(&web.session, done).await?;
    Ok(see_other(htmx, &list_url(&web)))
}

/// `POST …/settings/automation/{id}/clone`: an exact copy, files included.
async fn clone_rule(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let copy = rules::clone(&app, &web.ctx, id).await?;
    shared::done(&web.session, Done::RuleCloned(copy.name)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}

/// `POST …/settings/automation/{id}/delete`: for good, with its files and run log.
async fn delete_rule(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let rule = rules::get(&app, &web.ctx, id).await?;
    rules::delete(&app, &web.ctx, id).await?;
    shared::done(&web.session, Done::RuleDeleted(rule.name)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}

/// One action's result in the run log.
struct ResultView {
    action: String,
    ok: bool,
    detail: String,
}

/// One evaluation in the run log.
struct RunView {
    run: Run,
    when: String,
    conversation_href: Option<String>,
    failed: Option<String>,
    results: Vec<ResultView>,
}

/// A rule and its run log.
#[derive(Template, WebTemplate)]
#[template(path = "settings/automation/show.html")]
struct RunLogPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    rule: Rule,
    event: String,
    runs: Vec<RunView>,
}

/// `GET …/settings/automation/{id}`: the rule and its last 100 evaluations.
async fn show_rule(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let rule = rules::get(&app, &web.ctx, id).await?;
    let tr = web.tr;
    let runs = rules::runs(&app, &web.ctx, id)
        .await?
        .into_iter()
        .map(|run| RunView {
            when: when(run.created_at),
            conversation_href: run
                .conversation_display_id
                .map(|d| format!("{}/conversations/{d}", web.nav.base())),
            failed: match (run.failed_condition, &run.failed_reason) {
                (Some(index), Some(reason)) => Some(
                    tr.t1(
                        "automation-run-failed-condition",
                        "number",
                        i64::from(index) + 1,
                    ) + ": "
                        + reason,
                ),
                (None, Some(reason)) => Some(reason.clone()),
                _ => None,
            },
            results: run
                .results
                .iter()
                .map(|r| ResultView {
                    action: builder::action_label(tr, &r.action_name),
                    ok: r.ok,
                    detail: r.detail.clone(),
                })
                .collect(),
            run,
        })
        .collect();
    let page = RunLogPage {
        tr,
        nav: web.nav.clone(),
        flash: crate::web::flash::take(&web.session, tr).await,
        event: builder::event_label(tr, rule.event_name.as_str()),
        rule,
        runs,
    };
    Ok(session::no_store(page.into_response()))
}
