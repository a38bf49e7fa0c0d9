//! Roles and permissions, checked on the server by every service function (`ctx.require(..)`),
//! for the API and the pages alike.
//!
//! - **Administrator**: every permission.
//! - **Agent**: the default agent set — conversations in their inboxes, contacts, canned responses
//!   (and their own macros, which any conversation permission opens).
//! - **Agent with a custom role**: exactly the permissions the administrator chose, from
//!   [`Permission::ASSIGNABLE`]. Settings the product reserves to administrators (SLA policies,
//!   inboxes, integrations, webhooks, agents, custom roles, account settings) cannot be delegated.
//!   Nor can automation rules: a rule acts on every conversation of the account with the
//!   account's authority, so writing one would reach beyond a custom role's visibility
//!   (decision 0007; Chatwoot's custom roles cannot hold it either).

pub mod custom;

use crate::accounts::model::Role;
use crate::i18n::Locale;
use crate::text_enum;
pub use crate::visibility::ConversationScope;

text_enum! {
    /// Something a member may do.
    pub enum Permission {
        /// All conversations of the inboxes the member belongs to.
        ConversationManage = "conversation_manage",
        /// Unassigned conversations and their own, in their inboxes.
        ConversationUnassignedManage = "conversation_unassigned_manage",
        /// Only conversations assigned to them or that they participate in.
        ConversationParticipatingManage = "conversation_participating_manage",
        /// Contacts.
        ContactManage = "contact_manage",
        /// Reports.
        ReportManage = "report_manage",
        /// Create, edit and delete labels.
        LabelManage = "label_manage",
        /// One-off campaigns.
        CampaignManage = "campaign_manage",
        /// Assign agents to conversations and manage team membership.
        TeamManage = "team_manage",
        /// Canned responses.
        CannedResponseManage = "canned_response_manage",
        /// Automation rules.
        AutomationManage = "automation_manage",
        /// Account settings (administrators only).
        AccountManage = "account_manage",
        /// Agents: invite, change roles, remove (administrators only).
        AgentManage = "agent_manage",
        /// Custom roles (administrators only).
        CustomRoleManage = "custom_role_manage",
        /// Inboxes and channels (administrators only).
        InboxManage = "inbox_manage",
        /// Integrations (administrators only).
        IntegrationManage = "integration_manage",
        /// Webhooks (administrators only).
        WebhookManage = "webhook_manage",
        /// SLA policies (administrators only).
        SlaManage = "sla_manage",
    }
}

impl Permission {
    /// Permissions an administrator may give a custom role.
    pub const ASSIGNABLE: [Permission; 9] = [
        Permission::ConversationManage,
        Permission::ConversationUnassignedManage,
        Permission::ConversationParticipatingManage,
        Permission::ContactManage,
        Permission::ReportManage,
        Permission::LabelManage,
        Permission::CampaignManage,
        Permission::TeamManage,
        Permission::CannedResponseManage,
    ];

    /// What a plain agent (no custom role) may do.
    pub const AGENT_DEFAULT: [Permission; 3] = [
        Permission::ConversationManage,
        Permission::ContactManage,
        Permission::CannedResponseManage,
    ];

    /// Whether a custom role may carry it.
    pub fn is_assignable(self) -> bool {
        Self::ASSIGNABLE.contains(&self)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }

    fn message_id(self) -> String {
        format!("permission-{}", self.as_str().replace('_', "-"))
    }

    /// Short name shown where roles are edited.
    pub fn label(self, tr: Locale) -> String {
        tr.t(&self.message_id())
    }

    /// One-line description shown where roles are edited.
    pub fn description(self, tr: Locale) -> String {
        tr.t(&format!("{}-description", self.message_id()))
    }
}

/// A set of permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permissions(u32);

impl Permissions {
    /// Every permission.
    pub fn all() -> Self {
        Permission::ALL.iter().copied().collect()
    }

    /// The effective permissions of a member.
    pub fn for_member(role: Role, custom_role: Option<&[Permission]>) -> Self {
        match (role, custom_role) {
            (Role::Administrator, _) => Self::all(),
            (Role::Agent, Some(custom)) => custom
                .iter()
                .copied()
                .filter(|p| p.is_assignable())
                .collect(),
            (Role::Agent, None) => Permission::AGENT_DEFAULT.iter().copied().collect(),
        }
    }

    /// Whether `permission` is in the set.
    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// The permissions, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Permissions(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

impl ConversationScope {
    /// The scope granted by a role and its permissions.
    pub fn of(role: Role, permissions: Permissions) -> Self {
        if role == Role::Administrator {
            ConversationScope::All
        } else if permissions.contains(Permission::ConversationManage) {
            ConversationScope::MemberInboxes
        } else if permissions.contains(Permission::ConversationUnassignedManage) {
            ConversationScope::UnassignedAndMine
        } else if permissions.contains(Permission::ConversationParticipatingManage) {
            ConversationScope::Mine
        } else {
            ConversationScope::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_have_everything_and_agents_the_default_set() {
        let admin = Permissions::for_member(Role::Administrator, None);
        assert!(Permission::ALL.iter().all(|p| admin.contains(*p)));
        let agent = Permissions::for_member(Role::Agent, None);
        assert_eq!(
            agent.iter().collect::<Vec<_>>(),
            Permission::AGENT_DEFAULT.to_vec()
        );
        assert!(!agent.contains(Permission::LabelManage));
    }

    #[test]
    fn a_custom_role_replaces_the_agent_set_and_cannot_grant_admin_settings() {
        let reports = Permissions::for_member(
            Role::Agent,
            Some(&[Permission::ReportManage, Permission::SlaManage]),
        );
        assert_eq!(
            reports.iter().collect::<Vec<_>>(),
            vec![Permission::ReportManage]
        );
        assert_eq!(
            ConversationScope::of(Role::Agent, reports),
            ConversationScope::Nothing
        );
    }

    #[test]
    fn conversation_scope_follows_the_strongest_permission() {
        let scope = |ps: &[Permission]| {
            ConversationScope::of(Role::Agent, Permissions::for_member(Role::Agent, Some(ps)))
        };
        assert_eq!(
            scope(&[Permission::ConversationParticipatingManage]),
            ConversationScope::Mine
        );
        assert_eq!(
            scope(&[
                Permission::ConversationParticipatingManage,
                Permission::ConversationUnassignedManage
            ]),
            ConversationScope::UnassignedAndMine
        );
        assert_eq!(
            scope(&[
                Permission::ConversationManage,
                Permission::ConversationUnassignedManage
            ]),
            ConversationScope::MemberInboxes
        );
        assert_eq!(
            ConversationScope::of(Role::Administrator, Permissions::default()),
            ConversationScope::All
        );
    }

    #[test]
    fn every_assignable_permission_has_a_label_and_description_in_both_languages() {
        for permission in Permission::ASSIGNABLE {
            for tr in Locale::ALL {
                let label = permission.label(tr);
                let description = permission.description(tr);
                assert!(
                    !label.is_empty() && !label.starts_with("Unknown"),
                    "{permission} {tr}: {label}"
                );
                assert!(
                    description.len() > label.len(),
                    "{permission} {tr}: {description}"
                );
            }
        }
        assert_ne!(
            Permission::ContactManage.label(Locale::En),
            Permission::ContactManage.label(Locale::PtBr)
        );
    }
}
