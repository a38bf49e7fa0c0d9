//! `A/custom_attribute_definitions` (Chatwoot `CustomAttributeDefinitionsController`): every
//! member reads; administrators write. Enums are accepted as names or Chatwoot's integers and
//! always render as names.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::de as lenient;
use super::extract::{ApiParams, QueryPairs, Wrapped};
use super::json::iso;
use crate::custom_attributes::{
    self, AttributeModel, CustomAttributeId, Definition, DefinitionInput, DisplayType,
};
use crate::error::{Error, Result, json_body};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{account_id}/custom_attribute_definitions",
            get(list_custom_attribute_definitions).post(create_custom_attribute_definition),
        )
        .route(
            "/api/v1/accounts/{account_id}/custom_attribute_definitions/{id}",
            get(show_custom_attribute_definition)
                .patch(update_custom_attribute_definition)
                .put(update_custom_attribute_definition)
                .delete(delete_custom_attribute_definition),
        )
}

fn definition_json(d: &Definition) -> Value {
    json!({
        "id": d.id,
        "attribute_display_name": d.attribute_display_name,
        "attribute_display_type": d.attribute_display_type,
        "attribute_description": d.attribute_description,
        "attribute_key": d.attribute_key,
        "regex_pattern": d.regex_pattern,
        "regex_cue": d.regex_cue,
        "attribute_values": d.attribute_values,
        "attribute_model": d.attribute_model,
        "default_value": d.default_value,
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    })
}

/// `GET A/custom_attribute_definitions[?attribute_model=]`: a bare array.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/custom_attribute_definitions",
    tag = "Custom attributes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("attribute_model" = Option<AttributeModel>, Query, description = "Only this model: `conversation_attribute` (or 0), `contact_attribute` (or 1)"),
    ),
    responses(
        (status = 200, description = "The definitions (a bare array)", body = Vec<super::schemas::CustomAttributeDefinition>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn list_custom_attribute_definitions(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let model = query
        .get("attribute_model")
        .map(|m| {
            AttributeModel::parse_param(m).ok_or_else(|| {
                Error::invalid(
                    "attribute_model",
                    format!("is not one of: {}", AttributeModel::allowed()),
                )
            })
        })
        .transpose()?;
    let definitions: Vec<Value> = custom_attributes::list(&app, &ctx, model)
        .await?
        .iter()
        .map(definition_json)
        .collect();
    Ok(json_body(&Value::Array(definitions)).into_response())
}

/// `GET A/custom_attribute_definitions/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/custom_attribute_definitions/{id}",
    tag = "Custom attributes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The definition's id"),
    ),
    responses(
        (status = 200, description = "The definition", body = super::schemas::CustomAttributeDefinition),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_custom_attribute_definition(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let definition = custom_attributes::get(&app, &ctx, CustomAttributeId(id)).await?;
    Ok(json_body(&definition_json(&definition)).into_response())
}

/// A Chatwoot enum given by name, integer or integer text; null or "" is absent.
fn enum_param<'de, D: Deserializer<'de>, T>(
    d: D,
    parse: fn(&str) -> Option<T>,
    allowed: String,
) -> Result<Option<T>, D::Error> {
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    parse(&text)
        .map(Some)
        .ok_or_else(|| de::Error::custom(format!("is not one of: {allowed}")))
}

fn display_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DisplayType>, D::Error> {
    enum_param(d, DisplayType::parse_param, DisplayType::allowed())
}

fn attribute_model<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AttributeModel>, D::Error> {
    enum_param(d, AttributeModel::parse_param, AttributeModel::allowed())
}

/// A list of texts; numbers and booleans are taken as their text (form posts send text anyway).
fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let items = match Value::deserialize(d)? {
        Value::Null => return Ok(Some(Vec::new())),
        Value::Array(items) => items,
        _ => return Err(de::Error::custom("is not a list")),
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(de::Error::custom("contains something that is not a text")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct DefinitionParams {
    /// Label shown in the UI.
    #[schema(pattern = "\\S")]
    attribute_display_name: Option<String>,
    /// How the value is entered: a name, or Chatwoot's integer (0 `text` to 7 `checkbox`).
    #[serde(default, deserialize_with = "display_type")]
    attribute_display_type: Option<DisplayType>,
    /// Description; null clears it.
    #[serde(default, deserialize_with = "lenient::nullable")]
    attribute_description: Option<Option<String>>,
    /// The key in `custom_attributes` (letters, digits, `_` and `-`; create only).
    #[schema(pattern = "^[A-Za-z0-9_-]+$")]
    attribute_key: Option<String>,
    /// `conversation_attribute` (0) or `contact_attribute` (1).
    #[serde(default, deserialize_with = "attribute_model")]
    attribute_model: Option<AttributeModel>,
    /// Values must match this pattern; null clears it.
    #[serde(default, deserialize_with = "lenient::nullable")]
    regex_pattern: Option<Option<String>>,
    /// Hint shown when a value does not match.
    #[serde(default, deserialize_with = "lenient::nullable")]
    regex_cue: Option<Option<String>>,
    /// The options of a `list` attribute.
    #[serde(default, deserialize_with = "values")]
    attribute_values: Option<Vec<String>>,
    /// Default value.
    #[serde(default, deserialize_with = "lenient::nullable")]
    default_value: Option<Option<Value>>,
}

impl Wrapped for DefinitionParams {
    const KEY: &'static str = "custom_attribute_definition";
}

impl From<DefinitionParams> for DefinitionInput {
    fn from(p: DefinitionParams) -> Self {
        DefinitionInput {
            attribute_display_name: p.attribute_display_name,
            attribute_display_type: p.attribute_display_type,
            attribute_description: p.attribute_description,
            attribute_key: p.attribute_key,
            attribute_model: p.attribute_model,
            regex_pattern: p.regex_pattern,
            regex_cue: p.regex_cue,
            attribute_values: p.attribute_values,
            default_value: p.default_value,
        }
    }
}

/// `POST A/custom_attribute_definitions` (administrators).
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/custom_attribute_definitions",
    tag = "Custom attributes",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = DefinitionParams, description = "The fields at the top level, or wrapped as `{\"custom_attribute_definition\": {...}}`"),
    responses(
        (status = 200, description = "The new definition", body = super::schemas::CustomAttributeDefinition),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_custom_attribute_definition(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<DefinitionParams>,
) -> Result<Response> {
    let definition = custom_attributes::create(&app, &ctx, params.into()).await?;
    Ok(json_body(&definition_json(&definition)).into_response())
}

/// `PATCH A/custom_attribute_definitions/{id}` (administrators).
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/custom_attribute_definitions/{id}",
    tag = "Custom attributes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The definition's id"),
    ),
    request_body(content = DefinitionParams, description = "The fields at the top level, or wrapped as `{\"custom_attribute_definition\": {...}}`"),
    responses(
        (status = 200, description = "The updated definition", body = super::schemas::CustomAttributeDefinition),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_custom_attribute_definition(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<DefinitionParams>,
) -> Result<Response> {
    let definition =
        custom_attributes::update(&app, &ctx, CustomAttributeId(id), params.into()).await?;
    Ok(json_body(&definition_json(&definition)).into_response())
}

/// `DELETE A/custom_attribute_definitions/{id}` (administrators): 200 with an empty body
/// (Chatwoot answers 204 here; clients treat both as success).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/custom_attribute_definitions/{id}",
    tag = "Custom attributes",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("id" = i64, Path, description = "The definition's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body; Chatwoot answers 204)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_custom_attribute_definition(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    custom_attributes::delete(&app, &ctx, CustomAttributeId(id)).await?;
    Ok(().into_response())
}
