//! SQL for conversations: loading with the member's visibility applied, lists with Chatwoot's
//! filters and counts, and the batched loading of what renders a conversation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::model::{
    AssigneeFilter, COUNT_CAP, COUNT_SCAN, Conversation, Counts, Cursor, ListParams, Priority,
    Sort, Status, StatusFilter,
};
use crate::accounts::agents::Agent;
use crate::auth::context::Actor;
use crate::contacts::model::Contact;
use crate::contacts::service::ContactInbox;
use crate::error::{Error, Result};
use crate::filters::{self, Condition, Kind};
use crate::ids::{AccountId, ContactId, ConversationId, InboxId, TeamId, UserId};
use crate::inboxes::model::ChannelType;
use crate::messages::model::{Message, MessageView, Sender};
use crate::roles::ConversationScope;

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: i64,
    account_id: i64,
    display_id: i64,
    uuid: uuid::Uuid,
    inbox_id: i64,
    contact_id: i64,
    contact_inbox_id: i64,
    status: Status,
    priority: Option<Priority>,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    snoozed_until: Option<DateTime<Utc>>,
    labels: Vec<String>,
    additional_attributes: Value,
    custom_attributes: Value,
    first_reply_created_at: Option<DateTime<Utc>>,
    waiting_since: Option<DateTime<Utc>>,
    last_activity_at: DateTime<Utc>,
    agent_last_seen_at: Option<DateTime<Utc>>,
    assignee_last_seen_at: Option<DateTime<Utc>>,
    contact_last_seen_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Conversation {
    fn from(r: Row) -> Self {
        Conversation {
            id: ConversationId(r.id),
            account_id: AccountId(r.account_id),
            display_id: r.display_id,
            uuid: r.uuid,
            inbox_id: InboxId(r.inbox_id),
            contact_id: ContactId(r.contact_id),
            contact_inbox_id: r.contact_inbox_id,
            status: r.status,
            priority: r.priority,
            assignee_id: r.assignee_id.map(UserId),
            team_id: r.team_id.map(TeamId),
            snoozed_until: r.snoozed_until,
            labels: r.labels,
            additional_attributes: r.additional_attributes,
            custom_attributes: r.custom_attributes,
            first_reply_created_at: r.first_reply_created_at,
            waiting_since: r.waiting_since,
            last_activity_at: r.last_activity_at,
            agent_last_seen_at: r.agent_last_seen_at,
            assignee_last_seen_at: r.assignee_last_seen_at,
            contact_last_seen_at: r.contact_last_seen_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(super) const COLUMNS: &str = "c.id, c.account_id, c.display_id, c.uuid, c.inbox_id, c.contact_id, c.contact_inbox_id, \
    c.status, c.priority, c.assignee_id, c.team_id, c.snoozed_until, c.labels, c.additional_attributes, \
    c.custom_attributes, c.first_reply_created_at, c.waiting_since, c.last_activity_at, c.agent_last_seen_at, \
    c.assignee_last_seen_at, c.contact_last_seen_at, c.created_at, c.updated_at";

fn select(columns: &str, account_id: AccountId) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new(format!(
        "select {columns} from conversations c where c.account_id = "
    ));
    qb.push_bind(account_id.0);
    qb
}

/// Appends the actor's visibility: administrators see everything; members see the
/// conversations of their inboxes, or only unassigned and their own, or only their own (and
/// those they participate in), as their permissions say.
pub fn push_visibility(qb: &mut QueryBuilder<Postgres>, actor: &Actor) {
    let (Some(user), account) = (actor.user_id(), actor.account_id()) else {
        return;
    };
    let member_inboxes = |qb: &mut QueryBuilder<Postgres>| {
        qb.push(
            " and c.inbox_id in (select im.inbox_id from inbox_members im where im.account_id = ",
        )
        .push_bind(account.0)
        .push(" and im.user_id = ")
        .push_bind(user.0)
        .push(")");
    };
    match actor.conversation_scope() {
        ConversationScope::All => {}
        ConversationScope::MemberInboxes => member_inboxes(qb),
        ConversationScope::UnassignedAndMine => {
            member_inboxes(qb);
            qb.push(" and (c.assignee_id is null or c.assignee_id = ")
                .push_bind(user.0)
                .push(")");
        }
        ConversationScope::Mine => {
            qb.push(" and (c.assignee_id = ")
                .push_bind(user.0)
                .push(" or exists (select 1 from conversation_participants p where p.account_id = c.account_id and p.conversation_id = c.id and p.user_id = ")
                .push_bind(user.0)
                .push("))");
        }
        ConversationScope::Nothing => {
            qb.push(" and false");
        }
    }
}

/// The conversation with this display id, if the actor may see it; `lock` takes a row lock for
/// the rest of the transaction.
pub async fn find_visible(
    conn: &mut PgConnection,
    actor: &Actor,
    display_id: i64,
    lock: bool,
) -> Result<Conversation> {
    let mut qb = select(COLUMNS, actor.account_id());
    qb.push(" and c.display_id = ").push_bind(display_id);
    push_visibility(&mut qb, actor);
    if lock {
        qb.push(" for update of c");
    }
    let row: Row = qb
        .build_query_as()
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(row.into())
}

/// What writing a message needs, read with the conversation's row lock in one query: the
/// conversation (within the actor's visibility), its inbox's channel, and its contact.
pub async fn lock_for_message(
    conn: &mut PgConnection,
    actor: &Actor,
    display_id: i64,
) -> Result<(Conversation, ChannelType, Contact)> {
    #[derive(sqlx::FromRow)]
    struct Target {
        #[sqlx(flatten)]
        row: Row,
        channel_type: ChannelType,
        contact: Value,
    }
    let mut qb = QueryBuilder::new(format!(
        "select {COLUMNS}, i.channel_type, to_jsonb(ct) as contact from conversations c \
         join inboxes i on i.account_id = c.account_id and i.id = c.inbox_id \
         join contacts ct on ct.account_id = c.account_id and ct.id = c.contact_id \
         where c.account_id = "
    ));
    qb.push_bind(actor.account_id().0)
        .push(" and c.display_id = ")
        .push_bind(display_id);
    push_visibility(&mut qb, actor);
    qb.push(" for update of c");
    let target: Target = qb
        .build_query_as()
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound)?;
    let contact = crate::contacts::service::from_row_json(target.contact)?;
    Ok((target.row.into(), target.channel_type, contact))
}

/// The channel and the contact of a conversation the caller has locked.
pub async fn message_context(
    conn: &mut PgConnection,
    c: &Conversation,
) -> Result<(ChannelType, Contact)> {
    let row = sqlx::query!(
        r#"select i.channel_type as "channel_type: ChannelType", to_jsonb(ct) as "contact!"
           from inboxes i, contacts ct
           where i.account_id = $1 and i.id = $2 and ct.account_id = $1 and ct.id = $3"#,
        c.account_id.0,
        c.inbox_id.0,
        c.contact_id.0
    )
    .fetch_one(conn)
    .await?;
    Ok((
        row.channel_type,
        crate::contacts::service::from_row_json(row.contact)?,
    ))
}

/// A conversation by database id, without visibility (jobs).
pub async fn find_by_id(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: ConversationId,
) -> Result<Conversation> {
    let mut qb = select(COLUMNS, account_id);
    qb.push(" and c.id = ").push_bind(id.0);
    let row: Row = qb
        .build_query_as()
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(row.into())
}

/// Conversations by database id, in the given order.
pub async fn find_many(
    conn: &mut PgConnection,
    account_id: AccountId,
    ids: &[i64],
) -> Result<Vec<Conversation>> {
    // One index lookup per id, whatever the statistics say.
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from unnest("));
    qb.push_bind(ids.to_vec())
        .push("::int8[]) as k(id) cross join lateral (select * from conversations c where c.account_id = ")
        .push_bind(account_id.0)
        .push(" and c.id = k.id) c");
    let rows: Vec<Row> = qb.build_query_as().fetch_all(conn).await?;
    let mut by_id: HashMap<i64, Conversation> = rows
        .into_iter()
        .map(|r| (r.id, Conversation::from(r)))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Filters of the list shared by the counts and the page (everything but the assignee filter).
pub(super) fn push_list_filters(
    qb: &mut QueryBuilder<Postgres>,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) {
    push_visibility(qb, actor);
    let searching = p.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    if let (StatusFilter::Only(status), false) = (p.status, searching) {
        qb.push(" and c.status = ").push_bind(status.as_str());
    }
    if let Some(inbox) = p.inbox_id {
        qb.push(" and c.inbox_id = ").push_bind(inbox.0);
    }
    if let Some(team) = p.team_id {
        qb.push(" and c.team_id = ").push_bind(team.0);
    }
    if !p.labels.is_empty() {
        qb.push(" and c.labels && ")
            .push_bind(p.labels.clone())
            .push("::text[]");
    }
    if let Some(priority) = p.priority {
        qb.push(" and c.priority = ").push_bind(priority.as_str());
    }
    if let Some(q) = super::search::text(p) {
        super::search::push_matches(qb, q);
    }
    match (p.conversation_type.as_deref(), actor.user_id()) {
        (Some("participating"), Some(user)) => {
            qb.push(" and exists (select 1 from conversation_participants p where p.account_id = c.account_id and p.conversation_id = c.id and p.user_id = ")
                .push_bind(user.0)
                .push(")");
        }
        (Some("unattended"), _) => {
            qb.push(" and (c.first_reply_created_at is null or c.waiting_since is not null)");
        }
        _ => {}
    }
    if let Some(source_id) = &p.source_id {
        qb.push(" and c.contact_inbox_id in (select ci.id from contact_inboxes ci where ci.account_id = c.account_id and ci.source_id = ")
            .push_bind(source_id.clone())
            .push(")");
    }
    // A window reaching back before 1970 (or past the calendar's range) is every conversation,
    // and PostgreSQL's timestamps would not hold its start.
    if let Some(since) = p
        .updated_within
        .and_then(|seconds| chrono::Duration::try_seconds(seconds.max(0)))
        .and_then(|span| now.checked_sub_signed(span))
        .filter(|since| *since > DateTime::UNIX_EPOCH)
    {
        qb.push(" and c.updated_at > ").push_bind(since);
    }
}

fn push_assignee(qb: &mut QueryBuilder<Postgres>, filter: AssigneeFilter, me: Option<UserId>) {
    match filter {
        AssigneeFilter::Me => {
            qb.push(" and c.assignee_id = ")
                .push_bind(me.map(|u| u.0).unwrap_or(-1));
        }
        AssigneeFilter::Unassigned => {
            qb.push(" and c.assignee_id is null");
        }
        AssigneeFilter::Assigned => {
            qb.push(" and c.assignee_id is not null");
        }
        AssigneeFilter::All => {}
    }
}

/// Whether the kept counts (`conversation_counts`: per inbox, status, assignee and team)
/// answer the list's counts exactly.
fn counted_exactly(p: &ListParams) -> bool {
    p.labels.is_empty() && counted_but_labels(p)
}

/// The label whose kept counts (`conversation_label_counts`) answer a list's counts exactly:
/// the list's only filter beyond the counted ones is that one label.
fn counted_label(p: &ListParams) -> Option<&str> {
    match p.labels.as_slice() {
        [label] if counted_but_labels(p) => Some(label.as_str()),
        _ => None,
    }
}

fn counted_but_labels(p: &ListParams) -> bool {
    p.priority.is_none()
        && p.q.as_deref().is_none_or(|q| q.trim().is_empty())
        && p.conversation_type.is_none()
        && p.source_id.is_none()
        && p.updated_within.is_none()
}

/// The inboxes of the acting member when their scope is limited to them; `None` when it is not.
async fn scope_inboxes(conn: &mut PgConnection, actor: &Actor) -> Result<Option<Vec<i64>>> {
    let limited = matches!(
        actor.conversation_scope(),
        ConversationScope::MemberInboxes | ConversationScope::UnassignedAndMine
    );
    match actor.user_id() {
        Some(user) if limited => Ok(Some(
            sqlx::query_scalar!(
                "select inbox_id from inbox_members where account_id = $1 and user_id = $2 order by inbox_id",
                actor.account_id().0,
                user.0
            )
            .fetch_all(conn)
            .await?,
        )),
        _ => Ok(None),
    }
}

/// The four counts of a list, before the assignee filter (Chatwoot's rule). From the kept
/// counts when the filters are the counted ones (status, inbox, team), whatever the account's
/// size; otherwise bounded: up to [`COUNT_CAP`] matches among at most [`COUNT_SCAN`]
/// conversations per count.
pub async fn counts(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) -> Result<Counts> {
    if actor.conversation_scope() == ConversationScope::Nothing {
        return Ok(Counts::default());
    }
    let label = counted_label(p);
    if !counted_exactly(p) && label.is_none() {
        return bounded_counts(conn, actor, |qb| {
            push_list_filters(qb, actor, p, now);
            Ok(())
        })
        .await;
    }
    let me = actor.user_id().map_or(-1, |u| u.0);
    let inboxes = scope_inboxes(&mut *conn, actor).await?;
    let mut qb = QueryBuilder::new("select coalesce(sum(n) filter (where assignee_id = ");
    qb.push_bind(me).push(
        "), 0)::int8, coalesce(sum(n) filter (where assignee_id = 0), 0)::int8, coalesce(sum(n), 0)::int8 from ",
    );
    match label {
        Some(label) => {
            qb.push("conversation_label_counts where label = ")
                .push_bind(label.to_owned())
                .push(" and account_id = ");
        }
        None => {
            qb.push("conversation_counts where account_id = ");
        }
    }
    qb.push_bind(actor.account_id().0);
    if let StatusFilter::Only(status) = p.status {
        qb.push(" and status = ").push_bind(status.as_str());
    }
    if let Some(inbox) = p.inbox_id {
        qb.push(" and inbox_id = ").push_bind(inbox.0);
    }
    if let Some(inboxes) = &inboxes {
        qb.push(" and inbox_id = any(")
            .push_bind(inboxes.clone())
            .push(")");
    }
    if let Some(team) = p.team_id {
        qb.push(" and team_id = ").push_bind(team.0);
    }
    match actor.conversation_scope() {
        ConversationScope::UnassignedAndMine => {
            qb.push(" and assignee_id = any(")
                .push_bind(vec![0, me])
                .push(")");
        }
        ConversationScope::Mine => {
            qb.push(" and assignee_id = ").push_bind(me);
        }
        _ => {}
    }
    let (mine, unassigned, all): (i64, i64, i64) =
        qb.build_query_as().fetch_one(&mut *conn).await?;
    let mut counts = Counts {
        mine,
        unassigned,
        assigned: all - unassigned,
        all,
        capped: false,
    };
    if actor.conversation_scope() == ConversationScope::Mine {
        // Conversations they take part in without being the assignee: as many as they joined.
        let mut qb = QueryBuilder::new(
            "select count(*) filter (where c.assignee_id is null), count(*) from conversation_participants p \
             join conversations c on c.account_id = p.account_id and c.id = p.conversation_id where p.account_id = ",
        );
        qb.push_bind(actor.account_id().0)
            .push(" and p.user_id = ")
            .push_bind(me)
            .push(" and c.assignee_id is distinct from ")
            .push_bind(me);
        if let StatusFilter::Only(status) = p.status {
            qb.push(" and c.status = ").push_bind(status.as_str());
        }
        if let Some(inbox) = p.inbox_id {
            qb.push(" and c.inbox_id = ").push_bind(inbox.0);
        }
        if let Some(team) = p.team_id {
            qb.push(" and c.team_id = ").push_bind(team.0);
        }
        if let Some(label) = label {
            qb.push(" and c.labels @> array[")
                .push_bind(label.to_owned())
                .push("]");
        }
        let (unassigned, others): (i64, i64) = qb.build_query_as().fetch_one(conn).await?;
        counts.unassigned = unassigned;
        counts.all += others;
        counts.assigned = counts.all - counts.unassigned;
    }
    Ok(counts)
}

/// Counts of an arbitrary filter (`push` appends ` and <condition>`s over the alias `c`), each
/// stopping at [`COUNT_CAP`] matches or after [`COUNT_SCAN`] conversations.
async fn bounded_counts(
    conn: &mut PgConnection,
    actor: &Actor,
    push: impl Fn(&mut QueryBuilder<Postgres>) -> Result<()>,
) -> Result<Counts> {
    let me = actor.user_id().map_or(-1, |u| u.0);
    let mut found = [0i64; 3];
    let mut open_ended = false;
    for (i, slot) in found.iter_mut().enumerate() {
        // The work is bounded as well as the answer: each count looks at no more than
        // COUNT_SCAN of the account's conversations (of the caller's, of nobody's), so a
        // condition that few of them meet cannot make it read the whole account. When it
        // stopped before the end, the count is a lower bound.
        let mut qb = QueryBuilder::new("select count(*) filter (where true");
        push(&mut qb)?;
        qb.push("), count(*) from (select * from conversations c where c.account_id = ")
            .push_bind(actor.account_id().0);
        match i {
            0 => {}
            1 => {
                qb.push(" and c.assignee_id = ").push_bind(me);
            }
            _ => {
                qb.push(" and c.assignee_id is null");
            }
        }
        qb.push(" limit ").push_bind(COUNT_SCAN).push(") c");
        let (matched, looked_at): (i64, i64) = qb.build_query_as().fetch_one(&mut *conn).await?;
        *slot = matched;
        open_ended |= looked_at >= COUNT_SCAN || matched > COUNT_CAP;
        if i == 0 && matched == 0 && looked_at < COUNT_SCAN {
            break;
        }
    }
    let [all, mine, unassigned] = found.map(|n| n.min(COUNT_CAP));
    Ok(Counts {
        mine,
        unassigned,
        assigned: (all - unassigned).max(0),
        all,
        capped: open_ended,
    })
}

/// A page of conversations and Chatwoot's four counts (computed before the assignee filter);
/// searches go through [`super::search::search`].
pub async fn list(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) -> Result<(Vec<Conversation>, Counts)> {
    if counted_exactly(p) {
        let counts = counts(&mut *conn, actor, p, now).await?;
        let page = page(conn, actor, p, now).await?;
        return Ok((page, counts));
    }
    // Labels, priority and the like: how many rows they match decides the plan.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    crate::db::custom_plans(&mut tx).await?;
    let counts = counts(&mut tx, actor, p, now).await?;
    let page = page(&mut tx, actor, p, now).await?;
    tx.commit().await?;
    Ok((page, counts))
}

/// How one status's range of a label-restricted list is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LabelRead {
    /// No conversation of the status carries the labels: nothing to read.
    Skip,
    /// In the list's order, keeping the matches: they are common enough that a page is near.
    Walk,
    /// Every match through the `(account_id, status, labels)` index, then the page: they are
    /// rare enough that collecting them costs less than walking to a page of them.
    Collect,
}

/// How to read each status's range when every listed conversation must carry one of
/// `labels`, from the kept label counts (an upper bound of the matches) and the kept
/// conversation counts (the size of the range). Walking reads about `need × range / matches`
/// rows, collecting reads `matches`; the cheaper wins, so no read grows past about
/// `sqrt(need × range)` rows however the label is spread.
async fn label_reads(
    conn: &mut PgConnection,
    account: AccountId,
    labels: &[String],
    need: i64,
) -> Result<HashMap<Status, LabelRead>> {
    let statuses: Vec<String> = Status::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    let rows = sqlx::query!(
        r#"select s.status as "status!",
                coalesce((select sum(l.n) from conversation_label_counts l
                          where l.account_id = $1 and l.label = any($2) and l.status = s.status), 0)::int8 as "matches!",
                coalesce((select sum(k.n) from conversation_counts k
                          where k.account_id = $1 and k.status = s.status), 0)::int8 as "range!"
         from unnest($3::text[]) s (status)"#,
        account.0,
        labels,
        &statuses,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let read = label_read(row.matches, row.range, need);
            Status::parse(&row.status).map(|s| (s, read))
        })
        .collect())
}

