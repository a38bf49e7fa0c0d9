//! Settings → Webhooks (administrators: [`Permission::WebhookManage`]): the list with each
//! webhook's last delivery, a form to create or edit one (URL, name, events, inbox filter,
//! enabled), deletion, and a delivery log per webhook where failed deliveries are sent again.
//!
//! The signing secret exists in clear only in the response of the service that creates it, so
//! it is shown once, in the 200 `no-store` response to the create POST (decision 0002, rule 5),
//! with how `X-Atende-Signature` is computed. A URL the outbound guard refuses is a 422 with
//! the guard's reason next to the URL field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};

use super::shared::{self, Done};
use crate::auth::context::Actor;
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::InboxId;
use crate::inboxes::model::Inbox;
use crate::inboxes::service as inboxes;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::form::{
    FormErrors, HxRequest, OrInvalid, PageForm, field_message, see_other, unprocessable,
};
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};
use crate::webhooks::service::{self, DeliveryLog, Webhook, WebhookInput};

/// Routes of the webhook settings pages.
pub fn router() -> Router<AppState> {
    const BASE: &str = "/app/accounts/{account_id}/settings/webhooks";
    Router::new()
        .route(BASE, get(list_webhooks).post(create_webhook))
        .route(&format!("{BASE}/new"), get(new_webhook))
        .route(
            &format!("{BASE}/{{id}}"),
            get(show_webhook).post(update_webhook),
        )
        .route(&format!("{BASE}/{{id}}/edit"), get(edit_webhook))
        .route(&format!("{BASE}/{{id}}/delete"), post(delete_webhook))
        .route(&format!("{BASE}/{{id}}/resend"), post(resend_delivery))
}

/// The events the API delivers, in the order the form offers them.
pub const EVENTS: [&str; 7] = [
    "conversation_created",
    "conversation_updated",
    "conversation_status_changed",
    "message_created",
    "message_updated",
    "contact_created",
    "contact_updated",
];

/// Deliveries the log shows.
const LOG_SIZE: i64 = 100;

const FIELDS: &[&str] = &["url", "name", "subscriptions", "inbox_id"];

/// The name of an event in the page language; events the form does not offer keep their name.
fn event_label(tr: Locale, event: &str) -> String {
    if EVENTS.contains(&event) {
        tr.t(&format!("webhook-event-{}", event.replace('_', "-")))
    } else {
        event.to_owned()
    }
}

/// The name of a delivery state (`pending`, `succeeded`, `failed`).
fn state_label(tr: Locale, state: &str) -> String {
    match state {
        "pending" => tr.t("webhook-state-pending"),
        "succeeded" => tr.t("webhook-state-succeeded"),
        "failed" => tr.t("webhook-state-failed"),
        other => other.to_owned(),
    }
}

/// `2024-05-01 14:03 UTC`.
pub(super) fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The webhook form, as submitted or as stored.
#[derive(Clone, Debug, Default)]
struct WebhookForm {
    url: String,
    name: String,
    /// Checked events, and events subscribed through the API that the form does not offer
    /// (kept as hidden inputs so saving the form does not drop them).
    subscriptions: Vec<String>,
    /// An inbox id, or empty for every inbox.
    inbox_id: String,
    enabled: bool,
}

impl WebhookForm {
    fn blank() -> Self {
        WebhookForm {
            enabled: true,
            ..WebhookForm::default()
        }
    }

    fn of(webhook: &Webhook) -> Self {
        WebhookForm {
            url: webhook.url.clone(),
            name: webhook.name.clone().unwrap_or_default(),
            subscriptions: webhook.subscriptions.clone(),
            inbox_id: webhook
                .inbox
                .as_ref()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default(),
            enabled: webhook.enabled,
        }
    }

    /// From the posted pairs: checkboxes repeat `subscriptions`.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = WebhookForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "url" => form.url = value,
                "name" => form.name = value,
                "subscriptions" if !form.subscriptions.contains(&value) => {
                    form.subscriptions.push(value)
                }
                "inbox_id" => form.inbox_id = value,
                "enabled" => form.enabled = true,
                _ => {}
            }
        }
        form
    }

    /// Every field is sent, so every field is set; `enabled` is the caller's to decide.
    fn input(&self) -> Result<WebhookInput, FieldErrors> {
        let inbox_id = match self.inbox_id.trim() {
            "" => None,
            id => Some(InboxId(
                id.parse()
                    .map_err(|_| FieldErrors::one("inbox_id", "is invalid"))?,
            )),
        };
        let name = self.name.trim();
        Ok(WebhookInput {
            url: Some(self.url.trim().to_owned()),
            name: Some((!name.is_empty()).then(|| name.to_owned())),
            subscriptions: Some(self.subscriptions.clone()),
            inbox_id: Some(inbox_id),
            enabled: None,
        })
    }
}

/// A checkbox of the events fieldset.
struct EventChoice {
    value: &'static str,
    label: String,
    checked: bool,
}

/// A row of the list.
struct Row {
    webhook: Webhook,
    events: Vec<String>,
    last: Option<DeliveryLog>,
}

