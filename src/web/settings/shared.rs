//! What the settings pages for webhooks, teams, inboxes, labels, canned responses, custom
//! attributes, automation rules and macros share: their one-shot confirmations ([`Done`], kept in the session through
//! [`Flash::Settings`]), the sentences for the messages of their services, and the member
//! picker of team and inbox membership.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::accounts::agents::Agent;
use crate::error::Result;
use crate::i18n::Locale;
use crate::ids::UserId;
use crate::web::flash::{self, Flash};

/// What a successful settings form post did; each carries the name of what it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Done {
    /// A webhook was saved (its URL).
    WebhookUpdated(String),
    /// A webhook was deleted (its URL).
    WebhookDeleted(String),
    /// A failed delivery was queued again (its event name).
    DeliveryResent(String),
    /// A team was created.
    TeamCreated(String),
    /// A team was saved.
    TeamUpdated(String),
    /// A team was deleted.
    TeamDeleted(String),
    /// An agent joined a team.
    TeamMemberAdded(String),
    /// An agent left a team.
    TeamMemberRemoved(String),
    /// An inbox was created.
    InboxCreated(String),
    /// An inbox's settings were saved.
    InboxUpdated(String),
    /// An inbox was deleted.
    InboxDeleted(String),
    /// An agent joined an inbox.
    InboxMemberAdded(String),
    /// An agent left an inbox.
    InboxMemberRemoved(String),
    /// An inbox's working hours were saved (the inbox name).
    WorkingHoursSaved(String),
    /// A label was created (its title).
    LabelCreated(String),
    /// A label was saved.
    LabelUpdated(String),
    /// A label was deleted.
    LabelDeleted(String),
    /// A canned response was created (its short code).
    CannedCreated(String),
    /// A canned response was saved.
    CannedUpdated(String),
    /// A canned response was deleted.
    CannedDeleted(String),
    /// A custom attribute was created (its display name).
    AttributeCreated(String),
    /// A custom attribute was saved.
    AttributeUpdated(String),
    /// A custom attribute was deleted.
    AttributeDeleted(String),
    /// An automation rule was created (its name).
    RuleCreated(String),
    /// A rule was saved.
    RuleUpdated(String),
    /// A rule was copied (the copy's name).
    RuleCloned(String),
    /// A rule was switched on.
    RuleEnabled(String),
    /// A rule was switched off.
    RuleDisabled(String),
    /// A rule was deleted.
    RuleDeleted(String),
    /// A macro was created (its name).
    MacroCreated(String),
    /// A macro was saved.
    MacroUpdated(String),
    /// A macro was deleted.
    MacroDeleted(String),
}

impl Done {
    /// The message in `tr`.
    pub fn message(&self, tr: Locale) -> String {
        let (key, name) = match self {
            Done::WebhookUpdated(n) => ("flash-webhook-updated", n),
            Done::WebhookDeleted(n) => ("flash-webhook-deleted", n),
            Done::DeliveryResent(n) => ("flash-delivery-resent", n),
            Done::TeamCreated(n) => ("flash-team-created", n),
            Done::TeamUpdated(n) => ("flash-team-updated", n),
            Done::TeamDeleted(n) => ("flash-team-deleted", n),
            Done::TeamMemberAdded(n) => ("flash-team-member-added", n),
            Done::TeamMemberRemoved(n) => ("flash-team-member-removed", n),
            Done::InboxCreated(n) => ("flash-inbox-created", n),
            Done::InboxUpdated(n) => ("flash-inbox-updated", n),
            Done::InboxDeleted(n) => ("flash-inbox-deleted", n),
            Done::InboxMemberAdded(n) => ("flash-inbox-member-added", n),
            Done::InboxMemberRemoved(n) => ("flash-inbox-member-removed", n),
            Done::WorkingHoursSaved(n) => ("flash-working-hours-saved", n),
            Done::LabelCreated(n) => ("flash-label-created", n),
            Done::LabelUpdated(n) => ("flash-label-updated", n),
            Done::LabelDeleted(n) => ("flash-label-deleted", n),
            Done::CannedCreated(n) => ("flash-canned-created", n),
            Done::CannedUpdated(n) => ("flash-canned-updated", n),
            Done::CannedDeleted(n) => ("flash-canned-deleted", n),
            Done::AttributeCreated(n) => ("flash-attribute-created", n),
            Done::AttributeUpdated(n) => ("flash-attribute-updated", n),
            Done::AttributeDeleted(n) => ("flash-attribute-deleted", n),
            Done::RuleCreated(n) => ("flash-rule-created", n),
            Done::RuleUpdated(n) => ("flash-rule-updated", n),
            Done::RuleCloned(n) => ("flash-rule-cloned", n),
            Done::RuleEnabled(n) => ("flash-rule-enabled", n),
            Done::RuleDisabled(n) => ("flash-rule-disabled", n),
            Done::RuleDeleted(n) => ("flash-rule-deleted", n),
            Done::MacroCreated(n) => ("flash-macro-created", n),
            Done::MacroUpdated(n) => ("flash-macro-updated", n),
            Done::MacroDeleted(n) => ("flash-macro-deleted", n),
        };
        tr.t1(key, "name", name.as_str())
    }