fn label_read(matches: i64, range: i64, need: i64) -> LabelRead {
    if matches <= 0 {
        LabelRead::Skip
    } else if matches.saturating_mul(matches) < need.max(1).saturating_mul(range) {
        LabelRead::Collect
    } else {
        LabelRead::Walk
    }
}

/// The strictest of two reads of the same range (both conditions must hold).
fn stricter(a: LabelRead, b: LabelRead) -> LabelRead {
    use LabelRead::*;
    match (a, b) {
        (Skip, _) | (_, Skip) => Skip,
        (Collect, _) | (_, Collect) => Collect,
        _ => Walk,
    }
}

/// Opens one merged branch: the rows of `conversations c` that the caller's `where` continues
/// to select. A collected branch fences the selection (`offset 0`) so that it is planned
/// without the list's order, through the label index, and sorted after.
fn open_branch(qb: &mut QueryBuilder<Postgres>, read: LabelRead) {
    match read {
        LabelRead::Collect => {
            qb.push(format!(
                "(select {COLUMNS} from (select * from conversations c where c.account_id = "
            ));
        }
        _ => {
            qb.push(format!(
                "(select {COLUMNS} from conversations c where c.account_id = "
            ));
        }
    }
}

/// Closes what [`open_branch`] opened, before the branch's order and limit.
fn close_selection(qb: &mut QueryBuilder<Postgres>, read: LabelRead) {
    if read == LabelRead::Collect {
        qb.push(" offset 0) c");
    }
}

