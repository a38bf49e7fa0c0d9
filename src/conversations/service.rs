//! Conversation use cases. Each one runs in a transaction: it locks the conversation (within the
//! actor's visibility), changes it, writes the activity message, records the domain events and
//! schedules timers, then commits. API handlers, pages, bulk actions and automation rules all call
//! these functions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::model::{Conversation, Counts, Cursor, ListParams, Priority, Status};
use super::repo::{self, ConversationView};
use crate::accounts::agents::{self, Agent};
use crate::auth::context::{AccountCtx, Actor};
use crate::error::{Error, Result};
use crate::events::{self, Changes, EventKind, NewEvent};
use crate::filters::Condition;
use crate::i18n::Locale;
use crate::ids::{AccountId, ContactId, ConversationId, InboxId, TeamId, UserId};
use crate::jobs::{self, Job, JobError, JobSpec};
use crate::messages::service as messages;
use crate::roles::Permission;
use crate::state::AppState;

/// The views of a list page, the counts, and the cursor the next page starts at (when the page
/// is full). A page-number walker continues where its previous page ended (keyset), so page
/// 4,000 costs what page 1 does.
pub async fn list(
    app: &AppState,
    actor: &Actor,
    params: &ListParams,
) -> Result<(Vec<ConversationView>, Counts, Option<Cursor>)> {
    let mut params = params.clone();
    let list = ListParams {
        page: 0,
        cursor: None,
        ..params.clone()
    };
    let list = format!(
        "{}:{}:{list:?}",
        actor.account_id(),
        actor.user_id().map_or(0, |u| u.0)
    );
    let walker = |page: i64| format!("{list}:{page}");
    if params.cursor.is_none() && params.page > 1 {
        params.cursor = app
            .page_cursors
            .get(&walker(params.page))
            .and_then(|c| Cursor::parse(&c));
    }
    let mut conn = app.db.acquire().await?;
    if super::search::text(&params).is_some() {
        let (views, counts) = search(&mut conn, actor, &params, app.clock.now()).await?;
        return Ok((views, counts, None));
    }
    let (conversations, counts) = repo::list(&mut conn, actor, &params, app.clock.now()).await?;
    let next = (conversations.len() as i64 == params.per_page && params.updated_within.is_none())
        .then(|| conversations.last().map(|c| Cursor::after(params.sort, c)))
        .flatten();
    if let Some(next) = &next {
        app.page_cursors
            .put(walker(params.page.max(1) + 1), next.encode());
    }
    Ok((
        repo::views(&mut conn, actor.account_id(), conversations).await?,
        counts,
        next,
    ))
}

/// A page of search results with the message each one matched.
async fn search(
    conn: &mut PgConnection,
    actor: &Actor,
    params: &ListParams,
    now: DateTime<Utc>,
) -> Result<(Vec<ConversationView>, Counts)> {
    let (hits, counts) = super::search::search(&mut *conn, actor, params, now).await?;
    let matched: Vec<i64> = hits
        .iter()
        .filter_map(|h| h.message_id)
        .map(|m| m.0)
        .collect();
    let messages =
        crate::messages::repo::find_many(&mut *conn, actor.account_id(), &matched).await?;
    let mut messages: std::collections::HashMap<
        ConversationId,
        crate::messages::model::MessageView,
    > = crate::messages::repo::views(&mut *conn, actor.account_id(), messages)
        .await?
        .into_iter()
        .map(|v| (v.message.conversation_id, v))
        .collect();
    let conversations = hits.into_iter().map(|h| h.conversation).collect();
    let mut views = repo::views(conn, actor.account_id(), conversations).await?;
    for view in &mut views {
        view.matched_message = messages.remove(&view.conversation.id);
    }
    Ok((views, counts))
}

/// Only the counts of a list (`GET conversations/meta`).
pub async fn counts(app: &AppState, actor: &Actor, params: &ListParams) -> Result<Counts> {
    if super::search::text(params).is_some() {
        let mut conn = app.db.acquire().await?;
        let (_, counts) = super::search::search(&mut conn, actor, params, app.clock.now()).await?;
        return Ok(counts);
    }
    repo::counts(
        &mut *app.db.acquire().await?,
        actor,
        params,
        app.clock.now(),
    )
    .await
}

/// The view of conversation `display_id` if it is on the list `params` describes (any page),
/// `None` when it is not or the actor may not see it. Pages keep a shown list current with it.
pub async fn listed(
    app: &AppState,
    actor: &Actor,
    params: &ListParams,
    display_id: i64,
) -> Result<Option<ConversationView>> {
    let mut conn = app.db.acquire().await?;
    let found = repo::find_listed(&mut conn, actor, params, display_id, app.clock.now()).await?;
    match found {
        Some(c) => Ok(Some(view(&mut conn, actor.account_id(), c).await?)),
        None => Ok(None),
    }
}

/// `POST conversations/filter`.
pub async fn filter(
    app: &AppState,
    actor: &Actor,
    conditions: &[Condition],
    page: i64,
) -> Result<(Vec<ConversationView>, Counts)> {
    let mut conn = app.db.acquire().await?;
    let (conversations, counts) =
        repo::filter(&mut conn, actor, conditions, page, app.clock.now()).await?;
    Ok((
        repo::views(&mut conn, actor.account_id(), conversations).await?,
        counts,
    ))
}

