//! The inbox list's filters as they travel in URLs: the tab (assignee), status, inbox, team,
//! label, priority, sort, search text and page. Unknown or malformed values fall back to the
//! defaults rather than failing, so a hand-edited URL still shows a list.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::conversations::model::{
    AssigneeFilter, Cursor, ListParams, Priority, Sort, Status, StatusFilter,
};
use crate::ids::{InboxId, TeamId};

/// Conversations per page of the list.
pub const PAGE_SIZE: i64 = 25;

/// The list's filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxQuery {
    /// `me`, `unassigned` or `all`.
    pub assignee: String,
    /// A status, or `all`.
    pub status: String,
    /// Only this inbox.
    pub inbox_id: Option<i64>,
    /// Only this team.
    pub team_id: Option<i64>,
    /// Only this label.
    pub label: String,
    /// Only this priority.
    pub priority: String,
    /// Order.
    pub sort: Sort,
    /// Search text.
    pub q: String,
    /// 1-based page.
    pub page: i64,
    /// Where the previous page ended (from the "more" link), so the page starts there.
    pub cursor: String,
}

impl Default for InboxQuery {
    fn default() -> Self {
        InboxQuery {
            assignee: "all".into(),
            status: "open".into(),
            inbox_id: None,
            team_id: None,
            label: String::new(),
            priority: String::new(),
            sort: Sort::default(),
            q: String::new(),
            page: 1,
            cursor: String::new(),
        }
    }
}

impl InboxQuery {
    /// Reads URL pairs; the last value of a repeated key wins, unknown keys are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut query = InboxQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            match key {
                "assignee_type" => {
                    query.assignee = match value {
                        "me" | "unassigned" => value.to_owned(),
                        _ => "all".into(),
                    }
                }
                "status" => {
                    query.status = if value == "all" || Status::parse(value).is_some() {
                        value.to_owned()
                    } else {
                        "open".into()
                    }
                }
                "inbox_id" => query.inbox_id = value.parse().ok(),
                "team_id" => query.team_id = value.parse().ok(),
                "label" => query.label = value.to_owned(),
                "priority" => {
                    query.priority = if Priority::parse(value).is_some() {
                        value.to_owned()
                    } else {
                        String::new()
                    }
                }
                "sort" => query.sort = Sort::parse(Some(value)),
                "q" => query.q = value.to_owned(),
                "page" => query.page = value.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000),
                "cursor" => query.cursor = value.to_owned(),
                _ => {}
            }
        }
        query
    }

    /// The service's list parameters.
    pub fn params(&self) -> ListParams {
        ListParams {
            status: match self.status.as_str() {
                "all" => StatusFilter::All,
                s => StatusFilter::Only(Status::parse(s).unwrap_or(Status::Open)),
            },
            assignee: AssigneeFilter::parse(Some(self.assignee.as_str())),
            inbox_id: self.inbox_id.map(InboxId),
            team_id: self.team_id.map(TeamId),
            labels: if self.label.is_empty() {
                Vec::new()
            } else {
                vec![self.label.clone()]
            },
            priority: Priority::parse(&self.priority),
            q: (!self.q.is_empty()).then(|| self.q.clone()),
            page: self.page,
            sort: self.sort,
            per_page: PAGE_SIZE,
            // A cursor of another order (a hand-edited URL) is ignored: the page is counted.
            cursor: Cursor::parse(&self.cursor).filter(|c| c.sort == self.sort),
            ..ListParams::default()
        }
    }

    /// Whether anything narrows the list beyond the tab and the default status.
    pub fn is_filtered(&self) -> bool {
        self.status != "open"
            || self.inbox_id.is_some()
            || self.team_id.is_some()
            || !self.label.is_empty()
            || !self.priority.is_empty()
            || !self.q.is_empty()
    }

    /// Whether one of the filters behind the "more filters" disclosure is set.
    pub fn has_more_filters(&self) -> bool {
        self.inbox_id.is_some()
            || self.team_id.is_some()
            || !self.label.is_empty()
            || !self.priority.is_empty()
    }

    /// The same filters on another tab, from its first page.
    pub fn with_assignee(&self, assignee: &str) -> Self {
        InboxQuery {
            assignee: assignee.to_owned(),
            page: 1,
            cursor: String::new(),
            ..self.clone()
        }
    }

    /// The query string of the non-default values, without the page and cursor
    /// (`status=all&q=ana`).
    pub fn to_query(&self) -> String {
        let default = InboxQuery::default();
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if self.assignee != default.assignee {
            out.append_pair("assignee_type", &self.assignee);
        }
        if self.status != default.status {
            out.append_pair("status", &self.status);
        }
        if let Some(inbox) = self.inbox_id {
            out.append_pair("inbox_id", &inbox.to_string());
        }
        if let Some(team) = self.team_id {
            out.append_pair("team_id", &team.to_string());
        }
        for (key, value) in [
            ("label", &self.label),
            ("priority", &self.priority),
            ("q", &self.q),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        if self.sort != default.sort {
            out.append_pair("sort", self.sort.param());
        }
        out.finish()
    }

    /// `?query`, or nothing when every filter has its default.
    pub fn suffix(&self) -> String {
        let query = self.to_query();
        if query.is_empty() {
            query
        } else {
            format!("?{query}")
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for InboxQuery {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
            .into_owned()
            .collect();
        Ok(InboxQuery::from_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> InboxQuery {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        InboxQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn defaults_show_all_open_conversations_by_latest_activity() {
        let query = parse("");
        let params = query.params();
        assert_eq!(params.status, StatusFilter::Only(Status::Open));
        assert_eq!(params.assignee, AssigneeFilter::All);
        assert_eq!(params.sort, Sort::LastActivityDesc);
        assert_eq!(params.per_page, 25);
        assert!(!query.is_filtered());
        assert_eq!(query.suffix(), "");
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let query = parse(
            "assignee_type=me&status=resolved&inbox_id=3&team_id=4&label=vip&priority=urgent&sort=priority_desc&q=ana+maria&page=2",
        );
        assert!(query.is_filtered() && query.has_more_filters());
        assert_eq!(query.page, 2);
        let again = parse(&query.to_query());
        assert_eq!(
            again,
            InboxQuery {
                page: 1,
                cursor: String::new(),
                ..query.clone()
            }
        );
        let params = query.params();
        assert_eq!(params.labels, vec!["vip".to_owned()]);
        assert_eq!(params.priority, Some(Priority::Urgent));
        assert_eq!(params.q.as_deref(), Some("ana maria"));
        assert_eq!(params.inbox_id, Some(InboxId(3)));
    }

    #[test]
    fn malformed_values_fall_back_and_the_last_repeated_key_wins() {
        let query = parse(
            "status=nonsense&inbox_id=x&priority=huge&page=-4&assignee_type=me&assignee_type=unassigned&sort=weird",
        );
        assert_eq!(query.status, "open");
        assert_eq!(query.inbox_id, None);
        assert_eq!(query.priority, "");
        assert_eq!(query.page, 1);
        assert_eq!(query.assignee, "unassigned");
        assert_eq!(query.sort, Sort::LastActivityDesc);
        assert_eq!(query.with_assignee("me").to_query(), "assignee_type=me");
    }
}
