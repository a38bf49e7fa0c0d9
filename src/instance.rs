//! Instance-wide state kept in the database: the secret key (generated on first boot when
//! `ATENDE_SECRET_KEY` is unset, so every process of one database shares it) and the first-run
//! bootstrap that creates a default account and administrator.

use std::sync::Arc;

use anyhow::Context;
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::accounts::service::{NewAccountWithAdmin, create_account_in};
use crate::i18n::Locale;
use crate::state::AppState;

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

/// E-mail of the administrator created on first start.
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@atende.local";

/// On the very first start of an empty database, creates a default account and administrator
/// and prints the sign-in details once. Later starts (and databases that already have accounts,
/// such as ones set up with `atende create-account`) print nothing.
pub async fn bootstrap(app: &AppState) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    // Serialise concurrent first boots of several processes.
    sqlx::query!("select pg_advisory_xact_lock(hashtext('atende.bootstrap'))")
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query_scalar!(
        r#"select exists (select 1 from instance_settings where key = 'bootstrapped') as "done!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let has_accounts = crate::accounts::repo::any_account(&mut tx).await?;
    sqlx::query!("insert into instance_settings (key, value) values ('bootstrapped', 'true') on conflict do nothing")
        .execute(&mut *tx)
        .await?;
    if done || has_accounts {
        tx.commit().await?;
        return Ok(());
    }
    let created = create_account_in(
        app,
        &mut tx,
        NewAccountWithAdmin {
            name: "Atende".into(),
            admin_email: DEFAULT_ADMIN_EMAIL.into(),
            admin_name: Some("Administrador".into()),
            admin_password: None,
            locale: Locale::PtBr,
        },
    )
    .await?;
    tx.commit().await?;
    let password = created.generated_password.unwrap_or_default();
    let url = app.base_url();
    println!();
    println!("  Atende is ready: {url}/login");
    println!("  First start: sign in as {DEFAULT_ADMIN_EMAIL} with password {password}");
    println!("  (the password is shown only this once; change it on your profile page)");
    println!();
    Ok(())
}
