//! Agents: the members of an account (Chatwoot's "account users"). Listing is open to every
//! member; inviting (`super::invitations`), changing roles and removing need
//! [`Permission::AgentManage`]. An account always keeps at least one administrator. A user's
//! name and e-mail belong to the user: an administrator renames only a member who belongs to no
//! other account, and never changes their e-mail.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::invitations;
use super::model::{Availability, Email, Role};
use super::repo::{self, NewMembership, NewUser};
use crate::auth::context::AccountCtx;
use crate::auth::{password, tokens};
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::{AccountId, CustomRoleId, UserId};
use crate::roles::Permission;
use crate::state::AppState;

/// A member of an account, as listed.
#[derive(Clone, Debug)]
pub struct Agent {
    /// The user.
    pub user_id: UserId,
    /// The account.
    pub account_id: AccountId,
    /// Full name.
    pub name: String,
    /// Name shown to customers.
    pub display_name: Option<String>,
    /// Sign-in address.
    pub email: String,
    /// Built-in role.
    pub role: Role,
    /// Custom role, if any.
    pub custom_role_id: Option<CustomRoleId>,
    /// Availability.
    pub availability: Availability,
    /// Auto-offline flag.
    pub auto_offline: bool,
    /// When the user joined the account (or was invited).
    pub created_at: DateTime<Utc>,
    /// Whether this is a member (false: an invitation not accepted yet).
    pub confirmed: bool,
}

impl Agent {
    /// `display_name` when set, else `name`.
    pub fn available_name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.name)
    }
}

/// The account's members, by name.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Agent>> {
    list_in(&mut *app.db.acquire().await?, ctx.account_id).await
}

/// Every member of the account, without a permission check (rendering assignees).
pub async fn list_in_account(conn: &mut PgConnection, account_id: AccountId) -> Result<Vec<Agent>> {
    list_in(conn, account_id).await
}

async fn list_in(conn: &mut PgConnection, account_id: AccountId) -> Result<Vec<Agent>> {
    members(conn, account_id, None).await
}

/// The account's members, all of them or those among `only`, by name.
async fn members(
    conn: &mut PgConnection,
    account_id: AccountId,
    only: Option<&[UserId]>,
) -> Result<Vec<Agent>> {
    let only: Option<Vec<i64>> = only.map(|ids| ids.iter().map(|u| u.0).collect());
    let rows = sqlx::query!(
        r#"select u.id, u.name, u.display_name, u.email, au.role as "role: Role", au.custom_role_id,
                  au.availability as "availability: Availability", au.auto_offline, au.created_at
           from account_users au join users u on u.id = au.user_id
           where au.account_id = $1 and ($2::int8[] is null or au.user_id = any($2))
           order by lower(u.name), u.id"#,
        account_id.0,
        only.as_deref(),
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Agent {
            user_id: UserId(r.id),
            account_id,
            name: r.name,
            display_name: r.display_name,
            email: r.email,
            role: r.role,
            custom_role_id: r.custom_role_id.map(CustomRoleId),
            availability: r.availability,
            auto_offline: r.auto_offline,
            created_at: r.created_at,
            confirmed: true,
        })
        .collect())
}

/// The members among `users`, in one query (users who are not members are left out).
pub async fn find_many(
    conn: &mut PgConnection,
    account_id: AccountId,
    users: &[UserId],
) -> Result<Vec<Agent>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    members(conn, account_id, Some(users)).await
}

