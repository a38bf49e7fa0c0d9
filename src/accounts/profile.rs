//! A user's own profile: name, e-mail, language, password, availability, API token.

use serde_json::Value;

use super::model::{Availability, Email, User};
use super::repo;
use crate::auth::{password, tokens};
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::i18n::Locale;
use crate::ids::{AccountId, UserId};
use crate::state::AppState;

/// Changes to a profile; `None` leaves a field unchanged, `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct ProfilePatch {
    /// Full name.
    pub name: Option<String>,
    /// Name shown to customers.
    pub display_name: Option<Option<String>>,
    /// Sign-in address.
    pub email: Option<String>,
    /// Phone number.
    pub phone_number: Option<Option<String>>,
    /// UI language (`Some(None)` follows the browser).
    pub locale: Option<Option<Locale>>,
    /// Reply signature.
    pub message_signature: Option<Option<String>>,
    /// UI preferences (replaced as a whole).
    pub ui_settings: Option<Value>,
}

fn clean(value: Option<Option<String>>) -> Option<Option<String>> {
    value.map(|v| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()))
}

/// Loads the user or 404.
pub async fn get(app: &AppState, user_id: UserId) -> Result<User> {
    repo::find_user(&mut *app.db.acquire().await?, user_id)
        .await?
        .ok_or(Error::NotFound)
}

/// One profile change request: fields, an optional password change, an optional
/// availability. Everything is validated first and written in one transaction, so a request
/// that fails changes nothing.
#[derive(Clone, Debug, Default)]
pub struct ProfileUpdate {
    /// Profile fields.
    pub patch: ProfilePatch,
    /// A password change.
    pub password: Option<PasswordChange>,
    /// Availability in one of the user's accounts.
    pub availability: Option<(AccountId, Availability)>,
}

/// A password change request.
#[derive(Clone, Debug, Default)]
pub struct PasswordChange {
    /// The current password.
    pub current: String,
    /// The new password.
    pub new: String,
    /// Confirmation of the new password, when the client sends one.
    pub confirmation: Option<String>,
}

