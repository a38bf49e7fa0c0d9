//! Attachment storage: files on local disk under `<data_dir>/storage/<account>/`, behind a small
//! interface (store, read, remove) that an S3-compatible backend can implement later. Files are
//! served through signed URLs (`/files/<id>/<signature>/<name>`): stable, unguessable, and
//! usable by WhatsApp gateways that download outgoing attachments without credentials.

use std::path::PathBuf;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, FieldErrors, Result};
use crate::ids::{AccountId, AttachmentId};
use crate::state::AppState;

/// Largest file accepted (Chatwoot's default).
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;

/// A file received with a request.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The name the client gave.
    pub filename: String,
    /// The content type the client declared (not trusted).
    pub declared_type: Option<String>,
    /// The bytes.
    pub bytes: bytes::Bytes,
}

/// A stored file, ready to be recorded as an attachment.
#[derive(Clone, Debug)]
pub struct Stored {
    /// Storage key.
    pub key: String,
    /// `image`, `audio`, `video` or `file`.
    pub file_type: String,
    /// Sniffed MIME type.
    pub content_type: String,
    /// Sanitised file name.
    pub filename: String,
    /// Size.
    pub byte_size: i64,
    /// Width and height of images.
    pub dimensions: Option<(i32, i32)>,
}

fn root(app: &AppState) -> PathBuf {
    app.config.data_dir.join("storage")
}

/// Types a browser would run as active content (script in HTML, SVG, XML): stored and served
/// as opaque bytes, whatever the bytes or the client say.
fn is_active(content_type: &str) -> bool {
    content_type.starts_with("text/html")
        || content_type.contains("javascript")
        || content_type.contains("xml")
}

/// The content type from the bytes; the declared one only when the bytes say nothing.
pub fn sniff(bytes: &[u8], declared: Option<&str>) -> String {
    let sniffed = infer::get(bytes).map(|kind| kind.mime_type().to_owned());
    let declared = declared.map(|d| d.split(';').next().unwrap_or(d).trim().to_ascii_lowercase());
    let content_type = match (sniffed, declared) {
        (Some(sniffed), _) => sniffed,
        (None, Some(d)) if !d.is_empty() && d.contains('/') => d,
        _ if std::str::from_utf8(bytes).is_ok() => "text/plain".into(),
        _ => "application/octet-stream".into(),
    };
    if is_active(&content_type) {
        "application/octet-stream".into()
    } else {
        content_type
    }
}

/// Chatwoot's `file_type` for a content type.
pub fn file_type(content_type: &str) -> &'static str {
    match content_type.split('/').next() {
        Some("image") => "image",
        Some("audio") => "audio",
        Some("video") => "video",
        _ => "file",
    }
}

fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '?' | '*' | ':'))
        .take(200)
        .collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned.trim().to_owned()
    }
}

/// Validates and stores files; a file over the limit is a 422 on `attachments` and nothing is
/// stored.
pub async fn store_all(
    app: &AppState,
    account_id: AccountId,
    uploads: &[Upload],
) -> Result<Vec<Stored>> {
    let mut errors = FieldErrors::new();
    for upload in uploads {
        if upload.bytes.len() > MAX_FILE_BYTES {
            errors.add(
                "attachments",
                format!(
                    "{} is too big (maximum is 40 MB)",
                    clean_filename(&upload.filename)
                ),
            );
        }
        if upload.bytes.is_empty() {
            errors.add(
                "attachments",
                format!("{} is empty", clean_filename(&upload.filename)),
            );
        }
    }
    errors.into_result()?;
    let dir = root(app).join(account_id.to_string());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::Other(e.into()))?;
    let mut stored = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let content_type = sniff(&upload.bytes, upload.declared_type.as_deref());
        let key = format!("{account_id}/{}", uuid::Uuid::new_v4().simple());
        tokio::fs::write(root(app).join(&key), &upload.bytes)
            .await
            .map_err(|e| Error::Other(e.into()))?;
        let dimensions = (file_type(&content_type) == "image")
            .then(|| imagesize::blob_size(&upload.bytes).ok())
            .flatten()
            .map(|size| {
                (
                    size.width.min(i32::MAX as usize) as i32,
                    size.height.min(i32::MAX as usize) as i32,
                )
            });
        stored.push(Stored {
            key,
            file_type: file_type(&content_type).to_owned(),
            content_type,
            filename: clean_filename(&upload.filename),
            byte_size: upload.bytes.len() as i64,
            dimensions,
        });
    }
    Ok(stored)
}

/// The bytes of a stored file.
pub async fn read(app: &AppState, key: &str) -> Result<Vec<u8>> {
    if key.contains("..") {
        return Err(Error::NotFound);
    }
    tokio::fs::read(root(app).join(key))
        .await
        .map_err(|_| Error::NotFound)
}

/// Deletes a stored file (best effort: a missing file is fine).
pub async fn remove(app: &AppState, key: &str) {
    if !key.contains("..") {
        let _ = tokio::fs::remove_file(root(app).join(key)).await;
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes_not_the_label() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
        ];
        assert_eq!(sniff(&png, Some("text/html")), "image/png");
        assert_eq!(
            sniff(b"<script>alert(1)</script>", Some("text/html")),
            "application/octet-stream"
        );
        assert_eq!(sniff(b"hello", None), "text/plain");
        assert_eq!(
            sniff(&[0xff, 0xfe, 0x00], Some("application/pdf")),
            "application/pdf"
        );
        assert_eq!(file_type("image/png"), "image");
        assert_eq!(file_type("application/pdf"), "file");
    }

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\x\\a<b>.txt"), "ab.txt");
        assert_eq!(clean_filename(""), "file");
    }
}
