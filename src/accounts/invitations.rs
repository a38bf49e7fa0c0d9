//! Invitations: the only way someone joins an account from the API or the pages. An
//! administrator names an address and a role; Atende sends that address a single-use link that
//! expires after [`LIFETIME_DAYS`]. A new user sets their own password through it; an existing
//! user signs in with theirs to accept. Until then the invitee is not a member: they cannot open
//! the account and cannot be assigned anything. Without SMTP the link is handed to the inviter,
//! once, to pass on.
//!
//! Invariants: no administrator ever chooses or learns another person's password, and nothing an
//! administrator is shown while inviting depends on whether the address already has a user
//! elsewhere on the instance (the invitation's id comes from the users' sequence, its name is
//! what the inviter typed). Decision 0007.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::agents::Agent;
use super::model::{Availability, Email, Role, User};
use super::repo;
use crate::auth::context::AccountCtx;
use crate::auth::{password, tokens};
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::i18n::Locale;
use crate::ids::{AccountId, CustomRoleId, UserId};
use crate::jobs::{self, JobSpec};
use crate::mail::SendMail;
use crate::roles::Permission;
use crate::state::AppState;

/// How long an invitation link works.
pub const LIFETIME_DAYS: i64 = 7;
/// Longest name accepted for an invitee.
const MAX_NAME: usize = 255;

/// A pending invitation.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// Its id, in the users' id space (what `A/agents` shows until it is accepted).
    pub id: UserId,
    /// The account.
    pub account_id: AccountId,
    /// The invited address.
    pub email: String,
    /// The name the inviter gave.
    pub name: String,
    /// The role the invitee will have.
    pub role: Role,
    /// Their custom role, for agents.
    pub custom_role_id: Option<CustomRoleId>,
    /// Their auto-offline flag.
    pub auto_offline: bool,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Invitation {
    /// Whether the link no longer works (the administrator may send a new one).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }

    /// The invitation as `A/agents` lists it: `confirmed: false`, offline.
    pub fn as_agent(&self) -> Agent {
        Agent {
            user_id: self.id,
            account_id: self.account_id,
            name: self.name.clone(),
            display_name: None,
            email: self.email.clone(),
            role: self.role,
            custom_role_id: self.custom_role_id,
            availability: Availability::Offline,
            auto_offline: self.auto_offline,
            created_at: self.created_at,
            confirmed: false,
        }
    }
}

/// What an administrator asks for.
#[derive(Clone, Debug, Default)]
pub struct NewInvitation {
    /// The invitee's name (required, whether or not the address has a user).
    pub name: Option<String>,
    /// The address.
    pub email: String,
    /// Role; agent by default.
    pub role: Option<Role>,
    /// Custom role, for agents.
    pub custom_role_id: Option<CustomRoleId>,
    /// Auto-offline flag; true by default.
    pub auto_offline: Option<bool>,
}

/// An invitation just created or sent again.
#[derive(Debug)]
pub struct Sent {
    /// The invitation.
    pub invitation: Invitation,
    /// The link, when it was not e-mailed (no SMTP): to show the inviter once, never to store.
    pub link: Option<String>,
}

/// Who invites, for the e-mail.
#[derive(Clone, Debug)]
pub struct Inviter {
    /// The account.
    pub account_id: AccountId,
    /// Its name.
    pub account_name: String,
    /// Its language (the e-mail is written in it).
    pub locale: Locale,
    /// The inviting user, when a member invites (the CLI has none).
    pub user: Option<(UserId, String)>,
}

impl Inviter {
    /// The member acting in `ctx`.
    pub fn member(ctx: &AccountCtx) -> Self {
        Inviter {
            account_id: ctx.account_id,
            account_name: ctx.account_name.clone(),
            locale: ctx.account_locale,
            user: Some((ctx.user_id(), ctx.user.available_name().to_owned())),
        }
    }
}

struct Row {
    id: i64,
    email: String,
    name: String,
    role: Role,
    custom_role_id: Option<i64>,
    auto_offline: bool,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl Row {
    fn into_invitation(self, account_id: AccountId) -> Invitation {
        Invitation {
            id: UserId(self.id),
            account_id,
            email: self.email,
            name: self.name,
            role: self.role,
            custom_role_id: self.custom_role_id.map(CustomRoleId),
            auto_offline: self.auto_offline,
            expires_at: self.expires_at,
            created_at: self.created_at,
        }
    }
}

/// The account's pending invitations, by name.
pub async fn list(conn: &mut PgConnection, account_id: AccountId) -> Result<Vec<Invitation>> {
    let rows = sqlx::query_as!(
        Row,
        r#"select id, email, name, role as "role: Role", custom_role_id, auto_offline, expires_at, created_at
           from invitations where account_id = $1 order by lower(name), id"#,
        account_id.0
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| r.into_invitation(account_id))
        .collect())
}

