//! `GET /app/accounts/{account_id}/events`: the signed-in member's live updates as server-sent
//! events. Each event names what happened (`message_created`, `conversation_updated`, ...) and
//! carries ids; pages fetch what they render. Every notice is checked against the member's
//! rights, kept by the stream and reloaded as soon as they change (a member removed from an
//! inbox stops receiving its events at once; one removed from the account loses the stream).
//! Notices that arrive together are written together. A reconnecting browser sends
//! `Last-Event-ID` and gets what it missed (up to 500 events, read in one query; beyond that, a
//! `resync`). Streams end when the server shuts down.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::{Bytes, BytesMut};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio_util::sync::CancellationToken;

use super::session::WebCtx;
use crate::auth::context;
use crate::ids::{AccountId, UserId};
use crate::realtime::{self, HubMessage, Rights};
use crate::roles::Permission;
use crate::state::AppState;

/// Events replayed to a reconnecting browser at most.
const REPLAY_LIMIT: i64 = 500;
/// A stream writes at most this much at once; the rest follows in the next write.
const WRITE_LIMIT: usize = 64 * 1024;
/// How long a stream gathers events after the first of a burst before writing them: one write
/// and one wake-up per stream for a burst, at the cost of this much latency (delivery stays far
/// under the 100 ms budget).
const GATHER: Duration = Duration::from_millis(20);
/// A comment line keeps idle connections open through proxies.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn router() -> Router<AppState> {
    Router::new().route("/app/accounts/{account_id}/events", get(stream_events))
}

/// The member's rights as a stream keeps them; `None` when they are no longer a member, or
/// when the session the stream was opened with is void (the password changed, or the user
/// signed out everywhere: `auth_version` moved on).
async fn load_rights(
    app: &AppState,
    user: UserId,
    auth_version: i32,
    account: AccountId,
) -> Option<Rights> {
    let mut conn = app.db.acquire().await.ok()?;
    let user = crate::accounts::repo::find_user(&mut conn, user)
        .await
        .ok()??;
    if user.auth_version != auth_version {
        return None;
    }
    let ctx = context::resolve(&mut conn, user, account).await.ok()?;
    let inboxes = crate::inboxes::service::member_inbox_ids(&mut conn, account, ctx.user.id)
        .await
        .ok()?;
    Some(Rights {
        user_id: ctx.user.id.0,
        scope: ctx.conversation_scope(),
        inboxes: inboxes.into_iter().collect::<HashSet<_>>(),
        contacts: ctx.can(Permission::ContactManage),
    })
}

fn resync() -> Bytes {
    Bytes::from_static(b"event: resync\ndata: {}\n\n")
}

