//! Settings → Custom attributes (administrators: [`Permission::AccountManage`], as
//! [`crate::custom_attributes`] decides for writes): one tab per model (conversations,
//! contacts), a form to create or edit a definition (display name, key, type, description,
//! the values of a `list`, a pattern and its hint) and deletion. The key and the model are
//! fixed once created: records store their values under that key.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::canned_responses::query_param;
use super::shared::{self, Done};
use crate::custom_attributes::{
    self, AttributeModel, CustomAttributeId, Definition, DefinitionInput, DisplayType,
};
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the custom attribute settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/custom_attributes";
    Router::new()
        .route(BASE, get(list_attributes).post(create_attribute))
        .route(&format!("{BASE}/new"), get(new_attribute))
        .route(&format!("{BASE}/{{id}}"), post(update_attribute))
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_attribute))
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_attribute))
}

const FIELDS: &[&str] = &[
    "attribute_model",
    "attribute_display_name",
    "attribute_key",
    "attribute_display_type",
    "attribute_description",
    "attribute_values",
    "regex_pattern",
    "regex_cue",
];

/// The model of `?model=`, conversations by default.
fn model_of(query: Option<&str>) -> AttributeModel {
    AttributeModel::parse(&query_param(query, "model"))
        .unwrap_or(AttributeModel::ConversationAttribute)
}

/// The name of a model in the page language.
fn model_label(tr: Locale, model: AttributeModel) -> String {
    match model {
        AttributeModel::ConversationAttribute => tr.t("attributes-model-conversation"),
        AttributeModel::ContactAttribute => tr.t("attributes-model-contact"),
    }
}

/// The name of a display type in the page language.
fn type_label(tr: Locale, kind: DisplayType) -> String {
    match kind {
        DisplayType::Text => tr.t("attributes-type-text"),
        DisplayType::Number => tr.t("attributes-type-number"),
        DisplayType::Currency => tr.t("attributes-type-currency"),
        DisplayType::Percent => tr.t("attributes-type-percent"),
        DisplayType::Link => tr.t("attributes-type-link"),
        DisplayType::Date => tr.t("attributes-type-date"),
        DisplayType::List => tr.t("attributes-type-list"),
        DisplayType::Checkbox => tr.t("attributes-type-checkbox"),
    }
}

