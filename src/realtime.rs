//! Live updates. Every process runs one Postgres listener on [`crate::events::NOTIFY_CHANNEL`]
//! and fans notices out to its connected browsers through a broadcast channel; each stream then
//! checks, per notice, whether its user may see the subject (account, inbox membership, role)
//! before sending anything. Notices carry ids only. When the listener loses its connection,
//! whatever was notified meanwhile is gone, so streams get a `resync` and pages reload their
//! data.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::events::{EventKind, NOTIFY_CHANNEL};
use crate::ids::AccountId;

/// What a notice says (ids only).
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
}

/// What the hub broadcasts.
#[derive(Clone, Debug)]
pub enum HubMessage {
    /// A change happened.
    Notice(Arc<Notice>),
    /// Notices may have been lost; reload.
    Resync,
}

/// The process's fan-out point.
#[derive(Clone, Debug)]
pub struct Hub {
    sender: broadcast::Sender<HubMessage>,
}

impl Default for Hub {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(4096);
        Hub { sender }
    }
}

impl Hub {
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
        listener.listen(NOTIFY_CHANNEL).await?;
        tracing::info!("realtime listener started");
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                notification = listener.try_recv() => match notification? {
                    Some(n) => match serde_json::from_str::<Notice>(n.payload()) {
                        Ok(notice) => {
                            // No receivers is fine: nobody is watching.
                            let _ = self.sender.send(HubMessage::Notice(Arc::new(notice)));
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
