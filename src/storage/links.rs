//! Signed file links: `/files/<attachment id>/<expiry>.<signature>/<name>`, where the expiry is
//! in Unix seconds and the signature is an HMAC of the attachment id and the expiry. Anyone with
//! the link can fetch the file until it expires (WhatsApp gateways download outgoing files this
//! way, without credentials); an expired, altered or forged link is simply not found.
//!
//! Links are signed when a message is shown or serialised (API responses, pages, webhook
//! deliveries), valid for [`super::StorageSettings::link_ttl`] from then. The expiry is rounded up
//! to the hour, so a message shown twice within the hour gets the same link and browsers reuse
//! what they cached. Because a link is a credential, the request log shows [`loggable_path`].

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ids::AttachmentId;
use crate::state::AppState;

/// Expiries are rounded up to a multiple of this many seconds.
const ROUND_SECS: i64 = 3600;

/// Bytes of the HMAC kept in a link.
const SIGNATURE_BYTES: usize = 16;

fn mac(app: &AppState, id: AttachmentId, expires: i64) -> Hmac<Sha256> {
    let key = app.secret.derive("file-links");
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("HMAC accepts any key length");
    mac.update(format!("attachment:{id}:{expires}").as_bytes());
    mac
}

/// The expiry of a link signed at `now`: `ttl` later, rounded up to the hour.
fn expiry(now: DateTime<Utc>, ttl: std::time::Duration) -> i64 {
    let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let at = now.timestamp().saturating_add(ttl);
    at.div_euclid(ROUND_SECS)
        .saturating_add(i64::from(at.rem_euclid(ROUND_SECS) != 0))
        .saturating_mul(ROUND_SECS)
}

/// The `<expiry>.<signature>` segment of a link to attachment `id`, signed now.
fn token(app: &AppState, id: AttachmentId) -> String {
    let expires = expiry(app.clock.now(), app.config.storage.link_ttl);
    let signature = mac(app, id, expires).finalize().into_bytes();
    format!("{expires}.{}", hex::encode(&signature[..SIGNATURE_BYTES]))
}

/// Whether `token` is a link segment signed for attachment `id` that has not expired (the
/// signature is compared in constant time).
pub fn verify(app: &AppState, id: AttachmentId, token: &str) -> bool {
    let Some((expires, signature)) = token.split_once('.') else {
        return false;
    };
    if expires.is_empty() || expires.len() > 12 || !expires.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    signature.len() == SIGNATURE_BYTES
        && mac(app, id, expires)
            .verify_truncated_left(&signature)
            .is_ok()
        && expires > app.clock.now().timestamp()
}

/// The public URL of an attachment's file, signed now.
pub fn url(app: &AppState, id: AttachmentId, filename: Option<&str>) -> String {
    format!("{}{}", app.base_url(), path(app, id, filename))
}

/// The path part of [`url`]: what pages link to, so a file opens from whatever address the
/// page was loaded from.
pub fn path(app: &AppState, id: AttachmentId, filename: Option<&str>) -> String {
    let name: String =
        url::form_urlencoded::byte_serialize(filename.unwrap_or("file").as_bytes()).collect();
    format!("/files/{id}/{}/{name}", token(app, id))
}

/// A request path as it may be logged or labelled: file links keep their attachment id and lose
/// their signature and file name (`/files/12/[redacted]`); other paths are unchanged.
pub fn loggable_path(path: &str) -> Cow<'_, str> {
    let Some(rest) = path.strip_prefix("/files/") else {
        return Cow::Borrowed(path);
    };
    match rest.split_once('/') {
        Some((id, _)) => Cow::Owned(format!("/files/{id}/[redacted]")),
        None => Cow::Borrowed(path),
    }
}

/// Reads a link lifetime (`ATENDE_FILE_LINK_TTL`): seconds, or a number followed by `s`, `m`,
/// `h` or `d`; between an hour and a year.
pub fn parse_ttl(text: &str) -> std::result::Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?} is not a duration like 3600, 12h or 7d")),
    };
    let seconds = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("{text:?} is not a duration like 3600, 12h or 7d"))?;
    if !(3600..=365 * 86_400).contains(&seconds) {
        return Err(format!("{text:?} must be between 1 hour and 365 days"));
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_are_the_lifetime_later_rounded_up_to_the_hour() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        let week = std::time::Duration::from_secs(7 * 24 * 3600);
        assert_eq!(
            expiry(at("2026-12-08T10:20:00Z"), week),
            at("2026-12-15T11:00:00Z").timestamp()
        );
        assert_eq!(
            expiry(at("2026-12-08T10:00:00Z"), week),
            at("2026-12-15T10:00:00Z").timestamp()
        );
        assert!(expiry(at("2026-12-08T10:00:00Z"), std::time::Duration::MAX) > 0);
    }

    #[test]
    fn lifetimes_read_with_or_without_a_unit() {
        let secs = |s: &str| parse_ttl(s).map(|d| d.as_secs());
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("12h"), Ok(43_200));
        assert_eq!(secs("90m"), Ok(5_400));
        assert_eq!(secs("3600"), Ok(3_600));
        for bad in ["", "d", "7w", "-5", "30m", "400d", "99999999999999999999d"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logged_file_paths_keep_the_id_and_lose_the_rest() {
        assert_eq!(
            loggable_path("/files/12/1796641200.00ff/recibo.pdf"),
            "/files/12/[redacted]"
        );
        assert_eq!(loggable_path("/files/12/abc"), "/files/12/[redacted]");
        assert_eq!(loggable_path("/files/12"), "/files/12");
        assert_eq!(
            loggable_path("/api/v1/accounts/1/conversations"),
            "/api/v1/accounts/1/conversations"
        );
    }
}