/// Applies a profile update. A password change voids every session signed in before (the
/// caller refreshes its own session with the returned user's `auth_version`).
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn update(app: &AppState, user_id: UserId, update: ProfileUpdate) -> Result<User> {
    let patch = update.patch;
    let mut errors = FieldErrors::new();
    let name = patch.name.map(|n| n.trim().to_owned());
    if name.as_deref() == Some("") {
        errors.add("name", "can't be blank");
    }
    let email = patch
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|m| errors.add("email", m))
        .ok()
        .flatten();
    let phone = clean(patch.phone_number);
    if let Some(Some(phone)) = &phone
        && (phone.len() > 30
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c)))
    {
        errors.add("phone_number", "is invalid");
    }
    if patch.ui_settings.as_ref().is_some_and(|v| !v.is_object()) {
        errors.add("ui_settings", "must be an object");
    }
    let new_hash = match &update.password {
        Some(change) => check_password_change(app, user_id, change, &mut errors).await?,
        None => None,
    };
    if let Some((account_id, _)) = update.availability {
        let member = sqlx::query_scalar!(
            r#"select exists (select 1 from account_users where account_id = $1 and user_id = $2) as "member!""#,
            account_id.0,
            user_id.0
        )
        .fetch_one(&app.db)
        .await?;
        if !member {
            errors.add("account_id", "is invalid");
        }
    }
    errors.into_result()?;

    let now = app.clock.now();
    let display_name = clean(patch.display_name);
    let signature = clean(patch.message_signature);
    let mut tx = app.db.begin().await?;
    sqlx::query!(
        "update users set
             name = coalesce($2, name),
             email = coalesce($3, email),
             display_name = case when $4 then $5 else display_name end,
             phone_number = case when $6 then $7 else phone_number end,
             locale = case when $8 then $9 else locale end,
             message_signature = case when $10 then $11 else message_signature end,
             ui_settings = coalesce($12, ui_settings),
             password_hash = coalesce($13, password_hash),
             auth_version = auth_version + case when $13::text is null then 0 else 1 end,
             updated_at = $14
         where id = $1",
        user_id.0,
        name,
        email.as_ref().map(Email::as_str),
        display_name.is_some(),
        display_name.flatten(),
        phone.is_some(),
        phone.flatten(),
        patch.locale.is_some(),
        patch.locale.flatten().map(Locale::code),
        signature.is_some(),
        signature.flatten(),
        patch.ui_settings,
        new_hash,
        now
    )
    .execute(&mut *tx)
    .await
    .on_constraint("users_email_key", || {
        Error::invalid("email", "has already been taken")
    })?;
    if let Some((account_id, availability)) = update.availability {
        sqlx::query!(
            "update account_users set availability = $3, updated_at = $4 where account_id = $1 and user_id = $2",
            account_id.0,
            user_id.0,
            availability as Availability,
            now
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    if new_hash.is_some() {
        tracing::info!("password changed; other sessions signed out");
    }
    get(app, user_id).await
}

/// Validates a password change into `errors`; returns the new hash when it is valid.
async fn check_password_change(
    app: &AppState,
    user_id: UserId,
    change: &PasswordChange,
    errors: &mut FieldErrors,
) -> Result<Option<String>> {
    let before = errors.iter().count();
    if let Err(m) = password::validate(&change.new) {
        errors.add("password", m);
    }
    if change
        .confirmation
        .as_deref()
        .is_some_and(|c| c != change.new)
    {
        errors.add("password_confirmation", "doesn't match Password");
    }
    let hash = sqlx::query_scalar!("select password_hash from users where id = $1", user_id.0)
        .fetch_optional(&app.db)
        .await?
        .ok_or(Error::NotFound)?;
    if change.current.is_empty() {
        errors.add("current_password", "can't be blank");
    } else if !password::verify(&change.current, &hash).await {
        errors.add("current_password", "is invalid");
    }
    if errors.iter().count() > before {
        return Ok(None);
    }
    Ok(Some(
        password::hash(&change.new, app.config.password_cost).await?,
    ))
}

async fn set_password(app: &AppState, user_id: UserId, new: &str) -> Result<()> {
    let hash = password::hash(new, app.config.password_cost).await?;
    sqlx::query!(
        "update users set password_hash = $2, auth_version = auth_version + 1, updated_at = $3 where id = $1",
        user_id.0,
        hash,
        app.clock.now()
    )
    .execute(&app.db)
    .await?;
    Ok(())
}

/// Signs out every session of the user (the caller refreshes its own with the returned user's
/// `auth_version`) and ends their open live streams. The API token is not touched: the page
/// offers to replace it too.
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn sign_out_everywhere(app: &AppState, user_id: UserId) -> Result<User> {
    sqlx::query!(
        "update users set auth_version = auth_version + 1, updated_at = $2 where id = $1",
        user_id.0,
        app.clock.now()
    )
    .execute(&app.db)
    .await?;
    tracing::info!("every other session signed out");
    get(app, user_id).await
}

/// Sets a new random password for the user with `email` (operators' `atende reset-password`);
/// signs out every session. Returns the password.
pub async fn reset_password(app: &AppState, email: &str) -> Result<String> {
    let email = Email::parse(email).map_err(|m| Error::invalid("email", m))?;
    let (user, _) = repo::find_user_by_email(&mut *app.db.acquire().await?, &email)
        .await?
        .ok_or(Error::NotFound)?;
    let new = password::generate();
    set_password(app, user.id, &new).await?;
    Ok(new)
}

/// Sets the user's availability in one of their accounts.
pub async fn set_availability(
    app: &AppState,
    user_id: UserId,
    account_id: AccountId,
    availability: Availability,
) -> Result<()> {
    let updated = sqlx::query!(
        "update account_users set availability = $3, updated_at = $4 where account_id = $1 and user_id = $2",
        account_id.0,
        user_id.0,
        availability as Availability,
        app.clock.now()
    )
    .execute(&app.db)
    .await?
    .rows_affected();
    if updated == 0 {
        Err(Error::invalid("account_id", "is invalid"))
    } else {
        Ok(())
    }
}

/// Marks the account the user works in now (their "active account").
pub async fn touch_account(app: &AppState, user_id: UserId, account_id: AccountId) -> Result<()> {
    sqlx::query!(
        "update account_users set active_at = $3 where account_id = $1 and user_id = $2",
        account_id.0,
        user_id.0,
        app.clock.now()
    )
    .execute(&app.db)
    .await?;
    Ok(())
}

/// Replaces the user's API token and returns the new one (shown once).
pub async fn reset_token(app: &AppState, user_id: UserId) -> Result<tokens::PlainToken> {
    let token = tokens::issue(&mut *app.db.acquire().await?, user_id).await?;
    tracing::info!(user.id = %user_id, "API token reset");
    Ok(token)
}
