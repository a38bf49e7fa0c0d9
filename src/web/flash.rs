//! One-shot confirmation messages ("flash") for the redirect that ends a successful POST
//! (post/redirect/get). The POST handler stores a [`Flash`] in the session, the page it
//! redirects to takes it out and shows it once; a reload no longer shows it.
//!
//! The session keeps what happened, not text: the message is translated when the page renders,
//! so it appears in the language that page is in (a profile language change shows its
//! confirmation in the new language). Secrets (a new API token, a generated password) never go
//! through the flash, which is stored in the database: those pages render them directly in
//! the POST response.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::{Error, Result};
use crate::i18n::Locale;

const KEY: &str = "flash";

/// What a successful form post did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    /// Profile details saved.
    ProfileSaved,
    /// Password changed (other sessions were signed out).
    PasswordChanged,
    /// Every other session was signed out.
    SignedOutElsewhere,
    /// Availability changed.
    AvailabilitySaved,
    /// Account settings saved.
    AccountSaved,
    /// An invitation was e-mailed.
    AgentInvited(String),
    /// A member's role changed.
    AgentUpdated(String),
    /// A member was removed.
    AgentRemoved(String),
    /// A custom role was created.
    RoleCreated(String),
    /// A custom role was changed.
    RoleUpdated(String),
    /// A custom role was deleted.
    RoleDeleted(String),
    /// A contact was created.
    ContactCreated(String),
    /// A contact was changed.
    ContactUpdated(String),
    /// A note was added to a contact.
    NoteAdded,
    /// A note was deleted.
    NoteDeleted,
    /// A change on one of the other settings pages (webhooks, teams, inboxes, ...).
    Settings(super::settings::Done),
}

impl Flash {
    /// The message in `tr`.
    pub fn message(&self, tr: Locale) -> String {
        match self {
            Flash::ProfileSaved => tr.t("flash-profile-saved"),
            Flash::PasswordChanged => tr.t("flash-password-changed"),
            Flash::SignedOutElsewhere => tr.t("flash-signed-out-elsewhere"),
            Flash::AvailabilitySaved => tr.t("flash-availability-saved"),
            Flash::AccountSaved => tr.t("flash-account-saved"),
            Flash::AgentInvited(name) => tr.t1("flash-agent-invited", "name", name.as_str()),
            Flash::AgentUpdated(name) => tr.t1("flash-agent-updated", "name", name.as_str()),
            Flash::AgentRemoved(name) => tr.t1("flash-agent-removed", "name", name.as_str()),
            Flash::RoleCreated(name) => tr.t1("flash-role-created", "name", name.as_str()),
            Flash::RoleUpdated(name) => tr.t1("flash-role-updated", "name", name.as_str()),
            Flash::RoleDeleted(name) => tr.t1("flash-role-deleted", "name", name.as_str()),
            Flash::ContactCreated(name) => tr.t1("flash-contact-created", "name", name.as_str()),
            Flash::ContactUpdated(name) => tr.t1("flash-contact-updated", "name", name.as_str()),
            Flash::NoteAdded => tr.t("flash-note-added"),
            Flash::NoteDeleted => tr.t("flash-note-deleted"),
            Flash::Settings(done) => done.message(tr),
        }
    }
}

/// Keeps `flash` for the next page this session opens.
pub async fn set(session: &Session, flash: Flash) -> Result<()> {
    session
        .insert(KEY, flash)
        .await
        .map_err(|e| Error::Other(anyhow::anyhow!("session store: {e}")))
}

/// Takes the pending message, translated, if there is one.
pub async fn take(session: &Session, tr: Locale) -> Option<String> {
    take_flash(session).await.map(|f| f.message(tr))
}

/// Takes the pending message as what happened (pages that react to it, not only show it).
pub async fn take_flash(session: &Session) -> Option<Flash> {
    // A message that cannot be read is dropped: it is a courtesy, not state.
    session.remove(KEY).await.ok().flatten()
}