/// Which index ranges a page is read from: one per value of the leading columns, each read in
/// the list's order, merged. The first page reads about a page per range, at any account size.
enum Ranges {
    /// `(account_id, status, last_activity_at, id)`.
    Status,
    /// `(account_id, inbox_id, status, ...)`, for these inboxes.
    Inboxes(Vec<i64>),
    /// `(account_id, assignee_id, status, ...)`, for these assignees (`None`: unassigned); plus
    /// the conversations the member takes part in, when `participating`.
    Assignees {
        assignees: Vec<Option<i64>>,
        participating: bool,
    },
}

/// Past this many ranges one plain query is cheaper to plan than the merge.
const MAX_RANGES: usize = 120;

async fn ranges(conn: &mut PgConnection, actor: &Actor, p: &ListParams) -> Result<Ranges> {
    let me = actor.user_id().map(|u| u.0);
    let inboxes = match (scope_inboxes(&mut *conn, actor).await?, p.inbox_id) {
        (Some(mine), Some(inbox)) => Some(mine.into_iter().filter(|i| *i == inbox.0).collect()),
        (Some(mine), None) => Some(mine),
        (None, inbox) => inbox.map(|i| vec![i.0]),
    };
    Ok(match (actor.conversation_scope(), p.assignee) {
        (ConversationScope::Mine, _) => Ranges::Assignees {
            assignees: vec![me],
            participating: true,
        },
        (_, AssigneeFilter::Me) => Ranges::Assignees {
            assignees: vec![me],
            participating: false,
        },
        (_, AssigneeFilter::Unassigned) if inboxes.is_none() => Ranges::Assignees {
            assignees: vec![None],
            participating: false,
        },
        (ConversationScope::UnassignedAndMine, _) => Ranges::Assignees {
            assignees: vec![None, me],
            participating: false,
        },
        (_, _) => match inboxes {
            Some(inboxes) => Ranges::Inboxes(inboxes),
            None => Ranges::Status,
        },
    })
}

