//! Conversation types: status, priority, list parameters and sort orders.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::ids::{AccountId, ContactId, ConversationId, InboxId, TeamId, UserId};
use crate::text_enum;

text_enum! {
    /// Where a conversation stands.
    pub enum Status {
        /// Waiting for the team.
        Open = "open",
        /// Done.
        Resolved = "resolved",
        /// Waiting (for a bot, a third party).
        Pending = "pending",
        /// Put aside until a time or the next customer message.
        Snoozed = "snoozed",
    }
}

text_enum! {
    /// Urgency.
    pub enum Priority {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
        /// Urgent.
        Urgent = "urgent",
    }
}

impl Priority {
    /// Sort rank: urgent highest.
    pub fn rank(self) -> i32 {
        match self {
            Priority::Low => 1,
            Priority::Medium => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }
}

/// A conversation row.
#[derive(Clone, Debug)]
pub struct Conversation {
    /// Database id.
    pub id: ConversationId,
    /// The account.
    pub account_id: AccountId,
    /// Per-account number users and the API see.
    pub display_id: i64,
    /// Public uuid.
    pub uuid: uuid::Uuid,
    /// The inbox.
    pub inbox_id: InboxId,
    /// The customer.
    pub contact_id: ContactId,
    /// The customer's presence in the inbox.
    pub contact_inbox_id: i64,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Option<Priority>,
    /// Assigned agent.
    pub assignee_id: Option<UserId>,
    /// Assigned team.
    pub team_id: Option<TeamId>,
    /// End of the snooze.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Labels.
    pub labels: Vec<String>,
    /// Channel-supplied attributes (browser, referer, mail subject...).
    pub additional_attributes: Value,
    /// Account-defined attributes.
    pub custom_attributes: Value,
    /// The first human reply.
    pub first_reply_created_at: Option<DateTime<Utc>>,
    /// Since when the customer waits for an answer (the NRT clock).
    pub waiting_since: Option<DateTime<Utc>>,
    /// Last message time.
    pub last_activity_at: DateTime<Utc>,
    /// Last time an agent looked.
    pub agent_last_seen_at: Option<DateTime<Utc>>,
    /// Last time the assignee looked.
    pub assignee_last_seen_at: Option<DateTime<Utc>>,
    /// Last time the contact looked.
    pub contact_last_seen_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Which conversations a list shows by status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    /// One status.
    Only(Status),
    /// Every status.
    All,
}

/// Which conversations a list shows by assignee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AssigneeFilter {
    /// Assigned to the caller.
    Me,
    /// Nobody assigned.
    Unassigned,
    /// Somebody assigned.
    Assigned,
    /// Any.
    #[default]
    All,
}

impl AssigneeFilter {
    /// Chatwoot's `assignee_type`; anything unknown means all.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("me") => AssigneeFilter::Me,
            Some("unassigned") => AssigneeFilter::Unassigned,
            Some("assigned") => AssigneeFilter::Assigned,
            _ => AssigneeFilter::All,
        }
    }
}

/// List orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    /// Latest activity first (the default).
    #[default]
    LastActivityDesc,
    /// Oldest activity first.
    LastActivityAsc,
    /// Newest first.
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Most urgent first.
    PriorityDesc,
    /// Least urgent first.
    PriorityAsc,
    /// Waiting longest first.
    WaitingSinceAsc,
    /// Waiting shortest first.
    WaitingSinceDesc,
}

impl Sort {
    /// Chatwoot's `sort_by` values, legacy names included; unknown means the default.
    pub fn parse(value: Option<&str>) -> Self {
        match value.unwrap_or_default() {
            "last_activity_at_asc" => Sort::LastActivityAsc,
            "created_at_desc" => Sort::CreatedAtDesc,
            "created_at_asc" | "sort_on_created_at" => Sort::CreatedAtAsc,
            "priority_desc" | "sort_on_priority" => Sort::PriorityDesc,
            "priority_asc" => Sort::PriorityAsc,
            "waiting_since_asc" | "sort_on_waiting_since" => Sort::WaitingSinceAsc,
            "waiting_since_desc" => Sort::WaitingSinceDesc,
            _ => Sort::LastActivityDesc,
        }
    }

    /// Every order, in the order pages offer them.
    pub const ALL: [Sort; 8] = [
        Sort::LastActivityDesc,
        Sort::CreatedAtDesc,
        Sort::CreatedAtAsc,
        Sort::PriorityDesc,
        Sort::WaitingSinceAsc,
        Sort::LastActivityAsc,
        Sort::PriorityAsc,
        Sort::WaitingSinceDesc,
    ];

