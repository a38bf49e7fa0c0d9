//! SQL for conversations: loading with the member's visibility applied, lists with Chatwoot's
//! filters and counts, and the batched loading of what renders a conversation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::model::{
    AssigneeFilter, Conversation, Counts, ListParams, Priority, Status, StatusFilter,
};
use crate::accounts::agents::Agent;
use crate::auth::context::Actor;
use crate::contacts::model::Contact;
use crate::contacts::service::ContactInbox;
use crate::error::{Error, Result};
use crate::filters::{self, Condition, Kind};
use crate::ids::{AccountId, ContactId, ConversationId, InboxId, TeamId, UserId};
use crate::inboxes::model::ChannelType;
use crate::messages::model::Message;
use crate::roles::ConversationScope;

#[derive(sqlx::FromRow)]
struct Row {
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

const COLUMNS: &str = "c.id, c.account_id, c.display_id, c.uuid, c.inbox_id, c.contact_id, c.contact_inbox_id, \
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
    let mut qb = select(COLUMNS, account_id);
    qb.push(" and c.id = any(")
        .push_bind(ids.to_vec())
        .push(")");
    let rows: Vec<Row> = qb.build_query_as().fetch_all(conn).await?;
    let mut by_id: HashMap<i64, Conversation> = rows
        .into_iter()
        .map(|r| (r.id, Conversation::from(r)))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Filters of the list shared by the counts and the page (everything but the assignee filter).
fn push_list_filters(
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
    if let Some(q) = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        qb.push(" and (exists (select 1 from messages m where m.account_id = c.account_id and m.conversation_id = c.id and m.message_type in ('incoming', 'outgoing') and m.content ilike ")
            .push_bind(pattern.clone())
            .push(") or exists (select 1 from contacts ct where ct.account_id = c.account_id and ct.id = c.contact_id and (ct.name ilike ")
            .push_bind(pattern.clone())
            .push(" or ct.email ilike ")
            .push_bind(pattern.clone())
            .push(" or ct.phone_number ilike ")
            .push_bind(pattern)
            .push("))");
        if let Ok(display_id) = q.trim_start_matches('#').parse::<i64>() {
            qb.push(" or c.display_id = ").push_bind(display_id);
        }
        qb.push(")");
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
    if let Some(seconds) = p.updated_within {
        qb.push(" and c.updated_at > ")
            .push_bind(now - chrono::Duration::seconds(seconds.max(0)));
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

fn counts_select(actor: &Actor) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new("select count(*) filter (where c.assignee_id = ");
    qb.push_bind(actor.user_id().map(|u| u.0).unwrap_or(-1))
        .push(") as mine, count(*) filter (where c.assignee_id is null) as unassigned, count(*) as all_count from conversations c where c.account_id = ")
        .push_bind(actor.account_id().0);
    qb
}

async fn fetch_counts(conn: &mut PgConnection, mut qb: QueryBuilder<Postgres>) -> Result<Counts> {
    let (mine, unassigned, all): (i64, i64, i64) = qb.build_query_as().fetch_one(conn).await?;
    Ok(Counts {
        mine,
        unassigned,
        assigned: all - unassigned,
        all,
    })
}

/// A page of conversations and Chatwoot's four counts (computed before the assignee filter).
pub async fn list(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) -> Result<(Vec<Conversation>, Counts)> {
    let mut counts = counts_select(actor);
    push_list_filters(&mut counts, actor, p, now);
    let counts = fetch_counts(&mut *conn, counts).await?;
    let mut page = select(COLUMNS, actor.account_id());
    push_list_filters(&mut page, actor, p, now);
    push_assignee(&mut page, p.assignee, actor.user_id());
    page.push(p.sort.sql());
    if p.updated_within.is_none() {
        page.push(" limit ")
            .push_bind(p.per_page)
            .push(" offset ")
            .push_bind((p.page.max(1) - 1) * p.per_page);
    }
    let rows: Vec<Row> = page.build_query_as().fetch_all(conn).await?;
    Ok((rows.into_iter().map(Conversation::from).collect(), counts))
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

/// Only the counts of a list.
pub async fn counts(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) -> Result<Counts> {
    let mut qb = counts_select(actor);
    push_list_filters(&mut qb, actor, p, now);
    fetch_counts(conn, qb).await
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
    let mut counts = counts_select(actor);
    build(&mut counts)?;
    let counts = fetch_counts(&mut *conn, counts).await?;
    let mut qb = select(COLUMNS, actor.account_id());
    build(&mut qb)?;
    qb.push(" order by c.last_activity_at desc, c.id desc limit 25 offset ")
        .push_bind((page.max(1) - 1) * 25);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(conn).await?;
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
}

/// Loads the views of conversations in a few batched queries, keeping their order.
pub async fn views(
    conn: &mut PgConnection,
    account_id: AccountId,
    conversations: Vec<Conversation>,
) -> Result<Vec<ConversationView>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = conversations.iter().map(|c| c.id.0).collect();
    let contact_ids: Vec<i64> = conversations.iter().map(|c| c.contact_id.0).collect();
    let contacts: HashMap<i64, Contact> =
        crate::contacts::service::find_many(conn, account_id, &contact_ids)
            .await?
            .into_iter()
            .map(|c| (c.id.0, c))
            .collect();
    let contact_inboxes: HashMap<i64, ContactInbox> =
        crate::contacts::service::contact_inboxes(conn, account_id, &contact_ids)
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
    let agents: HashMap<i64, Agent> = if conversations.iter().any(|c| c.assignee_id.is_some()) {
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
    let teams: HashMap<i64, TeamInfo> = sqlx::query!(
        "select id, name, description, allow_auto_assign from teams where account_id = $1 and id = any($2)",
        account_id.0,
        &team_ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, TeamInfo { id: TeamId(r.id), name: r.name, description: r.description, allow_auto_assign: r.allow_auto_assign }))
    .collect();
    let (last_any, last_non_activity) =
        crate::messages::repo::last_messages(conn, account_id, &ids).await?;
    let mut to_render: Vec<Message> = last_any.values().cloned().collect();
    to_render.extend(last_non_activity.values().cloned());
    let rendered: HashMap<i64, crate::messages::model::MessageView> =
        crate::messages::repo::views(conn, account_id, to_render)
            .await?
            .into_iter()
            .map(|v| (v.message.id.0, v))
            .collect();
    let unread: HashMap<i64, i64> = sqlx::query!(
        r#"select c.id, (select count(*) from (select 1 from messages m
                          where m.account_id = c.account_id and m.conversation_id = c.id and m.message_type = 'incoming'
                            and (c.agent_last_seen_at is null or m.created_at > c.agent_last_seen_at)
                          limit 10) recent) as "unread!"
           from conversations c where c.account_id = $1 and c.id = any($2)"#,
        account_id.0,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, r.unread))
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
        let last_message = last_any
            .get(&conversation.id.0)
            .and_then(|m| rendered.get(&m.id.0))
            .cloned();
        let last_non_activity_message = last_non_activity
            .get(&conversation.id.0)
            .and_then(|m| rendered.get(&m.id.0))
            .cloned();
        out.push(ConversationView {
            contact_inbox: contact_inboxes.get(&conversation.contact_inbox_id).cloned(),
            assignee: conversation
                .assignee_id
                .and_then(|u| agents.get(&u.0).cloned()),
            team: conversation.team_id.and_then(|t| teams.get(&t.0).cloned()),
            unread_count: unread.get(&conversation.id.0).copied().unwrap_or(0),
            contact,
            channel_type,
            inbox_name,
            last_message,
            last_non_activity_message,
            conversation,
        });
    }
    Ok(out)
}
