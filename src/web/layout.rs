//! The navigation of account pages: the sections the member may open (hidden otherwise — the
//! server refuses them anyway) and the switcher between the user's accounts.

use crate::accounts::model::{AccountStatus, Membership};
use crate::auth::context::AccountCtx;
use crate::ids::AccountId;
use crate::roles::Permission;

/// One link of the navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    /// Target.
    pub href: String,
    /// Message id of the label.
    pub label: &'static str,
    /// Whether the current page is in this section.
    pub active: bool,
}

/// Another account of the user.
#[derive(Clone, Debug)]
pub struct OtherAccount {
    /// Its id.
    pub id: AccountId,
    /// Its name.
    pub name: String,
    /// Whether it is suspended.
    pub suspended: bool,
}

/// The navigation of one account page.
#[derive(Clone, Debug)]
pub struct Nav {
    /// The account shown.
    pub account_id: AccountId,
    /// Its name.
    pub account_name: String,
    /// The user's name.
    pub user_name: String,
    /// Main sections.
    pub items: Vec<NavItem>,
    /// Settings sections the member may open.
    pub settings: Vec<NavItem>,
    /// The user's other accounts, for the switcher.
    pub accounts: Vec<OtherAccount>,
}

impl Nav {
    /// The navigation for `ctx`, with `path` (the current page) marked.
    pub fn new(ctx: &AccountCtx, memberships: &[Membership], path: &str) -> Self {
        let base = format!("/app/accounts/{}", ctx.account_id);
        let item = |suffix: &str, label: &'static str| {
            let href = format!("{base}{suffix}");
            let active = if suffix.is_empty() {
                path == href
            } else {
                path.starts_with(&href)
            };
            NavItem {
                href,
                label,
                active,
            }
        };
        let mut conversations = item("/conversations", "nav-conversations");
        // The account's root is its inbox.
        conversations.active |= path == base;
        let mut items = vec![conversations];
        if ctx.can(Permission::ContactManage) {
            items.push(item("/contacts", "nav-contacts"));
        }
        items.push(item("/profile", "nav-profile"));
        let mut settings = Vec::new();
        for (permission, suffix, label) in [
            (
                Permission::AccountManage,
                "/settings/account",
                "nav-settings-account",
            ),
            (
                Permission::AgentManage,
                "/settings/agents",
                "nav-settings-agents",
            ),
            (
                Permission::CustomRoleManage,
                "/settings/custom_roles",
                "nav-settings-custom-roles",
            ),
        ] {
            if ctx.can(permission) {
                settings.push(item(suffix, label));
            }
        }
        // Sections with `true` are listed to every member; writing in them needs a permission,
        // which those pages check.
        for (allowed, suffix, label) in [
            (true, "/settings/teams", "nav-settings-teams"),
            (
                ctx.can(Permission::InboxManage),
                "/settings/inboxes",
                "nav-settings-inboxes",
            ),
            (true, "/settings/labels", "nav-settings-labels"),
            (true, "/settings/canned_responses", "nav-settings-canned"),
            (
                ctx.can(Permission::AccountManage),
                "/settings/custom_attributes",
                "nav-settings-custom-attributes",
            ),
            (
                ctx.can(Permission::WebhookManage),
                "/settings/webhooks",
                "nav-settings-webhooks",
            ),
            (
                ctx.can(Permission::AutomationManage),
                "/settings/automation",
                "nav-settings-automation",
            ),
            (true, "/settings/macros", "nav-settings-macros"),
        ] {
            if allowed {
                settings.push(item(suffix, label));
            }
        }
        let accounts = memberships
            .iter()
            .filter(|m| m.account_id != ctx.account_id)
            .map(|m| OtherAccount {
                id: m.account_id,
                name: m.account_name.clone(),
                suspended: m.account_status == AccountStatus::Suspended,
            })
            .collect();
        Nav {
            account_id: ctx.account_id,
            account_name: ctx.account_name.clone(),
            user_name: ctx.user.available_name().to_owned(),
            items,
            settings,
            accounts,
        }
    }

    /// Base path of this account's pages.
    pub fn base(&self) -> String {
        format!("/app/accounts/{}", self.account_id)
    }
}
