//! Chatwoot's public client API (no token; the API inbox's `inbox_identifier` and the contact's
//! `source_id` identify the caller). Only what real clients call is served: Evolution API's read
//! receipts.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::auth::ApiPath;
use crate::conversations::service as conversations;
use crate::error::Result;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{id}/update_last_seen",
        post(update_last_seen),
    )
}

/// `POST /public/api/v1/inboxes/{inbox}/contacts/{contact}/conversations/{id}/update_last_seen`.
#[utoipa::path(
    post,
    path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{id}/update_last_seen",
    tag = "Public",
    params(
        ("inbox_identifier" = String, Path, description = "The API inbox's `inbox_identifier`"),
        ("contact_identifier" = String, Path, description = "The contact's `source_id` in that inbox"),
        ("id" = i64, Path, description = "The conversation's display id"),
    ),
    operation_id = "public_update_last_seen",
    responses(
        (status = 200, description = "Recorded (empty body)"),
        (status = 404, response = super::schemas::NotFound),
    )
)]
async fn update_last_seen(
    State(app): State<AppState>,
    ApiPath((inbox, contact, id)): ApiPath<(String, String, i64)>,
) -> Result<Response> {
    conversations::mark_seen_by_contact(&app, &inbox, &contact, id).await?;
    Ok(().into_response())
}
