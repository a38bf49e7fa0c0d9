//! What a member may see of an account's conversations. The roles feature decides a member's
//! scope ([`ConversationScope::of`] in `roles`); SQL filters and live streams apply it, so lists,
//! counts, search and live updates agree.

/// Which conversations a member sees, strongest first; applied in SQL so lists, counts and
/// search agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationScope {
    /// Every conversation of the account (administrators).
    All,
    /// Conversations of the inboxes the member belongs to.
    MemberInboxes,
    /// Unassigned conversations and their own, in their inboxes.
    UnassignedAndMine,
    /// Conversations assigned to them or that they participate in.
    Mine,
    /// None.
    Nothing,
}