/// The values of a `list` attribute.
fn values_of(definition: &Definition) -> Vec<String> {
    definition
        .attribute_values
        .as_array()
        .map(|values| {
            values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The definition form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct AttributeForm {
    attribute_model: String,
    attribute_display_name: String,
    attribute_key: String,
    attribute_display_type: String,
    attribute_description: String,
    /// One value per line.
    attribute_values: String,
    regex_pattern: String,
    regex_cue: String,
}

impl AttributeForm {
    fn blank(model: AttributeModel) -> Self {
        AttributeForm {
            attribute_model: model.as_str().to_owned(),
            attribute_display_type: DisplayType::Text.as_str().to_owned(),
            ..AttributeForm::default()
        }
    }

    fn of(d: &Definition) -> Self {
        AttributeForm {
            attribute_model: d.attribute_model.as_str().to_owned(),
            attribute_display_name: d.attribute_display_name.clone(),
            attribute_key: d.attribute_key.clone(),
            attribute_display_type: d.attribute_display_type.as_str().to_owned(),
            attribute_description: d.attribute_description.clone().unwrap_or_default(),
            attribute_values: values_of(d).join("\n"),
            regex_pattern: d.regex_pattern.clone().unwrap_or_default(),
            regex_cue: d.regex_cue.clone().unwrap_or_default(),
        }
    }

    /// The input of a create (`creating`) or an update, which leaves key and model alone.
    fn input(&self, creating: bool) -> Result<DefinitionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = DisplayType::parse(&self.attribute_display_type);
        if kind.is_none() {
            errors.add("attribute_display_type", "is invalid");
        }
        let model = AttributeModel::parse(&self.attribute_model);
        if creating && model.is_none() {
            errors.add("attribute_model", "is invalid");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let values = if kind == Some(DisplayType::List) {
            self.attribute_values.lines().map(str::to_owned).collect()
        } else {
            Vec::new()
        };
        Ok(DefinitionInput {
            attribute_display_name: Some(self.attribute_display_name.clone()),
            attribute_display_type: kind,
            attribute_description: Some(Some(self.attribute_description.clone())),
            attribute_key: creating.then(|| self.attribute_key.clone()),
            attribute_model: if creating { model } else { None },
            regex_pattern: Some(Some(self.regex_pattern.clone())),
            regex_cue: Some(Some(self.regex_cue.clone())),
            attribute_values: Some(values),
            default_value: None,
        })
    }
}

/// A row of the list.
struct Row {
    definition: Definition,
    kind: String,
    values: Vec<String>,
}

/// One tab of the list.
struct Tab {
    model: &'static str,
    label: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/custom_attributes/index.html")]
struct AttributesPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    model: AttributeModel,
    rows: Vec<Row>,
}

impl AttributesPage {
    fn tabs(&self) -> Vec<Tab> {
        AttributeModel::ALL
            .iter()
            .map(|m| Tab {
                model: m.as_str(),
                label: model_label(self.tr, *m),
                current: *m == self.model,
            })
            .collect()
    }
}

/// The form to create a definition, or to edit `editing`.
#[derive(Template, WebTemplate)]
#[template(path = "settings/custom_attributes/form.html")]
struct AttributeFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<CustomAttributeId>,
    form: AttributeForm,
    errors: FormErrors,
}

impl AttributeFormPage {
    fn new(web: &WebCtx, editing: Option<CustomAttributeId>, form: AttributeForm) -> Self {
        AttributeFormPage {
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
            Some(id) => format!("{}/settings/custom_attributes/{id}", self.nav.base()),
            None => format!("{}/settings/custom_attributes", self.nav.base()),
        }
    }

    fn back(&self) -> String {
        format!(
            "{}/settings/custom_attributes?model={}",
            self.nav.base(),
            self.form.attribute_model
        )
    }

    fn model_choices(&self) -> Vec<Choice> {
        AttributeModel::ALL
            .iter()
            .map(|m| {
                Choice::new(
                    m.as_str(),
                    model_label(self.tr, *m),
                    &self.form.attribute_model,
                )
            })
            .collect()
    }

    fn model_name(&self) -> String {
        AttributeModel::parse(&self.form.attribute_model)
            .map(|m| model_label(self.tr, m))
            .unwrap_or_default()
    }

    fn type_choices(&self) -> Vec<Choice> {
        DisplayType::ALL
            .iter()
            .map(|t| {
                Choice::new(
                    t.as_str(),
                    type_label(self.tr, *t),
                    &self.form.attribute_display_type,
                )
            })
            .collect()
    }
}

fn list_url(web: &WebCtx, model: AttributeModel) -> String {
    format!(
        "{}/settings/custom_attributes?model={}",
        web.nav.base(),
        model.as_str()
    )
}

/// `GET /app/accounts/{account_id}/settings/custom_attributes?model=…`.
async fn list_attributes(
    State(app): State<AppState>,
    web: WebCtx,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let model = model_of(query.as_deref());
    let rows = custom_attributes::list(&app, &web.ctx, Some(model))
        .await?
        .into_iter()
        .map(|definition| Row {
            kind: type_label(web.tr, definition.attribute_display_type),
            values: values_of(&definition),
            definition,
        })
        .collect();
    let page = AttributesPage {
        tr: web.tr,
        nav: web.nav.clone(),
        flash: flash::take(&web.session, web.tr).await,
        model,
        rows,
    };
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/custom_attributes/new?model=…`.
async fn new_attribute(web: WebCtx, RawQuery(query): RawQuery) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let form = AttributeForm::blank(model_of(query.as_deref()));
    let page = AttributeFormPage::new(&web, None, form);
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/custom_attributes`.
async fn create_attribute(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<AttributeForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let created = match form.input(true) {
        Ok(input) => custom_attributes::create(&app, &web.ctx, input)
            .await
            .or_invalid()?,
        Err(errors) => Err(errors),
    };
    match created {
        Ok(d) => {
            let url = list_url(&web, d.attribute_model);
            shared::done(
                &web.session,
                Done::AttributeCreated(d.attribute_display_name),
            )
            .await?;
            Ok(see_other(htmx, &url))
        }
        Err(errors) => Ok(AttributeFormPage::new(&web, None, form).refused(&errors)),
    }
}

/// `GET /app/accounts/{account_id}/settings/custom_attributes/{id}/edit`.
async fn edit_attribute(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let definition = custom_attributes::get(&app, &web.ctx, CustomAttributeId(id)).await?;
    let form = AttributeForm::of(&definition);
    let page = AttributeFormPage::new(&web, Some(definition.id), form);
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/custom_attributes/{id}`: key and model stay.
async fn update_attribute(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<AttributeForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let current = custom_attributes::get(&app, &web.ctx, CustomAttributeId(id)).await?;
    // The form does not send what cannot change; show the stored key and model again.
    let form = AttributeForm {
        attribute_key: current.attribute_key.clone(),
        attribute_model: current.attribute_model.as_str().to_owned(),
        ..form
    };
    let saved = match form.input(false) {
        Ok(input) => custom_attributes::update(&app, &web.ctx, current.id, input)
            .await
            .or_invalid()?,
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(d) => {
            let url = list_url(&web, d.attribute_model);
            shared::done(
                &web.session,
                Done::AttributeUpdated(d.attribute_display_name),
            )
            .await?;
            Ok(see_other(htmx, &url))
        }
        Err(errors) => Ok(AttributeFormPage::new(&web, Some(current.id), form).refused(&errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/custom_attributes/{id}/delete`: values stored on
/// records stay.
async fn delete_attribute(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let d = custom_attributes::get(&app, &web.ctx, CustomAttributeId(id)).await?;
    custom_attributes::delete(&app, &web.ctx, d.id).await?;
    let url = list_url(&web, d.attribute_model);
    shared::done(
        &web.session,
        Done::AttributeDeleted(d.attribute_display_name),
    )
    .await?;
    Ok(see_other(htmx, &url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_model_has_a_name_in_both_languages() {
        for tr in Locale::ALL {
            for kind in DisplayType::ALL {
                assert!(!type_label(tr, *kind).starts_with("Unknown"), "{kind:?}");
            }
            for model in AttributeModel::ALL {
                assert!(!model_label(tr, *model).starts_with("Unknown"), "{model:?}");
            }
        }
    }

    #[test]
    fn list_values_are_sent_one_per_line_only_for_lists() {
        let form = AttributeForm {
            attribute_display_name: "Plano".into(),
            attribute_key: "plano".into(),
            attribute_values: "Ouro\r\nPrata\n".into(),
            ..AttributeForm::blank(AttributeModel::ContactAttribute)
        };
        let text = form.input(true).expect("valid");
        assert_eq!(text.attribute_values, Some(Vec::new()));
        assert_eq!(text.attribute_key.as_deref(), Some("plano"));
        let list = AttributeForm {
            attribute_display_type: "list".into(),
            ..form
        };
        let input = list.input(false).expect("valid");
        assert_eq!(
            input.attribute_values,
            Some(vec!["Ouro".to_owned(), "Prata".to_owned()])
        );
        assert_eq!(input.attribute_key, None, "the key is fixed once created");
        assert_eq!(input.attribute_model, None);
        let bad = AttributeForm {
            attribute_display_type: "colour".into(),
            ..list
        };
        assert!(bad.input(true).is_err());
    }
}
