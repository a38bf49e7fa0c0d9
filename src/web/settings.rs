//! The settings pages of an account: the account itself, its agents, custom roles, teams,
//! inboxes, labels, canned responses, custom attributes, webhooks, automation rules and
//! macros. Each page requires its
//! permission itself (the services check it again), so a member without it gets the 403 page
//! before anything is loaded.

mod account;
mod agents;
mod automation;
mod canned_responses;
mod custom_attributes;
mod custom_roles;
mod inbox_members;
mod inboxes;
mod labels;
mod macros;
mod shared;
mod teams;
mod webhooks;
mod working_hours;

use axum::Router;

pub use shared::Done;
pub(super) use shared::field_message;

use crate::state::AppState;

/// Routes of the settings pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(agents::router())
        .merge(custom_roles::router())
        .merge(teams::router())
        .merge(inboxes::router())
        .merge(inbox_members::router())
        .merge(working_hours::router())
        .merge(labels::router())
        .merge(canned_responses::router())
        .merge(custom_attributes::router())
        .merge(webhooks::router())
        .merge(automation::router())
        .merge(macros::router())
}
