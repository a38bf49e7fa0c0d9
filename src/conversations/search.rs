//! Conversation search: message text through full-text search (`atende_pt`: Portuguese stems,
//! accents folded, so `nao` finds `não` and `pedidos` finds `pedido`), contacts by name, e-mail,
//! phone or identifier through trigrams, and `#123` by number. Every part is an index lookup,
//! limited to the newest [`MATCH_LIMIT`] hits of each kind, so a search costs about the same at
//! a thousand conversations as at a million. Results rank a number match first, then contact
//! matches, then message matches by text relevance; ties go to the latest activity. Contact
//! hits are the conversations of the contacts who wrote last (a common name matches thousands
//! of contacts: only the first few hundred are followed to their conversations). The
//! member's visibility and the list's other filters apply inside each lookup.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::model::{AssigneeFilter, Conversation, Counts, ListParams};
use super::repo::{find_many, push_list_filters};
use crate::auth::context::Actor;
use crate::error::Result;
use crate::ids::MessageId;

/// Hits of each kind (messages, contacts) a search considers, newest first.
pub const MATCH_LIMIT: i64 = 250;

/// The longest search text used.
const MAX_TEXT: usize = 200;

/// The search text of a list, when it searches.
pub fn text(p: &ListParams) -> Option<&str> {
    let q = p.q.as_deref()?.trim();
    if q.is_empty() {
        return None;
    }
    Some(match q.char_indices().nth(MAX_TEXT) {
        Some((end, _)) => &q[..end],
        None => q,
    })
}

/// A conversation found, with the message that matched (when a message did).
#[derive(Clone, Debug)]
pub struct Hit {
    /// The conversation.
    pub conversation: Conversation,
    /// The best-matching message.
    pub message_id: Option<MessageId>,
}

/// The pattern contacts are matched with (`%…%` over their folded search text), or `None` when
/// the text is too short for the trigram index (messages and numbers still match).
fn contact_pattern(q: &str) -> Option<String> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_like = digits.len() >= 6
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let text = if phone_like { digits } else { q.to_owned() };
    (text.chars().count() >= 3).then(|| {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    })
}

/// The conversation number `q` names (`123` or `#123`).
fn number(q: &str) -> Option<i64> {
    q.trim_start_matches('#').parse::<i64>().ok()
}

/// Keeps only conversations `q` finds (one conversation at a time: what a page needs to know
/// whether a changed conversation is still on a search's list).
pub(super) fn push_matches(qb: &mut QueryBuilder<Postgres>, q: &str) {
    qb.push(" and (exists (select 1 from messages m where m.account_id = c.account_id and m.conversation_id = c.id \
              and m.message_type in ('incoming', 'outgoing') and m.search @@ websearch_to_tsquery('atende_pt', ")
        .push_bind(q.to_owned())
        .push("))");
    if let Some(pattern) = contact_pattern(q) {
        qb.push(" or exists (select 1 from contacts ct where ct.account_id = c.account_id and ct.id = c.contact_id and ct.search like atende_fold(")
            .push_bind(pattern)
            .push("))");
    }
    if let Some(n) = number(q) {
        qb.push(" or c.display_id = ").push_bind(n);
    }
    qb.push(")");
}

