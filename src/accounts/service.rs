//! Use cases on accounts: creating a tenant with its first administrator.

use serde::Serialize;
use sqlx::PgConnection;

use super::model::{Availability, Email, Role};
use super::repo::{self, NewMembership, NewUser};
use crate::auth::{password, tokens};
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::{AccountId, UserId};
use crate::state::AppState;

/// Input of [`create_account_with_admin`].
#[derive(Debug)]
pub struct NewAccountWithAdmin {
    /// Account name.
    pub name: String,
    /// Administrator's e-mail.
    pub admin_email: String,
    /// Administrator's name; defaults to the part of the e-mail before `@`.
    pub admin_name: Option<String>,
    /// Administrator's password; generated when absent (for a new user).
    pub admin_password: Option<String>,
    /// Account language.
    pub locale: Locale,
}

/// What [`create_account_with_admin`] created.
#[derive(Debug, Serialize)]
pub struct CreatedAccount {
    /// The new account.
    pub account_id: AccountId,
    /// The administrator.
    pub user_id: UserId,
    /// The administrator's API token (a new one, also for an existing user).
    pub api_access_token: String,
    /// The generated password, when one was generated for a new user.
    #[serde(skip)]
    pub generated_password: Option<String>,
    /// Whether the administrator already existed (another account's user).
    #[serde(skip)]
    pub existing_user: bool,
}

/// Creates an account and makes `admin_email` its administrator, creating the user if needed.
/// An existing user keeps their password and gets a new API token (the old one stops working).
#[tracing::instrument(skip_all, fields(account.name = %input.name))]
pub async fn create_account_with_admin(
    app: &AppState,
    input: NewAccountWithAdmin,
) -> Result<CreatedAccount> {
    let mut tx = app.db.begin().await?;
    let created = create_account_in(app, &mut tx, input).await?;
    tx.commit().await?;
    tracing::info!(account.id = %created.account_id, user.id = %created.user_id, "account created");
    Ok(created)
}

/// [`create_account_with_admin`] inside the caller's transaction.
pub async fn create_account_in(
    app: &AppState,
    tx: &mut PgConnection,
    input: NewAccountWithAdmin,
) -> Result<CreatedAccount> {
    let mut errors = FieldErrors::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.add("name", "can't be blank");
    }
    let email = Email::parse(&input.admin_email)
        .map_err(|m| errors.add("email", m))
        .ok();
    if let Some(pw) = &input.admin_password
        && let Err(m) = password::validate(pw)
    {
        errors.add("password", m);
    }
    errors.into_result()?;
    let email = email.ok_or_else(|| Error::invalid("email", "is invalid"))?;

    let now = app.clock.now();
    let account_id = repo::insert_account(&mut *tx, name, input.locale, now).await?;
    let existing = repo::find_user_by_email(&mut *tx, &email).await?;
    let existing_user = existing.is_some();
    let (user_id, generated_password) = match existing {
        Some((user, _)) => (user.id, None),
        None => {
            let generated = input.admin_password.is_none().then(password::generate);
            let plain = input
                .admin_password
                .as_deref()
                .or(generated.as_deref())
                .unwrap_or_default();
            let hash = password::hash(plain, app.config.password_cost).await?;
            let default_name = email
                .as_str()
                .split('@')
                .next()
                .unwrap_or("admin")
                .to_owned();
            let admin_name = input
                .admin_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let user = NewUser {
                name: admin_name.unwrap_or(&default_name),
                email: &email,
                password_hash: &hash,
                locale: None,
            };
            (repo::insert_user(&mut *tx, user, now).await?, generated)
        }
    };
    let membership = NewMembership {
        account_id,
        user_id,
        role: Role::Administrator,
        custom_role_id: None,
        availability: Availability::Online,
        auto_offline: true,
        inviter_id: None,
    };
    repo::insert_membership(&mut *tx, membership, now).await?;
    let token = tokens::issue(&mut *tx, user_id).await?;
    Ok(CreatedAccount {
        account_id,
        user_id,
        api_access_token: token.0,
        existing_user,
        generated_password,
    })
}

/// Loads the context's account.
pub async fn get_account(
    app: &AppState,
    ctx: &crate::auth::context::AccountCtx,
) -> Result<super::model::Account> {
    repo::find_account(&mut *app.db.acquire().await?, ctx.account_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Changes to the account's settings.
#[derive(Clone, Debug, Default)]
pub struct AccountPatch {
    /// Name.
    pub name: Option<String>,
    /// Default language.
    pub locale: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Chatwoot's domain setting (`Some(None)` clears).
    pub domain: Option<Option<String>>,
    /// Support e-mail (`Some(None)` clears).
    pub support_email: Option<Option<String>>,
    /// Auto-resolve after N minutes (`Some(None)` disables).
    pub auto_resolve_after: Option<Option<i32>>,
}

/// Updates the account's settings (administrators).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn update_account(
    app: &AppState,
    ctx: &crate::auth::context::AccountCtx,
    patch: AccountPatch,
) -> Result<super::model::Account> {
    ctx.require(crate::roles::Permission::AccountManage)?;
    let mut errors = FieldErrors::new();
    let name = patch.name.map(|n| n.trim().to_owned());
    if name.as_deref() == Some("") {
        errors.add("name", "can't be blank");
    }
    let locale = patch
        .locale
        .as_deref()
        .map(|l| Locale::parse(l).ok_or(()))
        .transpose()
        .unwrap_or_else(|()| {
            errors.add("locale", "is not one of: pt-BR, en");
            None
        });
    if let Some(tz) = &patch.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        errors.add("timezone", "is not a known time zone");
    }
    let support_email = match patch.support_email {
        Some(Some(e)) if !e.trim().is_empty() => match Email::parse(&e) {
            Ok(email) => Some(Some(email.as_str().to_owned())),
            Err(m) => {
                errors.add("support_email", m);
                None
            }
        },
        Some(_) => Some(None),
        None => None,
    };
    if let Some(Some(minutes)) = patch.auto_resolve_after
        && !(10..=1_439_856).contains(&minutes)
    {
        errors.add(
            "auto_resolve_after",
            "must be between 10 minutes and 999 days",
        );
    }
    errors.into_result()?;
    let domain = patch
        .domain
        .map(|d| d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()));
    sqlx::query!(
        "update accounts set
             name = coalesce($2, name), locale = coalesce($3, locale), timezone = coalesce($4, timezone),
             domain = case when $5 then $6 else domain end,
             support_email = case when $7 then $8 else support_email end,
             auto_resolve_after = case when $9 then $10 else auto_resolve_after end,
             updated_at = $11
         where id = $1",
        ctx.account_id.0,
        name,
        locale.map(Locale::code),
        patch.timezone,
        domain.is_some(),
        domain.flatten(),
        support_email.is_some(),
        support_email.flatten(),
        patch.auto_resolve_after.is_some(),
        patch.auto_resolve_after.flatten(),
        app.clock.now()
    )
    .execute(&app.db)
    .await?;
    get_account(app, ctx).await
}
