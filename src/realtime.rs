//! Live updates. Every process runs one Postgres listener on [`crate::events::NOTIFY_CHANNEL`]
//! (and [`RIGHTS_CHANNEL`]) and fans notices out to its connected browsers through a broadcast
//! channel. A notice carries what deciding who may see it takes (the conversation's inbox,
//! assignee and participants, written by `events::record`), and its server-sent event is
//! rendered once, here: a stream checks the notice against its member's rights, which it keeps
//! in memory and reloads when [`RIGHTS_CHANNEL`] says they changed, so the cost of an event does
//! not grow with the number of open tabs beyond a comparison and a copy. When the listener loses
//! its connection, whatever was notified meanwhile is gone, so streams get a `resync` and pages
//! reload their data.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::events::{EventKind, NOTIFY_CHANNEL};
use crate::ids::{AccountId, UserId};
use crate::visibility::ConversationScope;

/// Channel a change of who may see what NOTIFYs (payload: the account id), from triggers on
/// memberships, inbox members and custom roles.
pub const RIGHTS_CHANNEL: &str = "atende_rights";

/// What a notice says: ids, and who may see its conversation.
#[derive(Clone, Debug, Deserialize)]
pub struct Notice {
    /// The event row (also the SSE event id).
    pub id: i64,
    /// The account.
    pub account_id: AccountId,
    /// What happened.
    pub kind: EventKind,
    /// The conversation (database id).
    pub conversation_id: Option<i64>,
    /// The message.
    pub message_id: Option<i64>,
    /// The contact.
    pub contact_id: Option<i64>,
    /// The inbox.
    pub inbox_id: Option<i64>,
    /// The conversation's display id (absent when it no longer exists).
    #[serde(default)]
    pub display_id: Option<i64>,
    /// The conversation's assignee.
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// The members taking part in the conversation.
    #[serde(default)]
    pub participants: Vec<i64>,
}

impl Notice {
    /// The notice as one server-sent event (`id`, `event`, `data`), as pages receive it.
    pub fn frame(&self) -> Bytes {
        let data = match (self.conversation_id, self.display_id) {
            (Some(_), display_id) => {
                json!({ "kind": self.kind, "conversation_id": display_id, "message_id": self.message_id })
            }
            (None, _) => json!({ "kind": self.kind, "contact_id": self.contact_id }),
        };
        Bytes::from(format!(
            "id: {}\nevent: {}\ndata: {data}\n\n",
            self.id,
            self.kind.as_str()
        ))
    }
}

/// A notice with its event rendered.
#[derive(Debug)]
pub struct Live {
    /// The notice.
    pub notice: Notice,
    /// Its server-sent event.
    pub frame: Bytes,
}

/// What one member may see, kept by each of their streams.
#[derive(Clone, Debug)]
pub struct Rights {
    /// The member.
    pub user_id: i64,
    /// Which conversations.
    pub scope: ConversationScope,
    /// Their inboxes (for the scopes limited to them).
    pub inboxes: HashSet<i64>,
    /// Whether they see contacts.
    pub contacts: bool,
}

impl Rights {
    /// Whether the member may see the notice's subject: the same rules the lists apply in SQL
    /// (`conversations::repo::push_visibility`).
    pub fn sees(&self, n: &Notice) -> bool {
        match n.conversation_id {
            Some(_) => {
                let Some(_) = n.display_id else { return false };
                let in_inbox = || n.inbox_id.is_some_and(|i| self.inboxes.contains(&i));
                match self.scope {
                    ConversationScope::All => true,
                    ConversationScope::MemberInboxes => in_inbox(),
                    ConversationScope::UnassignedAndMine => {
                        in_inbox() && n.assignee_id.is_none_or(|a| a == self.user_id)
                    }
                    ConversationScope::Mine => {
                        n.assignee_id == Some(self.user_id)
                            || n.participants.contains(&self.user_id)
                    }
                    ConversationScope::Nothing => false,
                }
            }
            None => n.contact_id.is_some() && self.contacts,
        }
    }
}

/// The notices of an account after event `after`, oldest first (at most `limit`), with their
/// conversations as they are now: what a reconnecting stream missed, in one query.
pub async fn missed(
    conn: &mut sqlx::PgConnection,
    account_id: AccountId,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<Notice>> {
    let rows = sqlx::query!(
        r#"select e.id, e.kind as "kind: EventKind", e.conversation_id, e.message_id, e.contact_id,
                  e.inbox_id, c.display_id as "display_id?", c.assignee_id as "assignee_id?",
                  array(select p.user_id from conversation_participants p
                        where p.account_id = e.account_id and p.conversation_id = e.conversation_id) as "participants!"
           from events e
           left join conversations c on c.account_id = e.account_id and c.id = e.conversation_id
           where e.account_id = $1 and e.id > $2 order by e.id limit $3"#,
        account_id.0,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Notice {
            id: r.id,
            account_id,
            kind: r.kind,
            conversation_id: r.conversation_id,
            message_id: r.message_id,
            contact_id: r.contact_id,
            inbox_id: r.inbox_id,
            display_id: r.display_id,
            assignee_id: r.assignee_id,
            participants: r.participants,
        })
        .collect())
}