/// One pending invitation.
pub async fn find(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: UserId,
) -> Result<Option<Invitation>> {
    let row = sqlx::query_as!(
        Row,
        r#"select id, email, name, role as "role: Role", custom_role_id, auto_offline, expires_at, created_at
           from invitations where account_id = $1 and id = $2"#,
        account_id.0,
        id.0
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.into_invitation(account_id)))
}

fn clean_name(name: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        errors.add("name", "can't be blank");
        None
    } else if name.chars().count() > MAX_NAME {
        errors.add(
            "name",
            format!("is too long (maximum is {MAX_NAME} characters)"),
        );
        None
    } else {
        Some(name.to_owned())
    }
}

/// Invites someone to the account ([`Permission::AgentManage`]).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(app: &AppState, ctx: &AccountCtx, input: NewInvitation) -> Result<Sent> {
    ctx.require(Permission::AgentManage)?;
    let mut tx = app.db.begin().await?;
    let sent = create_in(app, &mut tx, &Inviter::member(ctx), input).await?;
    tx.commit().await?;
    tracing::info!(invitation.id = %sent.invitation.id, emailed = sent.link.is_none(), "invitation created");
    Ok(sent)
}

/// [`create`] without the permission check, inside the caller's transaction (the CLI).
pub async fn create_in(
    app: &AppState,
    tx: &mut PgConnection,
    inviter: &Inviter,
    input: NewInvitation,
) -> Result<Sent> {
    let mut errors = FieldErrors::new();
    let email = Email::parse(&input.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    let name = clean_name(input.name.as_deref(), &mut errors);
    errors.into_result()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(Error::invalid("email", "is invalid"));
    };
    let account_id = inviter.account_id;
    let member = sqlx::query_scalar!(
        r#"select exists (select 1 from account_users au join users u on u.id = au.user_id
                          where au.account_id = $1 and u.email = $2) as "member!""#,
        account_id.0,
        email.as_str()
    )
    .fetch_one(&mut *tx)
    .await?;
    if member {
        return Err(Error::invalid("email", "has already been taken"));
    }
    let role = input.role.unwrap_or(Role::Agent);
    let now = app.clock.now();
    let token = tokens::generate();
    let row = sqlx::query_as!(
        Row,
        r#"insert into invitations (account_id, email, name, role, custom_role_id, auto_offline, inviter_id,
                                    token_hash, expires_at, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
           returning id, email, name, role as "role: Role", custom_role_id, auto_offline, expires_at, created_at"#,
        account_id.0,
        email.as_str(),
        name,
        role as Role,
        input.custom_role_id.filter(|_| role == Role::Agent).map(|r| r.0),
        input.auto_offline.unwrap_or(true),
        inviter.user.as_ref().map(|(id, _)| id.0),
        tokens::digest(&token.0),
        now + Duration::days(LIFETIME_DAYS),
        now
    )
    .fetch_one(&mut *tx)
    .await
    .on_constraint("invitations_email_key", || {
        Error::invalid("email", "has already been invited")
    })
    .on_constraint("invitations_custom_role_fkey", || {
        Error::invalid("custom_role_id", "is invalid")
    })?;
    let invitation = row.into_invitation(account_id);
    let link = deliver(app, tx, inviter, &invitation, &token.0).await?;
    Ok(Sent { invitation, link })
}

/// The link of an invitation's token.
fn link(app: &AppState, account_id: AccountId, token: &str) -> String {
    format!("{}/invitations/{account_id}/{token}", app.base_url())
}

/// E-mails the link when SMTP is configured (in the caller's transaction, so a rolled-back
/// invitation sends nothing); otherwise returns it for the inviter.
async fn deliver(
    app: &AppState,
    tx: &mut PgConnection,
    inviter: &Inviter,
    invitation: &Invitation,
    token: &str,
) -> Result<Option<String>> {
    let url = link(app, invitation.account_id, token);
    if app.config.smtp.is_none() {
        return Ok(Some(url));
    }
    let tr = inviter.locale;
    let who = inviter
        .user
        .as_ref()
        .map(|(_, name)| name.clone())
        .unwrap_or_else(|| tr.t("app-name"));
    let args = [
        ("inviter", who.into()),
        ("account", inviter.account_name.clone().into()),
        ("link", url.into()),
        ("days", LIFETIME_DAYS.into()),
    ];
    let mail = SendMail {
        to: invitation.email.clone(),
        subject: tr.t_args("invitation-email-subject", &args),
        text: tr.t_args("invitation-email-text", &args),
        html: None,
    };
    let spec = JobSpec::default().for_account(invitation.account_id);
    jobs::enqueue(&mut *tx, app.clock.now(), &mail, spec).await?;
    Ok(None)
}

