//! The agents' inbox: the conversation list (tabs, filters, sort, search, pages), the open
//! conversation (thread, composer, actions) and its contact panel, at
//! `/app/accounts/{id}` and `/app/accounts/{id}/conversations[/{display_id}]`.
//!
//! Pages are server-rendered; htmx swaps fragments of the same templates, chosen by the
//! `HX-Target` of the request (`list-results`, `conversation-pane`), so every URL also loads as
//! a whole page (reload, back, a link in a new tab). `static/inbox.js` keeps the page live: on
//! each server-sent event it fetches the fragment of what changed (a row, the counts, the new
//! messages, the header and contact panel), so visibility and rendering stay on the server.
//! Every change is a POST to a conversation action that calls the same service as the API.

mod actions;
mod composer;
mod conversation;
mod format;
mod list;
mod query;

use std::collections::HashMap;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::routing::{get, post};

use crate::auth::context::Actor;
use crate::error::Result;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::web::session::WebCtx;
use format::Times;

/// Request body limit of a reply: up to 15 files of 40 MB, bounded at 100 MB total.
const UPLOAD_LIMIT: usize = 100 * 1024 * 1024;

/// Routes of the inbox.
pub fn router() -> Router<AppState> {
    let c = "/app/accounts/{account_id}/conversations";
    Router::new()
        .route("/app/accounts/{account_id}", get(list::show_inbox))
        .route(c, get(list::show_inbox))
        .route(&format!("{c}/more"), get(list::more_rows))
        .route(&format!("{c}/counts"), get(list::tabs_fragment))
        .route(&format!("{c}/{{id}}"), get(conversation::show_conversation))
        .route(&format!("{c}/{{id}}/row"), get(list::row_fragment))
        .route(
            &format!("{c}/{{id}}/header"),
            get(conversation::header_fragment),
        )
        .route(
            &format!("{c}/{{id}}/details"),
            get(conversation::details_fragment),
        )
        .route(
            &format!("{c}/{{id}}/messages"),
            get(conversation::messages_fragment)
                .post(composer::create_message)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(&format!("{c}/{{id}}/status"), post(actions::change_status))
        .route(&format!("{c}/{{id}}/snooze"), post(actions::snooze))
        .route(&format!("{c}/{{id}}/assignee"), post(actions::assign_agent))
        .route(&format!("{c}/{{id}}/team"), post(actions::assign_team))
        .route(&format!("{c}/{{id}}/priority"), post(actions::set_priority))
        .route(&format!("{c}/{{id}}/labels"), post(actions::change_labels))
        .route(&format!("{c}/{{id}}/mute"), post(actions::mute))
        .route(
            &format!("{c}/{{id}}/custom_attributes"),
            post(actions::set_custom_attributes),
        )
        .route(
            &format!("{c}/{{id}}/contact"),
            post(actions::update_contact),
        )
        .route(&format!("{c}/{{id}}/seen"), post(actions::mark_seen))
        .route(&format!("{c}/{{id}}/macros"), post(actions::run_macro))
        .route(
            "/app/accounts/{account_id}/canned_responses/suggestions",
            get(composer::canned_suggestions),
        )
}

/// The `HX-Target` of an htmx request that is not a history restore: which fragment to answer.
fn fragment_target(headers: &HeaderMap) -> Option<&str> {
    if !headers.contains_key("hx-request") || headers.contains_key("hx-history-restore-request") {
        return None;
    }
    headers.get("hx-target").and_then(|v| v.to_str().ok())
}

/// A label as a coloured chip.
#[derive(Clone, Debug)]
pub struct Chip {
    /// Title.
    pub title: String,
    /// Background, `#RRGGBB`.
    pub color: String,
    /// Text colour that reads on it.
    pub ink: &'static str,
}

impl Chip {
    fn new(title: &str, color: Option<&String>) -> Self {
        let color = color.cloned().unwrap_or_else(|| "#8a8f98".into());
        Chip {
            title: title.to_owned(),
            ink: ink_on(&color),
            color,
        }
    }
}

/// Black or white, whichever reads better on `#RRGGBB`.
fn ink_on(color: &str) -> &'static str {
    let channel = |i: usize| {
        color
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.5, |v| f64::from(v) / 255.0)
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    if luminance > 0.55 { "#111" } else { "#fff" }
}

/// What every inbox page and fragment renders with.
pub struct Scope {
    /// The acting member.
    pub actor: Actor,
    /// Page language.
    pub tr: Locale,
    /// `/app/accounts/{id}`.
    pub base: String,
    /// Time formatting in the account's zone.
    pub times: Times,
    /// Label colours by title.
    pub label_colors: HashMap<String, String>,
}

impl Scope {
    /// Loads what rendering needs for `web`'s member.
    pub async fn load(app: &AppState, web: &WebCtx) -> Result<Self> {
        let account = crate::accounts::service::get_account(app, &web.ctx).await?;
        let label_colors = crate::labels::list(app, &web.ctx)
            .await?
            .into_iter()
            .map(|l| (l.title, l.color))
            .collect();
        Ok(Scope {
            actor: Actor::Member(web.ctx.clone()),
            tr: web.tr,
            base: web.nav.base(),
            times: Times::new(&account.timezone, app.clock.now(), web.tr),
            label_colors,
        })
    }

    /// The chips of `labels`.
    pub fn chips(&self, labels: &[String]) -> Vec<Chip> {
        labels
            .iter()
            .map(|l| Chip::new(l, self.label_colors.get(l)))
            .collect()
    }

    /// `…/conversations/{display_id}`.
    pub fn conversation_href(&self, display_id: i64) -> String {
        format!("{}/conversations/{display_id}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::ink_on;

    #[test]
    fn label_text_stays_readable_on_light_and_dark_colours() {
        assert_eq!(ink_on("#1f93ff"), "#fff");
        assert_eq!(ink_on("#ffe066"), "#111");
        assert_eq!(ink_on("#000000"), "#fff");
        assert_eq!(ink_on("#ffffff"), "#111");
    }
}