    /// The `sort_by` value that [`Sort::parse`] reads back.
    pub fn param(self) -> &'static str {
        match self {
            Sort::LastActivityDesc => "last_activity_at_desc",
            Sort::LastActivityAsc => "last_activity_at_asc",
            Sort::CreatedAtDesc => "created_at_desc",
            Sort::CreatedAtAsc => "created_at_asc",
            Sort::PriorityDesc => "priority_desc",
            Sort::PriorityAsc => "priority_asc",
            Sort::WaitingSinceAsc => "waiting_since_asc",
            Sort::WaitingSinceDesc => "waiting_since_desc",
        }
    }

    /// A key whose descending (byte) order is this order, the same as [`Sort::sql`]'s: a page
    /// that shows a list places a changed conversation by comparing keys instead of reloading.
    pub fn key(self, c: &Conversation) -> String {
        fn up(n: i64) -> String {
            format!("{:020}", n.max(0))
        }
        fn down(n: i64) -> String {
            format!("{:020}", i64::MAX - n.max(0))
        }
        let rank = c.priority.map_or(0, |p| p.rank() as i64);
        let activity = c.last_activity_at.timestamp_micros();
        let created = c.created_at.timestamp_micros();
        let id = c.id.0;
        let waiting = |descending: bool| match c.waiting_since {
            Some(t) if descending => format!("1{}", up(t.timestamp_micros())),
            Some(t) => format!("1{}", down(t.timestamp_micros())),
            None => format!("0{}", up(0)),
        };
        match self {
            Sort::LastActivityDesc => format!("{}{}", up(activity), up(id)),
            Sort::LastActivityAsc => format!("{}{}", down(activity), down(id)),
            Sort::CreatedAtDesc => format!("{}{}", up(created), up(id)),
            Sort::CreatedAtAsc => format!("{}{}", down(created), down(id)),
            Sort::PriorityDesc => format!("{}{}{}", rank, up(activity), up(id)),
            Sort::PriorityAsc => format!("{}{}{}", 9 - rank, up(activity), up(id)),
            Sort::WaitingSinceAsc => format!("{}{}", waiting(false), down(id)),
            Sort::WaitingSinceDesc => format!("{}{}", waiting(true), up(id)),
        }
    }

    /// The `order by` clause (trusted SQL).
    pub fn sql(self) -> &'static str {
        match self {
            Sort::LastActivityDesc => " order by c.last_activity_at desc, c.id desc",
            Sort::LastActivityAsc => " order by c.last_activity_at asc, c.id asc",
            Sort::CreatedAtDesc => " order by c.created_at desc, c.id desc",
            Sort::CreatedAtAsc => " order by c.created_at asc, c.id asc",
            Sort::PriorityDesc => {
                " order by (case c.priority when 'urgent' then 4 when 'high' then 3 when 'medium' then 2 \
                 when 'low' then 1 else 0 end) desc, c.last_activity_at desc, c.id desc"
            }
            Sort::PriorityAsc => {
                " order by (case c.priority when 'urgent' then 4 when 'high' then 3 when 'medium' then 2 \
                 when 'low' then 1 else 0 end) asc, c.last_activity_at desc, c.id desc"
            }
            Sort::WaitingSinceAsc => " order by c.waiting_since asc nulls last, c.id asc",
            Sort::WaitingSinceDesc => " order by c.waiting_since desc nulls last, c.id desc",
        }
    }
}

/// Where a page of a list ends: the sort values of its last conversation. The next page starts
/// after it (keyset pagination), so a deep page costs what the first one does. Travels as an
/// opaque string (`meta.next_cursor`, `cursor=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The order the cursor belongs to.
    pub sort: Sort,
    /// Priority rank (0 = none).
    pub rank: i32,
    /// Last activity.
    pub activity: DateTime<Utc>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Waiting since.
    pub waiting: Option<DateTime<Utc>>,
    /// Database id (breaks ties).
    pub id: i64,
}

impl Cursor {
    /// The cursor just after `c` in order `sort`.
    pub fn after(sort: Sort, c: &Conversation) -> Self {
        Cursor {
            sort,
            rank: c.priority.map_or(0, Priority::rank),
            activity: c.last_activity_at,
            created: c.created_at,
            waiting: c.waiting_since,
            id: c.id.0,
        }
    }

    /// The opaque form: `<sort>.<rank>.<activity µs>.<created µs>.<waiting µs or ->.<id>`.
    pub fn encode(&self) -> String {
        let waiting = self
            .waiting
            .map_or_else(|| "-".to_owned(), |w| w.timestamp_micros().to_string());
        format!(
            "{}.{}.{}.{}.{}.{}",
            self.sort.param(),
            self.rank,
            self.activity.timestamp_micros(),
            self.created.timestamp_micros(),
            waiting,
            self.id
        )
    }

    /// Reads [`Cursor::encode`]'s form; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let [sort, rank, activity, created, waiting, id] = parts.as_slice() else {
            return None;
        };
        let sort = Sort::ALL.into_iter().find(|s| s.param() == *sort)?;
        let time = |t: &str| {
            t.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
        };
        Some(Cursor {
            sort,
            rank: rank.parse().ok().filter(|r| (0..=4).contains(r))?,
            activity: time(activity)?,
            created: time(created)?,
            waiting: match *waiting {
                "-" => None,
                w => Some(time(w)?),
            },
            id: id.parse().ok()?,
        })
    }
}