/// Replaces the invitation's link with a new one (the old one stops working), valid for
/// another [`LIFETIME_DAYS`], and sends it again.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, invitation.id = %id))]
pub async fn resend(app: &AppState, ctx: &AccountCtx, id: UserId) -> Result<Sent> {
    ctx.require(Permission::AgentManage)?;
    let now = app.clock.now();
    let token = tokens::generate();
    let mut tx = app.db.begin().await?;
    let row = sqlx::query_as!(
        Row,
        r#"update invitations set token_hash = $3, expires_at = $4, updated_at = $5
           where account_id = $1 and id = $2
           returning id, email, name, role as "role: Role", custom_role_id, auto_offline, expires_at, created_at"#,
        ctx.account_id.0,
        id.0,
        tokens::digest(&token.0),
        now + Duration::days(LIFETIME_DAYS),
        now
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let invitation = row.into_invitation(ctx.account_id);
    let link = deliver(app, &mut tx, &Inviter::member(ctx), &invitation, &token.0).await?;
    tx.commit().await?;
    tracing::info!("invitation sent again");
    Ok(Sent { invitation, link })
}

/// Changes to a pending invitation.
#[derive(Clone, Debug, Default)]
pub struct InvitationPatch {
    /// New name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New custom role (`Some(None)` removes it).
    pub custom_role_id: Option<Option<CustomRoleId>>,
    /// New auto-offline flag.
    pub auto_offline: Option<bool>,
}

/// Updates a pending invitation inside the caller's transaction (the permission is checked by
/// the caller, `agents::update`).
pub async fn update_in(
    app: &AppState,
    tx: &mut PgConnection,
    current: &Invitation,
    patch: InvitationPatch,
) -> Result<Invitation> {
    let mut errors = FieldErrors::new();
    let name = match &patch.name {
        Some(name) => clean_name(Some(name), &mut errors),
        None => Some(current.name.clone()),
    };
    errors.into_result()?;
    let role = patch.role.unwrap_or(current.role);
    let custom_role_id = match (role, patch.custom_role_id) {
        (Role::Administrator, _) => None,
        (Role::Agent, Some(new)) => new,
        (Role::Agent, None) => current.custom_role_id,
    };
    let row = sqlx::query_as!(
        Row,
        r#"update invitations set name = $3, role = $4, custom_role_id = $5,
               auto_offline = coalesce($6, auto_offline), updated_at = $7
           where account_id = $1 and id = $2
           returning id, email, name, role as "role: Role", custom_role_id, auto_offline, expires_at, created_at"#,
        current.account_id.0,
        current.id.0,
        name,
        role as Role,
        custom_role_id.map(|r| r.0),
        patch.auto_offline,
        app.clock.now()
    )
    .fetch_optional(&mut *tx)
    .await
    .on_constraint("invitations_custom_role_fkey", || {
        Error::invalid("custom_role_id", "is invalid")
    })?
    .ok_or(Error::NotFound)?;
    Ok(row.into_invitation(current.account_id))
}

/// Withdraws an invitation (its link stops working) inside the caller's transaction.
pub async fn revoke_in(tx: &mut PgConnection, account_id: AccountId, id: UserId) -> Result<bool> {
    let deleted = sqlx::query!(
        "delete from invitations where account_id = $1 and id = $2",
        account_id.0,
        id.0
    )
    .execute(tx)
    .await?
    .rows_affected();
    Ok(deleted == 1)
}

/// An invitation as its link shows it.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The invitation.
    pub invitation: Invitation,
    /// The account's name.
    pub account_name: String,
    /// Whether the address already has a user, who accepts by signing in (shown only to
    /// whoever holds the link).
    pub existing_user: bool,
}

