//! Automation rules: an event, ordered conditions and ordered actions, run by the event
//! dispatcher for every matching event (see `docs/decisions/0004-automation.md`).
//!
//! - [`conditions`] parses, validates and evaluates conditions (pure).
//! - [`actions`] parses and validates actions and runs them through the same services the API
//!   and the pages call, as the rule (or, for macros, as the member who runs the macro).
//! - [`rules`] is the rules' CRUD, clone and attached files.
//! - [`runner`] takes an event, evaluates the account's rules for it against the event's
//!   snapshot and records each evaluation in the run log.

pub mod actions;
pub mod conditions;
pub mod files;
pub mod rules;
pub mod runner;

use crate::text_enum;

text_enum! {
    /// The events a rule can listen to.
    pub enum EventName {
        /// A conversation was created.
        ConversationCreated = "conversation_created",
        /// A tracked attribute of a conversation changed.
        ConversationUpdated = "conversation_updated",
        /// A conversation was (re)opened.
        ConversationOpened = "conversation_opened",
        /// A conversation was resolved.
        ConversationResolved = "conversation_resolved",
        /// A message was created.
        MessageCreated = "message_created",
    }
}
