//! "Forgot password": a single-use link, valid for [`LIFETIME_MINUTES`], e-mailed to the
//! address; it sets a new password and signs out every session. Asking never reveals whether
//! the address has a user (the same answer either way), at most [`PER_USER_PER_HOUR`] links go
//! to one user per hour and [`PER_ADDRESS_PER_HOUR`] requests are taken from one client address.
//! Without SMTP there is no self-service reset: the operator runs `atende reset-password`.

use std::net::IpAddr;

use chrono::Duration;

use super::model::{Email, User};
use super::repo;
use crate::auth::{password, tokens};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::jobs::{self, JobSpec};
use crate::mail::SendMail;
use crate::state::AppState;

/// How long a reset link works.
pub const LIFETIME_MINUTES: i64 = 120;
/// Links sent to one user per hour at most (more requests get the same answer, and no e-mail).
pub const PER_USER_PER_HOUR: i64 = 3;
/// Requests taken from one client address per hour.
pub const PER_ADDRESS_PER_HOUR: i64 = 10;

/// Whether self-service resets are possible (SMTP is configured).
pub fn available(app: &AppState) -> bool {
    app.config.smtp.is_some()
}

/// Asks for a reset link for `email`. `Ok` whether or not the address has a user;
/// [`Error::TooManyRequests`] when this client asked too often; 422 when e-mail is not
/// configured or the address is malformed.
#[tracing::instrument(skip_all, fields(client = %client))]
pub async fn request(app: &AppState, email: &str, client: IpAddr, tr: Locale) -> Result<()> {
    if !available(app) {
        return Err(Error::invalid(
            "email",
            "cannot receive a link: e-mail is not configured on this server",
        ));
    }
    let email = Email::parse(email).map_err(|m| Error::invalid("email", m))?;
    let now = app.clock.now();
    let scope = format!("reset:ip:{client}");
    // Recorded before it is counted, so concurrent requests cannot all pass the count.
    sqlx::query!(
        "insert into login_failures (scope, at) values ($1, $2)",
        scope,
        now
    )
    .execute(&app.db)
    .await?;
    let recent = sqlx::query_scalar!(
        r#"select count(*) as "n!" from login_failures where scope = $1 and at > $2"#,
        scope,
        now - Duration::hours(1)
    )
    .fetch_one(&app.db)
    .await?;
    if recent > PER_ADDRESS_PER_HOUR {
        return Err(Error::TooManyRequests {
            message: "Too many password reset requests from this address; try again later".into(),
            retry_after_secs: 3600,
        });
    }
    let mut tx = app.db.begin().await?;
    let Some((user, _)) = repo::find_user_by_email(&mut tx, &email).await? else {
        tracing::info!("password reset asked for an address without a user");
        return Ok(());
    };
    let sent = sqlx::query_scalar!(
        r#"select count(*) as "n!" from password_resets where user_id = $1 and created_at > $2"#,
        user.id.0,
        now - Duration::hours(1)
    )
    .fetch_one(&mut *tx)
    .await?;
    if sent >= PER_USER_PER_HOUR {
        tracing::warn!(user.id = %user.id, "password reset not sent: too many this hour");
        return Ok(());
    }
    let token = tokens::generate();
    sqlx::query!(
        "insert into password_resets (user_id, token_hash, expires_at, created_at) values ($1, $2, $3, $4)",
        user.id.0,
        tokens::digest(&token.0),
        now + Duration::minutes(LIFETIME_MINUTES),
        now
    )
    .execute(&mut *tx)
    .await?;
    let tr = user.locale.unwrap_or(tr);
    let link = format!("{}/password/reset/{}", app.base_url(), token.0);
    let args = [
        ("name", user.available_name().to_owned().into()),
        ("link", link.into()),
        ("minutes", LIFETIME_MINUTES.into()),
    ];
    let mail = SendMail {
        to: user.email.clone(),
        subject: tr.t_args("reset-email-subject", &args),
        text: tr.t_args("reset-email-text", &args),
        html: None,
    };
    jobs::enqueue(&mut tx, now, &mail, JobSpec::default()).await?;
    tx.commit().await?;
    tracing::info!(user.id = %user.id, "password reset link sent");
    Ok(())
}

/// The user a reset link is for; 404 when it is unknown, used or expired.
pub async fn open(app: &AppState, token: &str) -> Result<User> {
    if !tokens::well_formed(token) {
        return Err(Error::NotFound);
    }
    let user_id = sqlx::query_scalar!(
        "select user_id from password_resets where token_hash = $1 and expires_at > $2",
        tokens::digest(token),
        app.clock.now()
    )
    .fetch_optional(&app.db)
    .await?
    .ok_or(Error::NotFound)?;
    repo::find_user(&mut *app.db.acquire().await?, crate::ids::UserId(user_id))
        .await?
        .ok_or(Error::NotFound)
}

/// Sets a new password through a reset link: every session of the user is signed out (and
/// their live streams end), every other reset link of theirs stops working. Returns the user
/// with their new `auth_version`.
#[tracing::instrument(skip_all)]
pub async fn reset(app: &AppState, token: &str, new: &str, confirmation: &str) -> Result<User> {
    let mut errors = FieldErrors::new();
    if let Err(m) = password::validate(new) {
        errors.add("password", m);
    }
    if new != confirmation {
        errors.add("password_confirmation", "doesn't match Password");
    }
    let user = open(app, token).await?;
    errors.into_result()?;
    let hash = password::hash(new, app.config.password_cost).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    // Spending the link and setting the password are one step: a second use finds nothing.
    let spent = sqlx::query!(
        "delete from password_resets where user_id = $1 and token_hash = $2 and expires_at > $3",
        user.id.0,
        tokens::digest(token),
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if spent == 0 {
        return Err(Error::NotFound);
    }
    sqlx::query!("delete from password_resets where user_id = $1", user.id.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "update users set password_hash = $2, auth_version = auth_version + 1, updated_at = $3 where id = $1",
        user.id.0,
        hash,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(user.id = %user.id, "password reset; every session signed out");
    repo::find_user(&mut *app.db.acquire().await?, user.id)
        .await?
        .ok_or(Error::NotFound)
}