/// The invitation of a link; 404 when the link is unknown, used or expired (one answer for all).
pub async fn open(app: &AppState, account_id: AccountId, token: &str) -> Result<Opened> {
    let mut conn = app.db.acquire().await?;
    let (invitation, account_name) = lookup(&mut conn, app, account_id, token).await?;
    let existing_user = sqlx::query_scalar!(
        r#"select exists (select 1 from users where email = $1) as "exists!""#,
        invitation.email
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Opened {
        invitation,
        account_name,
        existing_user,
    })
}

/// The invitation of a working link, locked (two tabs accepting at once cannot both succeed;
/// the second finds nothing).
async fn lookup(
    conn: &mut PgConnection,
    app: &AppState,
    account_id: AccountId,
    token: &str,
) -> Result<(Invitation, String)> {
    if !tokens::well_formed(token) {
        return Err(Error::NotFound);
    }
    let row = sqlx::query!(
        r#"select i.id, i.email, i.name, i.role as "role: Role", i.custom_role_id, i.auto_offline,
                  i.expires_at, i.created_at, a.name as account_name
           from invitations i join accounts a on a.id = i.account_id
           where i.account_id = $1 and i.token_hash = $2 and i.expires_at > $3 and a.status = 'active'
           for update of i skip locked"#,
        account_id.0,
        tokens::digest(token),
        app.clock.now()
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound)?;
    let invitation = Row {
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        custom_role_id: row.custom_role_id,
        auto_offline: row.auto_offline,
        expires_at: row.expires_at,
        created_at: row.created_at,
    }
    .into_invitation(account_id);
    Ok((invitation, row.account_name))
}

/// Makes the invitee a member and spends the invitation.
async fn join(
    tx: &mut PgConnection,
    invitation: &Invitation,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<()> {
    let inviter = sqlx::query_scalar!(
        "delete from invitations where account_id = $1 and id = $2 returning inviter_id",
        invitation.account_id.0,
        invitation.id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    let membership = repo::NewMembership {
        account_id: invitation.account_id,
        user_id,
        role: invitation.role,
        custom_role_id: invitation.custom_role_id,
        availability: Availability::Online,
        auto_offline: invitation.auto_offline,
        inviter_id: inviter.map(UserId),
    };
    repo::insert_membership(&mut *tx, membership, now).await
}

/// A new user accepts: they choose their name and password. 404 for a link that no longer
/// works; 422 when the address has a user by now (who must sign in to accept).
#[tracing::instrument(skip_all, fields(account.id = %account_id))]
pub async fn accept_as_new_user(
    app: &AppState,
    account_id: AccountId,
    token: &str,
    name: &str,
    new_password: &str,
    confirmation: &str,
) -> Result<User> {
    let mut errors = FieldErrors::new();
    let name = clean_name(Some(name), &mut errors);
    if let Err(m) = password::validate(new_password) {
        errors.add("password", m);
    }
    if confirmation != new_password {
        errors.add("password_confirmation", "doesn't match Password");
    }
    errors.into_result()?;
    let name = name.unwrap_or_default();
    let hash = password::hash(new_password, app.config.password_cost).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (invitation, _) = lookup(&mut tx, app, account_id, token).await?;
    // The invitation's id becomes the user's: the sequence handed it out, so it is free.
    let user_id = sqlx::query_scalar!(
        "insert into users (id, name, email, password_hash, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning id",
        invitation.id.0,
        name,
        invitation.email,
        hash,
        now
    )
    .fetch_one(&mut *tx)
    .await
    .on_constraint("users_email_key", || {
        Error::invalid("email", "already has a user: sign in to accept")
    })
    .on_constraint("users_pkey", || {
        Error::invalid("email", "already has a user: sign in to accept")
    })?;
    join(&mut tx, &invitation, UserId(user_id), now).await?;
    tx.commit().await?;
    tracing::info!(user.id = user_id, "invitation accepted by a new user");
    repo::find_user(&mut *app.db.acquire().await?, UserId(user_id))
        .await?
        .ok_or(Error::NotFound)
}

/// An existing user, who has just proved their password, accepts. 404 for a link that no
/// longer works or that was sent to another address.
#[tracing::instrument(skip_all, fields(account.id = %account_id, user.id = %user.id))]
pub async fn accept_as_user(
    app: &AppState,
    account_id: AccountId,
    token: &str,
    user: &User,
) -> Result<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (invitation, _) = lookup(&mut tx, app, account_id, token).await?;
    if invitation.email != user.email {
        return Err(Error::NotFound);
    }
    join(&mut tx, &invitation, user.id, now).await?;
    tx.commit().await?;
    tracing::info!("invitation accepted");
    Ok(())
}
