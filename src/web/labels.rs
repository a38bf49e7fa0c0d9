//! Names of domain values (roles, availability) in the page language, and the options of the
//! selects that offer them.

use crate::accounts::model::{Availability, Role};
use crate::i18n::Locale;

/// One `<option>` of a select.
#[derive(Clone, Debug)]
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Shown text.
    pub label: String,
    /// Whether it is the current value.
    pub selected: bool,
}

impl Choice {
    /// An option, selected when `value` is `current`.
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        Choice {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// The name of a built-in role.
pub fn role(tr: Locale, role: Role) -> String {
    match role {
        Role::Administrator => tr.t("role-administrator"),
        Role::Agent => tr.t("role-agent"),
    }
}

/// The name of an availability.
pub fn availability(tr: Locale, availability: Availability) -> String {
    match availability {
        Availability::Online => tr.t("availability-online"),
        Availability::Busy => tr.t("availability-busy"),
        Availability::Offline => tr.t("availability-offline"),
    }
}

/// Options for a role select.
pub fn role_choices(tr: Locale, current: &str) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice::new(r.as_str(), role(tr, *r), current))
        .collect()
}

/// Options for an availability select.
pub fn availability_choices(tr: Locale, current: &str) -> Vec<Choice> {
    Availability::ALL
        .iter()
        .map(|a| Choice::new(a.as_str(), availability(tr, *a), current))
        .collect()
}

/// Options for a language select, each language named in itself; `browser_default` adds the
/// empty choice "follow the browser".
pub fn locale_choices(tr: Locale, current: &str, browser_default: bool) -> Vec<Choice> {
    let mut choices = Vec::new();
    if browser_default {
        choices.push(Choice::new("", tr.t("language-browser-default"), current));
    }
    choices.extend(
        Locale::ALL
            .iter()
            .map(|l| Choice::new(l.code(), l.native_name(), current)),
    );
    choices
}