/// A webhook just created, with its secret.
struct Created {
    url: String,
    secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/webhooks/index.html")]
struct WebhooksPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    rows: Vec<Row>,
    created: Option<Created>,
}

impl WebhooksPage {
    async fn load(app: &AppState, web: &WebCtx) -> Result<Self> {
        let mut rows = Vec::new();
        for webhook in service::list(app, &web.ctx).await? {
            // Accounts have a handful of webhooks: one small query each is fine.
            let last = service::deliveries(app, &web.ctx, webhook.id, 1)
                .await?
                .pop();
            rows.push(Row {
                events: webhook
                    .subscriptions
                    .iter()
                    .map(|e| event_label(web.tr, e))
                    .collect(),
                webhook,
                last,
            });
        }
        Ok(WebhooksPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            rows,
            created: None,
        })
    }

    fn state(&self, state: &str) -> String {
        state_label(self.tr, state)
    }

    fn when(&self, at: &DateTime<Utc>) -> String {
        when(*at)
    }
}

/// The form to create a webhook, or to edit `editing`.
#[derive(Template, WebTemplate)]
#[template(path = "settings/webhooks/form.html")]
struct WebhookFormPage {
    tr: Locale,
    nav: Nav,
    editing: Option<Webhook>,
    form: WebhookForm,
    inboxes: Vec<Inbox>,
    errors: FormErrors,
}

impl WebhookFormPage {
    async fn new(
        app: &AppState,
        web: &WebCtx,
        editing: Option<Webhook>,
        form: WebhookForm,
    ) -> Result<Self> {
        let inboxes = inboxes::list(app, &Actor::Member(web.ctx.clone())).await?;
        Ok(WebhookFormPage {
            tr: web.tr,
            nav: web.nav.clone(),
            editing,
            form,
            inboxes,
            errors: FormErrors::default(),
        })
    }

    fn refused(mut self, errors: &FieldErrors) -> Response {
        self.errors = FormErrors::new(self.tr, errors, FIELDS);
        session::no_store(unprocessable(self))
    }

    fn events(&self) -> Vec<EventChoice> {
        EVENTS
            .iter()
            .map(|e| EventChoice {
                value: e,
                label: event_label(self.tr, e),
                checked: self.form.subscriptions.iter().any(|s| s == e),
            })
            .collect()
    }

    /// Subscriptions made through the API that the form does not offer.
    fn other_events(&self) -> Vec<&str> {
        self.form
            .subscriptions
            .iter()
            .map(String::as_str)
            .filter(|s| !EVENTS.contains(s))
            .collect()
    }

    fn inbox_choices(&self) -> Vec<Choice> {
        let mut choices = vec![Choice::new(
            "",
            self.tr.t("webhooks-every-inbox"),
            &self.form.inbox_id,
        )];
        choices.extend(
            self.inboxes
                .iter()
                .map(|i| Choice::new(i.id.to_string(), i.name.as_str(), &self.form.inbox_id)),
        );
        choices
    }

    fn action(&self) -> String {
        match &self.editing {
            Some(w) => format!("{}/settings/webhooks/{}", self.nav.base(), w.id),
            None => format!("{}/settings/webhooks", self.nav.base()),
        }
    }
}

/// The delivery log of one webhook.
#[derive(Template, WebTemplate)]
#[template(path = "settings/webhooks/show.html")]
struct DeliveriesPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    webhook: Webhook,
    events: Vec<String>,
    deliveries: Vec<DeliveryLog>,
    /// Why a re-send was refused.
    alert: Option<String>,
}

impl DeliveriesPage {
    async fn load(app: &AppState, web: &WebCtx, id: i64) -> Result<Self> {
        let webhook = service::get(app, &web.ctx, id).await?;
        let deliveries = service::deliveries(app, &web.ctx, id, LOG_SIZE).await?;
        Ok(DeliveriesPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            events: webhook
                .subscriptions
                .iter()
                .map(|e| event_label(web.tr, e))
                .collect(),
            webhook,
            deliveries,
            alert: None,
        })
    }

    fn event(&self, event: &str) -> String {
        event_label(self.tr, event)
    }

    fn state(&self, state: &str) -> String {
        state_label(self.tr, state)
    }

    fn when(&self, at: &DateTime<Utc>) -> String {
        when(*at)
    }
}

fn list_url(web: &WebCtx) -> String {
    format!("{}/settings/webhooks", web.nav.base())
}

