//! The message-variable picker and the composer's check, for pages: the catalogue in the page's
//! language, and a preview of a text in a conversation listing the variables that would be empty.
//! Same engine and visibility rules as `A/variables`.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::auth::context::Actor;
use crate::error::{Error, Result, json_body};
use crate::i18n::Locale;
use crate::messages::variables;
use crate::state::AppState;
use crate::web::form::PageForm;
use crate::web::session::WebCtx;

/// Routes of the picker.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/app/accounts/{account_id}/variables", get(catalogue))
        .route(
            "/app/accounts/{account_id}/variables/preview",
            post(preview),
        )
}

/// `GET …/variables`: `[{key, description}]` in the page's language.
async fn catalogue(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let mut conn = app.db.acquire().await?;
    let entries = variables::catalogue_of(&mut conn, web.ctx.account_id).await?;
    let items: Vec<_> = entries
        .into_iter()
        .map(|e| {
            let description = match web.tr {
                Locale::PtBr => e.description_pt_br,
                _ => e.description_en,
            };
            json!({ "key": e.key, "description": description })
        })
        .collect();
    Ok(json_body(&json!(items)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PreviewForm {
    content: String,
    conversation_id: String,
}

/// `POST …/variables/preview` (`content`, `conversation_id`): `{content, empty, fell_back}`.
async fn preview(
    State(app): State<AppState>,
    web: WebCtx,
    PageForm(form): PageForm<PreviewForm>,
) -> Result<Response> {
    let display_id = match form.conversation_id.trim() {
        "" => None,
        id => Some(
            id.parse()
                .map_err(|_| Error::invalid("conversation_id", "must be a conversation id"))?,
        ),
    };
    let rendered = variables::preview(
        &app,
        &Actor::Member(web.ctx),
        display_id,
        Some(&form.content),
    )
    .await?;
    Ok(json_body(&json!({
        "content": rendered.text,
        "empty": rendered.empty,
        "fell_back": rendered.fell_back,
    }))
    .into_response())
}
