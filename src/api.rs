//! The JSON adapter: a compatible subset of Chatwoot's Application API v1 (same paths, headers,
//! JSON shapes, error bodies). One file per resource; handlers name the Chatwoot endpoint they
//! mirror. No SQL here.

mod accounts;
mod agents;
pub mod auth;
mod automation_rules;
mod canned_responses;
mod contacts;
mod conversations;
mod custom_attributes;
mod custom_roles;
pub mod de;
pub mod extract;
mod inboxes;
pub mod json;
mod labels;
mod macros;
mod messages;
pub mod openapi;
mod profile;
mod public;
pub mod schemas;
mod teams;
mod variables;
mod webhooks;

use axum::Router;

use crate::state::AppState;

/// Routes under `/api/v1` (and the public client API, attachment files, and the OpenAPI
/// document with its docs page under `/api`).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(profile::router())
        .merge(accounts::router())
        .merge(agents::router())
        .merge(custom_roles::router())
        .merge(inboxes::router())
        .merge(contacts::router())
        .merge(conversations::router())
        .merge(messages::router())
        .merge(labels::router())
        .merge(teams::router())
        .merge(canned_responses::router())
        .merge(custom_attributes::router())
        .merge(public::router())
        .merge(webhooks::router())
        .merge(variables::router())
        .merge(automation_rules::router())
        .merge(macros::router())
        .merge(openapi::router())
}
