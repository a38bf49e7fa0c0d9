//! `A/contacts`, its sub-resources, and `A/actions/contact_merge` (Chatwoot `ContactsController`
//! and friends).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{ApiCtx, ApiPath};
use super::de;
use super::extract::{ApiJson, ApiParams, QueryPairs, Wrapped};
use super::json;
use crate::auth::context::Actor;
use crate::contacts::model::Contact;
use crate::contacts::notes::{self, Note};
use crate::contacts::service::{self, ContactInput};
use crate::conversations::service as conversations;
use crate::error::{Error, Result, json_body};
use crate::filters;
use crate::ids::{ContactId, InboxId};
use crate::state::AppState;

const A: &str = "/api/v1/accounts/{account_id}";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{A}/contacts"),
            get(list_contacts).post(create_contact),
        )
        .route(&format!("{A}/contacts/search"), get(search_contacts))
        .route(&format!("{A}/contacts/filter"), post(filter_contacts))
        .route(&format!("{A}/contacts/active"), get(active_contacts))
        .route(
            &format!("{A}/contacts/{{id}}"),
            get(show_contact)
                .put(update_contact)
                .patch(update_contact)
                .delete(delete_contact),
        )
        .route(
            &format!("{A}/contacts/{{id}}/conversations"),
            get(contact_conversations),
        )
        .route(
            &format!("{A}/contacts/{{id}}/contact_inboxes"),
            post(create_contact_inbox),
        )
        .route(
            &format!("{A}/contacts/{{id}}/contactable_inboxes"),
            get(contactable_inboxes),
        )
        .route(
            &format!("{A}/contacts/{{id}}/labels"),
            get(contact_labels).post(set_contact_labels),
        )
        .route(
            &format!("{A}/contacts/{{id}}/destroy_custom_attributes"),
            post(destroy_custom_attributes),
        )
        .route(
            &format!("{A}/contacts/{{id}}/notes"),
            get(list_notes).post(create_note),
        )
        .route(
            &format!("{A}/contacts/{{id}}/notes/{{note_id}}"),
            get(show_note)
                .patch(update_note)
                .put(update_note)
                .delete(delete_note),
        )
        .route(&format!("{A}/actions/contact_merge"), post(merge_contacts))
}

async fn page_json(
    app: &AppState,
    actor: &Actor,
    contacts: Vec<Contact>,
    total: i64,
    query: &QueryPairs,
) -> Result<Value> {
    let include = query
        .get("include_contact_inboxes")
        .is_none_or(|v| v != "false");
    let ids: Vec<i64> = contacts.iter().map(|c| c.id.0).collect();
    let inboxes = if include {
        Some(
            service::contact_inboxes(&mut *app.db.acquire().await?, actor.account_id(), &ids)
                .await?,
        )
    } else {
        None
    };
    let payload: Vec<Value> = contacts
        .iter()
        .map(|c| json::value(json::contact(c, inboxes.as_deref())))
        .collect();
    Ok(
        json!({ "meta": { "count": total, "current_page": query.current_page() }, "payload": payload }),
    )
}