/// The account's members and pending invitations (`confirmed: false`), by name: what
/// `A/agents` and the agents settings page list.
pub async fn list_with_invitations(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Agent>> {
    let mut conn = app.db.acquire().await?;
    let mut agents = list_in(&mut conn, ctx.account_id).await?;
    let pending = super::invitations::list(&mut conn, ctx.account_id).await?;
    agents.extend(pending.iter().map(super::invitations::Invitation::as_agent));
    agents.sort_by_cached_key(|a| (a.name.to_lowercase(), a.user_id.0));
    Ok(agents)
}

/// One member of the account.
pub async fn find(
    conn: &mut PgConnection,
    account_id: AccountId,
    user_id: UserId,
) -> Result<Agent> {
    members(conn, account_id, Some(&[user_id]))
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// A member added directly, as the instance's operator does (`atende create-user --password`,
/// the demo): administrators invite instead (`super::invitations`).
#[derive(Clone, Debug, Default)]
pub struct NewAgent {
    /// Name (required for a new user; ignored for an existing one).
    pub name: Option<String>,
    /// E-mail.
    pub email: String,
    /// Role; agent by default.
    pub role: Option<Role>,
    /// Custom role for an agent.
    pub custom_role_id: Option<CustomRoleId>,
    /// Initial availability; online by default.
    pub availability: Option<Availability>,
    /// Auto-offline flag; true by default.
    pub auto_offline: Option<bool>,
    /// Initial password of a new user; generated when absent.
    pub password: Option<String>,
}

/// The result of [`add_in`].
#[derive(Debug)]
pub struct CreatedAgent {
    /// The new member.
    pub agent: Agent,
    /// Whether a new user was created (else an existing user joined the account).
    pub new_user: bool,
    /// The generated password of a new user, to show once.
    pub generated_password: Option<String>,
}

/// Adds a user to the account at once, creating the user when the e-mail is new, inside the
/// caller's transaction. Only for the operator's tools, which need no consent: the API and the
/// pages invite.
pub async fn add_in(
    app: &AppState,
    tx: &mut PgConnection,
    account_id: AccountId,
    inviter: Option<UserId>,
    input: NewAgent,
) -> Result<CreatedAgent> {
    let mut errors = FieldErrors::new();
    let email = Email::parse(&input.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if let Some(pw) = &input.password
        && let Err(m) = password::validate(pw)
    {
        errors.add("password", m);
    }
    errors.into_result()?;
    let email = email.ok_or_else(|| Error::invalid("email", "is invalid"))?;
    let now = app.clock.now();
    let existing = repo::find_user_by_email(&mut *tx, &email).await?;
    let new_user = existing.is_none();
    let (user_id, generated_password) = match existing {
        Some((user, _)) => (user.id, None),
        None => {
            let name = name.ok_or_else(|| Error::invalid("name", "can't be blank"))?;
            let generated = input.password.is_none().then(password::generate);
            let plain = input
                .password
                .as_deref()
                .or(generated.as_deref())
                .unwrap_or_default();
            let hash = password::hash(plain, app.config.password_cost).await?;
            let user = NewUser {
                name: &name,
                email: &email,
                password_hash: &hash,
                locale: None,
            };
            (repo::insert_user(&mut *tx, user, now).await?, generated)
        }
    };
    let role = input.role.unwrap_or(Role::Agent);
    let membership = NewMembership {
        account_id,
        user_id,
        role,
        custom_role_id: input.custom_role_id.filter(|_| role == Role::Agent),
        availability: input.availability.unwrap_or(Availability::Online),
        auto_offline: input.auto_offline.unwrap_or(true),
        inviter_id: inviter,
    };
    repo::insert_membership(&mut *tx, membership, now).await?;
    let agent = find(&mut *tx, account_id, user_id).await?;
    Ok(CreatedAgent {
        agent,
        new_user,
        generated_password,
    })
}

/// Changes to a member.
#[derive(Clone, Debug, Default)]
pub struct AgentPatch {
    /// New name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New custom role (`Some(None)` removes it).
    pub custom_role_id: Option<Option<CustomRoleId>>,
    /// New availability.
    pub availability: Option<Availability>,
    /// New auto-offline flag.
    pub auto_offline: Option<bool>,
}

/// Refuses to leave the account without an administrator.
async fn keep_an_administrator(
    tx: &mut PgConnection,
    account_id: AccountId,
    leaving: UserId,
) -> Result<()> {
    let admins = sqlx::query_scalar!(
        "select user_id from account_users where account_id = $1 and role = 'administrator' for update",
        account_id.0
    )
    .fetch_all(&mut *tx)
    .await?;
    if admins == [leaving.0] {
        return Err(Error::invalid(
            "role",
            "can't be changed: the account needs at least one administrator",
        ));
    }
    Ok(())
}

/// Updates a member's role, custom role, availability or name, or a pending invitation's. A
/// member's name is the user's: it changes here only when the user belongs to no other
/// account (otherwise they change it in their profile).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, user.id = %user_id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    user_id: UserId,
    patch: AgentPatch,
) -> Result<Agent> {
    ctx.require(Permission::AgentManage)?;
    let name = patch.name.map(|n| n.trim().to_owned());
    if name.as_deref() == Some("") {
        return Err(Error::invalid("name", "can't be blank"));
    }
    let mut tx = app.db.begin().await?;
    let current = match find(&mut tx, ctx.account_id, user_id).await {
        Ok(current) => current,
        Err(Error::NotFound) => {
            let pending = invitations::find(&mut tx, ctx.account_id, user_id)
                .await?
                .ok_or(Error::NotFound)?;
            let change = invitations::InvitationPatch {
                name,
                role: patch.role,
                custom_role_id: patch.custom_role_id,
                auto_offline: patch.auto_offline,
            };
            let updated = invitations::update_in(app, &mut tx, &pending, change).await?;
            tx.commit().await?;
            return Ok(updated.as_agent());
        }
        Err(e) => return Err(e),
    };
    let rename = name.filter(|n| *n != current.name);
    if rename.is_some() && other_accounts(&mut tx, ctx.account_id, user_id).await? {
        return Err(Error::invalid(
            "name",
            "belongs to the user, who also works in other accounts: they change it in their profile",
        ));
    }
    let role = patch.role.unwrap_or(current.role);
    if current.role == Role::Administrator && role == Role::Agent {
        keep_an_administrator(&mut tx, ctx.account_id, user_id).await?;
    }
    let custom_role_id = match (role, patch.custom_role_id) {
        (Role::Administrator, _) => None,
        (Role::Agent, Some(new)) => new,
        (Role::Agent, None) => current.custom_role_id,
    };
    let now = app.clock.now();
    sqlx::query!(
        "update account_users set role = $3, custom_role_id = $4,
             availability = coalesce($5, availability), auto_offline = coalesce($6, auto_offline), updated_at = $7
         where account_id = $1 and user_id = $2",
        ctx.account_id.0,
        user_id.0,
        role as Role,
        custom_role_id.map(|r| r.0),
        patch.availability as Option<Availability>,
        patch.auto_offline,
        now
    )
    .execute(&mut *tx)
    .await
    .on_constraint("account_users_custom_role_fkey", || Error::invalid("custom_role_id", "is invalid"))?;
    if let Some(name) = rename {
        sqlx::query!(
            "update users set name = $2, updated_at = $3 where id = $1",
            user_id.0,
            name,
            now
        )
        .execute(&mut *tx)
        .await?;
    }
    let agent = find(&mut tx, ctx.account_id, user_id).await?;
    tx.commit().await?;
    Ok(agent)
}

/// Whether the user is a member of an account other than `account_id`.
async fn other_accounts(
    conn: &mut PgConnection,
    account_id: AccountId,
    user_id: UserId,
) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from account_users where user_id = $1 and account_id <> $2) as "other!""#,
        user_id.0,
        account_id.0
    )
    .fetch_one(conn)
    .await?)
}

/// Removes a member from the account (the user and their other accounts stay), or withdraws a
/// pending invitation.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, user.id = %user_id))]
pub async fn remove(app: &AppState, ctx: &AccountCtx, user_id: UserId) -> Result<()> {
    ctx.require(Permission::AgentManage)?;
    let mut tx = app.db.begin().await?;
    let current = match find(&mut tx, ctx.account_id, user_id).await {
        Ok(current) => current,
        Err(Error::NotFound) => {
            if !invitations::revoke_in(&mut tx, ctx.account_id, user_id).await? {
                return Err(Error::NotFound);
            }
            tx.commit().await?;
            tracing::info!("invitation withdrawn");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if current.role == Role::Administrator {
        keep_an_administrator(&mut tx, ctx.account_id, user_id).await?;
    }
    sqlx::query!(
        "delete from account_users where account_id = $1 and user_id = $2",
        ctx.account_id.0,
        user_id.0
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!("agent removed");
    Ok(())
}

/// Issues a new API token for a user (CLI: scripts need the token of a user they created).
pub async fn issue_token(app: &AppState, user_id: UserId) -> Result<tokens::PlainToken> {
    Ok(tokens::issue(&mut *app.db.acquire().await?, user_id).await?)
}
