//! Message variables: the `{{ contact.first_name || 'cliente' }}` placeholders agents write in
//! messages, canned responses, macros, automations and campaigns, and their rendering.
//!
//! A pure module: no I/O, no database, no HTTP. Callers gather plain records into [`Sources`],
//! turn them into a [`Values`] lookup and call [`render`]; editors list what a text uses with
//! [`placeholders`] and what exists with [`catalogue`].
//!
//! # Syntax
//!
//! - `{{ path }}`, with any whitespace (or none) inside the braces: `{{contact.name}}`.
//! - A fallback for a missing value: `{{ path || 'text' }}` or `{{ path || "text" }}`, and the
//!   Liquid spelling Chatwoot users know, `{{ path | default: 'text' }}` (either quote). The
//!   fallback is everything between the quotes: spaces, `}`, `|`, accents and emoji included;
//!   there are no escapes (use the other quote to write an apostrophe) and no line breaks.
//! - A path is one or more non-empty segments of `[A-Za-z0-9_-]` joined by dots, e.g.
//!   `contact.custom_attribute.plano-2024`. Paths are case-sensitive.
//! - Text inside backticks is not rendered: a run of N backticks opens a code span that the next
//!   run of exactly N backticks closes, which covers inline code (`` `{{ a }}` ``) and fenced
//!   blocks (```` ``` ````). The backticks stay in the text. A run that nothing closes is plain
//!   text and rendering goes on after it.
//!
//! # Rules
//!
//! - A value that is missing, or empty after trimming whitespace, renders as the fallback, or as
//!   nothing when there is none. A present value renders exactly as stored.
//! - A path the [`catalogue`] does not know and the values do not hold (a typo such as
//!   `contact.nmae`) behaves as missing and is listed in [`Rendered::unknown`].
//! - Anything that is not a well-formed placeholder is left exactly as typed and the rest of the
//!   text still renders: unbalanced braces, a bad path, an unterminated quote, a filter other
//!   than `default` (`{{ a | upcase }}`), Liquid tags (`{% if %}`). Scanning resumes one byte
//!   past a rejected `{{`, so `{{{ a }}}` renders `{`, the value, `}`.
//! - Substituted text is final: a value or fallback that itself contains `{{ … }}` is not
//!   rendered again.
//!
//! # Bounds (input is untrusted agent text)
//!
//! - Time is linear in the length of the template, whatever it contains.
//! - At most [`MAX_PLACEHOLDERS`] placeholders are substituted; at most
//!   [`MAX_SUBSTITUTED_BYTES`] bytes are inserted in all (values and fallbacks). Once the next
//!   placeholder would pass either bound, substitution stops: that placeholder and all the text
//!   after it are kept exactly as typed, and [`Rendered::limited`] is set. So
//!   `rendered.text.len() <= template.len() + MAX_SUBSTITUTED_BYTES` always holds. The bound is
//!   on what rendering adds, not on the agent's own text, whose length the caller limits; it
//!   stops a large custom attribute repeated a thousand times from amplifying into megabytes.
//! - Text without `{{` comes back unchanged.
//! - Rendering is deterministic.

pub mod catalogue;
mod syntax;
mod values;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::ops::Range;

use serde::Serialize;

pub use values::{
    AccountVars, AgentVars, ContactVars, ConversationVars, InboxVars, Sources, Values,
    attribute_text, split_name,
};

/// The most placeholders one [`render`] substitutes (and [`placeholders`] lists).
pub const MAX_PLACEHOLDERS: usize = 1_000;

/// The most bytes one [`render`] inserts in all, values and fallbacks together (64 KiB).
pub const MAX_SUBSTITUTED_BYTES: usize = 64 * 1024;

/// A well-formed placeholder found in a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    /// The dotted path, e.g. `contact.first_name`.
    pub path: String,
    /// The fallback text between the quotes, if one was written (possibly empty).
    pub fallback: Option<String>,
    /// Byte range of the whole placeholder, braces included, in the template.
    pub span: Range<usize>,
}

/// The outcome of [`render`]. The path lists are deduplicated, in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// The rendered text.
    pub text: String,
    /// Paths whose fallback was used (the value was missing or blank).
    pub fell_back: Vec<String>,
    /// Paths rendered as nothing: missing or blank, with no fallback.
    pub empty: Vec<String>,
    /// Paths neither in the [`catalogue`] nor in the values (likely typos); each also appears in
    /// `fell_back` or `empty`.
    pub unknown: Vec<String>,
    /// Whether a bound stopped substitution; the text from the first placeholder not
    /// substituted on is as typed.
    pub limited: bool,
}

/// Renders `template` against `values`. Never fails: what cannot be rendered stays as typed.
pub fn render(template: &str, values: &Values) -> Rendered {
    if !template.contains("{{") {
        return Rendered {
            text: template.to_owned(),
            ..Rendered::default()
        };
    }
    let mut rendered = Rendered {
        text: String::with_capacity(template.len()),
        ..Rendered::default()
    };
    let mut fell_back = Paths::default();
    let mut empty = Paths::default();
    let mut unknown = Paths::default();
    let mut inserted = 0usize;
    let mut copied_up_to = 0;
    for (count, found) in syntax::Scanner::new(template).enumerate() {
        let value = values.present(found.path);
        let substitute = value.or(found.fallback).unwrap_or("");
        if count == MAX_PLACEHOLDERS || inserted + substitute.len() > MAX_SUBSTITUTED_BYTES {
            rendered.limited = true;
            break;
        }
        rendered.text.push_str(&template[copied_up_to..found.start]);
        rendered.text.push_str(substitute);
        inserted += substitute.len();
        copied_up_to = found.end;
        if value.is_none() {
            if found.fallback.is_some() {
                fell_back.add(found.path);
            } else {
                empty.add(found.path);
            }
            if !values.contains(found.path) && !catalogue::is_known(found.path) {
                unknown.add(found.path);
            }
        }
    }
    rendered.text.push_str(&template[copied_up_to..]);
    rendered.fell_back = fell_back.list;
    rendered.empty = empty.list;
    rendered.unknown = unknown.list;
    rendered
}

/// The well-formed placeholders of `template`, in order, one per occurrence: the ones [`render`]
/// substitutes, unless its byte bound stops it first. At most [`MAX_PLACEHOLDERS`]; none from
/// inside backticks. Cheap enough for an editor to call on every keystroke.
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    if !template.contains("{{") {
        return Vec::new();
    }
    syntax::Scanner::new(template)
        .take(MAX_PLACEHOLDERS)
        .map(|found| Placeholder {
            path: found.path.to_owned(),
            fallback: found.fallback.map(str::to_owned),
            span: found.start..found.end,
        })
        .collect()
}

/// An insertion-ordered set of paths.
#[derive(Default)]
struct Paths<'a> {
    seen: HashSet<&'a str>,
    list: Vec<String>,
}

impl<'a> Paths<'a> {
    fn add(&mut self, path: &'a str) {
        if self.seen.insert(path) {
            self.list.push(path.to_owned());
        }
    }
}