/// What the hub broadcasts.
#[derive(Clone, Debug)]
pub enum HubMessage {
    /// A change happened.
    Notice(Arc<Live>),
    /// Who may see what changed in this account: streams reload their rights.
    RightsChanged(AccountId),
    /// Notices may have been lost; reload.
    Resync,
}

/// Live streams one user may hold open in one process by default (tabs and devices together,
/// `ATENDE_STREAMS_PER_USER`). Each stream costs a connection, a receiver and a check per
/// event; the cap keeps one user (or a stolen session in a loop) from holding thousands.
pub const STREAMS_PER_USER: usize = 10;

/// The process's fan-out point.
#[derive(Clone, Debug)]
pub struct Hub {
    sender: broadcast::Sender<HubMessage>,
    open: Arc<std::sync::Mutex<HashMap<UserId, usize>>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(8192);
        Hub {
            sender,
            open: Arc::default(),
        }
    }
}

/// One open stream of a user, counted until it is dropped.
#[derive(Debug)]
pub struct StreamSlot {
    user: UserId,
    open: Arc<std::sync::Mutex<HashMap<UserId, usize>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

impl Hub {
    /// A slot for one more stream of `user`, or `None` when they hold `cap` already.
    pub fn open_stream(&self, user: UserId, cap: usize) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(user).or_default();
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            user,
            open: self.open.clone(),
        })
    }

    /// A new receiver of everything broadcast from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<HubMessage> {
        self.sender.subscribe()
    }

    /// Listens until `cancel` fires, reconnecting as needed.
    pub async fn run(self, pool: PgPool, cancel: CancellationToken) {
        while !cancel.is_cancelled() {
            match self.listen(&pool, &cancel).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "realtime listener failed; reconnecting");
                    let _ = self.sender.send(HubMessage::Resync);
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }

    async fn listen(&self, pool: &PgPool, cancel: &CancellationToken) -> anyhow::Result<()> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener
            .listen_all([NOTIFY_CHANNEL, RIGHTS_CHANNEL])
            .await?;
        tracing::info!("realtime listener started");
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                notification = listener.try_recv() => match notification? {
                    Some(n) if n.channel() == RIGHTS_CHANNEL => match n.payload().parse::<i64>() {
                        Ok(account) => {
                            let _ = self.sender.send(HubMessage::RightsChanged(AccountId(account)));
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable rights notice"),
                    },
                    Some(n) => match serde_json::from_str::<Notice>(n.payload()) {
                        Ok(notice) => {
                            // No receivers is fine: nobody is watching.
                            let frame = notice.frame();
                            let _ = self.sender.send(HubMessage::Notice(Arc::new(Live { notice, frame })));
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable realtime notice"),
                    },
                    None => {
                        tracing::warn!("realtime listener reconnected; telling pages to resync");
                        let _ = self.sender.send(HubMessage::Resync);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(inbox: i64, assignee: Option<i64>, participants: Vec<i64>) -> Notice {
        Notice {
            id: 1,
            account_id: AccountId(1),
            kind: EventKind::MessageCreated,
            conversation_id: Some(10),
            message_id: Some(5),
            contact_id: Some(3),
            inbox_id: Some(inbox),
            display_id: Some(7),
            assignee_id: assignee,
            participants,
        }
    }

    fn rights(scope: ConversationScope) -> Rights {
        Rights {
            user_id: 2,
            scope,
            inboxes: HashSet::from([1]),
            contacts: false,
        }
    }

    #[test]
    fn each_scope_sees_what_its_lists_show() {
        use ConversationScope::*;
        let cases = [
            (All, notice(9, Some(4), vec![]), true),
            (MemberInboxes, notice(1, Some(4), vec![]), true),
            (MemberInboxes, notice(9, None, vec![]), false),
            (UnassignedAndMine, notice(1, None, vec![]), true),
            (UnassignedAndMine, notice(1, Some(2), vec![]), true),
            (UnassignedAndMine, notice(1, Some(4), vec![]), false),
            (UnassignedAndMine, notice(9, None, vec![]), false),
            (Mine, notice(9, Some(2), vec![]), true),
            (Mine, notice(9, Some(4), vec![2]), true),
            (Mine, notice(1, None, vec![]), false),
            (Nothing, notice(1, Some(2), vec![]), false),
        ];
        for (scope, notice, expected) in cases {
            assert_eq!(
                rights(scope).sees(&notice),
                expected,
                "{scope:?} {notice:?}"
            );
        }
    }

    #[test]
    fn a_deleted_conversation_is_seen_by_nobody_and_contacts_need_the_permission() {
        let mut gone = notice(1, None, vec![]);
        gone.display_id = None;
        assert!(!rights(ConversationScope::All).sees(&gone));
        let contact = Notice {
            conversation_id: None,
            inbox_id: None,
            display_id: None,
            ..notice(1, None, vec![])
        };
        assert!(!rights(ConversationScope::All).sees(&contact));
        let manager = Rights {
            contacts: true,
            ..rights(ConversationScope::Nothing)
        };
        assert!(manager.sees(&contact));
    }

    #[test]
    fn a_frame_is_one_named_server_sent_event() {
        let frame = notice(1, None, vec![]).frame();
        assert_eq!(
            std::str::from_utf8(&frame).expect("utf-8"),
            "id: 1\nevent: message_created\ndata: {\"conversation_id\":7,\"kind\":\"message_created\",\"message_id\":5}\n\n"
        );
    }
}
