//! Attachment storage: files on local disk under `<data_dir>/storage/<account>/`, behind a small
//! interface (store, read, remove) that an S3-compatible backend can implement later.
//!
//! Invariants:
//! - Every account has a quota ([`StorageSettings::quota_bytes`]) checked before a file is
//!   written and again, exactly, in the transaction that records it ([`quota`]).
//! - A file leaves the disk only after the deletion of its row committed: the delete records its
//!   key in the same transaction (a trigger) and [`removal::RemoveFiles`] removes it afterwards.
//! - Files are served through links signed with an expiry (`/files/<id>/<expiry>.<signature>/
//!   <name>`, [`links`]), signed afresh whenever a message is shown or serialised, and logged
//!   without their signature.

pub mod links;
pub mod quota;
pub mod removal;

use std::path::PathBuf;

use sqlx::PgConnection;

use crate::error::{Error, FieldErrors, Result};
use crate::ids::AccountId;
use crate::state::AppState;

pub use links::{loggable_path, path, url, verify};
pub use quota::check_quota;
pub use removal::{RemoveFiles, SweepRemovals, schedule_removal};

/// Largest file accepted (Chatwoot's default).
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;

pub use crate::config::{DEFAULT_LINK_TTL, DEFAULT_QUOTA_MB, StorageSettings};

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

/// Validates and stores files; a file over the limit, or files the account's quota has no room
/// for, are a 422 on `attachments` and nothing is stored. The caller records the files in
/// `conn`'s transaction, then calls [`check_quota`] there, and [`discard`]s them if it fails.
pub async fn store_all(
    conn: &mut PgConnection,
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
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    let incoming: usize = uploads.iter().map(|u| u.bytes.len()).sum();
    quota::ensure_room(conn, app, account_id, incoming as u64).await?;
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

/// Removes files that were stored but never recorded (their transaction failed or was rolled
/// back), best effort. Recorded files are removed by [`removal::RemoveFiles`] instead.
pub async fn discard(app: &AppState, stored: &[Stored]) {
    for file in stored {
        if let Err(e) = remove_file(app, &file.key).await {
            tracing::warn!(storage.key = %file.key, error = %e, "could not remove an unrecorded file");
        }
    }
}

/// Deletes a stored file; one already gone is fine.
async fn remove_file(app: &AppState, key: &str) -> std::io::Result<()> {
    if key.contains("..") {
        return Ok(());
    }
    match tokio::fs::remove_file(root(app).join(key)).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
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
