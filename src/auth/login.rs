//! Signing in with e-mail and password, throttled per e-mail *from one client address* and per
//! client address. Attempts are recorded in Postgres before the password is checked and counted
//! after, so the limit holds across processes and restarts and concurrent guesses cannot all
//! slip under it; a locked e-mail is locked from that address, not for everyone. Password
//! checks take a slot of [`crate::state::App::password_checks`], so a flood of sign-ins waits
//! (then gets 429) instead of taking every CPU. Answers never reveal whether an e-mail is
//! registered.

use std::net::IpAddr;

use chrono::Duration;
use tokio::sync::OnceCell;

use super::password;
use crate::accounts::model::{Email, User};
use crate::accounts::repo;
use crate::error::Result;
use crate::state::AppState;

/// Failures counted per e-mail and client address before sign-in is refused for the window.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures counted per client address before sign-in is refused for the window.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The sliding window.
pub const WINDOW_MINUTES: i64 = 15;

/// Why a sign-in was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInError {
    /// Wrong e-mail or password (the two are not told apart).
    Invalid,
    /// Too many recent failures; try again after this many seconds.
    Throttled {
        /// Seconds until the oldest counted failure leaves the window.
        retry_after_secs: u64,
    },
    /// Every password check slot stayed busy; try again in a moment.
    Busy,
}

/// Checks the credentials. Outer `Err` is an internal failure; inner `Err` the refusal.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn sign_in(
    app: &AppState,
    email: &str,
    password_text: &str,
    client: IpAddr,
) -> Result<std::result::Result<User, SignInError>> {
    let now = app.clock.now();
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let email_scope = format!("email:{}|ip:{client}", email.trim().to_lowercase());
    let address_scope = format!("ip:{client}");
    // This attempt counts before the password is checked: concurrent guesses see each other.
    let attempt: Vec<i64> = sqlx::query_scalar!(
        "insert into login_failures (scope, at) values ($1, $3), ($2, $3) returning id",
        email_scope,
        address_scope,
        now
    )
    .fetch_all(&app.db)
    .await?;
    let counts = sqlx::query!(
        r#"select
             count(*) filter (where scope = $1) as "email!",
             count(*) filter (where scope = $2) as "address!",
             min(at) filter (where scope = $1) as email_oldest,
             min(at) filter (where scope = $2) as address_oldest
           from login_failures where scope in ($1, $2) and at > $3"#,
        email_scope,
        address_scope,
        since
    )
    .fetch_one(&app.db)
    .await?;
    let blocked_until = [
        (counts.email > MAX_FAILURES_PER_EMAIL)
            .then_some(counts.email_oldest)
            .flatten(),
        (counts.address > MAX_FAILURES_PER_ADDRESS)
            .then_some(counts.address_oldest)
            .flatten(),
    ]
    .into_iter()
    .flatten()
    .map(|oldest| oldest + Duration::minutes(WINDOW_MINUTES))
    .max();
    if let Some(until) = blocked_until {
        // A refused attempt checked nothing: it does not push the lock further.
        forget(app, &attempt).await?;
        tracing::warn!("sign-in throttled");
        let retry_after_secs = (until - now).num_seconds().max(1) as u64;
        return Ok(Err(SignInError::Throttled { retry_after_secs }));
    }

    let Ok(Ok(_slot)) =
        tokio::time::timeout(app.config.password_wait, app.password_checks.acquire()).await
    else {
        forget(app, &attempt).await?;
        tracing::warn!("sign-in refused: every password check slot is busy");
        return Ok(Err(SignInError::Busy));
    };
    let user = match Email::parse(email) {
        Ok(email) => repo::find_user_by_email(&mut *app.db.acquire().await?, &email).await?,
        Err(_) => None,
    };
    let valid = match &user {
        Some((_, hash)) => password::verify(password_text, hash).await,
        None => {
            // Spend the same time as a real check, so timing does not reveal unknown e-mails.
            password::verify(password_text, dummy_hash(app).await?).await;
            false
        }
    };
    match user {
        Some((user, _)) if valid => {
            sqlx::query!(
                "delete from login_failures where scope = $1 or id = any($2)",
                email_scope,
                &attempt
            )
            .execute(&app.db)
            .await?;
            tracing::info!(user.id = %user.id, "signed in");
            Ok(Ok(user))
        }
        _ => {
            tracing::info!("sign-in failed");
            Ok(Err(SignInError::Invalid))
        }
    }
}

/// Takes back the rows of an attempt that checked no password.
async fn forget(app: &AppState, attempt: &[i64]) -> Result<()> {
    sqlx::query!("delete from login_failures where id = any($1)", attempt)
        .execute(&app.db)
        .await?;
    Ok(())
}

async fn dummy_hash(app: &AppState) -> Result<&'static str> {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    let cost = app.config.password_cost;
    Ok(DUMMY
        .get_or_try_init(|| password::hash("not a real password", cost))
        .await?
        .as_str())
}