/// The display id of a conversation (by database id) if the actor may see it.
pub async fn visible_display_id(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ConversationId,
) -> Result<Option<i64>> {
    let mut qb =
        sqlx::QueryBuilder::new("select c.display_id from conversations c where c.account_id = ");
    qb.push_bind(actor.account_id().0)
        .push(" and c.id = ")
        .push_bind(id.0);
    repo::push_visibility(&mut qb, actor);
    Ok(qb.build_query_scalar().fetch_optional(conn).await?)
}

/// One conversation the actor may see.
pub async fn get(app: &AppState, actor: &Actor, display_id: i64) -> Result<ConversationView> {
    let mut conn = app.db.acquire().await?;
    let conversation = repo::find_visible(&mut conn, actor, display_id, false).await?;
    view(&mut conn, actor.account_id(), conversation).await
}

/// The view of one conversation.
pub async fn view(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversation: Conversation,
) -> Result<ConversationView> {
    repo::views(conn, account_id, vec![conversation])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// The last 20 conversations of a contact the actor may see (`GET contacts/{id}/conversations`).
pub async fn of_contact(
    app: &AppState,
    actor: &Actor,
    contact: ContactId,
) -> Result<Vec<ConversationView>> {
    actor.require(Permission::ContactManage)?;
    let mut conn = app.db.acquire().await?;
    crate::contacts::service::find(&mut conn, actor.account_id(), contact).await?;
    let mut qb = sqlx::QueryBuilder::new("select c.id from conversations c where c.account_id = ");
    qb.push_bind(actor.account_id().0)
        .push(" and c.contact_id = ")
        .push_bind(contact.0);
    repo::push_visibility(&mut qb, actor);
    qb.push(" order by c.last_activity_at desc limit 20");
    let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await?;
    let conversations = repo::find_many(&mut conn, actor.account_id(), &ids).await?;
    repo::views(&mut conn, actor.account_id(), conversations).await
}

/// Whether the actor may work in an inbox (administrators: all; others: their inboxes).
async fn require_inbox(conn: &mut PgConnection, actor: &Actor, inbox: InboxId) -> Result<()> {
    crate::inboxes::service::get_in(conn, actor, inbox)
        .await
        .map(|_| ())
}

/// Input of [`create`].
#[derive(Clone, Debug, Default)]
pub struct NewConversation {
    /// The contact's id in the inbox (finds the contact inbox, or names a new one).
    pub source_id: Option<String>,
    /// The inbox (with `contact_id`).
    pub inbox_id: Option<InboxId>,
    /// The contact (with `inbox_id`).
    pub contact_id: Option<ContactId>,
    /// Channel attributes.
    pub additional_attributes: Option<Value>,
    /// Account-defined attributes.
    pub custom_attributes: Option<Value>,
    /// Initial status (open by default; resolved for a blocked contact).
    pub status: Option<Status>,
    /// Initial assignee.
    pub assignee_id: Option<UserId>,
    /// Initial team.
    pub team_id: Option<TeamId>,
    /// End of the snooze, for a snoozed start.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// A first outgoing message.
    pub message: Option<String>,
}

/// `POST conversations`: from `inbox_id` + `contact_id` (creating the contact inbox if needed)
/// or from an existing contact inbox's `source_id`. An inbox locked to a single conversation
/// returns the contact's last conversation instead of creating one. Needs what the separate
/// actions need: the inbox, [`Permission::ContactManage`] (the contact is read and shown), and
/// the assignment rights for `assignee_id` (another member) and `team_id`.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id()))]
pub async fn create(
    app: &AppState,
    actor: &Actor,
    input: NewConversation,
) -> Result<ConversationView> {
    let account_id = actor.account_id();
    let now = app.clock.now();
    for (field, value) in [
        ("additional_attributes", &input.additional_attributes),
        ("custom_attributes", &input.custom_attributes),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| !v.is_object() && !v.is_null())
        {
            return Err(Error::invalid(field, "must be an object"));
        }
    }
    // The same rights as the separate actions: reading the contact (the answer shows it),
    // assigning an agent (oneself needs none) and assigning a team.
    actor.require(Permission::ContactManage)?;
    if input.assignee_id.is_some() {
        require_assign(actor, input.assignee_id)?;
    }
    if input.team_id.is_some() {
        require_assign(actor, None)?;
    }
    let mut tx = app.db.begin().await?;
    crate::contacts::service::check_custom_attributes(
        &mut tx,
        account_id,
        "conversation_attribute",
        input.custom_attributes.as_ref(),
    )
    .await?;
    let contact_inbox = match (input.inbox_id, input.contact_id) {
        (Some(inbox), Some(contact)) => {
            require_inbox(&mut tx, actor, inbox)
                .await
                .map_err(|_| Error::invalid("inbox_id", "is invalid"))?;
            crate::contacts::service::find(&mut tx, account_id, contact)
                .await
                .map_err(|_| Error::invalid("contact_id", "is invalid"))?;
            find_or_create_contact_inbox(
                &mut tx,
                account_id,
                contact,
                inbox,
                input.source_id.as_deref(),
                now,
            )
            .await?
        }
        // An existing contact inbox by its `source_id` (in `inbox_id` when given), as Chatwoot
        // clients create conversations for a contact they know only by source id.
        (inbox, None) => {
            let Some(source_id) = input.source_id.as_deref().filter(|s| !s.trim().is_empty())
            else {
                return Err(match inbox {
                    Some(_) => Error::invalid("contact_id", "can't be blank"),
                    None => Error::invalid("source_id", "can't be blank"),
                });
            };
            let row = sqlx::query!(
                "select id, contact_id, inbox_id from contact_inboxes
                 where account_id = $1 and source_id = $2 and ($3::int8 is null or inbox_id = $3)
                 order by id limit 1",
                account_id.0,
                source_id,
                inbox.map(|i| i.0),
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            require_inbox(&mut tx, actor, InboxId(row.inbox_id)).await?;
            (row.id, ContactId(row.contact_id), InboxId(row.inbox_id))
        }
        (None, Some(_)) => return Err(Error::invalid("inbox_id", "can't be blank")),
    };
    let (contact_inbox_id, contact_id, inbox_id) = contact_inbox;
    let assignee = match input.assignee_id {
        Some(user) => Some(
            member(&mut tx, account_id, user)
                .await
                .map_err(|_| Error::invalid("assignee_id", "is invalid"))?
                .user_id,
        ),
        None => None,
    };
    let team = match input.team_id {
        Some(team) => Some(
            team_exists(&mut tx, account_id, team)
                .await
                .map_err(|_| Error::invalid("team_id", "is invalid"))?,
        ),
        None => None,
    };
    let locked = sqlx::query_scalar!(
        "select lock_to_single_conversation from inboxes where account_id = $1 and id = $2",
        account_id.0,
        inbox_id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if locked {
        let existing = sqlx::query_scalar!(
            "select id from conversations where account_id = $1 and contact_inbox_id = $2 order by id desc limit 1",
            account_id.0,
            contact_inbox_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = existing {
            let conversation = repo::find_by_id(&mut tx, account_id, ConversationId(id)).await?;
            tx.commit().await?;
            return get(app, actor, conversation.display_id).await;
        }
    }
    let contact = crate::contacts::service::find(&mut tx, account_id, contact_id).await?;
    let status = if contact.blocked {
        Status::Resolved
    } else {
        input.status.unwrap_or(Status::Open)
    };
    let display_id = repo::next_display_id(&mut tx, account_id).await?;
    let snoozed_until = input.snoozed_until.filter(|_| status == Status::Snoozed);
    let id = sqlx::query_scalar!(
        "insert into conversations (account_id, display_id, inbox_id, contact_id, contact_inbox_id, status, assignee_id,
                                    team_id, snoozed_until, additional_attributes, custom_attributes, waiting_since,
                                    last_activity_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, '{}'::jsonb), coalesce($11, '{}'::jsonb), $12, $12, $12, $12)
         returning id",
        account_id.0,
        display_id,
        inbox_id.0,
        contact_id.0,
        contact_inbox_id,
        status as Status,
        assignee.map(|u| u.0),
        team.map(|t| t.0),
        snoozed_until,
        input.additional_attributes.filter(Value::is_object),
        input.custom_attributes.filter(Value::is_object),
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    let conversation = repo::find_by_id(&mut tx, account_id, ConversationId(id)).await?;
    let event =
        NewEvent::new(EventKind::ConversationCreated).conversation(id, inbox_id.0, contact_id.0);
    events::record(&mut tx, account_id, actor, now, &[event]).await?;
    schedule_snooze(&mut tx, &conversation, now).await?;
    if let Some(content) = input.message.filter(|c| !c.trim().is_empty()) {
        let message = messages::MessageInput {
            content: Some(content),
            ..messages::MessageInput::default()
        };
        messages::create_in(app, &mut tx, actor, conversation, message, now).await?;
    }
    tx.commit().await?;
    tracing::info!(conversation.id = id, display_id, "conversation created");
    get_unscoped(app, actor.account_id(), ConversationId(id)).await
}

/// A conversation view by database id, without visibility (after a change the actor made).
pub async fn get_unscoped(
    app: &AppState,
    account_id: AccountId,
    id: ConversationId,
) -> Result<ConversationView> {
    let mut conn = app.db.acquire().await?;
    let conversation = repo::find_by_id(&mut conn, account_id, id).await?;
    view(&mut conn, account_id, conversation).await
}

async fn find_or_create_contact_inbox(
    conn: &mut PgConnection,
    account_id: AccountId,
    contact: ContactId,
    inbox: InboxId,
    source_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(i64, ContactId, InboxId)> {
    let existing = sqlx::query!(
        "select id, source_id from contact_inboxes where account_id = $1 and contact_id = $2 and inbox_id = $3 order by id",
        account_id.0,
        contact.0,
        inbox.0
    )
    .fetch_all(&mut *conn)
    .await?;
    let found = match source_id.filter(|s| !s.is_empty()) {
        Some(source) => existing.iter().find(|r| r.source_id == source),
        None => existing.first(),
    };
    if let Some(row) = found {
        return Ok((row.id, contact, inbox));
    }
    let source = source_id
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(crate::contacts::service::generate_source_id);
    let ci = crate::contacts::service::insert_contact_inbox(
        conn, account_id, contact, inbox, &source, now,
    )
    .await?;
    Ok((ci.id, contact, inbox))
}

async fn member(conn: &mut PgConnection, account_id: AccountId, user: UserId) -> Result<Agent> {
    agents::find(conn, account_id, user).await
}

async fn team_exists(
    conn: &mut PgConnection,
    account_id: AccountId,
    team: TeamId,
) -> Result<TeamId> {
    sqlx::query_scalar!(
        "select id from teams where account_id = $1 and id = $2",
        account_id.0,
        team.0
    )
    .fetch_optional(conn)
    .await?
    .map(TeamId)
    .ok_or(Error::NotFound)
}

/// Locks the conversation for a change, within the actor's visibility.
pub async fn lock(conn: &mut PgConnection, actor: &Actor, display_id: i64) -> Result<Conversation> {
    repo::find_visible(conn, actor, display_id, true).await
}

/// Writes the mutable columns of a conversation back.
pub async fn save(conn: &mut PgConnection, c: &Conversation, now: DateTime<Utc>) -> Result<()> {
    sqlx::query!(
        "update conversations set status = $3, priority = $4, assignee_id = $5, team_id = $6, snoozed_until = $7,
             labels = $8, custom_attributes = $9, first_reply_created_at = $10, waiting_since = $11,
             last_activity_at = $12, agent_last_seen_at = $13, assignee_last_seen_at = $14, updated_at = $15
         where account_id = $1 and id = $2",
        c.account_id.0,
        c.id.0,
        c.status as Status,
        c.priority as Option<Priority>,
        c.assignee_id.map(|u| u.0),
        c.team_id.map(|t| t.0),
        c.snoozed_until,
        &c.labels,
        c.custom_attributes,
        c.first_reply_created_at,
        c.waiting_since,
        c.last_activity_at,
        c.agent_last_seen_at,
        c.assignee_last_seen_at,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records `conversation_updated` (and the specific events) for changes already saved.
pub async fn record_changes(
    conn: &mut PgConnection,
    actor: &Actor,
    c: &Conversation,
    changes: &Changes,
    now: DateTime<Utc>,
) -> Result<()> {
    let list = change_events(c, changes);
    events::record(conn, actor.account_id(), actor, now, &list).await?;
    Ok(())
}

/// The events of saved changes: `conversation_updated` (Chatwoot sends it only when one of its
/// tracked attributes changed), and the status, assignee and team events.
pub fn change_events(c: &Conversation, changes: &Changes) -> Vec<NewEvent> {
    const TRACKED: [&str; 10] = [
        "status",
        "assignee_id",
        "team_id",
        "snoozed_until",
        "custom_attributes",
        "label_list",
        "waiting_since",
        "first_reply_created_at",
        "priority",
        "additional_attributes",
    ];
    if !TRACKED.iter().any(|name| changes.contains(name)) {
        return Vec::new();
    }
    let base = |kind| NewEvent::new(kind).conversation(c.id.0, c.inbox_id.0, c.contact_id.0);
    let mut list = vec![base(EventKind::ConversationUpdated).changes(changes)];
    if changes.contains("status") {
        let mut only_status = Changes::new();
        if let Some(previous) = changes.previous("status") {
            only_status.track("status", previous, c.status);
        }
        list.push(base(EventKind::ConversationStatusChanged).changes(&only_status));
        match c.status {
            Status::Open => list.push(base(EventKind::ConversationOpened)),
            Status::Resolved => list.push(base(EventKind::ConversationResolved)),
            _ => {}
        }
    }
    if changes.contains("assignee_id") {
        list.push(base(EventKind::AssigneeChanged).changes(changes));
    }
    if changes.contains("team_id") {
        list.push(base(EventKind::TeamChanged).changes(changes));
    }
    list
}

/// Reopens a snoozed conversation when its snooze ends. Idempotent: does nothing if the
/// conversation is no longer snoozed or the snooze moved.
#[derive(Debug, Serialize, Deserialize)]
pub struct EndSnooze {
    /// The account.
    pub account_id: AccountId,
    /// The conversation (database id).
    pub conversation_id: ConversationId,
}

impl Job for EndSnooze {
    const KIND: &'static str = "conversations.end_snooze";

    async fn run(self, app: AppState) -> std::result::Result<(), JobError> {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let locale = account_locale(&mut tx, self.account_id).await?;
        let actor = Actor::System {
            account_id: self.account_id,
            locale,
        };
        let mut c = match repo::find_by_id(&mut tx, self.account_id, self.conversation_id).await {
            Ok(c) => c,
            Err(Error::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let due = c.status == Status::Snoozed && c.snoozed_until.is_some_and(|until| until <= now);
        if !due {
            return Ok(());
        }
        let mut changes = Changes::new();
        set_status(&mut c, Status::Open, None, &mut changes);
        save(&mut tx, &c, now).await?;
        messages::add_activity(&mut tx, &actor, &c, locale.t("activity-snooze-ended"), now).await?;
        record_changes(&mut tx, &actor, &c, &changes, now).await?;
        tx.commit().await?;
        tracing::info!(conversation.id = %c.id, "snooze ended; conversation reopened");
        Ok(())
    }
}

async fn account_locale(conn: &mut PgConnection, account_id: AccountId) -> Result<Locale> {
    let code = sqlx::query_scalar!("select locale from accounts where id = $1", account_id.0)
        .fetch_one(conn)
        .await?;
    Ok(Locale::parse(&code).unwrap_or_default())
}

fn snooze_key(c: &Conversation) -> String {
    format!("conversation:{}:end_snooze", c.id)
}

/// Keeps the snooze timer in step with the conversation: scheduled at `snoozed_until` while
/// snoozed, removed otherwise.
pub async fn schedule_snooze(
    conn: &mut PgConnection,
    c: &Conversation,
    now: DateTime<Utc>,
) -> Result<()> {
    match (c.status, c.snoozed_until) {
        (Status::Snoozed, Some(until)) => {
            let job = EndSnooze {
                account_id: c.account_id,
                conversation_id: c.id,
            };
            let spec = JobSpec {
                account_id: Some(c.account_id),
                ..JobSpec::at(until).keyed(snooze_key(c))
            };
            jobs::enqueue(conn, now, &job, spec).await?;
        }
        _ => {
            jobs::remove_by_key(conn, &snooze_key(c)).await?;
        }
    }
    Ok(())
}

/// Sets the status and the fields that follow it: the snooze end only while snoozed, and
/// `waiting_since` cleared on resolve (the NRT clock stops).
pub fn set_status(
    c: &mut Conversation,
    status: Status,
    snoozed_until: Option<DateTime<Utc>>,
    changes: &mut Changes,
) {
    let until = if status == Status::Snoozed {
        snoozed_until
    } else {
        None
    };
    changes.track("status", c.status, status);
    changes.track("snoozed_until", c.snoozed_until, until);
    c.status = status;
    c.snoozed_until = until;
    if status == Status::Resolved {
        changes.track(
            "waiting_since",
            c.waiting_since,
            Option::<DateTime<Utc>>::None,
        );
        c.waiting_since = None;
    }
}

fn status_activity(actor: &Actor, status: Status, until: Option<DateTime<Utc>>) -> String {
    let tr = actor.locale();
    let name = actor.display_name();
    match (status, until) {
        (Status::Resolved, _) => tr.t1("activity-status-resolved", "name", name),
        (Status::Open, _) => tr.t1("activity-status-open", "name", name),
        (Status::Pending, _) => tr.t1("activity-status-pending", "name", name),
        (Status::Snoozed, Some(until)) => {
            let format = if tr == Locale::PtBr {
                "%d/%m/%Y %H:%M UTC"
            } else {
                "%Y-%m-%d %H:%M UTC"
            };
            tr.t_args(
                "activity-status-snoozed-until",
                &[
                    ("name", name.into()),
                    ("until", until.format(format).to_string().into()),
                ],
            )
        }
        (Status::Snoozed, None) => tr.t1("activity-status-snoozed", "name", name),
    }
}

/// The result of a status change, as `toggle_status` reports it.
#[derive(Clone, Debug)]
pub struct StatusResult {
    /// The conversation's display id.
    pub display_id: i64,
    /// The status now.
    pub status: Status,
    /// The snooze end now.
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// `toggle_status`: to `status`, or without one open→resolved, anything else→open. When an agent
/// opens a conversation, it becomes theirs (as Chatwoot does).
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn toggle_status(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    status: Option<Status>,
    snoozed_until: Option<DateTime<Utc>>,
) -> Result<StatusResult> {
    let now = app.clock.now();
    if status == Some(Status::Snoozed) && snoozed_until.is_some_and(|until| until <= now) {
        return Err(Error::invalid("snoozed_until", "must be in the future"));
    }
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    let target = status.unwrap_or(match c.status {
        Status::Open => Status::Resolved,
        _ => Status::Open,
    });
    let mut changes = Changes::new();
    let previous = c.status;
    set_status(&mut c, target, snoozed_until, &mut changes);
    let mut activities = Vec::new();
    if previous != target || changes.contains("snoozed_until") {
        activities.push(status_activity(actor, target, c.snoozed_until));
    }
    if target == Status::Open
        && actor.is_agent()
        && let Some(user) = actor.user()
        && c.assignee_id != Some(user.id)
    {
        changes.track("assignee_id", c.assignee_id, Some(user.id));
        c.assignee_id = Some(user.id);
        activities.push(
            actor
                .locale()
                .t1("activity-self-assigned", "name", actor.display_name()),
        );
    }
    save(&mut tx, &c, now).await?;
    for text in activities {
        messages::add_activity(&mut tx, actor, &c, text, now).await?;
    }
    record_changes(&mut tx, actor, &c, &changes, now).await?;
    schedule_snooze(&mut tx, &c, now).await?;
    tx.commit().await?;
    Ok(StatusResult {
        display_id: c.display_id,
        status: c.status,
        snoozed_until: c.snoozed_until,
    })
}

/// Sets or clears the priority (`PATCH conversation`, `toggle_priority`).
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn set_priority(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    priority: Option<Priority>,
) -> Result<ConversationView> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    let mut changes = Changes::new();
    changes.track("priority", c.priority, priority);
    if !changes.is_empty() {
        let tr = actor.locale();
        let name = actor.display_name();
        let label = |p: Priority| tr.t(&format!("priority-{}", p.as_str()));
        let text = match (c.priority, priority) {
            (None, Some(new)) => tr.t_args(
                "activity-priority-set",
                &[("name", name.into()), ("priority", label(new).into())],
            ),
            (Some(old), Some(new)) => tr.t_args(
                "activity-priority-changed",
                &[
                    ("name", name.into()),
                    ("from", label(old).into()),
                    ("to", label(new).into()),
                ],
            ),
            _ => tr.t1("activity-priority-removed", "name", name),
        };
        c.priority = priority;
        save(&mut tx, &c, now).await?;
        messages::add_activity(&mut tx, actor, &c, text, now).await?;
        record_changes(&mut tx, actor, &c, &changes, now).await?;
    }
    let view = view(&mut tx, actor.account_id(), c).await?;
    tx.commit().await?;
    Ok(view)
}

/// Assigning somebody else needs `conversation_manage` (the agent default) or `team_manage`;
/// taking a conversation oneself needs only to see it.
fn require_assign(actor: &Actor, assignee: Option<UserId>) -> Result<()> {
    let Actor::Member(ctx) = actor else {
        return Ok(());
    };
    if assignee.is_some() && assignee == Some(ctx.user.id) {
        return Ok(());
    }
    if ctx.can(Permission::ConversationManage) || ctx.can(Permission::TeamManage) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// `assignments` with `assignee_id`: assigns a member of the account, or unassigns (`None`, or
/// an id that is not a member, as Chatwoot). Returns the assignee.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn assign_agent(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    assignee: Option<UserId>,
) -> Result<Option<Agent>> {
    require_assign(actor, assignee)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    let agent = match assignee {
        Some(user) => member(&mut tx, actor.account_id(), user).await.ok(),
        None => None,
    };
    let new = agent.as_ref().map(|a| a.user_id);
    let mut changes = Changes::new();
    changes.track("assignee_id", c.assignee_id, new);
    if !changes.is_empty() {
        let tr = actor.locale();
        let name = actor.display_name();
        let text = match &agent {
            Some(a) if Some(a.user_id) == actor.user_id() => {
                tr.t1("activity-self-assigned", "name", name)
            }
            Some(a) => tr.t_args(
                "activity-assigned",
                &[
                    ("name", name.into()),
                    ("assignee", a.available_name().into()),
                ],
            ),
            None => tr.t1("activity-unassigned", "name", name),
        };
        c.assignee_id = new;
        c.assignee_last_seen_at = None;
        save(&mut tx, &c, now).await?;
        messages::add_activity(&mut tx, actor, &c, text, now).await?;
        record_changes(&mut tx, actor, &c, &changes, now).await?;
    }
    tx.commit().await?;
    Ok(agent)
}

/// `assignments` with `team_id`: assigns a team of the account, or removes the team.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn assign_team(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    team: Option<TeamId>,
) -> Result<Option<repo::TeamInfo>> {
    require_assign(actor, None)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    let info = match team {
        Some(team) => sqlx::query!(
            "select id, name, description, allow_auto_assign from teams where account_id = $1 and id = $2",
            actor.account_id().0,
            team.0
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| repo::TeamInfo { id: TeamId(r.id), name: r.name, description: r.description, allow_auto_assign: r.allow_auto_assign }),
        None => None,
    };
    let new = info.as_ref().map(|t| t.id);
    let mut changes = Changes::new();
    changes.track("team_id", c.team_id, new);
    if !changes.is_empty() {
        let tr = actor.locale();
        let name = actor.display_name();
        let text = match &info {
            Some(t) => tr.t_args(
                "activity-team-assigned",
                &[("name", name.into()), ("team", t.name.clone().into())],
            ),
            None => {
                let old = sqlx::query_scalar!(
                    "select name from teams where account_id = $1 and id = $2",
                    actor.account_id().0,
                    c.team_id.map(|t| t.0)
                )
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or_default();
                tr.t_args(
                    "activity-team-removed",
                    &[("name", name.into()), ("team", old.into())],
                )
            }
        };
        c.team_id = new;
        save(&mut tx, &c, now).await?;
        messages::add_activity(&mut tx, actor, &c, text, now).await?;
        record_changes(&mut tx, actor, &c, &changes, now).await?;
    }
    tx.commit().await?;
    Ok(info)
}

/// Replaces the conversation's labels (Chatwoot has no add/remove endpoint).
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn set_labels(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    labels: &[String],
) -> Result<Vec<String>> {
    let labels = crate::labels::normalize_titles(labels);
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    apply_labels(&mut tx, actor, &mut c, labels, now).await?;
    tx.commit().await?;
    Ok(c.labels)
}

/// Adds and removes labels (automation and macro actions, bulk actions), under the
/// conversation's lock so concurrent changes are not lost. Returns the labels after the change.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn change_labels(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    add: &[String],
    remove: &[String],
) -> Result<Vec<String>> {
    let add = crate::labels::normalize_titles(add);
    let remove = crate::labels::normalize_titles(remove);
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    // Compared as stored from now on, so a label kept with capitals before is matched too.
    let normal = |l: &String| crate::labels::normalize_title(l);
    let mut labels: Vec<String> = c
        .labels
        .iter()
        .filter(|l| !remove.contains(&normal(l)))
        .cloned()
        .collect();
    for label in add {
        if !labels.iter().any(|l| normal(l) == label) {
            labels.push(label);
        }
    }
    apply_labels(&mut tx, actor, &mut c, labels, now).await?;
    tx.commit().await?;
    Ok(c.labels)
}

/// Applies a new label set inside a transaction: activity messages for what was added and
/// removed, `label_added` and `conversation_updated` events.
pub async fn apply_labels(
    conn: &mut PgConnection,
    actor: &Actor,
    c: &mut Conversation,
    labels: Vec<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    // Compared as stored, so a label kept with capitals before is not "removed" and "added"
    // again when the same label arrives normalised.
    let normal = |l: &String| crate::labels::normalize_title(l);
    let added: Vec<String> = labels
        .iter()
        .filter(|l| !c.labels.iter().any(|old| normal(old) == normal(l)))
        .cloned()
        .collect();
    let removed: Vec<String> = c
        .labels
        .iter()
        .filter(|old| !labels.iter().any(|l| normal(l) == normal(old)))
        .cloned()
        .collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let mut changes = Changes::new();
    changes.track("label_list", &c.labels, &labels);
    c.labels = labels;
    save(conn, c, now).await?;
    let tr = actor.locale();
    let name = actor.display_name();
    if !added.is_empty() {
        let text = tr.t_args(
            "activity-labels-added",
            &[
                ("name", name.clone().into()),
                ("labels", added.join(", ").into()),
            ],
        );
        messages::add_activity(conn, actor, c, text, now).await?;
        let event = NewEvent::new(EventKind::LabelAdded)
            .conversation(c.id.0, c.inbox_id.0, c.contact_id.0)
            .data(json!({ "labels": added }));
        events::record(conn, actor.account_id(), actor, now, &[event]).await?;
    }
    if !removed.is_empty() {
        let text = tr.t_args(
            "activity-labels-removed",
            &[("name", name.into()), ("labels", removed.join(", ").into())],
        );
        messages::add_activity(conn, actor, c, text, now).await?;
    }
    record_changes(conn, actor, c, &changes, now).await
}

/// Replaces the conversation's custom attributes.
pub async fn set_custom_attributes(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    attributes: Value,
) -> Result<Value> {
    if !attributes.is_object() {
        return Err(Error::invalid("custom_attributes", "must be an object"));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    crate::contacts::service::check_custom_attributes(
        &mut tx,
        c.account_id,
        "conversation_attribute",
        Some(&attributes),
    )
    .await?;
    let mut changes = Changes::new();
    changes.track("custom_attributes", &c.custom_attributes, &attributes);
    c.custom_attributes = attributes;
    if !changes.is_empty() {
        save(&mut tx, &c, now).await?;
        record_changes(&mut tx, actor, &c, &changes, now).await?;
    }
    tx.commit().await?;
    Ok(c.custom_attributes)
}

/// `mute`: resolves the conversation and blocks its contact; `unmute` unblocks the contact.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), conversation.display_id = display_id))]
pub async fn set_muted(app: &AppState, actor: &Actor, display_id: i64, muted: bool) -> Result<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    let before = crate::contacts::service::find(&mut tx, c.account_id, c.contact_id).await?;
    let mut changes = Changes::new();
    if muted {
        set_status(&mut c, Status::Resolved, None, &mut changes);
        save(&mut tx, &c, now).await?;
    }
    sqlx::query!(
        "update contacts set blocked = $3, updated_at = $4 where account_id = $1 and id = $2",
        c.account_id.0,
        c.contact_id.0,
        muted,
        now
    )
    .execute(&mut *tx)
    .await?;
    let after = crate::contacts::service::find(&mut tx, c.account_id, c.contact_id).await?;
    crate::contacts::service::record_contact_changes(&mut tx, actor, &before, &after, now).await?;
    let key = if muted {
        "activity-muted"
    } else {
        "activity-unmuted"
    };
    messages::add_activity(
        &mut tx,
        actor,
        &c,
        actor.locale().t1(key, "name", actor.display_name()),
        now,
    )
    .await?;
    record_changes(&mut tx, actor, &c, &changes, now).await?;
    schedule_snooze(&mut tx, &c, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a conversation (administrators), with its messages; their files are removed from
/// disk once this commits.
pub async fn delete(app: &AppState, actor: &Actor, display_id: i64) -> Result<()> {
    if let Actor::Member(ctx) = actor
        && !ctx.is_administrator()
    {
        return Err(Error::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let c = lock(&mut tx, actor, display_id).await?;
    jobs::remove_by_key(&mut tx, &snooze_key(&c)).await?;
    sqlx::query!(
        "delete from conversations where account_id = $1 and id = $2",
        c.account_id.0,
        c.id.0
    )
    .execute(&mut *tx)
    .await?;
    crate::storage::schedule_removal(&mut tx, app.clock.now(), c.account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Records that an agent read the conversation (`update_last_seen`); `unread` moves the mark
/// before the last incoming message instead.
pub async fn mark_seen(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    unread: bool,
) -> Result<ConversationView> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut c = lock(&mut tx, actor, display_id).await?;
    let seen = if unread {
        sqlx::query_scalar!(
            "select max(created_at) from messages where account_id = $1 and conversation_id = $2 and message_type = 'incoming'",
            c.account_id.0,
            c.id.0
        )
        .fetch_one(&mut *tx)
        .await?
        .map(|t| t - chrono::Duration::seconds(1))
    } else {
        Some(now)
    };
    c.agent_last_seen_at = seen;
    if c.assignee_id.is_some() && c.assignee_id == actor.user_id() {
        c.assignee_last_seen_at = seen;
    }
    sqlx::query!(
        "update conversations set agent_last_seen_at = $3, assignee_last_seen_at = $4 where account_id = $1 and id = $2",
        c.account_id.0,
        c.id.0,
        c.agent_last_seen_at,
        c.assignee_last_seen_at
    )
    .execute(&mut *tx)
    .await?;
    let view = view(&mut tx, c.account_id, c).await?;
    tx.commit().await?;
    Ok(view)
}

/// The public client API's read receipt: the contact with `source_id` in the API inbox
/// `inbox_identifier` has seen conversation `display_id` (Evolution API sends WhatsApp read
/// receipts this way). Unknown identifiers are a 404.
pub async fn mark_seen_by_contact(
    app: &AppState,
    inbox_identifier: &str,
    source_id: &str,
    display_id: i64,
) -> Result<()> {
    let updated = sqlx::query!(
        "update conversations c set contact_last_seen_at = $4
         from channel_api ch, contact_inboxes ci
         where ch.identifier = $1 and ci.inbox_id = ch.inbox_id and ci.account_id = ch.account_id and ci.source_id = $2
           and c.account_id = ch.account_id and c.contact_inbox_id = ci.id and c.display_id = $3",
        inbox_identifier,
        source_id,
        display_id,
        app.clock.now()
    )
    .execute(&app.db)
    .await?
    .rows_affected();
    if updated == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

/// Members taking part in a conversation.
pub async fn participants(app: &AppState, actor: &Actor, display_id: i64) -> Result<Vec<Agent>> {
    let mut conn = app.db.acquire().await?;
    let c = repo::find_visible(&mut conn, actor, display_id, false).await?;
    participants_of(&mut conn, &c).await
}

async fn participants_of(conn: &mut PgConnection, c: &Conversation) -> Result<Vec<Agent>> {
    let ids = sqlx::query_scalar!(
        "select user_id from conversation_participants where account_id = $1 and conversation_id = $2",
        c.account_id.0,
        c.id.0
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(agents::list_in_account(conn, c.account_id)
        .await?
        .into_iter()
        .filter(|a| ids.contains(&a.user_id.0))
        .collect())
}

/// Adds, replaces or removes participants; ids that are not members of the account are a 422.
pub async fn change_participants(
    app: &AppState,
    actor: &Actor,
    display_id: i64,
    users: &[UserId],
    change: crate::inboxes::service::MemberChange,
) -> Result<Vec<Agent>> {
    use crate::inboxes::service::MemberChange;
    let mut tx = app.db.begin().await?;
    let c = lock(&mut tx, actor, display_id).await?;
    let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    let members = agents::list_in_account(&mut tx, c.account_id).await?;
    if change != MemberChange::Remove
        && ids
            .iter()
            .any(|id| !members.iter().any(|m| m.user_id.0 == *id))
    {
        return Err(Error::invalid(
            "user_ids",
            "contains users who are not members of the account",
        ));
    }
    match change {
        MemberChange::Remove => {
            sqlx::query!(
                "delete from conversation_participants where account_id = $1 and conversation_id = $2 and user_id = any($3)",
                c.account_id.0,
                c.id.0,
                &ids
            )
            .execute(&mut *tx)
            .await?;
        }
        MemberChange::Add | MemberChange::Replace => {
            if change == MemberChange::Replace {
                sqlx::query!(
                    "delete from conversation_participants where account_id = $1 and conversation_id = $2 and not (user_id = any($3))",
                    c.account_id.0,
                    c.id.0,
                    &ids
                )
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query!(
                "insert into conversation_participants (account_id, conversation_id, user_id)
                 select $1, $2, unnest($3::bigint[]) on conflict do nothing",
                c.account_id.0,
                c.id.0,
                &ids
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    let result = participants_of(&mut tx, &c).await?;
    tx.commit().await?;
    Ok(result)
}

/// A bulk action on many conversations, run as a job as the member who asked for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BulkAction {
    /// The account.
    pub account_id: AccountId,
    /// The member who asked.
    pub user_id: UserId,
    /// Display ids.
    pub ids: Vec<i64>,
    /// New status.
    pub status: Option<Status>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<UserId>>,
    /// New team (`Some(None)` removes it).
    pub team_id: Option<Option<TeamId>>,
    /// Labels to add.
    pub add_labels: Vec<String>,
    /// Labels to remove.
    pub remove_labels: Vec<String>,
}

impl Job for BulkAction {
    const KIND: &'static str = "conversations.bulk_action";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, app: AppState) -> std::result::Result<(), JobError> {
        // The member's permissions are checked again now: a role may have changed since.
        let Some(user) =
            crate::accounts::repo::find_user(&mut *app.db.acquire().await?, self.user_id).await?
        else {
            return Ok(());
        };
        let ctx: AccountCtx = match crate::auth::context::resolve(
            &mut *app.db.acquire().await?,
            user,
            self.account_id,
        )
        .await
        {
            Ok(ctx) => ctx,
            Err(Error::Unauthorized(_) | Error::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let actor = Actor::Member(ctx);
        for display_id in &self.ids {
            let result = self.apply(&app, &actor, *display_id).await;
            match result {
                Ok(()) | Err(Error::NotFound | Error::Forbidden) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

impl BulkAction {
    async fn apply(&self, app: &AppState, actor: &Actor, display_id: i64) -> Result<()> {
        if let Some(status) = self.status {
            toggle_status(app, actor, display_id, Some(status), None).await?;
        }
        if let Some(assignee) = self.assignee_id {
            assign_agent(app, actor, display_id, assignee).await?;
        }
        if let Some(team) = self.team_id {
            assign_team(app, actor, display_id, team).await?;
        }
        if !self.add_labels.is_empty() || !self.remove_labels.is_empty() {
            change_labels(
                app,
                actor,
                display_id,
                &self.add_labels,
                &self.remove_labels,
            )
            .await?;
        }
        Ok(())
    }
}

/// Queues a bulk action (`POST bulk_actions`).
pub async fn enqueue_bulk(app: &AppState, ctx: &AccountCtx, mut action: BulkAction) -> Result<()> {
    if action.ids.is_empty() {
        return Err(Error::invalid("ids", "can't be blank"));
    }
    if action.ids.len() > 1000 {
        return Err(Error::invalid(
            "ids",
            "is too long (maximum is 1000 conversations)",
        ));
    }
    action.account_id = ctx.account_id;
    action.user_id = ctx.user.id;
    let mut conn = app.db.acquire().await?;
    let spec = JobSpec {
        account_id: Some(ctx.account_id),
        ..JobSpec::default()
    };
    jobs::enqueue(&mut conn, app.clock.now(), &action, spec).await?;
    Ok(())
}
