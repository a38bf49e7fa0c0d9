//! The instance secret: one key for every signature (file links, cookies, reset links),
//! generated on first boot when `ATENDE_SECRET_KEY` is unset and kept in the database, so every
//! process of one database shares it. Purpose-specific keys are derived from it.

use std::sync::Arc;

use anyhow::Context;
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// The instance secret. Purpose-specific keys are derived from it with [`Secret::derive`].
#[derive(Clone)]
pub struct Secret(Arc<Vec<u8>>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    /// A secret from raw bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Arc::new(bytes))
    }

    /// A 32-byte key for one purpose (`"attachments"`, `"cookies"`), so keys never repeat
    /// across uses.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(purpose.as_bytes());
        hasher.update([0]);
        hasher.update(self.0.as_slice());
        hasher.finalize().into()
    }
}

/// The configured secret, else the one stored in the database, else a new random one stored
/// for the next boot and the other processes.
pub async fn load_secret(pool: &PgPool, configured: Option<&str>) -> anyhow::Result<Secret> {
    if let Some(secret) = configured.filter(|s| !s.is_empty()) {
        anyhow::ensure!(
            secret.len() >= 32,
            "ATENDE_SECRET_KEY must be at least 32 characters"
        );
        return Ok(Secret::new(secret.as_bytes().to_vec()));
    }
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    // Insert-if-absent then read: two processes booting together end up with the same secret.
    sqlx::query!(
        "insert into instance_settings (key, value) values ('secret_key', $1) on conflict (key) do nothing",
        hex::encode(bytes)
    )
    .execute(pool)
    .await?;
    let stored =
        sqlx::query_scalar!("select value from instance_settings where key = 'secret_key'")
            .fetch_one(pool)
            .await?;
    Ok(Secret::new(
        hex::decode(stored).context("stored secret_key is not hex")?,
    ))
}