    /// Every kind, for the translation test.
    #[cfg(test)]
    fn samples() -> Vec<Done> {
        let n = || "x".to_owned();
        vec![
            Done::WebhookUpdated(n()),
            Done::WebhookDeleted(n()),
            Done::DeliveryResent(n()),
            Done::TeamCreated(n()),
            Done::TeamUpdated(n()),
            Done::TeamDeleted(n()),
            Done::TeamMemberAdded(n()),
            Done::TeamMemberRemoved(n()),
            Done::InboxCreated(n()),
            Done::InboxUpdated(n()),
            Done::InboxDeleted(n()),
            Done::InboxMemberAdded(n()),
            Done::InboxMemberRemoved(n()),
            Done::WorkingHoursSaved(n()),
            Done::LabelCreated(n()),
            Done::LabelUpdated(n()),
            Done::LabelDeleted(n()),
            Done::CannedCreated(n()),
            Done::CannedUpdated(n()),
            Done::CannedDeleted(n()),
            Done::AttributeCreated(n()),
            Done::AttributeUpdated(n()),
            Done::AttributeDeleted(n()),
            Done::RuleCreated(n()),
            Done::RuleUpdated(n()),
            Done::RuleCloned(n()),
            Done::RuleEnabled(n()),
            Done::RuleDisabled(n()),
            Done::RuleDeleted(n()),
            Done::MacroCreated(n()),
            Done::MacroUpdated(n()),
            Done::MacroDeleted(n()),
        ]
    }
}

/// Keeps `done` for the next page this session opens.
pub async fn done(session: &Session, done: Done) -> Result<()> {
    flash::set(session, Flash::Settings(done)).await
}

/// `"on"` (or any value) for a checked box; absent when unchecked.
pub fn checked(value: &Option<String>) -> bool {
    value.is_some()
}

/// `Some("on")` for a box that starts checked.
pub fn check(on: bool) -> Option<String> {
    on.then(|| "on".to_owned())
}

/// The agents of the account that are not in `members`, for an "add a member" select.
pub fn addable(agents: &[Agent], members: &[UserId]) -> Vec<Agent> {
    agents
        .iter()
        .filter(|a| !members.contains(&a.user_id))
        .cloned()
        .collect()
}

/// The text after `prefix` up to `end` in `message`.
fn between<'a>(message: &'a str, prefix: &str, end: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    Some(rest.split(end).next().unwrap_or(rest).trim())
}

