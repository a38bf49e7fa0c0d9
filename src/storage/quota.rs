//! The per-account storage quota. What an account stores is one counter row
//! (`account_storage`, kept by triggers on the rows of its files; see the migration
//! `storage_accounting`), so a check costs one index lookup whatever the number of files.
//!
//! A check runs twice per upload: before the bytes are written, against what is already stored
//! (so an upload that cannot fit writes nothing), and after the rows are inserted, in their
//! transaction. The insert's trigger holds the account's counter row until commit, so the second
//! check sees every concurrent upload of the account and the quota is never exceeded.

use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::state::AppState;

/// Refuses, with a 422 on `attachments` naming the limit, `extra` more bytes than the account's
/// quota leaves room for.
pub async fn ensure_room(
    conn: &mut PgConnection,
    app: &AppState,
    account_id: AccountId,
    extra: u64,
) -> Result<()> {
    let Some(quota) = app.config.storage.quota_bytes else {
        return Ok(());
    };
    let used = used_bytes(conn, account_id).await?;
    if used.saturating_add(extra) > quota {
        return Err(Error::invalid(
            "attachments",
            format!(
                "would exceed this account's storage quota of {}",
                human_size(quota)
            ),
        ));
    }
    Ok(())
}

/// After the rows of new files were inserted in `conn`'s transaction: refuses them if the
/// account is now over its quota (the caller then rolls back and discards the files).
pub async fn check_quota(
    conn: &mut PgConnection,
    app: &AppState,
    account_id: AccountId,
) -> Result<()> {
    ensure_room(conn, app, account_id, 0).await
}

/// The bytes the account stores (including deleted files not yet removed from disk).
pub async fn used_bytes(conn: &mut PgConnection, account_id: AccountId) -> Result<u64> {
    let bytes = sqlx::query_scalar!(
        "select bytes from account_storage where account_id = $1",
        account_id.0
    )
    .fetch_optional(conn)
    .await?
    .unwrap_or(0);
    Ok(u64::try_from(bytes).unwrap_or(0))
}

/// `10 GB`, `500 MB`, `100 KB`, `1.5 GB`: sizes in binary units, as limits are configured.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_limits_are_configured() {
        assert_eq!(human_size(10 * 1024 * 1024 * 1024), "10 GB");
        assert_eq!(human_size(100 * 1024), "100 KB");
        assert_eq!(human_size(1536 * 1024 * 1024), "1.5 GB");
        assert_eq!(human_size(500), "500 bytes");
        assert_eq!(human_size(20 * 1024 * 1024 * 1024 * 1024), "20480 GB");
    }
}