/// The page of conversations `p` describes: after `p.cursor` when given, else page `p.page`.
async fn page(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) -> Result<Vec<Conversation>> {
    if actor.conversation_scope() == ConversationScope::Nothing {
        return Ok(Vec::new());
    }
    let push_all = |qb: &mut QueryBuilder<Postgres>| {
        push_list_filters(qb, actor, p, now);
        push_assignee(qb, p.assignee, actor.user_id());
        if let Some(cursor) = &p.cursor {
            push_after(qb, cursor);
        }
    };
    // Every conversation updated lately, unpaged (Chatwoot's `updated_within`).
    if p.updated_within.is_some() {
        let mut qb = select(COLUMNS, actor.account_id());
        push_all(&mut qb);
        qb.push(p.sort.sql());
        let rows: Vec<Row> = qb.build_query_as().fetch_all(conn).await?;
        return Ok(rows.into_iter().map(Conversation::from).collect());
    }
    let offset = match p.cursor {
        Some(_) => 0,
        None => (p.page.max(1) - 1) * p.per_page,
    };
    let statuses: Vec<Status> = match p.status {
        StatusFilter::Only(status) => vec![status],
        StatusFilter::All => Status::ALL.to_vec(),
    };
    // (the branch's condition, its bound value, its status)
    let mut branches: Vec<(String, Option<i64>, Option<Status>)> = Vec::new();
    match ranges(&mut *conn, actor, p).await? {
        Ranges::Status => {
            for status in &statuses {
                branches.push((
                    format!("c.status = '{}'", status.as_str()),
                    None,
                    Some(*status),
                ));
            }
        }
        Ranges::Inboxes(inboxes) => {
            for inbox in inboxes {
                for status in &statuses {
                    branches.push((
                        format!("c.status = '{}' and c.inbox_id = ", status.as_str()),
                        Some(inbox),
                        Some(*status),
                    ));
                }
            }
        }
        Ranges::Assignees {
            assignees,
            participating,
        } => {
            for assignee in assignees {
                for status in &statuses {
                    match assignee {
                        Some(user) => branches.push((
                            format!("c.status = '{}' and c.assignee_id = ", status.as_str()),
                            Some(user),
                            Some(*status),
                        )),
                        None => branches.push((
                            format!("c.status = '{}' and c.assignee_id is null", status.as_str()),
                            None,
                            Some(*status),
                        )),
                    }
                }
            }
            // What they take part in without being the assignee (that is the range above).
            if participating && let Some(me) = actor.user_id() {
                branches.push((
                    format!(
                        "c.assignee_id is distinct from {} and exists (select 1 from conversation_participants pp \
                         where pp.account_id = c.account_id and pp.conversation_id = c.id and pp.user_id = ",
                        me.0
                    ),
                    Some(me.0),
                    None,
                ));
            }
        }
    }
    // Every listed conversation carries one of the labels: statuses without them are skipped,
    // statuses where they are rare are collected through the label index.
    let reads = if p.labels.is_empty() || branches.len() > MAX_RANGES {
        HashMap::new()
    } else {
        label_reads(
            &mut *conn,
            actor.account_id(),
            &p.labels,
            offset + p.per_page,
        )
        .await?
    };
    let read_of = |status: Option<Status>| {
        status
            .and_then(|s| reads.get(&s).copied())
            .unwrap_or(LabelRead::Walk)
    };
    branches.retain(|(_, _, status)| read_of(*status) != LabelRead::Skip);
    let mut qb: QueryBuilder<Postgres>;
    if branches.is_empty() {
        return Ok(Vec::new());
    } else if branches.len() > MAX_RANGES {
        qb = select(COLUMNS, actor.account_id());
        push_all(&mut qb);
    } else {
        qb = QueryBuilder::new(format!("select {COLUMNS} from ("));
        for (i, (branch, bind, status)) in branches.iter().enumerate() {
            if i > 0 {
                qb.push(" union all ");
            }
            let read = read_of(*status);
            open_branch(&mut qb, read);
            qb.push_bind(actor.account_id().0)
                .push(" and ")
                .push(branch);
            if let Some(value) = bind {
                qb.push_bind(*value);
                if branch.contains("exists") {
                    qb.push(")");
                }
            }
            push_all(&mut qb);
            close_selection(&mut qb, read);
            qb.push(p.sort.sql())
                .push(" limit ")
                .push_bind(offset + p.per_page)
                .push(")");
        }
        qb.push(") c");
    }
    qb.push(p.sort.sql())
        .push(" limit ")
        .push_bind(p.per_page)
        .push(" offset ")
        .push_bind(offset);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(Conversation::from).collect())
}

