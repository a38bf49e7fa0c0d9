//! Account, user and membership types, and the parsing of their inputs.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::i18n::Locale;
use crate::ids::{AccountId, CustomRoleId, UserId};
use crate::text_enum;

/// Longest e-mail address accepted (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;

/// An e-mail address, trimmed and lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Accepts what Chatwoot (Devise) accepts: something@something, no spaces.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("can't be blank");
        }
        let valid = email.len() <= MAX_EMAIL
            && !email.chars().any(char::is_whitespace)
            && matches!(email.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
        if valid {
            Ok(Email(email))
        } else {
            Err("is invalid")
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

text_enum! {
    /// Built-in role of a member. A custom role refines `agent`.
    pub enum Role {
        /// Everything in the account.
        Administrator = "administrator",
        /// The default agent set, or the custom role's permissions.
        Agent = "agent",
    }
}

text_enum! {
    /// Whether an agent takes conversations right now.
    pub enum Availability {
        /// Available.
        Online = "online",
        /// Signed in but not taking new work.
        Busy = "busy",
        /// Away.
        Offline = "offline",
    }
}

text_enum! {
    /// A suspended account keeps its data but nobody can use it.
    pub enum AccountStatus {
        /// In use.
        Active = "active",
        /// Blocked by the operator.
        Suspended = "suspended",
    }
}

/// A tenant.
#[derive(Clone, Debug)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// Display name.
    pub name: String,
    /// Default language of the account (activity messages, new users).
    pub locale: Locale,
    /// IANA time zone name.
    pub timezone: String,
    /// Active or suspended.
    pub status: AccountStatus,
    /// Chatwoot's `domain` setting.
    pub domain: Option<String>,
    /// Address shown as the sender of account e-mail.
    pub support_email: Option<String>,
    /// Chatwoot's auto-resolve setting, in minutes.
    pub auto_resolve_after: Option<i32>,
    /// Free-form attributes.
    pub custom_attributes: serde_json::Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A person who can sign in.
#[derive(Clone, Debug)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Full name.
    pub name: String,
    /// Name shown to customers, if different.
    pub display_name: Option<String>,
    /// Sign-in address.
    pub email: String,
    /// Phone number, as typed.
    pub phone_number: Option<String>,
    /// Preferred UI language; `None` follows the browser.
    pub locale: Option<Locale>,
    /// Sessions signed in with an older version are void.
    pub auth_version: i32,
    /// Signature appended to replies.
    pub message_signature: Option<String>,
    /// UI preferences (opaque to the server).
    pub ui_settings: serde_json::Value,
}

impl User {
    /// `display_name` when set, else `name` (Chatwoot's `available_name`).
    pub fn available_name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.name)
    }
}

/// A user's membership in one account.
#[derive(Clone, Debug)]
pub struct Membership {
    /// The account.
    pub account_id: AccountId,
    /// The account's name.
    pub account_name: String,
    /// The account's status.
    pub account_status: AccountStatus,
    /// Built-in role.
    pub role: Role,
    /// Custom role refining `agent`.
    pub custom_role_id: Option<CustomRoleId>,
    /// Availability in this account.
    pub availability: Availability,
    /// Whether the agent goes offline automatically.
    pub auto_offline: bool,
    /// Last time the user worked in this account.
    pub active_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").map(|e| e.0),
            Ok("ana@example.com".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        for (input, reason) in [
            ("", "can't be blank"),
            ("   ", "can't be blank"),
            ("ana", "is invalid"),
            ("ana@", "is invalid"),
            ("@example.com", "is invalid"),
            ("a na@example.com", "is invalid"),
            ("a@b@c", "is invalid"),
        ] {
            assert_eq!(Email::parse(input), Err(reason), "{input:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(Role::parse("owner"), None);
        assert_eq!(Role::allowed(), "administrator, agent");
    }
}
