//! `AccountCtx`: who is acting, in which account, with which permissions. Adapters build it with
//! [`resolve`] after authenticating the caller (API token or browser session); it is the only way
//! a service receives an `AccountId`.

use sqlx::PgConnection;

use crate::accounts::model::{AccountStatus, Availability, Role, User};
use crate::error::{Error, Result};
use crate::i18n::Locale;
use crate::ids::{AccountId, CustomRoleId, UserId};
use crate::roles::{ConversationScope, Permission, Permissions};

/// The acting member of an account.
#[derive(Clone, Debug)]
pub struct AccountCtx {
    /// The account acted in.
    pub account_id: AccountId,
    /// Its name.
    pub account_name: String,
    /// Its language (activity messages).
    pub account_locale: Locale,
    /// The acting user.
    pub user: User,
    /// Built-in role in this account.
    pub role: Role,
    /// Custom role, for agents that have one.
    pub custom_role_id: Option<CustomRoleId>,
    /// Effective permissions.
    pub permissions: Permissions,
    /// Their availability in this account (shown as a message sender's).
    pub availability: Availability,
}

impl AccountCtx {
    /// `Ok` when the member has `permission`, else [`Error::Forbidden`].
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Whether the member has `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// Whether the member is an administrator.
    pub fn is_administrator(&self) -> bool {
        self.role == Role::Administrator
    }

    /// Which conversations the member sees.
    pub fn conversation_scope(&self) -> ConversationScope {
        ConversationScope::of(self.role, self.permissions)
    }

    /// The acting user's id.
    pub fn user_id(&self) -> UserId {
        self.user.id
    }
}

/// Builds the context of `user` in `account_id`. An unknown account and one the user is not a
/// member of (including one they are only invited to) are the same 404, so account ids cannot be
/// probed (Chatwoot answers a non-member 401, which tells that the account exists); a suspended
/// account is 401 "Account is suspended" for its members. Never any of the account's data.
pub async fn resolve(
    conn: &mut PgConnection,
    user: User,
    account_id: AccountId,
) -> Result<AccountCtx> {
    let row = sqlx::query_as!(
        Membership,
        r#"select a.name, a.locale, a.status as "status: AccountStatus",
                  au.role as "role?: Role", au.custom_role_id, cr.permissions as "permissions?",
                  au.availability as "availability?: Availability"
           from accounts a
           left join account_users au on au.account_id = a.id and au.user_id = $2
           left join custom_roles cr on cr.account_id = au.account_id and cr.id = au.custom_role_id
           where a.id = $1"#,
        account_id.0,
        user.id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    row.into_ctx(user, account_id)
}

/// The owner of an API token and their context in `account_id`, in one query (every API call
/// starts with this). `Ok(None)` when the token is not valid.
pub async fn resolve_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
    account_id: AccountId,
) -> Result<Option<(User, Result<AccountCtx>)>> {
    let row = sqlx::query!(
        r#"select u.id, u.name, u.display_name, u.email, u.phone_number, u.locale, u.auth_version,
                  u.message_signature, u.ui_settings,
                  a.name as "account_name?", a.locale as "account_locale?",
                  a.status as "status?: AccountStatus", au.role as "role?: Role", au.custom_role_id,
                  cr.permissions as "permissions?", au.availability as "availability?: Availability"
           from access_tokens t
           join users u on u.id = t.user_id
           left join accounts a on a.id = $2
           left join account_users au on au.account_id = a.id and au.user_id = u.id
           left join custom_roles cr on cr.account_id = au.account_id and cr.id = au.custom_role_id
           where t.token_hash = $1"#,
        token_hash,
        account_id.0
    )
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let user = User::from(crate::accounts::repo::UserRow {
        id: r.id,
        name: r.name,
        display_name: r.display_name,
        email: r.email,
        phone_number: r.phone_number,
        locale: r.locale,
        auth_version: r.auth_version,
        message_signature: r.message_signature,
        ui_settings: r.ui_settings,
    });
    let ctx = match (r.account_name, r.account_locale, r.status) {
        (Some(name), Some(locale), Some(status)) => Membership {
            name,
            locale,
            status,
            role: r.role,
            custom_role_id: r.custom_role_id,
            permissions: r.permissions,
            availability: r.availability,
        }
        .into_ctx(user.clone(), account_id),
        _ => Err(Error::NotFound),
    };
    Ok(Some((user, ctx)))
}

/// A user's membership row in an account.
struct Membership {
    name: String,
    locale: String,
    status: AccountStatus,
    role: Option<Role>,
    custom_role_id: Option<i64>,
    permissions: Option<Vec<String>>,
    availability: Option<Availability>,
}

impl Membership {
    fn into_ctx(self, user: User, account_id: AccountId) -> Result<AccountCtx> {
        let role = self.role.ok_or(Error::NotFound)?;
        if self.status == AccountStatus::Suspended {
            return Err(Error::Unauthorized("Account is suspended".into()));
        }
        let custom: Option<Vec<Permission>> = self
            .permissions
            .map(|names| names.iter().filter_map(|n| Permission::parse(n)).collect());
        Ok(AccountCtx {
            account_id,
            account_name: self.name,
            account_locale: Locale::parse(&self.locale).unwrap_or_default(),
            permissions: Permissions::for_member(role, custom.as_deref()),
            role,
            custom_role_id: self.custom_role_id.map(CustomRoleId),
            availability: self.availability.unwrap_or(Availability::Offline),
            user,
        })
    }
}

/// Who performs a change: a member (permissions checked), or the system on its own (timers,
/// and later automation rules). Activity messages and events record it.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A signed-in member or API caller.
    Member(AccountCtx),
    /// An automation rule acting in an account.
    Automation {
        /// The account.
        account_id: AccountId,
        /// The rule.
        rule_id: i64,
        /// The rule's name, for activity messages ("Automação: <name>").
        rule_name: String,
        /// The account's language.
        locale: Locale,
    },
    /// Atende itself (a snooze that ends, a bulk action run as a job).
    System {
        /// The account.
        account_id: AccountId,
        /// The account's language.
        locale: Locale,
    },
}

impl crate::events::Performer for Actor {
    fn performed_by(&self) -> serde_json::Value {
        Actor::performed_by(self)
    }

    fn is_automation(&self) -> bool {
        matches!(self, Actor::Automation { .. })
    }
}

impl Actor {
    /// The account acted in.
    pub fn account_id(&self) -> AccountId {
        match self {
            Actor::Member(ctx) => ctx.account_id,
            Actor::Automation { account_id, .. } | Actor::System { account_id, .. } => *account_id,
        }
    }

    /// The account's language (activity messages are written in it).
    pub fn locale(&self) -> Locale {
        match self {
            Actor::Member(ctx) => ctx.account_locale,
            Actor::Automation { locale, .. } | Actor::System { locale, .. } => *locale,
        }
    }

    /// Members need `permission`; automation and the system act with the account's authority.
    pub fn require(&self, permission: Permission) -> Result<()> {
        match self {
            Actor::Member(ctx) => ctx.require(permission),
            _ => Ok(()),
        }
    }

    /// Which conversations the actor sees.
    pub fn conversation_scope(&self) -> ConversationScope {
        match self {
            Actor::Member(ctx) => ctx.conversation_scope(),
            _ => ConversationScope::All,
        }
    }

    /// The acting user, if a member acts.
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Member(ctx) => Some(&ctx.user),
            _ => None,
        }
    }

    /// The acting user's id, if a member acts.
    pub fn user_id(&self) -> Option<UserId> {
        self.user().map(|u| u.id)
    }

    /// Whether a member with the agent role acts (Chatwoot self-assigns them on reopen).
    pub fn is_agent(&self) -> bool {
        matches!(self, Actor::Member(ctx) if ctx.role == Role::Agent)
    }

    /// The name shown in activity messages.
    pub fn display_name(&self) -> String {
        match self {
            Actor::Member(ctx) => ctx.user.available_name().to_owned(),
            Actor::Automation {
                rule_name, locale, ..
            } => locale.t1("activity-automation-name", "name", rule_name.as_str()),
            Actor::System { locale, .. } => locale.t("activity-system-name"),
        }
    }

    /// How events record the actor.
    pub fn performed_by(&self) -> serde_json::Value {
        match self {
            Actor::Member(ctx) => serde_json::json!({ "type": "user", "id": ctx.user.id }),
            Actor::Automation {
                rule_id, rule_name, ..
            } => {
                serde_json::json!({ "type": "automation", "id": rule_id, "name": rule_name })
            }
            Actor::System { .. } => serde_json::json!({ "type": "system" }),
        }
    }

    /// Whether a human typed what this actor sends (counts as a reply for SLAs).
    pub fn is_human(&self) -> bool {
        matches!(self, Actor::Member(_))
    }
}