/// Keeps only conversations after `cursor` in its order.
fn push_after(qb: &mut QueryBuilder<Postgres>, cursor: &Cursor) {
    const RANK: &str = "(case c.priority when 'urgent' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end)";
    let id = cursor.id;
    match cursor.sort {
        Sort::LastActivityDesc | Sort::LastActivityAsc => {
            let op = if cursor.sort == Sort::LastActivityDesc {
                "<"
            } else {
                ">"
            };
            qb.push(format!(" and (c.last_activity_at, c.id) {op} ("))
                .push_bind(cursor.activity)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        Sort::CreatedAtDesc | Sort::CreatedAtAsc => {
            let op = if cursor.sort == Sort::CreatedAtDesc {
                "<"
            } else {
                ">"
            };
            qb.push(format!(" and (c.created_at, c.id) {op} ("))
                .push_bind(cursor.created)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        Sort::PriorityDesc | Sort::PriorityAsc => {
            let op = if cursor.sort == Sort::PriorityDesc {
                "<"
            } else {
                ">"
            };
            qb.push(format!(" and ({RANK} {op} "))
                .push_bind(cursor.rank)
                .push(format!(" or ({RANK} = "))
                .push_bind(cursor.rank)
                .push(" and (c.last_activity_at, c.id) < (")
                .push_bind(cursor.activity)
                .push(", ")
                .push_bind(id)
                .push(")))");
        }
        Sort::WaitingSinceAsc | Sort::WaitingSinceDesc => {
            let (op, id_op) = if cursor.sort == Sort::WaitingSinceAsc {
                (">", ">")
            } else {
                ("<", "<")
            };
            match cursor.waiting {
                // Nobody waiting sorts last both ways.
                Some(waiting) => {
                    qb.push(format!(" and (c.waiting_since {op} "))
                        .push_bind(waiting)
                        .push(" or (c.waiting_since = ")
                        .push_bind(waiting)
                        .push(format!(" and c.id {id_op} "))
                        .push_bind(id)
                        .push(") or c.waiting_since is null)");
                }
                None => {
                    qb.push(format!(" and c.waiting_since is null and c.id {id_op} "))
                        .push_bind(id);
                }
            }
        }
    }
}

/// The conversation with `display_id` if it belongs to the list `p` describes (visibility,
/// filters and assignee tab applied, whatever the page): what a page showing that list needs to
/// decide whether a changed conversation stays on it.
pub async fn find_listed(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    display_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Conversation>> {
    let mut qb = select(COLUMNS, actor.account_id());
    qb.push(" and c.display_id = ").push_bind(display_id);
    push_list_filters(&mut qb, actor, p, now);
    push_assignee(&mut qb, p.assignee, actor.user_id());
    let row: Option<Row> = qb.build_query_as().fetch_optional(conn).await?;
    Ok(row.map(Conversation::from))
}

fn push_filter_condition(
    qb: &mut QueryBuilder<Postgres>,
    condition: &Condition,
    custom: &HashMap<String, Kind>,
    now: DateTime<Utc>,
) -> Result<()> {
    use filters::Operator::*;
    let key = condition.attribute.as_str();
    let allowed: &[filters::Operator];
    let (expr, kind): (String, Kind) = match key {
        "status" | "priority" => {
            allowed = &[EqualTo, NotEqualTo];
            (format!("c.{key}"), Kind::Exact)
        }
        "assignee_id" | "inbox_id" | "team_id" => {
            allowed = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
            (format!("c.{key}"), Kind::Integer)
        }
        "campaign_id" => {
            allowed = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
            (
                "(c.additional_attributes->>'campaign_id')".into(),
                Kind::Exact,
            )
        }
        "labels" => {
            allowed = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
            ("c.labels".into(), Kind::TextArray)
        }
        "display_id" => {
            allowed = &[EqualTo, NotEqualTo, Contains, DoesNotContain];
            ("c.display_id".into(), Kind::Integer)
        }
        "browser_language" | "conversation_language" | "country_code" => {
            allowed = &[EqualTo, NotEqualTo];
            (format!("(c.additional_attributes->>'{key}')"), Kind::Text)
        }
        "referer" | "mail_subject" => {
            allowed = &[EqualTo, NotEqualTo, Contains, DoesNotContain];
            (format!("(c.additional_attributes->>'{key}')"), Kind::Text)
        }
        "created_at" | "last_activity_at" => {
            allowed = &[IsGreaterThan, IsLessThan, DaysBefore];
            (format!("c.{key}"), Kind::Date)
        }
        other => match custom.get(other) {
            Some(kind) => {
                allowed = filters::Operator::ALL;
                (
                    crate::contacts::service::custom_expr("c.custom_attributes", other, *kind),
                    *kind,
                )
            }
            None => return Err(filters::invalid_attribute(other)),
        },
    };
    if !allowed.contains(&condition.operator) {
        return Err(filters::invalid_operator(condition));
    }
    if key == "status"
        && condition
            .values
            .iter()
            .any(|v| v != "all" && Status::parse(v).is_none())
    {
        return Err(filters::invalid_value(condition));
    }
    if key == "status" && condition.values.iter().any(|v| v == "all") {
        qb.push("(true)");
        return Ok(());
    }
    filters::push_condition(qb, &expr, kind, condition, now)
}

/// `POST conversations/filter`: the page and the counts (mine, unassigned, all) of the
/// conditions, within the actor's visibility.
pub async fn filter(
    conn: &mut PgConnection,
    actor: &Actor,
    conditions: &[Condition],
    page: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<Conversation>, Counts)> {
    let custom = crate::contacts::service::custom_attribute_types(
        conn,
        actor.account_id(),
        "conversation_attribute",
    )
    .await?;
    let build = |qb: &mut QueryBuilder<Postgres>| -> Result<()> {
        push_visibility(qb, actor);
        filters::push_all(qb, conditions, |qb, c| {
            push_filter_condition(qb, c, &custom, now)
        })
    };
    // Arbitrary conditions: how many rows they match decides the plan.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    crate::db::custom_plans(&mut tx).await?;
    // One label and nothing else: its kept counts, exactly, as the list of that label has.
    let counts = match conditions {
        [only]
            if only.attribute == "labels"
                && only.operator == filters::Operator::EqualTo
                && only.values.len() == 1 =>
        {
            let listed = ListParams {
                status: StatusFilter::All,
                // The filter matches labels by their lowercase titles.
                labels: only.values.iter().map(|v| v.to_lowercase()).collect(),
                ..ListParams::default()
            };
            counts(&mut tx, actor, &listed, now).await?
        }
        _ => bounded_counts(&mut tx, actor, build).await?,
    };
    let offset = (page.max(1) - 1) * 25;
    // Without a status condition, one range per status of the activity index, merged: for a
    // common condition each range stops after a page; for a rare one the planner reads the
    // matches instead.
    let by_status = !conditions.iter().any(|c| c.attribute == "status");
    // With AND joins only, each `labels equal_to` condition must hold: its label counts say
    // which statuses to skip, walk or collect.
    let mut reads: HashMap<Status, LabelRead> = HashMap::new();
    if by_status && conditions.iter().all(|c| c.join != Some(filters::Join::Or)) {
        for condition in conditions
            .iter()
            .filter(|c| c.attribute == "labels" && c.operator == filters::Operator::EqualTo)
        {
            let labels: Vec<String> = condition.values.iter().map(|v| v.to_lowercase()).collect();
            let these = label_reads(&mut tx, actor.account_id(), &labels, offset + 25).await?;
            for (status, read) in these {
                let before = reads.get(&status).copied().unwrap_or(LabelRead::Walk);
                reads.insert(status, stricter(before, read));
            }
        }
    }
    let read_of = |status: Status| reads.get(&status).copied().unwrap_or(LabelRead::Walk);
    let mut qb;
    if by_status {
        let statuses: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| read_of(*s) != LabelRead::Skip)
            .collect();
        if statuses.is_empty() {
            tx.commit().await?;
            return Ok((Vec::new(), counts));
        }
        qb = QueryBuilder::new(format!("select {COLUMNS} from ("));
        for (i, status) in statuses.iter().enumerate() {
            if i > 0 {
                qb.push(" union all ");
            }
            let read = read_of(*status);
            open_branch(&mut qb, read);
            qb.push_bind(actor.account_id().0)
                .push(format!(" and c.status = '{}'", status.as_str()));
            build(&mut qb)?;
            close_selection(&mut qb, read);
            qb.push(" order by c.last_activity_at desc, c.id desc limit ")
                .push_bind(offset + 25)
                .push(")");
        }
        qb.push(") c");
    } else {
        qb = select(COLUMNS, actor.account_id());
        build(&mut qb)?;
    }
    qb.push(" order by c.last_activity_at desc, c.id desc limit 25 offset ")
        .push_bind(offset);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((rows.into_iter().map(Conversation::from).collect(), counts))
}

/// The next display id of an account; the counter row stays locked until the transaction ends,
/// so concurrent creations get distinct, increasing numbers.
pub async fn next_display_id(conn: &mut PgConnection, account_id: AccountId) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "insert into account_sequences (account_id, name, value) values ($1, 'conversation_display_id', 1)
         on conflict (account_id, name) do update set value = account_sequences.value + 1
         returning value",
        account_id.0
    )
    .fetch_one(conn)
    .await?)
}

