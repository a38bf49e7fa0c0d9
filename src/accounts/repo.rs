//! SQL for accounts, users and memberships. One function per statement; tenant statements take
//! the `AccountId`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::model::{Account, AccountStatus, Availability, Email, Membership, Role, User};
use crate::error::{Error, Result, ResultExt};
use crate::i18n::Locale;
use crate::ids::{AccountId, CustomRoleId, UserId};

/// Inserts an account.
pub async fn insert_account(
    conn: &mut PgConnection,
    name: &str,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<AccountId> {
    let id = sqlx::query_scalar!(
        "insert into accounts (name, locale, created_at, updated_at) values ($1, $2, $3, $3) returning id",
        name,
        locale.code(),
        now
    )
    .fetch_one(conn)
    .await?;
    Ok(AccountId(id))
}

/// The account, if it exists.
pub async fn find_account(conn: &mut PgConnection, id: AccountId) -> Result<Option<Account>> {
    let row = sqlx::query!(
        r#"select id, name, locale, timezone, status as "status: AccountStatus", domain,
                  support_email, auto_resolve_after, custom_attributes, created_at
           from accounts where id = $1"#,
        id.0
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Account {
        id: AccountId(r.id),
        name: r.name,
        locale: Locale::parse(&r.locale).unwrap_or_default(),
        timezone: r.timezone,
        status: r.status,
        domain: r.domain,
        support_email: r.support_email,
        auto_resolve_after: r.auto_resolve_after,
        custom_attributes: r.custom_attributes,
        created_at: r.created_at,
    }))
}

/// Whether any account exists (first-run detection).
pub async fn any_account(conn: &mut PgConnection) -> Result<bool> {
    Ok(
        sqlx::query_scalar!(r#"select exists (select 1 from accounts) as "exists!""#)
            .fetch_one(conn)
            .await?,
    )
}

/// Fields of a new user.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Full name.
    pub name: &'a str,
    /// Sign-in address.
    pub email: &'a Email,
    /// argon2 PHC string.
    pub password_hash: &'a str,
    /// Preferred language.
    pub locale: Option<Locale>,
}

/// Inserts a user; a taken e-mail is a 422 on `email`.
pub async fn insert_user(
    conn: &mut PgConnection,
    user: NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<UserId> {
    let id = sqlx::query_scalar!(
        "insert into users (name, email, password_hash, locale, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning id",
        user.name,
        user.email.as_str(),
        user.password_hash,
        user.locale.map(Locale::code),
        now
    )
    .fetch_one(conn)
    .await
    .on_constraint("users_email_key", || {
        Error::invalid("email", "has already been taken")
    })?;
    Ok(UserId(id))
}

/// A `users` row.
#[derive(Debug)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Name shown to customers.
    pub display_name: Option<String>,
    /// Sign-in address.
    pub email: String,
    /// Phone number.
    pub phone_number: Option<String>,
    /// Preferred language.
    pub locale: Option<String>,
    /// Session version.
    pub auth_version: i32,
    /// Reply signature.
    pub message_signature: Option<String>,
    /// UI preferences.
    pub ui_settings: serde_json::Value,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            name: r.name,
            display_name: r.display_name,
            email: r.email,
            phone_number: r.phone_number,
            locale: r.locale.as_deref().and_then(Locale::parse),
            auth_version: r.auth_version,
            message_signature: r.message_signature,
            ui_settings: r.ui_settings,
        }
    }
}

/// The user with this id.
pub async fn find_user(conn: &mut PgConnection, id: UserId) -> Result<Option<User>> {
    let row = sqlx::query_as!(
        UserRow,
        "select id, name, display_name, email, phone_number, locale, auth_version, message_signature, ui_settings
         from users where id = $1",
        id.0
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(User::from))
}

/// The user with this e-mail, with the password hash.
pub async fn find_user_by_email(
    conn: &mut PgConnection,
    email: &Email,
) -> Result<Option<(User, String)>> {
    let row = sqlx::query_as!(
        UserRow,
        "select id, name, display_name, email, phone_number, locale, auth_version, message_signature, ui_settings
         from users where email = $1",
        email.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let hash = sqlx::query_scalar!("select password_hash from users where id = $1", row.id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Some((User::from(row), hash)))
}

/// Fields of a new membership.
#[derive(Debug)]
pub struct NewMembership {
    /// The account.
    pub account_id: AccountId,
    /// The user.
    pub user_id: UserId,
    /// Built-in role.
    pub role: Role,
    /// Custom role, for agents.
    pub custom_role_id: Option<CustomRoleId>,
    /// Initial availability.
    pub availability: Availability,
    /// Auto-offline flag.
    pub auto_offline: bool,
    /// Who added the user.
    pub inviter_id: Option<UserId>,
}

/// Adds a user to an account; an existing membership is a 422 on `email`, an unknown custom
/// role (or one of another account) a 422 on `custom_role_id`.
pub async fn insert_membership(
    conn: &mut PgConnection,
    m: NewMembership,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "insert into account_users (account_id, user_id, role, custom_role_id, availability, auto_offline,
                                    inviter_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        m.account_id.0,
        m.user_id.0,
        m.role as Role,
        m.custom_role_id.map(|r| r.0),
        m.availability as Availability,
        m.auto_offline,
        m.inviter_id.map(|u| u.0),
        now
    )
    .execute(conn)
    .await
    .on_constraint("account_users_account_id_user_id_key", || {
        Error::invalid("email", "has already been taken")
    })
    .on_constraint("account_users_custom_role_fkey", || Error::invalid("custom_role_id", "is invalid"))?;
    Ok(())
}

/// Every account the user belongs to, most recently active first.
pub async fn memberships(conn: &mut PgConnection, user_id: UserId) -> Result<Vec<Membership>> {
    let rows = sqlx::query!(
        r#"select au.account_id, a.name as account_name, a.status as "account_status: AccountStatus",
                  au.role as "role: Role", au.custom_role_id, au.availability as "availability: Availability",
                  au.auto_offline, au.active_at
           from account_users au join accounts a on a.id = au.account_id
           where au.user_id = $1
           order by au.active_at desc nulls last, au.account_id"#,
        user_id.0
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Membership {
            account_id: AccountId(r.account_id),
            account_name: r.account_name,
            account_status: r.account_status,
            role: r.role,
            custom_role_id: r.custom_role_id.map(CustomRoleId),
            availability: r.availability,
            auto_offline: r.auto_offline,
            active_at: r.active_at,
        })
        .collect())
}
