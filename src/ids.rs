//! Typed database ids. A handler parses a path segment into one of these at the edge; nothing
//! past it passes raw integers around, so an inbox id can never be used where a user id belongs.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }
    )*};
}

id_type! {
    /// A tenant.
    AccountId;
    /// A person who can sign in; may belong to several accounts.
    UserId;
    /// A custom role of one account.
    CustomRoleId;
    /// A row of the job queue.
    JobId;
    /// An inbox (a channel the account talks through).
    InboxId;
    /// A contact (a customer).
    ContactId;
    /// A conversation (database id; the API uses the per-account display id).
    ConversationId;
    /// A message.
    MessageId;
    /// A team.
    TeamId;
    /// A label.
    LabelId;
    /// An attachment.
    AttachmentId;
}