/// What a reconnecting browser missed since `last`, rendered (a `resync` when it is too much),
/// with the ids the replay covered, so the same notices arriving live are not sent twice.
async fn replay(
    app: &AppState,
    account: AccountId,
    rights: &Rights,
    last: i64,
) -> (Bytes, HashSet<i64>) {
    let missed = match app.db.acquire().await {
        Ok(mut conn) => realtime::missed(&mut conn, account, last, REPLAY_LIMIT + 1)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let covered: HashSet<i64> = missed.iter().map(|n| n.id).collect();
    if missed.len() as i64 > REPLAY_LIMIT {
        return (resync(), covered);
    }
    let mut out = BytesMut::new();
    for notice in missed {
        if rights.sees(&notice) {
            out.extend_from_slice(&notice.frame());
        }
    }
    (out.freeze(), covered)
}

/// One member's stream.
struct Stream {
    app: AppState,
    user: UserId,
    auth_version: i32,
    account: AccountId,
    rights: Rights,
    /// Counts this stream among its user's open ones until it is dropped.
    _slot: realtime::StreamSlot,
    receiver: broadcast::Receiver<HubMessage>,
    backlog: Option<Bytes>,
    /// Notices the replay already covered. Live notices are not filtered by id order: ids come
    /// from a sequence at insert, notifications in commit order, so with concurrent writers a
    /// lower id often arrives after a higher one.
    replayed: HashSet<i64>,
    shutdown: CancellationToken,
    ended: bool,
}

/// What one hub message does to a stream.
enum Step {
    Nothing,
    Write(Bytes),
    Resync,
    End,
}

impl Stream {
    async fn step(&mut self, message: Result<HubMessage, RecvError>) -> Step {
        match message {
            Ok(HubMessage::Notice(live))
                if live.notice.account_id == self.account
                    && !self.replayed.contains(&live.notice.id) =>
            {
                if self.rights.sees(&live.notice) {
                    Step::Write(live.frame.clone())
                } else {
                    Step::Nothing
                }
            }
            Ok(HubMessage::RightsChanged(account)) if account == self.account => {
                match load_rights(&self.app, self.user, self.auth_version, self.account).await {
                    Some(rights) => {
                        self.rights = rights;
                        Step::Nothing
                    }
                    None => Step::End,
                }
            }
            Ok(HubMessage::Notice(_) | HubMessage::RightsChanged(_)) => Step::Nothing,
            Ok(HubMessage::Resync) | Err(RecvError::Lagged(_)) => Step::Resync,
            Err(RecvError::Closed) => Step::End,
        }
    }

    /// The next write: what the first waiting message gives, plus whatever else arrives within
    /// [`GATHER`] of it (so a burst of events is one write and one wake-up of this stream, not
    /// one per event).
    async fn next(&mut self) -> Option<Bytes> {
        if self.ended {
            return None;
        }
        if let Some(backlog) = self.backlog.take().filter(|b| !b.is_empty()) {
            return Some(backlog);
        }
        let mut out = BytesMut::new();
        loop {
            let first = tokio::select! {
                _ = self.shutdown.cancelled() => return None,
                message = self.receiver.recv() => message,
                _ = tokio::time::sleep(KEEP_ALIVE) => return Some(Bytes::from_static(b":\n\n")),
            };
            let step = self.step(first).await;
            if self.take(step, &mut out) {
                self.drain(&mut out).await;
            }
            if out.is_empty() {
                if self.ended {
                    return None;
                }
                continue;
            }
            if !self.ended && out.len() < WRITE_LIMIT {
                tokio::select! {
                    _ = self.shutdown.cancelled() => return Some(out.freeze()),
                    _ = tokio::time::sleep(GATHER) => {}
                }
                self.drain(&mut out).await;
            }
            return Some(out.freeze());
        }
    }

    /// Adds what a step writes to `out`; false when the stream ended.
    fn take(&mut self, step: Step, out: &mut BytesMut) -> bool {
        match step {
            Step::Write(frame) => out.extend_from_slice(&frame),
            Step::Resync => out.extend_from_slice(&resync()),
            Step::End => {
                self.ended = true;
                return false;
            }
            Step::Nothing => {}
        }
        true
    }

    /// Takes every message already waiting, up to [`WRITE_LIMIT`] bytes of output.
    async fn drain(&mut self, out: &mut BytesMut) {
        while out.len() < WRITE_LIMIT {
            let step = match self.receiver.try_recv() {
                Ok(message) => self.step(Ok(message)).await,
                Err(TryRecvError::Lagged(n)) => self.step(Err(RecvError::Lagged(n))).await,
                Err(TryRecvError::Closed) => Step::End,
                Err(TryRecvError::Empty) => return,
            };
            if !self.take(step, out) {
                return;
            }
        }
    }
}

/// `GET /app/accounts/{account_id}/events`. A user holds at most `ATENDE_STREAMS_PER_USER`
/// ([`realtime::STREAMS_PER_USER`]) open streams in this process; one more is a 429.
async fn stream_events(State(app): State<AppState>, web: WebCtx, headers: HeaderMap) -> Response {
    let (user, account) = (web.ctx.user.id, web.ctx.account_id);
    let auth_version = web.ctx.user.auth_version;
    let Some(slot) = app.hub.open_stream(user, app.config.streams_per_user) else {
        tracing::warn!(user.id = %user, "live stream refused: too many open for this user");
        let mut response = axum::http::StatusCode::TOO_MANY_REQUESTS.into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return response;
    };
    // Subscribe before replaying, so nothing falls between the two.
    let receiver = app.hub.subscribe();
    let Some(rights) = load_rights(&app, user, auth_version, account).await else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let (backlog, replayed) = match last {
        Some(last) => replay(&app, account, &rights, last).await,
        None => (Bytes::new(), HashSet::new()),
    };
    let stream = Stream {
        shutdown: app.shutdown.clone(),
        app,
        user,
        auth_version,
        account,
        rights,
        _slot: slot,
        receiver,
        backlog: Some(backlog),
        replayed,
        ended: false,
    };
    let body = futures_util::stream::unfold(stream, |mut stream| async move {
        let bytes = stream.next().await?;
        Some((Ok::<_, Infallible>(bytes), stream))
    });
    let mut response = Body::from_stream(body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