/// `GET /app/accounts/{account_id}/settings/webhooks`.
async fn list_webhooks(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let mut page = WebhooksPage::load(&app, &web).await?;
    page.flash = crate::web::flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/webhooks/new`.
async fn new_webhook(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let page = WebhookFormPage::new(&app, &web, None, WebhookForm::blank()).await?;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/webhooks`: answers with the list and the new
/// webhook's secret, shown this once.
async fn create_webhook(
    State(app): State<AppState>,
    web: WebCtx,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let form = WebhookForm::from_pairs(pairs);
    let created = match form.input() {
        Ok(input) => service::create(&app, &web.ctx, input).await.or_invalid()?,
        Err(errors) => Err(errors),
    };
    match created {
        Ok((webhook, secret)) => {
            let mut page = WebhooksPage::load(&app, &web).await?;
            page.created = Some(Created {
                url: webhook.url,
                secret,
            });
            Ok(session::no_store(page.into_response()))
        }
        Err(errors) => Ok(WebhookFormPage::new(&app, &web, None, form)
            .await?
            .refused(&errors)),
    }
}

/// `GET /app/accounts/{account_id}/settings/webhooks/{id}`: the delivery log.
async fn show_webhook(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let mut page = DeliveriesPage::load(&app, &web, id).await?;
    page.flash = crate::web::flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `GET /app/accounts/{account_id}/settings/webhooks/{id}/edit`.
async fn edit_webhook(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let webhook = service::get(&app, &web.ctx, id).await?;
    let form = WebhookForm::of(&webhook);
    let page = WebhookFormPage::new(&app, &web, Some(webhook), form).await?;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/webhooks/{id}`.
async fn update_webhook(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let current = service::get(&app, &web.ctx, id).await?;
    let form = WebhookForm::from_pairs(pairs);
    let saved = match form.input() {
        Ok(mut input) => {
            // Only a change of the switch touches `enabled`: saving an enabled webhook must not
            // restart the 24 hours after which a failing one is disabled.
            input.enabled = (form.enabled != current.enabled).then_some(form.enabled);
            service::update(&app, &web.ctx, id, input)
                .await
                .or_invalid()?
        }
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(webhook) => {
            shared::done(&web.session, Done::WebhookUpdated(webhook.url)).await?;
            Ok(see_other(htmx, &list_url(&web)))
        }
        Err(errors) => Ok(WebhookFormPage::new(&app, &web, Some(current), form)
            .await?
            .refused(&errors)),
    }
}

/// `POST /app/accounts/{account_id}/settings/webhooks/{id}/delete`: with its delivery log.
async fn delete_webhook(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let webhook = service::get(&app, &web.ctx, id).await?;
    service::delete(&app, &web.ctx, id).await?;
    shared::done(&web.session, Done::WebhookDeleted(webhook.url)).await?;
    Ok(see_other(htmx, &list_url(&web)))
}

/// The delivery to send again.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ResendForm {
    delivery: String,
}

/// `POST /app/accounts/{account_id}/settings/webhooks/{id}/resend`: a failed delivery, again
/// (same payload, same delivery id).
async fn resend_delivery(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<ResendForm>,
) -> Result<Response> {
    web.ctx.require(Permission::WebhookManage)?;
    let delivery: i64 = form
        .delivery
        .trim()
        .parse()
        .map_err(|_| crate::error::Error::NotFound)?;
    let page_url = format!("{}/{id}", list_url(&web));
    let log = service::deliveries(&app, &web.ctx, id, LOG_SIZE).await?;
    let event = log
        .iter()
        .find(|d| d.id == delivery)
        .map(|d| event_label(web.tr, &d.event))
        .unwrap_or_default();
    match service::resend(&app, &web.ctx, id, delivery)
        .await
        .or_invalid()?
    {
        Ok(()) => {
            shared::done(&web.session, Done::DeliveryResent(event)).await?;
            Ok(see_other(htmx, &page_url))
        }
        Err(errors) => {
            let mut page = DeliveriesPage::load(&app, &web, id).await?;
            let reasons: Vec<String> = errors
                .iter()
                .map(|e| field_message(web.tr, &e.field, &e.message))
                .collect();
            page.alert = Some(reasons.join(" "));
            Ok(session::no_store(unprocessable(page)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_event_is_one_the_service_accepts_and_has_a_name() {
        for event in EVENTS {
            assert!(service::SUBSCRIPTIONS.contains(&event), "{event}");
            for tr in Locale::ALL {
                let label = event_label(tr, event);
                assert!(
                    !label.starts_with("Unknown localization") && label != event,
                    "{tr} {event}: {label}"
                );
            }
        }
        assert_eq!(event_label(Locale::En, "inbox_created"), "inbox_created");
    }

    #[test]
    fn the_form_keeps_events_it_does_not_offer_and_clears_a_blank_name() {
        let form = WebhookForm::from_pairs(vec![
            ("url".into(), " https://crm.example/hook ".into()),
            ("name".into(), "  ".into()),
            ("subscriptions".into(), "message_created".into()),
            ("subscriptions".into(), "inbox_created".into()),
            ("subscriptions".into(), "message_created".into()),
            ("inbox_id".into(), "".into()),
        ]);
        let input = form.input().expect("valid");
        assert_eq!(input.url.as_deref(), Some("https://crm.example/hook"));
        assert_eq!(input.name, Some(None));
        assert_eq!(
            input.subscriptions,
            Some(vec!["message_created".into(), "inbox_created".into()])
        );
        assert_eq!(input.inbox_id, Some(None));
        assert!(!form.enabled);
        let bad = WebhookForm {
            inbox_id: "x".into(),
            ..WebhookForm::blank()
        };
        assert!(bad.input().is_err());
    }
}
