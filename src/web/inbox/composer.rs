//! The reply box: replies and private notes with files (multipart), and the canned response
//! suggestions that `/shortcode` opens.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::Scope;
use super::conversation::{self, Pane};
use super::format::excerpt;
use super::query::InboxQuery;
use crate::conversations::service as conversations;
use crate::error::{Error, Result};
use crate::i18n::Locale;
use crate::messages::service::{self as messages, MessageInput};
use crate::state::AppState;
use crate::storage::Upload;
use crate::web::extract::PathId;
use crate::web::form::{HxRequest, field_message, see_other};
use crate::web::session::{WebCtx, no_store};

/// The reply box.
#[derive(Clone, Debug)]
pub struct Composer {
    /// Where it posts.
    pub action: String,
    /// Whether it writes a private note.
    pub private: bool,
    /// Text kept after a refusal.
    pub content: String,
    /// Why the last message was refused.
    pub error: Option<String>,
}

impl Composer {
    /// An empty composer of the conversation at `href`.
    pub fn new(href: &str, private: bool) -> Self {
        Composer {
            action: format!("{href}/messages"),
            private,
            content: String::new(),
            error: None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/composer_fragment.html")]
struct ComposerFragment {
    tr: Locale,
    pane: ComposerOnly,
}

/// What the composer partial reads (`pane.composer`).
struct ComposerOnly {
    composer: Composer,
}

fn truthy(value: &str) -> bool {
    matches!(value.trim(), "true" | "1" | "on" | "yes")
}

/// Reads the composer's multipart body: text, the note flag, files (empty file inputs skipped).
async fn read_form(mut multipart: Multipart) -> Result<(String, bool, Vec<Upload>)> {
    let bad = |e: axum::extract::multipart::MultipartError| Error::BadRequest(e.body_text().into());
    let (mut content, mut private, mut files) = (String::new(), false, Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "content" => content = field.text().await.map_err(bad)?,
            "private" => private = truthy(&field.text().await.map_err(bad)?),
            "attachments" | "attachments[]" => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let declared_type = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(bad)?;
                if !filename.is_empty() || !bytes.is_empty() {
                    files.push(Upload {
                        filename,
                        declared_type,
                        bytes,
                    });
                }
            }
            _ => {}
        }
    }
    Ok((content, private, files))
}

/// `POST …/conversations/{id}/messages`: a reply or a private note. htmx gets a fresh composer
/// and `HX-Trigger: messages-changed` (the page then fetches the new messages); a refused
/// message keeps its text and says why (422).
pub async fn create_message(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    htmx: HxRequest,
    headers: HeaderMap,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    let multipart = multipart.map_err(|e| Error::BadRequest(e.body_text().into()))?;
    let (content, private, attachments) = read_form(multipart).await?;
    let scope = Scope::load(&app, &web).await?;
    let href = scope.conversation_href(display_id);
    let input = MessageInput {
        content: Some(content.clone()),
        private,
        attachments,
        ..MessageInput::default()
    };
    let refused = match messages::create(&app, &scope.actor, display_id, input).await {
        Ok(_) if htmx.0 => {
            let pane = ComposerOnly {
                composer: Composer::new(&href, private),
            };
            let mut response = ComposerFragment { tr: web.tr, pane }.into_response();
            response
                .headers_mut()
                .insert("hx-trigger", HeaderValue::from_static("messages-changed"));
            return Ok(no_store(response));
        }
        Ok(_) => return Ok(see_other(htmx, &href)),
        Err(Error::Validation(errors)) => errors,
        Err(e) => return Err(e),
    };
    let message = refused
        .iter()
        .map(|e| field_message(web.tr, &e.field, &e.message))
        .collect::<Vec<_>>()
        .join(" ");
    let composer = Composer {
        content,
        error: Some(message),
        ..Composer::new(&href, private)
    };
    if htmx.0 {
        let pane = ComposerOnly { composer };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            ComposerFragment { tr: web.tr, pane },
        )
            .into_response());
    }
    let query = InboxQuery::default();
    let view = conversations::get(&app, &scope.actor, display_id).await?;
    let mut pane = Pane::load(&app, &web, &scope, &view, &query, true).await?;
    pane.composer = composer;
    let page = conversation::render(&app, &web, &scope, &query, pane, &headers).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// One suggestion.
struct Suggestion {
    short_code: String,
    preview: String,
    content: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/canned_fragment.html")]
struct CannedFragment {
    tr: Locale,
    suggestions: Vec<Suggestion>,
}

/// `GET /app/accounts/{id}/canned_responses/suggestions?q=`: the account's canned responses
/// matching what follows `/`, best first, as a listbox.
pub async fn canned_suggestions(
    State(app): State<AppState>,
    web: WebCtx,
    uri: Uri,
) -> Result<Response> {
    let q: String = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let suggestions = crate::canned::list(&app, &web.ctx, Some(&q))
        .await?
        .into_iter()
        .take(8)
        .map(|c| Suggestion {
            preview: excerpt(&c.content, 80),
            short_code: c.short_code,
            content: c.content,
        })
        .collect();
    Ok(no_store(
        CannedFragment {
            tr: web.tr,
            suggestions,
        }
        .into_response(),
    ))
}