/// `GET A/contacts`: `{meta: {count, current_page}, payload}`, 15 per page.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts",
    tag = "Contacts",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("page" = Option<i64>, Query, description = "1-based page"),
        ("sort" = Option<String>, Query, description = "`name`, `email`, `phone_number`, `created_at`, `company`, `city`, `country` or `last_activity_at` (default `-last_activity_at`); a leading `-` sorts descending"),
        ("labels" = Option<Vec<String>>, Query, description = "Only contacts with every one of these labels"),
        ("include_contact_inboxes" = Option<bool>, Query, description = "`false` leaves `contact_inboxes` out"),
    ),
    responses(
        (status = 200, description = "15 contacts per page", body = super::schemas::ContactList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn list_contacts(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let (contacts, total) = service::list(
        &app,
        &actor,
        query.page(),
        query.get("sort"),
        &crate::labels::normalize_titles(&query.all("labels")),
    )
    .await?;
    Ok(json_body(&page_json(&app, &actor, contacts, total, &query).await?).into_response())
}

/// `GET A/contacts/search?q=`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/search",
    tag = "Contacts",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("q" = String, Query, description = "Text to find in the name, e-mail, phone number or identifier"),
        ("page" = Option<i64>, Query, description = "1-based page"),
        ("sort" = Option<String>, Query, description = "`name`, `email`, `phone_number`, `created_at`, `company`, `city`, `country` or `last_activity_at` (default `-last_activity_at`); a leading `-` sorts descending"),
        ("include_contact_inboxes" = Option<bool>, Query, description = "`false` leaves `contact_inboxes` out"),
    ),
    responses(
        (status = 200, description = "15 contacts per page", body = super::schemas::ContactList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn search_contacts(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
) -> Result<Response> {
    let q = query
        .get("q")
        .ok_or_else(|| Error::BadRequest("Specify search string with parameter q".into()))?
        .to_owned();
    let actor = Actor::Member(ctx);
    let (contacts, total) =
        service::search(&app, &actor, &q, query.page(), query.get("sort")).await?;
    Ok(json_body(&page_json(&app, &actor, contacts, total, &query).await?).into_response())
}

/// `POST A/contacts/filter?page=`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/contacts/filter",
    tag = "Contacts",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("page" = Option<i64>, Query, description = "1-based page"),
        ("include_contact_inboxes" = Option<bool>, Query, description = "`false` leaves `contact_inboxes` out"),
    ),
    request_body = super::schemas::FilterRequest,
    responses(
        (status = 200, description = "15 contacts per page", body = super::schemas::ContactList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn filter_contacts(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: QueryPairs,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response> {
    let conditions = filters::parse(&body)?;
    let actor = Actor::Member(ctx);
    let (contacts, total) = service::filter(&app, &actor, &conditions, query.page()).await?;
    Ok(json_body(&page_json(&app, &actor, contacts, total, &query).await?).into_response())
}

/// `GET A/contacts/active`: contacts online now. Atende does not track contact presence (it
/// has no web widget), so none are.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/active",
    tag = "Contacts",
    params(
        ("account_id" = i64, Path, description = "The account's id"),
        ("page" = Option<i64>, Query, description = "1-based page"),
    ),
    responses(
        (status = 200, description = "Always empty: Atende does not track contact presence", body = super::schemas::ContactList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn active_contacts(ApiCtx(ctx): ApiCtx, query: QueryPairs) -> Result<Response> {
    ctx.require(crate::roles::Permission::ContactManage)?;
    Ok(json_body(
        &json!({ "meta": { "count": 0, "current_page": query.current_page() }, "payload": [] }),
    )
    .into_response())
}

async fn contact_with_inboxes(app: &AppState, actor: &Actor, contact: &Contact) -> Result<Value> {
    let inboxes = service::contact_inboxes(
        &mut *app.db.acquire().await?,
        actor.account_id(),
        &[contact.id.0],
    )
    .await?;
    Ok(json::value(json::contact(contact, Some(&inboxes))))
}

/// `GET A/contacts/{id}`: `{payload: contact}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/{id}",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    responses(
        (status = 200, description = "The contact", body = super::schemas::ContactResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_contact(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let contact = service::get(&app, &actor, ContactId(id)).await?;
    Ok(
        json_body(&json!({ "payload": contact_with_inboxes(&app, &actor, &contact).await? }))
            .into_response(),
    )
}

/// `{payload: [...]}`.
#[derive(serde::Serialize)]
struct PayloadJson<T> {
    payload: Vec<T>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct ContactParams {
    /// Name.
    #[serde(default, deserialize_with = "de::nullable")]
    name: Option<Option<String>>,
    /// E-mail; null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    #[schema(value_type = Option<String>, format = Email)]
    email: Option<Option<String>>,
    /// Phone number in E.164 (`+5511987654321`); null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    #[schema(value_type = Option<String>, pattern = "^\\+?[1-9][0-9]{1,14}$")]
    phone_number: Option<Option<String>>,
    /// External identifier (a WhatsApp JID, a CRM id); null clears it.
    #[serde(default, deserialize_with = "de::nullable")]
    identifier: Option<Option<String>>,
    /// Blocked contacts' conversations stay resolved.
    #[serde(default, deserialize_with = "de::opt_bool")]
    blocked: Option<bool>,
    /// Free-form attributes (merged on update).
    #[schema(value_type = Option<Object>)]
    additional_attributes: Option<Value>,
    /// Values of the account's contact attributes (merged on update).
    #[schema(value_type = Option<Object>)]
    custom_attributes: Option<Value>,
    /// Create only: also add the contact to this inbox (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<InboxId>,
    /// Create only: the contact's id in that inbox (generated when absent).
    source_id: Option<String>,
}

impl Wrapped for ContactParams {
    const KEY: &'static str = "contact";
}

impl From<ContactParams> for ContactInput {
    fn from(p: ContactParams) -> Self {
        ContactInput {
            name: p.name.map(Option::unwrap_or_default),
            email: p.email,
            phone_number: p.phone_number,
            identifier: p.identifier,
            blocked: p.blocked,
            additional_attributes: p.additional_attributes,
            custom_attributes: p.custom_attributes,
            inbox_id: p.inbox_id,
            source_id: p.source_id,
        }
    }
}

/// `POST A/contacts`: `{payload: {contact, contact_inbox: {inbox, source_id}}}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/contacts",
    tag = "Contacts",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body(content = ContactParams, description = "The fields at the top level, or wrapped as `{\"contact\": {...}}`"),
    responses(
        (status = 200, description = "The contact and, with `inbox_id`, its contact inbox", body = super::schemas::ContactCreateResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_contact(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiParams(params): ApiParams<ContactParams>,
) -> Result<Response> {
    let admin = ctx.is_administrator();
    let actor = Actor::Member(ctx);
    let (contact, contact_inbox) = service::create(&app, &actor, params.into()).await?;
    let inbox = match &contact_inbox {
        Some(ci) => Some(json::inbox(
            &crate::inboxes::service::get(&app, &actor, ci.inbox_id).await?,
            admin,
        )),
        None => None,
    };
    let body = json!({
        "payload": {
            "contact": contact_with_inboxes(&app, &actor, &contact).await?,
            "contact_inbox": { "inbox": inbox, "source_id": contact_inbox.map(|ci| ci.source_id) },
        }
    });
    Ok(json_body(&body).into_response())
}

/// `PUT/PATCH A/contacts/{id}`: attributes are merged; `{payload: contact}`.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1/accounts/{account_id}/contacts/{id}",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    request_body(content = ContactParams, description = "The fields to change (top level or wrapped as `{\"contact\": {...}}`); attributes are merged; `inbox_id` and `source_id` are ignored"),
    responses(
        (status = 200, description = "The updated contact", body = super::schemas::ContactResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_contact(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<ContactParams>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let mut input: ContactInput = params.into();
    (input.inbox_id, input.source_id) = (None, None);
    let contact = service::update(&app, &actor, ContactId(id), input).await?;
    Ok(
        json_body(&json!({ "payload": contact_with_inboxes(&app, &actor, &contact).await? }))
            .into_response(),
    )
}

/// `DELETE A/contacts/{id}` (administrators).
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/contacts/{id}",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_contact(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    service::delete(&app, &Actor::Member(ctx), ContactId(id)).await?;
    Ok(().into_response())
}

/// `GET A/contacts/{id}/conversations`: `{payload: [conversation]}`, the last 20.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/conversations",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    responses(
        (status = 200, description = "The last 20 conversations", body = super::schemas::ConversationPayloadList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn contact_conversations(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let views = conversations::of_contact(&app, &Actor::Member(ctx), ContactId(id)).await?;
    let payload: Vec<_> = views.iter().map(|v| json::conversation(&app, v)).collect();
    Ok(json_body(&PayloadJson { payload }).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct ContactInboxParams {
    /// The inbox, required (a number or numeric string).
    #[serde(default, deserialize_with = "de::opt_id")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<InboxId>,
    /// The contact's id in that inbox (generated when absent).
    source_id: Option<String>,
}

/// `POST A/contacts/{id}/contact_inboxes`: `{source_id, inbox}`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    request_body = ContactInboxParams,
    responses(
        (status = 200, description = "The contact inbox", body = super::schemas::ContactInboxRef),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_contact_inbox(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<ContactInboxParams>,
) -> Result<Response> {
    let inbox = params
        .inbox_id
        .ok_or_else(|| Error::invalid("inbox_id", "can't be blank"))?;
    let ci = service::add_to_inbox(
        &app,
        &Actor::Member(ctx),
        ContactId(id),
        inbox,
        params.source_id,
    )
    .await?;
    Ok(
        json_body(&json!({ "source_id": ci.source_id, "inbox": json::inbox_slim(&ci) }))
            .into_response(),
    )
}

/// `GET A/contacts/{id}/contactable_inboxes`: `{payload: [{inbox, source_id}]}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/contactable_inboxes",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    responses(
        (status = 200, description = "Inboxes the contact can be reached in", body = super::schemas::ContactInboxList),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn contactable_inboxes(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let list = service::contactable_inboxes(&app, &Actor::Member(ctx), ContactId(id)).await?;
    let payload: Vec<Value> = list
        .iter()
        .map(|(inbox, source)| json!({ "inbox": json::inbox_slim_of(inbox), "source_id": source }))
        .collect();
    Ok(json_body(&json!({ "payload": payload })).into_response())
}

/// `GET A/contacts/{id}/labels`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/labels",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    responses(
        (status = 200, description = "The contact's labels", body = super::schemas::LabelTitles),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn contact_labels(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let contact = service::get(&app, &Actor::Member(ctx), ContactId(id)).await?;
    Ok(json_body(&json!({ "payload": contact.labels })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ContactLabelsParams)]
struct LabelsParams {
    /// Label titles: the whole set.
    #[serde(default)]
    labels: Vec<String>,
}

/// `POST A/contacts/{id}/labels`: replaces the set.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/labels",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    request_body(content = LabelsParams, description = "The whole set of labels"),
    responses(
        (status = 200, description = "The labels now", body = super::schemas::LabelTitles),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn set_contact_labels(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<LabelsParams>,
) -> Result<Response> {
    let labels =
        service::set_labels(&app, &Actor::Member(ctx), ContactId(id), &params.labels).await?;
    Ok(json_body(&json!({ "payload": labels })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct DestroyAttributesParams {
    /// Keys to remove from `custom_attributes`.
    #[serde(default)]
    custom_attributes: Vec<String>,
}

/// `POST A/contacts/{id}/destroy_custom_attributes`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/destroy_custom_attributes",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    request_body = DestroyAttributesParams,
    responses(
        (status = 200, description = "The contact", body = super::schemas::ContactResponse),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn destroy_custom_attributes(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiJson(params): ApiJson<DestroyAttributesParams>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let contact =
        service::remove_custom_attributes(&app, &actor, ContactId(id), &params.custom_attributes)
            .await?;
    Ok(
        json_body(&json!({ "payload": contact_with_inboxes(&app, &actor, &contact).await? }))
            .into_response(),
    )
}

fn note_json(actor: &Actor, note: &Note) -> Value {
    json!({
        "id": note.id,
        "content": note.content,
        "account_id": actor.account_id(),
        "contact_id": note.contact_id,
        "user": note.author.as_ref().map(|a| json::value(json::agent(a))),
        "created_at": note.created_at.timestamp(),
        "updated_at": note.updated_at.timestamp(),
    })
}

/// `GET A/contacts/{id}/notes`: a bare array, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/notes",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    responses(
        (status = 200, description = "The notes, newest first (a bare array)", body = Vec<super::schemas::Note>),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn list_notes(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let notes = notes::list(&app, &actor, ContactId(id)).await?;
    let out = notes.iter().map(|note| note_json(&actor, note)).collect();
    Ok(json_body(&Value::Array(out)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct NoteParams {
    /// The note.
    #[serde(default)]
    #[schema(pattern = "\\S")]
    content: String,
}

impl Wrapped for NoteParams {
    const KEY: &'static str = "note";
}

/// `POST A/contacts/{id}/notes`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/notes",
    tag = "Contacts",
    params(super::schemas::ContactPath),
    request_body(content = NoteParams, description = "The fields at the top level, or wrapped as `{\"note\": {...}}`"),
    responses(
        (status = 200, description = "The new note", body = super::schemas::Note),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn create_note(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id)): ApiPath<(i64, i64)>,
    ApiParams(params): ApiParams<NoteParams>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let note = notes::create(&app, &actor, ContactId(id), &params.content).await?;
    Ok(json_body(&note_json(&actor, &note)).into_response())
}

/// `GET A/contacts/{id}/notes/{note_id}`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/notes/{note_id}",
    tag = "Contacts",
    params(
        super::schemas::ContactPath,
        ("note_id" = i64, Path, description = "The note's id"),
    ),
    responses(
        (status = 200, description = "The note", body = super::schemas::Note),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn show_note(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id, note)): ApiPath<(i64, i64, i64)>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let note = notes::get(&app, &actor, ContactId(id), note).await?;
    Ok(json_body(&note_json(&actor, &note)).into_response())
}

/// `PATCH A/contacts/{id}/notes/{note_id}`.
#[utoipa::path(
    method(patch, put),
    path = "/api/v1/accounts/{account_id}/contacts/{id}/notes/{note_id}",
    tag = "Contacts",
    params(
        super::schemas::ContactPath,
        ("note_id" = i64, Path, description = "The note's id"),
    ),
    request_body(content = NoteParams, description = "The fields at the top level, or wrapped as `{\"note\": {...}}`"),
    responses(
        (status = 200, description = "The updated note", body = super::schemas::Note),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn update_note(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id, note)): ApiPath<(i64, i64, i64)>,
    ApiParams(params): ApiParams<NoteParams>,
) -> Result<Response> {
    let actor = Actor::Member(ctx);
    let note = notes::update(&app, &actor, ContactId(id), note, &params.content).await?;
    Ok(json_body(&note_json(&actor, &note)).into_response())
}

/// `DELETE A/contacts/{id}/notes/{note_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{account_id}/contacts/{id}/notes/{note_id}",
    tag = "Contacts",
    params(
        super::schemas::ContactPath,
        ("note_id" = i64, Path, description = "The note's id"),
    ),
    responses(
        (status = 200, description = "Deleted (empty body)"),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
    ),
    security(("api_access_token" = []))
)]
async fn delete_note(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiPath((_, id, note)): ApiPath<(i64, i64, i64)>,
) -> Result<Response> {
    notes::delete(&app, &Actor::Member(ctx), ContactId(id), note).await?;
    Ok(().into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct MergeParams {
    /// The contact that stays (a number or numeric string).
    #[serde(deserialize_with = "de::id")]
    #[schema(value_type = i64)]
    base_contact_id: ContactId,
    /// The contact merged into it and deleted (a number or numeric string).
    #[serde(deserialize_with = "de::id")]
    #[schema(value_type = i64)]
    mergee_contact_id: ContactId,
}

/// `POST A/actions/contact_merge`: the base contact after the merge.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_id}/actions/contact_merge",
    tag = "Contacts",
    params(("account_id" = i64, Path, description = "The account's id")),
    request_body = MergeParams,
    responses(
        (status = 200, description = "The base contact after the merge", body = super::schemas::Contact),
        (status = 401, response = super::schemas::Unauthorized),
        (status = 404, response = super::schemas::NotFound),
        (status = 422, response = super::schemas::Unprocessable),
    ),
    security(("api_access_token" = []))
)]
async fn merge_contacts(
    State(app): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    ApiJson(params): ApiJson<MergeParams>,
) -> Result<Response> {
    let contact = service::merge(
        &app,
        &Actor::Member(ctx),
        params.base_contact_id,
        params.mergee_contact_id,
    )
    .await?;
    Ok(json_body(&json::contact(&contact, None)).into_response())
}