/// A team as shown on a conversation.
#[derive(Clone, Debug)]
pub struct TeamInfo {
    /// Id.
    pub id: TeamId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Auto-assignment flag.
    pub allow_auto_assign: bool,
}

/// Everything that renders a conversation.
#[derive(Clone, Debug)]
pub struct ConversationView {
    /// The conversation.
    pub conversation: Conversation,
    /// The customer.
    pub contact: Contact,
    /// The customer's presence in the inbox.
    pub contact_inbox: Option<ContactInbox>,
    /// The inbox's channel kind.
    pub channel_type: ChannelType,
    /// The inbox's name.
    pub inbox_name: String,
    /// The assignee.
    pub assignee: Option<Agent>,
    /// The team.
    pub team: Option<TeamInfo>,
    /// The last message of any kind.
    pub last_message: Option<crate::messages::model::MessageView>,
    /// The last message that is not an activity.
    pub last_non_activity_message: Option<crate::messages::model::MessageView>,
    /// Incoming messages after the agents last looked, capped at 10.
    pub unread_count: i64,
    /// The message a search found in it (search results only).
    pub matched_message: Option<crate::messages::model::MessageView>,
}

/// Loads the views of conversations in a few batched queries, keeping their order: contacts,
/// contact inboxes, inboxes, the messages that end each conversation (with the unread counts),
/// their attachments, and — only when some are needed — agents and teams.
pub async fn views(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversations: Vec<Conversation>,
) -> Result<Vec<ConversationView>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let contact_ids: Vec<i64> = conversations.iter().map(|c| c.contact_id.0).collect();
    let contacts: HashMap<i64, Contact> =
        crate::contacts::service::find_many(conn, account_id, &contact_ids)
            .await?
            .into_iter()
            .map(|c| (c.id.0, c))
            .collect();
    let contact_inbox_ids: Vec<i64> = conversations.iter().map(|c| c.contact_inbox_id).collect();
    let contact_inboxes: HashMap<i64, ContactInbox> =
        crate::contacts::service::contact_inboxes_by_id(conn, account_id, &contact_inbox_ids)
            .await?
            .into_iter()
            .map(|ci| (ci.id, ci))
            .collect();
    let inboxes: HashMap<i64, (ChannelType, String)> = sqlx::query!(
        r#"select id, channel_type as "channel_type: ChannelType", name from inboxes where account_id = $1"#,
        account_id.0
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, (r.channel_type, r.name)))
    .collect();
    let ends: Vec<(i64, Option<DateTime<Utc>>)> = conversations
        .iter()
        .map(|c| (c.id.0, c.agent_last_seen_at))
        .collect();
    let tails = crate::messages::repo::tails(conn, account_id, &ends).await?;
    let mut shown: Vec<Message> = tails.last.values().cloned().collect();
    shown.extend(
        tails
            .last_non_activity
            .values()
            .filter(|m| !tails.last.values().any(|l| l.id == m.id))
            .cloned(),
    );
    let shown_ids: Vec<i64> = shown.iter().map(|m| m.id.0).collect();
    let attachments = crate::messages::repo::attachments_of(conn, account_id, &shown_ids).await?;
    let user_sent = shown
        .iter()
        .any(|m| m.sender_type.as_deref() == Some("User"));
    let agents: HashMap<i64, Agent> =
        if user_sent || conversations.iter().any(|c| c.assignee_id.is_some()) {
            crate::accounts::agents::list_in_account(conn, account_id)
                .await?
                .into_iter()
                .map(|a| (a.user_id.0, a))
                .collect()
        } else {
            HashMap::new()
        };
    let team_ids: Vec<i64> = conversations
        .iter()
        .filter_map(|c| c.team_id.map(|t| t.0))
        .collect();
    let teams: HashMap<i64, TeamInfo> = if team_ids.is_empty() {
        HashMap::new()
    } else {
        sqlx::query!(
            "select id, name, description, allow_auto_assign from teams where account_id = $1 and id = any($2)",
            account_id.0,
            &team_ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.id, TeamInfo { id: TeamId(r.id), name: r.name, description: r.description, allow_auto_assign: r.allow_auto_assign }))
        .collect()
    };
    // Senders: agents from the list above; customers are the conversations' contacts (a message
    // from another contact — after a merge — is looked up on its own).
    let users: HashMap<i64, Sender> = agents
        .values()
        .map(|a| {
            (
                a.user_id.0,
                Sender::User {
                    id: a.user_id,
                    name: a.name.clone(),
                    available_name: a.available_name().to_owned(),
                    email: a.email.clone(),
                    availability: a.availability,
                },
            )
        })
        .collect();
    let mut senders: HashMap<i64, Sender> = contacts
        .values()
        .map(|c| (c.id.0, Sender::Contact(Box::new(c.clone()))))
        .collect();
    let strangers: Vec<i64> = shown
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("Contact"))
        .filter_map(|m| m.sender_id)
        .filter(|id| !senders.contains_key(id))
        .collect();
    if !strangers.is_empty() {
        for c in crate::contacts::service::find_many(conn, account_id, &strangers).await? {
            senders.insert(c.id.0, Sender::Contact(Box::new(c)));
        }
    }
    let display_ids: HashMap<i64, i64> = conversations
        .iter()
        .map(|c| (c.id.0, c.display_id))
        .collect();
    let rendered: HashMap<i64, MessageView> =
        crate::messages::repo::assemble(shown, attachments, &users, &senders, &display_ids)
            .into_iter()
            .map(|v| (v.message.id.0, v))
            .collect();
    let mut out = Vec::with_capacity(conversations.len());
    for conversation in conversations {
        let contact = contacts
            .get(&conversation.contact_id.0)
            .cloned()
            .ok_or(Error::NotFound)?;
        let (channel_type, inbox_name) = inboxes
            .get(&conversation.inbox_id.0)
            .cloned()
            .unwrap_or((ChannelType::Api, String::new()));
        let id = conversation.id.0;
        out.push(ConversationView {
            contact_inbox: contact_inboxes.get(&conversation.contact_inbox_id).cloned(),
            assignee: conversation
                .assignee_id
                .and_then(|u| agents.get(&u.0).cloned()),
            team: conversation.team_id.and_then(|t| teams.get(&t.0).cloned()),
            unread_count: tails.unread.get(&id).copied().unwrap_or(0),
            last_message: tails
                .last
                .get(&id)
                .and_then(|m| rendered.get(&m.id.0))
                .cloned(),
            last_non_activity_message: tails
                .last_non_activity
                .get(&id)
                .and_then(|m| rendered.get(&m.id.0))
                .cloned(),
            matched_message: None,
            contact,
            channel_type,
            inbox_name,
            conversation,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_range_is_skipped_walked_or_collected_by_what_each_costs() {
        // Absent from the status: nothing to read.
        assert_eq!(label_read(0, 500_000, 25), LabelRead::Skip);
        // Common (a third of the open ones): a page is about 75 rows away in order.
        assert_eq!(label_read(100_000, 300_000, 25), LabelRead::Walk);
        // Rare (a thousand among half a million): collecting reads 1,000 rows, walking 12,500.
        assert_eq!(label_read(1_000, 500_000, 25), LabelRead::Collect);
        // Deeper pages walk further, so they collect sooner.
        assert_eq!(label_read(5_000, 500_000, 25), LabelRead::Walk);
        assert_eq!(label_read(5_000, 500_000, 100), LabelRead::Collect);
        // A small account collects whatever it has.
        assert_eq!(label_read(3, 10, 25), LabelRead::Collect);
        assert_eq!(label_read(i64::MAX, i64::MAX, i64::MAX), LabelRead::Walk);
    }

    #[test]
    fn the_stricter_read_of_two_label_conditions_wins() {
        use LabelRead::*;
        assert_eq!(stricter(Walk, Skip), Skip);
        assert_eq!(stricter(Collect, Walk), Collect);
        assert_eq!(stricter(Walk, Walk), Walk);
        assert_eq!(stricter(Collect, Skip), Skip);
    }
}
