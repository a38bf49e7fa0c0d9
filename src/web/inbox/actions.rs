//! What the conversation's buttons and menus post: status, snooze, assignment, team,
//! priority, labels, mute, custom attributes, the contact's details, and the read mark. Each
//! calls the service the API calls. htmx gets `204` with `HX-Trigger: conversation-changed`
//! (the page then fetches what changed); a plain form gets a 303 back to the conversation. A
//! refused change answers 422: for htmx with `HX-Trigger: inbox-alert` carrying the reason,
//! otherwise with the conversation page and the reason on top.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::Scope;
use super::conversation::{self, DetailsFragment, Pane};
use super::format::Times;
use super::query::InboxQuery;
use crate::contacts::service::{self as contacts, ContactInput};
use crate::conversations::model::{Priority, Status};
use crate::conversations::service as conversations;
use crate::custom_attributes::{self, AttributeModel, DisplayType};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::{TeamId, UserId};
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::form::{FormErrors, HxRequest, PageForm, field_message, see_other};
use crate::web::session::WebCtx;

/// The end of a change that worked.
fn changed(htmx: HxRequest, href: &str, trigger: &'static str) -> Response {
    if htmx.0 {
        let mut response = StatusCode::NO_CONTENT.into_response();
        response
            .headers_mut()
            .insert("hx-trigger", HeaderValue::from_static(trigger));
        response
    } else {
        see_other(htmx, href)
    }
}