/// Parameters of `GET conversations` (and the inbox page).
#[derive(Clone, Debug)]
pub struct ListParams {
    /// Status filter (ignored when `q` is set, as Chatwoot).
    pub status: StatusFilter,
    /// Assignee filter (applied after the counts).
    pub assignee: AssigneeFilter,
    /// Only this inbox.
    pub inbox_id: Option<InboxId>,
    /// Only this team.
    pub team_id: Option<TeamId>,
    /// Any of these labels.
    pub labels: Vec<String>,
    /// Only this priority (the inbox page's filter).
    pub priority: Option<Priority>,
    /// Search text.
    pub q: Option<String>,
    /// 1-based page.
    pub page: i64,
    /// Order.
    pub sort: Sort,
    /// `participating` or `unattended`.
    pub conversation_type: Option<String>,
    /// Only the conversation of this contact `source_id`.
    pub source_id: Option<String>,
    /// Only conversations updated in the last N seconds (disables paging).
    pub updated_within: Option<i64>,
    /// Page size.
    pub per_page: i64,
    /// Continue after this cursor instead of counting pages.
    pub cursor: Option<Cursor>,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            status: StatusFilter::Only(Status::Open),
            assignee: AssigneeFilter::All,
            inbox_id: None,
            team_id: None,
            labels: Vec::new(),
            priority: None,
            q: None,
            page: 1,
            sort: Sort::default(),
            conversation_type: None,
            source_id: None,
            updated_within: None,
            per_page: 25,
            cursor: None,
        }
    }
}

/// Chatwoot's four list counts, computed before the assignee filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Assigned to the caller.
    pub mine: i64,
    /// Assigned to somebody.
    pub assigned: i64,
    /// Assigned to nobody.
    pub unassigned: i64,
    /// All.
    pub all: i64,
    /// The filters went beyond what the kept counts answer (labels, priority, search text,
    /// conditions) and counting stopped before the end (at [`COUNT_CAP`] matches, or after
    /// [`COUNT_SCAN`] conversations): the counts are lower bounds, "at least that many".
    pub capped: bool,
}

/// Where counts of arbitrary filters stop.
pub const COUNT_CAP: i64 = 1000;
/// How many conversations a count of arbitrary filters looks at, at most (per count: all, the
/// caller's, nobody's).
pub const COUNT_SCAN: i64 = 5000;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn conversation(
        id: i64,
        minute: u32,
        priority: Option<Priority>,
        waiting: Option<u32>,
    ) -> Conversation {
        let at = |m: u32| {
            Utc.with_ymd_and_hms(2026, 3, 1, 12, m, 0)
                .single()
                .expect("time")
        };
        Conversation {
            id: ConversationId(id),
            account_id: AccountId(1),
            display_id: id,
            uuid: uuid::Uuid::nil(),
            inbox_id: InboxId(1),
            contact_id: ContactId(id),
            contact_inbox_id: id,
            status: Status::Open,
            priority,
            assignee_id: None,
            team_id: None,
            snoozed_until: None,
            labels: Vec::new(),
            additional_attributes: json!({}),
            custom_attributes: json!({}),
            first_reply_created_at: None,
            waiting_since: waiting.map(at),
            last_activity_at: at(minute),
            agent_last_seen_at: None,
            assignee_last_seen_at: None,
            contact_last_seen_at: None,
            created_at: at(60 - minute.min(59) - 1),
            updated_at: at(minute),
        }
    }

    /// Ids in the order of descending keys.
    fn ordered(sort: Sort, list: &[Conversation]) -> Vec<i64> {
        let mut keyed: Vec<(String, i64)> = list.iter().map(|c| (sort.key(c), c.id.0)).collect();
        keyed.sort_by(|a, b| b.0.cmp(&a.0));
        keyed.into_iter().map(|(_, id)| id).collect()
    }

    #[test]
    fn every_sort_reads_back_its_own_parameter() {
        for sort in Sort::ALL {
            assert_eq!(Sort::parse(Some(sort.param())), sort);
        }
    }

    #[test]
    fn keys_order_conversations_as_the_sql_does() {
        let list = [
            conversation(1, 10, Some(Priority::Low), Some(5)),
            conversation(2, 30, None, None),
            conversation(3, 20, Some(Priority::Urgent), Some(1)),
            conversation(4, 20, Some(Priority::Low), Some(9)),
        ];
        assert_eq!(ordered(Sort::LastActivityDesc, &list), [2, 4, 3, 1]);
        assert_eq!(ordered(Sort::LastActivityAsc, &list), [1, 3, 4, 2]);
        // created_at runs against activity in the fixture.
        assert_eq!(ordered(Sort::CreatedAtDesc, &list), [1, 4, 3, 2]);
        assert_eq!(ordered(Sort::CreatedAtAsc, &list), [2, 3, 4, 1]);
        assert_eq!(ordered(Sort::PriorityDesc, &list), [3, 4, 1, 2]);
        assert_eq!(ordered(Sort::PriorityAsc, &list), [2, 4, 1, 3]);
        // Nobody waiting goes last both ways.
        assert_eq!(ordered(Sort::WaitingSinceAsc, &list), [3, 1, 4, 2]);
        assert_eq!(ordered(Sort::WaitingSinceDesc, &list), [4, 1, 3, 2]);
    }
}