/// The messages of the services behind these pages (and of the outbound URL guard) as
/// sentences in the page language; `None` for messages [`crate::web::form::field_message`]
/// knows itself.
pub fn field_message(tr: Locale, field: &str, message: &str) -> Option<String> {
    let text = match (field, message) {
        ("url" | "webhook_url", "has already been taken") => tr.t("form-error-url-taken"),
        ("title", "has already been taken") => tr.t("form-error-title-taken"),
        ("short_code", "has already been taken") => tr.t("form-error-short-code-taken"),
        ("attribute_key", "has already been taken") => tr.t("form-error-key-taken"),
        (_, "is not a valid URL" | "has no host") => tr.t("form-error-url"),
        (_, "must use http or https") => tr.t("form-error-url-scheme"),
        (_, m) if m.starts_with("points to the internal address ") => {
            let address = between(m, "points to the internal address ", ",").unwrap_or_default();
            tr.t1("form-error-url-internal", "address", address)
        }
        (_, m)
            if m.starts_with("host ") && m.ends_with(" does not resolve to a public address") =>
        {
            let host = between(m, "host ", " does not").unwrap_or_default();
            tr.t1("form-error-url-host", "host", host)
        }
        ("subscriptions", "Invalid events") => tr.t("form-error-events"),
        ("title", m) if m.starts_with("is invalid (only") => tr.t("form-error-label-title"),
        ("color", m) if m.starts_with("is invalid (expected") => tr.t("form-error-color"),
        ("attribute_key", "can only contain letters, numbers, underscores and hyphens") => {
            tr.t("form-error-key-characters")
        }
        ("attribute_key", m) if m.starts_with("The provided key is not allowed") => {
            tr.t("form-error-key-reserved")
        }
        ("attribute_values", "can't be blank for a list attribute") => {
            tr.t("form-error-list-values")
        }
        ("regex_pattern", "is not a valid regular expression") => tr.t("form-error-pattern"),
        (_, "closes before it opens") => tr.t("form-error-closes-before-opens"),
        (_, "needs opening and closing times") => tr.t("form-error-hours-missing"),
        (_, "has an invalid time") => tr.t("form-error-time"),
        (_, "contains users who are not members of the account") => tr.t("form-error-not-a-member"),
        ("delivery", "only failed deliveries can be sent again") => tr.t("form-error-resend"),
        ("visibility", "global macros are for administrators") => tr.t("form-error-macro-global"),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::form;

    #[test]
    fn every_message_of_these_services_reads_as_a_sentence_in_both_languages() {
        let known = [
            ("url", "has already been taken"),
            ("webhook_url", "has already been taken"),
            ("title", "has already been taken"),
            ("short_code", "has already been taken"),
            ("attribute_key", "has already been taken"),
            ("url", "is not a valid URL"),
            ("url", "has no host"),
            ("webhook_url", "must use http or https"),
            (
                "url",
                "points to the internal address 10.1.2.3, which is not allowed",
            ),
            (
                "url",
                "host nowhere.invalid does not resolve to a public address",
            ),
            ("subscriptions", "Invalid events"),
            (
                "title",
                "is invalid (only letters, digits, - and _ are allowed)",
            ),
            ("color", "is invalid (expected #RRGGBB)"),
            (
                "attribute_key",
                "can only contain letters, numbers, underscores and hyphens",
            ),
            (
                "attribute_key",
                "The provided key is not allowed as it might conflict with default attributes.",
            ),
            ("attribute_values", "can't be blank for a list attribute"),
            ("regex_pattern", "is not a valid regular expression"),
            ("day1", "closes before it opens"),
            ("day2", "needs opening and closing times"),
            ("day3", "has an invalid time"),
            (
                "user_ids",
                "contains users who are not members of the account",
            ),
            ("delivery", "only failed deliveries can be sent again"),
            ("visibility", "global macros are for administrators"),
            ("inbox_id", "is invalid"),
            ("timezone", "is not a known time zone"),
            ("name", "is too long (maximum is 255 characters)"),
        ];
        for tr in Locale::ALL {
            for (field, message) in known {
                let text = form::field_message(tr, field, message);
                assert!(
                    !text.contains(message) && !text.starts_with("Unknown localization"),
                    "{tr} {field} {message}: {text}"
                );
                assert!(text.ends_with('.'), "{tr} {field} {message}: {text}");
            }
        }
        let internal = form::field_message(
            Locale::PtBr,
            "url",
            "points to the internal address 10.1.2.3, which is not allowed",
        );
        assert!(internal.contains("10.1.2.3"), "{internal}");
        let host = form::field_message(
            Locale::En,
            "url",
            "host nowhere.invalid does not resolve to a public address",
        );
        assert!(host.contains("nowhere.invalid"), "{host}");
    }

    #[test]
    fn every_confirmation_is_translated() {
        for tr in Locale::ALL {
            for done in Done::samples() {
                let text = done.message(tr);
                assert!(
                    !text.starts_with("Unknown localization") && text.contains('x'),
                    "{tr} {done:?}: {text}"
                );
            }
        }
    }
}
