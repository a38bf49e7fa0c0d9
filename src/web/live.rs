//! `GET /app/accounts/{account_id}/events`: the signed-in member's live updates as server-sent
//! events. Each event names what happened (`message_created`, `conversation_updated`, ...) and
//! carries ids; pages fetch what they render. Every notice is checked against the member's
//! current rights before it is sent (a member removed from an inbox stops receiving its events
//! at once). A reconnecting browser sends `Last-Event-ID` and gets what it missed (up to 500
//! events; beyond that, a `resync`). Streams end when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use super::session::WebCtx;
use crate::auth::context::{self, Actor};
use crate::events::EventKind;
use crate::ids::{AccountId, ConversationId, UserId};
use crate::realtime::{HubMessage, Notice};
use crate::roles::Permission;
use crate::state::AppState;

/// Events replayed to a reconnecting browser at most.
const REPLAY_LIMIT: i64 = 500;

pub fn router() -> Router<AppState> {
    Router::new().route("/app/accounts/{account_id}/events", get(stream_events))
}

/// Renders a notice for one member, or `None` if they may not see it. The member's rights are
/// read again for every notice.
async fn render(
    app: &AppState,
    user: UserId,
    account: AccountId,
    notice: &Notice,
) -> Option<SseEvent> {
    let mut conn = app.db.acquire().await.ok()?;
    let user = crate::accounts::repo::find_user(&mut conn, user)
        .await
        .ok()??;
    let ctx = context::resolve(&mut conn, user, account).await.ok()?;
    let data = match (notice.conversation_id, notice.contact_id) {
        (Some(conversation), _) => {
            let actor = Actor::Member(ctx);
            let display_id = crate::conversations::service::visible_display_id(
                &mut conn,
                &actor,
                ConversationId(conversation),
            )
            .await
            .ok()??;
            json!({ "kind": notice.kind, "conversation_id": display_id, "message_id": notice.message_id })
        }
        (None, Some(contact)) if ctx.can(Permission::ContactManage) => {
            json!({ "kind": notice.kind, "contact_id": contact })
        }
        _ => return None,
    };
    Some(
        SseEvent::default()
            .id(notice.id.to_string())
            .event(notice.kind.as_str())
            .data(data.to_string()),
    )
}

fn resync() -> SseEvent {
    SseEvent::default().event("resync").data("{}")
}

/// What a reconnecting browser missed since `last`, rendered; a `resync` when it is too much.
async fn replay(
    app: &AppState,
    user: UserId,
    account: AccountId,
    last: i64,
) -> (VecDeque<SseEvent>, i64) {
    let rows = sqlx::query!(
        r#"select id, kind as "kind: EventKind", conversation_id, message_id, contact_id, inbox_id
           from events where account_id = $1 and id > $2 order by id limit $3"#,
        account.0,
        last,
        REPLAY_LIMIT + 1
    )
    .fetch_all(&app.db)
    .await
    .unwrap_or_default();
    let mut out = VecDeque::new();
    if rows.len() as i64 > REPLAY_LIMIT {
        out.push_back(resync());
        let newest = rows.last().map(|r| r.id).unwrap_or(last);
        return (out, newest);
    }
    let mut newest = last;
    for r in rows {
        newest = r.id;
        let notice = Notice {
            id: r.id,
            account_id: account,
            kind: r.kind,
            conversation_id: r.conversation_id,
            message_id: r.message_id,
            contact_id: r.contact_id,
            inbox_id: r.inbox_id,
        };
        if let Some(event) = render(app, user, account, &notice).await {
            out.push_back(event);
        }
    }
    (out, newest)
}

struct Live {
    app: AppState,
    user: UserId,
    account: AccountId,
    receiver: broadcast::Receiver<HubMessage>,
    backlog: VecDeque<SseEvent>,
    last_sent: i64,
    shutdown: CancellationToken,
}

fn live_stream(live: Live) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures_util::stream::unfold(live, |mut live| async move {
        loop {
            if let Some(event) = live.backlog.pop_front() {
                return Some((Ok(event), live));
            }
            let message = tokio::select! {
                _ = live.shutdown.cancelled() => return None,
                message = live.receiver.recv() => message,
            };
            match message {
                Ok(HubMessage::Notice(notice))
                    if notice.account_id == live.account && notice.id > live.last_sent =>
                {
                    if let Some(event) = render(&live.app, live.user, live.account, &notice).await {
                        live.last_sent = notice.id;
                        return Some((Ok(event), live));
                    }
                }
                Ok(HubMessage::Notice(_)) => {}
                Ok(HubMessage::Resync) | Err(RecvError::Lagged(_)) => {
                    return Some((Ok(resync()), live));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

/// `GET /app/accounts/{account_id}/events`.
async fn stream_events(
    State(app): State<AppState>,
    web: WebCtx,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let (user, account) = (web.ctx.user.id, web.ctx.account_id);
    // Subscribe before replaying, so nothing falls between the two.
    let receiver = app.hub.subscribe();
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let (backlog, last_sent) = match last {
        Some(last) => replay(&app, user, account, last).await,
        None => (VecDeque::new(), 0),
    };
    let live = Live {
        shutdown: app.shutdown.clone(),
        app,
        user,
        account,
        receiver,
        backlog,
        last_sent,
    };
    Sse::new(live_stream(live)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
