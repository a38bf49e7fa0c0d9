//! Signed file links (`/files/<id>/<signature>/<name>`): stable, unguessable, and usable by
//! WhatsApp gateways that download outgoing attachments without credentials.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ids::AttachmentId;
use crate::state::AppState;

fn signature(app: &AppState, id: AttachmentId) -> String {
    let key = app.secret.derive("attachments");
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("HMAC accepts any key length");
    mac.update(format!("attachment:{id}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// Whether `candidate` is the signature of attachment `id` (constant time).
pub fn verify(app: &AppState, id: AttachmentId, candidate: &str) -> bool {
    let Ok(bytes) = hex::decode(candidate) else {
        return false;
    };
    let key = app.secret.derive("attachments");
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("HMAC accepts any key length");
    mac.update(format!("attachment:{id}").as_bytes());
    mac.verify_truncated_left(&bytes).is_ok() && bytes.len() == 16
}

/// The public URL of an attachment's file.
pub fn url(app: &AppState, id: AttachmentId, filename: Option<&str>) -> String {
    format!("{}{}", app.base_url(), path(app, id, filename))
}

/// The path part of [`url`]: what pages link to, so a file opens from whatever address the
/// page was loaded from.
pub fn path(app: &AppState, id: AttachmentId, filename: Option<&str>) -> String {
    let name: String =
        url::form_urlencoded::byte_serialize(filename.unwrap_or("file").as_bytes()).collect();
    format!("/files/{id}/{}/{name}", signature(app, id))
}
