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

use self::builder::{ActionView, Catalogue, ConditionView, Op, Rows};
use super::shared::{self, Done};
use super::webhooks::when;
use crate::automation::EventName;
use crate::automation::actions::Owner;
use crate::automation::rules::{self, Rule, RuleInput, Run};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, see_other, unprocessable};
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
        // Row errors are drawn on their rows; the others next to their fields or on top.
        let mut outside = FieldErrors::new();
        for e in errors.iter() {
            if !e.field.starts_with("conditions[") && !e.field.starts_with("actions[") {
                outside.add(e.field.clone(), e.message.clone());
            }
        }
        Ok(RuleFormPage {
            tr: web.tr,
            nav: web.nav.clone(),
            editing,
            conditions: catalogue.condition_views(&rows.conditions, event, errors),
            actions: catalogue.action_views(&rows.actions, errors),
            events,
            form,
            errors: FormErrors::new(web.tr, &outside, FIELDS),
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

/// A page of the builder: 200 while rows are edited, 422 when a save was refused.
fn form_response(page: RuleFormPage, refused: bool) -> Response {
    if refused {
        session::no_store(unprocessable(page))
    } else {
        session::no_store(page.into_response())
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

/// What a builder post carries.
struct Posted {
    form: RuleForm,
    rows: Rows,
    op: Op,
    upload_errors: FieldErrors,
}

async fn read_posted(
    app: &AppState,
    web: &WebCtx,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Posted> {
    let multipart = multipart.map_err(|e| Error::BadRequest(e.body_text().into()))?;
    let (pairs, upload_errors) = builder::read_multipart(app, &web.ctx, multipart).await?;
    let (rows, op) = Rows::from_pairs(&pairs);
    Ok(Posted {
        form: RuleForm::from_pairs(&pairs),
        rows,
        op,
        upload_errors,
    })
}

impl Posted {
    async fn input(&self, app: &AppState, web: &WebCtx) -> Result<RuleInput> {
        let catalogue = Catalogue::load(app, &web.ctx, web.tr, Owner::Rule).await?;
        Ok(RuleInput {
            name: Some(self.form.name.clone()),
            description: Some(Some(self.form.description.clone())),
            event_name: Some(self.form.event_name.clone()),
            conditions: Some(self.rows.conditions_json(&catalogue)),
            actions: Some(self.rows.actions_json()),
            active: Some(self.form.active),
        })
    }
}

/// `POST …/settings/automation`: a row edit redraws the builder; a save creates the rule.
async fn create_rule(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    web.ctx.require(Permission::AutomationManage)?;
    let posted = read_posted(&app, &web, multipart).await?;
    let errors = if posted.op == Op::Edit || !posted.upload_errors.is_empty() {
        posted.upload_errors.clone()
    } else {
        let input = posted.input(&app, &web).await?;
        match rules::create(&app, &web.ctx, input).await.or_invalid()? {
            Ok(rule) => {
                shared::done(&web.session, Done::RuleCreated(rule.name)).await?;
                return Ok(see_other(htmx, &list_url(&web)));
            }
            Err(errors) => errors,
        }
    };
    let refused = !errors.is_empty();
    let page = RuleFormPage::new(&app, &web, None, posted.form, &posted.rows, &errors).await?;
    Ok(form_response(page, refused))
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
    web.ctx.require(Permission::AutomationManage)?;
    rules::get(&app, &web.ctx, id).await?;
    let posted = read_posted(&app, &web, multipart).await?;
    let errors = if posted.op == Op::Edit || !posted.upload_errors.is_empty() {
        posted.upload_errors.clone()
    } else {
        let input = posted.input(&app, &web).await?;
        match rules::update(&app, &web.ctx, id, input)
            .await
            .or_invalid()?
        {
            Ok(rule) => {
                shared::done(&web.session, Done::RuleUpdated(rule.name)).await?;
                return Ok(see_other(htmx, &list_url(&web)));
            }
            Err(errors) => errors,
        }
    };
    let refused = !errors.is_empty();
    let page = RuleFormPage::new(&app, &web, Some(id), posted.form, &posted.rows, &errors).await?;
    Ok(form_response(page, refused))
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