/// JSON with every non-ASCII character escaped, so it fits in a header.
fn ascii_json(value: &Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// A service message in the page language.
fn message(tr: Locale, errors: &FieldErrors) -> String {
    errors
        .iter()
        .map(|e| match (e.field.as_str(), e.message.as_str()) {
            ("snoozed_until", "must be in the future") => tr.t("inbox-error-snooze-past"),
            (field, text) => field_message(tr, field, text),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The end of a refused change.
async fn refused(
    app: &AppState,
    web: &WebCtx,
    display_id: i64,
    htmx: HxRequest,
    headers: &HeaderMap,
    errors: &FieldErrors,
) -> Result<Response> {
    let text = message(web.tr, errors);
    if htmx.0 {
        let trigger = ascii_json(&serde_json::json!({ "inbox-alert": text }));
        let mut response = (StatusCode::UNPROCESSABLE_ENTITY, text).into_response();
        if let Ok(value) = HeaderValue::from_str(&trigger) {
            response.headers_mut().insert("hx-trigger", value);
        }
        return Ok(response);
    }
    let scope = Scope::load(app, web).await?;
    let query = InboxQuery::default();
    let view = conversations::get(app, &scope.actor, display_id).await?;
    let mut pane = Pane::load(app, web, &scope, &view, &query, true).await?;
    pane.alert = Some(text);
    let page = conversation::render(app, web, &scope, &query, pane, headers).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Ends an action: success, a refusal with its reason, or an error page.
async fn finish(
    app: &AppState,
    web: &WebCtx,
    display_id: i64,
    htmx: HxRequest,
    headers: &HeaderMap,
    result: Result<()>,
) -> Result<Response> {
    match result {
        Ok(()) => Ok(changed(
            htmx,
            &format!("{}/conversations/{display_id}", web.nav.base()),
            "conversation-changed",
        )),
        Err(Error::Validation(errors)) => {
            refused(app, web, display_id, htmx, headers, &errors).await
        }
        Err(e) => Err(e),
    }
}

fn actor(web: &WebCtx) -> crate::auth::context::Actor {
    crate::auth::context::Actor::Member(web.ctx.clone())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    status: String,
}

/// `POST …/{id}/status`: resolve, reopen, mark pending.
pub async fn change_status(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response> {
    let result = match Status::parse(&form.status) {
        Some(Status::Snoozed) | None => Err(Error::invalid("status", "is invalid")),
        Some(status) => {
            conversations::toggle_status(&app, &actor(&web), display_id, Some(status), None)
                .await
                .map(|_| ())
        }
    };
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SnoozeForm {
    preset: String,
    until: String,
}

/// When a snooze chosen as `preset` (`1h`, `tomorrow`, `next_week`, `custom` with `until` as
/// a local `datetime-local` value) ends; mornings are 9:00 in the account's time zone.
fn snooze_until(preset: &str, until: &str, times: &Times) -> Option<DateTime<Utc>> {
    let tz = times.tz();
    let now = times.now();
    let today = now.with_timezone(&tz).date_naive();
    let nine = NaiveTime::from_hms_opt(9, 0, 0)?;
    let local = |date: chrono::NaiveDate| {
        tz.from_local_datetime(&date.and_time(nine))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    match preset {
        "1h" => Some(now + Duration::hours(1)),
        "tomorrow" => local(today.succ_opt()?),
        "next_week" => {
            let days = 7 - i64::from(today.weekday().num_days_from_monday());
            let monday = today + Duration::days(days);
            debug_assert_eq!(monday.weekday(), Weekday::Mon);
            local(monday)
        }
        _ => {
            let naive = NaiveDateTime::parse_from_str(until.trim(), "%Y-%m-%dT%H:%M").ok()?;
            tz.from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        }
    }
}

/// `POST …/{id}/snooze`.
pub async fn snooze(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<SnoozeForm>,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let result = match snooze_until(&form.preset, &form.until, &scope.times) {
        Some(until) => conversations::toggle_status(
            &app,
            &scope.actor,
            display_id,
            Some(Status::Snoozed),
            Some(until),
        )
        .await
        .map(|_| ()),
        None => Err(Error::invalid("snoozed_until", "is invalid")),
    };
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssigneeForm {
    assignee_id: String,
}

/// `POST …/{id}/assignee`: an agent, `me`, or nobody (blank).
pub async fn assign_agent(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<AssigneeForm>,
) -> Result<Response> {
    let assignee = match form.assignee_id.trim() {
        "" => Ok(None),
        "me" => Ok(Some(web.ctx.user.id)),
        id => id
            .parse()
            .map(|id| Some(UserId(id)))
            .map_err(|_| Error::invalid("assignee_id", "is invalid")),
    };
    let result = match assignee {
        Ok(assignee) => conversations::assign_agent(&app, &actor(&web), display_id, assignee)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamForm {
    team_id: String,
}

/// `POST …/{id}/team`: a team or none (blank).
pub async fn assign_team(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<TeamForm>,
) -> Result<Response> {
    let team = match form.team_id.trim() {
        "" => Ok(None),
        id => id
            .parse()
            .map(|id| Some(TeamId(id)))
            .map_err(|_| Error::invalid("team_id", "is invalid")),
    };
    let result = match team {
        Ok(team) => conversations::assign_team(&app, &actor(&web), display_id, team)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PriorityForm {
    priority: String,
}

/// `POST …/{id}/priority`: a priority or none (blank).
pub async fn set_priority(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<PriorityForm>,
) -> Result<Response> {
    let priority = match form.priority.trim() {
        "" => Ok(None),
        p => Priority::parse(p)
            .map(Some)
            .ok_or_else(|| Error::invalid("priority", "is invalid")),
    };
    let result = match priority {
        Ok(priority) => conversations::set_priority(&app, &actor(&web), display_id, priority)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LabelsForm {
    add: String,
    remove: String,
}

/// `POST …/{id}/labels`: adds `add` or removes `remove`, under the conversation's lock (a label
/// another agent or a rule adds meanwhile is kept).
pub async fn change_labels(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<LabelsForm>,
) -> Result<Response> {
    let actor = actor(&web);
    let result =
        conversations::change_labels(&app, &actor, display_id, &[form.add], &[form.remove])
            .await
            .map(|_| ());
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MuteForm {
    muted: String,
}

/// `POST …/{id}/mute`: mute (resolve and block the contact) or unmute.
pub async fn mute(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<MuteForm>,
) -> Result<Response> {
    let muted = form.muted.trim() == "true";
    let result = conversations::set_muted(&app, &actor(&web), display_id, muted).await;
    finish(&app, &web, display_id, htmx, &headers, result).await
}

/// Merges `attr_<key>` fields into `current`: blank removes a key, numbers and checkboxes keep
/// their JSON type. A repeated field (a checkbox after its hidden `false`) takes the last value.
fn merge_attributes(
    current: &Value,
    pairs: &[(String, String)],
    kinds: &[(String, DisplayType)],
) -> Result<Value> {
    let mut merged: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    let mut errors = FieldErrors::new();
    let mut last: Vec<(&str, &str)> = Vec::new();
    for (name, value) in pairs {
        if let Some(key) = name.strip_prefix("attr_") {
            last.retain(|(k, _)| *k != key);
            last.push((key, value.trim()));
        }
    }
    for (key, value) in last {
        let kind = kinds.iter().find(|(k, _)| k == key).map(|(_, t)| *t);
        let json = match (kind, value) {
            (_, "") => None,
            (Some(DisplayType::Checkbox), v) => Some(Value::Bool(v == "true")),
            (Some(DisplayType::Number | DisplayType::Currency | DisplayType::Percent), v) => {
                let number = v.parse::<i64>().map(Value::from).ok().or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                });
                if number.is_none() {
                    errors.add(key, "is not a number");
                }
                number
            }
            (_, v) => Some(Value::String(v.to_owned())),
        };
        match json {
            Some(v) => {
                merged.insert(key.to_owned(), v);
            }
            None => {
                merged.remove(key);
            }
        }
    }
    errors.into_result()?;
    Ok(Value::Object(merged))
}

/// `POST …/{id}/custom_attributes`.
pub async fn set_custom_attributes(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = actor(&web);
    let view = conversations::get(&app, &actor, display_id).await?;
    let kinds: Vec<(String, DisplayType)> =
        custom_attributes::list(&app, &web.ctx, Some(AttributeModel::ConversationAttribute))
            .await?
            .into_iter()
            .map(|d| (d.attribute_key, d.attribute_display_type))
            .collect();
    let result = match merge_attributes(&view.conversation.custom_attributes, &pairs, &kinds) {
        Ok(merged) => conversations::set_custom_attributes(&app, &actor, display_id, merged)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    finish(&app, &web, display_id, htmx, &headers, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    name: String,
    email: String,
    phone_number: String,
}

const CONTACT_FIELDS: &[&str] = &["name", "email", "phone_number"];

/// `POST …/{id}/contact`: the conversation's contact details, from the side panel. htmx gets
/// the panel again (saved, or with the refused fields).
pub async fn update_contact(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    PageForm(form): PageForm<ContactForm>,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let view = conversations::get(&app, &scope.actor, display_id).await?;
    let input = ContactInput {
        name: Some(form.name.clone()),
        email: Some(Some(form.email.clone())),
        phone_number: Some(Some(form.phone_number.clone())),
        ..ContactInput::default()
    };
    let result = contacts::update(&app, &scope.actor, view.contact.id, input).await;
    let errors = match result {
        Ok(_) if !htmx.0 => return Ok(see_other(htmx, &scope.conversation_href(display_id))),
        Ok(_) => None,
        Err(Error::Validation(errors)) => Some(errors),
        Err(e) => return Err(e),
    };
    let query = InboxQuery::default();
    let view = conversations::get(&app, &scope.actor, display_id).await?;
    let mut pane = Pane::load(&app, &web, &scope, &view, &query, !htmx.0).await?;
    let Some(errors) = errors else {
        pane.details.contact_saved = true;
        let mut response = DetailsFragment { tr: web.tr, pane }.into_response();
        response
            .headers_mut()
            .insert("hx-trigger", HeaderValue::from_static("contact-changed"));
        return Ok(response);
    };
    pane.details.contact.name = form.name;
    pane.details.contact.email = form.email;
    pane.details.contact.phone_number = form.phone_number;
    pane.details.contact_errors = FormErrors::new(web.tr, &errors, CONTACT_FIELDS);
    if htmx.0 {
        let fragment = DetailsFragment { tr: web.tr, pane };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, fragment).into_response());
    }
    let page = conversation::render(&app, &web, &scope, &query, pane, &headers).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The macro to run.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MacroForm {
    macro_id: String,
}

/// `POST …/{id}/macros`: queues a macro on this conversation, run as the member. Its changes
/// reach the page through the live updates like any other change; htmx gets the side panel
/// back with a note saying the macro is running.
pub async fn run_macro(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    PageForm(form): PageForm<MacroForm>,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    // A conversation the member cannot see is a 404 before anything is queued.
    conversations::get(&app, &scope.actor, display_id).await?;
    let id: i64 = form.macro_id.trim().parse().map_err(|_| Error::NotFound)?;
    crate::macros::execute(&app, &web.ctx, id, vec![display_id]).await?;
    if !htmx.0 {
        return Ok(see_other(htmx, &scope.conversation_href(display_id)));
    }
    let view = conversations::get(&app, &scope.actor, display_id).await?;
    let mut pane = Pane::load(&app, &web, &scope, &view, &InboxQuery::default(), false).await?;
    pane.details.macro_queued = true;
    Ok(DetailsFragment { tr: web.tr, pane }.into_response())
}

/// `POST …/{id}/seen`: the agent read what arrived while the conversation was open.
pub async fn mark_seen(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
) -> Result<Response> {
    conversations::mark_seen(&app, &actor(&web), display_id, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn times() -> Times {
        // Tuesday 10 March 2026, 15:00 UTC = 12:00 in São Paulo.
        let now = Utc
            .with_ymd_and_hms(2026, 3, 10, 15, 0, 0)
            .single()
            .expect("now");
        Times::new("America/Sao_Paulo", now, Locale::PtBr)
    }

    #[test]
    fn snooze_presets_end_at_the_expected_local_times() {
        let t = times();
        let at = |d, h| {
            Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0)
                .single()
                .expect("t")
        };
        assert_eq!(snooze_until("1h", "", &t), Some(at(10, 16)));
        assert_eq!(snooze_until("tomorrow", "", &t), Some(at(11, 12)));
        assert_eq!(snooze_until("next_week", "", &t), Some(at(16, 12)));
        assert_eq!(
            snooze_until("custom", "2026-03-20T18:30", &t),
            Some(
                Utc.with_ymd_and_hms(2026, 3, 20, 21, 30, 0)
                    .single()
                    .expect("t")
            )
        );
        assert_eq!(snooze_until("custom", "soon", &t), None);
    }

    #[test]
    fn attributes_merge_with_their_types_and_blank_removes() {
        let kinds = vec![
            ("vip".to_owned(), DisplayType::Checkbox),
            ("orders".to_owned(), DisplayType::Number),
        ];
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let merged = merge_attributes(
            &json!({"plan": "gold", "old": "x"}),
            &pairs(&[
                ("attr_vip", "false"),
                ("attr_vip", "true"),
                ("attr_orders", "3"),
                ("attr_old", ""),
                ("other", "1"),
            ]),
            &kinds,
        )
        .expect("valid");
        assert_eq!(merged, json!({"plan": "gold", "vip": true, "orders": 3}));
        assert!(merge_attributes(&json!({}), &pairs(&[("attr_orders", "many")]), &kinds).is_err());
        assert_eq!(
            ascii_json(&json!({"inbox-alert": "não"})),
            r#"{"inbox-alert":"n\u00e3o"}"#
        );
    }
}