/// The conversations `p.q` finds within the list's filters (its status excepted, as Chatwoot)
/// and the member's visibility: a page of them, best first, and the counts of all the hits.
pub async fn search(
    conn: &mut PgConnection,
    actor: &Actor,
    p: &ListParams,
    now: DateTime<Utc>,
) -> Result<(Vec<Hit>, Counts)> {
    let Some(q) = text(p) else {
        return Ok((Vec::new(), Counts::default()));
    };
    // The list's filters but the text itself (matched below, through the indexes).
    let filters = ListParams {
        q: None,
        status: super::model::StatusFilter::All,
        ..p.clone()
    };
    let scoped = |qb: &mut QueryBuilder<Postgres>| {
        push_list_filters(qb, actor, &filters, now);
    };
    let account = actor.account_id().0;
    let mut qb = QueryBuilder::new("with q as (select websearch_to_tsquery('atende_pt', ");
    qb.push_bind(q.to_owned())
        .push(") as tsq), found_messages as (select m.conversation_id, m.id, ts_rank(m.search, q.tsq) as rank \
               from q, messages m join conversations c on c.account_id = m.account_id and c.id = m.conversation_id \
               where m.account_id = ")
        .push_bind(account)
        .push(" and m.message_type in ('incoming', 'outgoing') and m.search @@ q.tsq");
    scoped(&mut qb);
    qb.push(" order by m.id desc limit ")
        .push_bind(MATCH_LIMIT)
        // Contacts newest first (by their last message), each followed to its conversations:
        // a common name matches thousands of contacts, and only the conversations of the
        // first few hundred are read.
        .push("), matched_contacts as (select ct.id, ct.last_activity_at from contacts ct where ct.account_id = ")
        .push_bind(account);
    match contact_pattern(q) {
        Some(pattern) => {
            qb.push(" and ct.search like atende_fold(")
                .push_bind(pattern)
                .push(")");
        }
        None => {
            qb.push(" and false");
        }
    }
    qb.push(
        " order by ct.last_activity_at desc nulls last, ct.id desc), \
         found_contacts as (select c.id as conversation_id from matched_contacts ct \
         cross join lateral (select c.id from conversations c where c.account_id = ",
    )
    .push_bind(account)
    .push(" and c.contact_id = ct.id");
    scoped(&mut qb);
    qb.push(") c order by ct.last_activity_at desc nulls last, ct.id desc limit ")
        .push_bind(MATCH_LIMIT)
        .push("), found_number as (select c.id as conversation_id from conversations c where c.account_id = ")
        .push_bind(account)
        .push(" and c.display_id = ")
        .push_bind(number(q).unwrap_or(-1));
    scoped(&mut qb);
    qb.push(
        "), hits as (select conversation_id, rank, id as message_id from found_messages \
         union all select conversation_id, 2, null from found_contacts \
         union all select conversation_id, 3, null from found_number) \
         select h.conversation_id, \
                (array_agg(h.message_id order by h.rank desc, h.message_id desc) filter (where h.message_id is not null))[1], \
                (select count(*) from found_messages) >= ",
    )
    .push_bind(MATCH_LIMIT)
    .push(" or (select count(*) from found_contacts) >= ")
    .push_bind(MATCH_LIMIT)
    .push(" from hits h join conversations c on c.account_id = ")
    .push_bind(account)
    .push(" and c.id = h.conversation_id group by h.conversation_id, c.last_activity_at \
           order by max(h.rank) desc, c.last_activity_at desc, h.conversation_id desc");
    // How selective the words and the contact pattern are decides the plan.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    crate::db::custom_plans(&mut tx).await?;
    let rows: Vec<(i64, Option<i64>, bool)> = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let capped = rows.first().is_some_and(|r| r.2);
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let found = find_many(&mut *conn, actor.account_id(), &ids).await?;
    let message_of: std::collections::HashMap<i64, Option<i64>> =
        rows.iter().map(|r| (r.0, r.1)).collect();
    let me = actor.user_id();
    let counts = Counts {
        mine: found
            .iter()
            .filter(|c| me.is_some() && c.assignee_id == me)
            .count() as i64,
        unassigned: found.iter().filter(|c| c.assignee_id.is_none()).count() as i64,
        assigned: found.iter().filter(|c| c.assignee_id.is_some()).count() as i64,
        all: found.len() as i64,
        capped,
    };
    let offset = ((p.page.max(1) - 1) * p.per_page) as usize;
    let hits = found
        .into_iter()
        .filter(|c| match p.assignee {
            AssigneeFilter::Me => me.is_some() && c.assignee_id == me,
            AssigneeFilter::Unassigned => c.assignee_id.is_none(),
            AssigneeFilter::Assigned => c.assignee_id.is_some(),
            AssigneeFilter::All => true,
        })
        .skip(offset)
        .take(p.per_page.max(0) as usize)
        .map(|conversation| Hit {
            message_id: message_of
                .get(&conversation.id.0)
                .copied()
                .flatten()
                .map(MessageId),
            conversation,
        })
        .collect();
    Ok((hits, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_matched_by_their_digits_and_short_text_not_at_all() {
        assert_eq!(
            contact_pattern("(11) 98888-7777").as_deref(),
            Some("%11988887777%")
        );
        assert_eq!(contact_pattern("ana").as_deref(), Some("%ana%"));
        assert_eq!(contact_pattern("50%_off").as_deref(), Some("%50\\%\\_off%"));
        assert_eq!(contact_pattern("jo"), None);
        assert_eq!(number("#123"), Some(123));
        assert_eq!(number("pedido 999"), None);
    }

    #[test]
    fn search_text_is_trimmed_and_bounded() {
        let params = |q: &str| ListParams {
            q: Some(q.to_owned()),
            ..ListParams::default()
        };
        assert_eq!(text(&params("  ")), None);
        assert_eq!(text(&params(" não ")), Some("não"));
        let long = "é".repeat(500);
        assert_eq!(text(&params(&long)).map(|t| t.chars().count()), Some(200));
    }
}
