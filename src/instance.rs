//! The first-run bootstrap that creates a default account and administrator (the instance
//! secret lives in [`crate::secret`]).

use crate::accounts::service::{NewAccountWithAdmin, create_account_in};
use crate::i18n::Locale;
use crate::state::AppState;

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
