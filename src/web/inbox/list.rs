//! The conversation list: the page, its fragments (the results of a filter, the next page, the
//! counts, one row) and what a row shows.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::conversation::Pane;
use super::format::{self, contact_name, excerpt, initials};
use super::query::InboxQuery;
use super::{Chip, Scope, fragment_target};
use crate::conversations::model::{Counts, Cursor, Priority, Sort, Status};
use crate::conversations::repo::ConversationView;
use crate::conversations::service as conversations;
use crate::error::Result;
use crate::i18n::Locale;
use crate::messages::model::MessageType;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{WebCtx, no_store};

/// One conversation of the list.
#[derive(Clone, Debug)]
pub struct Row {
    /// Display id.
    pub display_id: i64,
    /// Link that opens it (keeping the list's filters).
    pub href: String,
    /// The contact, for live updates of contact changes.
    pub contact_id: i64,
    /// Contact name.
    pub contact_name: String,
    /// Avatar letters.
    pub initials: String,
    /// The last message, one line.
    pub preview: String,
    /// `incoming`, `outgoing` or `note`: how the preview is marked.
    pub preview_kind: &'static str,
    /// Last activity, short.
    pub time: String,
    /// Last activity, long (tooltip).
    pub time_title: String,
    /// Last activity, RFC 3339.
    pub time_iso: String,
    /// Inbox name.
    pub inbox_name: String,
    /// Labels.
    pub labels: Vec<Chip>,
    /// Priority value and name.
    pub priority: Option<(String, String)>,
    /// Assignee name.
    pub assignee: Option<String>,
    /// Unread incoming messages (capped at 10).
    pub unread: i64,
    /// Status value and name.
    pub status: (String, String),
    /// Where it sorts in the list (descending).
    pub sort_key: String,
    /// Whether it is the open conversation.
    pub active: bool,
}

impl Row {
    /// The row of `view` on the list `query` describes.
    pub fn new(
        view: &ConversationView,
        scope: &Scope,
        query: &InboxQuery,
        open: Option<i64>,
    ) -> Self {
        let tr = scope.tr;
        let c = &view.conversation;
        let name = contact_name(&view.contact);
        let (preview, preview_kind) = match (&view.matched_message, &view.last_non_activity_message)
        {
            (Some(m), _) => (
                format::excerpt_around(
                    m.message.content.as_deref().unwrap_or_default(),
                    &query.q,
                    120,
                ),
                "match",
            ),
            (None, Some(m)) => {
                let text = m.message.content.as_deref().unwrap_or_default();
                let text = if text.trim().is_empty() && !m.attachments.is_empty() {
                    tr.t("inbox-preview-attachment")
                } else {
                    excerpt(text, 120)
                };
                let kind = match (m.message.message_type, m.message.private) {
                    (_, true) => "note",
                    (MessageType::Incoming, _) => "incoming",
                    _ => "outgoing",
                };
                (text, kind)
            }
            (None, None) => (tr.t("inbox-preview-empty"), "incoming"),
        };
        Row {
            display_id: c.display_id,
            href: format!(
                "{}{}",
                scope.conversation_href(c.display_id),
                query.suffix()
            ),
            contact_id: view.contact.id.0,
            initials: initials(&name),
            contact_name: name,
            preview,
            preview_kind,
            time: scope.times.short(c.last_activity_at),
            time_title: scope.times.long(c.last_activity_at),
            time_iso: format::iso(c.last_activity_at),
            inbox_name: view.inbox_name.clone(),
            labels: scope.chips(&c.labels),
            priority: c
                .priority
                .map(|p| (p.as_str().to_owned(), priority_name(tr, p))),
            assignee: view
                .assignee
                .as_ref()
                .map(|a| a.available_name().to_owned()),
            unread: view.unread_count,
            status: (c.status.as_str().to_owned(), status_name(tr, c.status)),
            sort_key: query.sort.key(c),
            active: open == Some(c.display_id),
        }
    }
}

/// A status in the page language.
pub fn status_name(tr: Locale, status: Status) -> String {
    tr.t(&format!("status-{}", status.as_str()))
}

/// A priority in the page language.
pub fn priority_name(tr: Locale, priority: Priority) -> String {
    tr.t(&format!("priority-{}", priority.as_str()))
}

/// One tab (Mine, Unassigned, All).
#[derive(Clone, Debug)]
pub struct Tab {
    /// `me`, `unassigned`, `all`.
    pub value: &'static str,
    /// Name.
    pub label: String,
    /// How many conversations it has (`1000+` when the count stopped at its cap).
    pub count: String,
    /// Link.
    pub href: String,
    /// Whether it is shown.
    pub active: bool,
}

/// What an empty list says.
#[derive(Clone, Debug)]
pub struct Empty {
    /// Heading.
    pub title: String,
    /// What to do next.
    pub message: String,
    /// A link to do it.
    pub link: Option<(String, String)>,
}

/// The results part of the list: tabs, rows, next page.
#[derive(Clone, Debug)]
pub struct ListView {
    /// The tabs with counts.
    pub tabs: Vec<Tab>,
    /// The tab shown (kept in the filter form).
    pub assignee: String,
    /// Rows.
    pub rows: Vec<Row>,
    /// The next page.
    pub more: Option<More>,
    /// Shown instead of rows.
    pub empty: Option<Empty>,
}

fn tabs(scope: &Scope, query: &InboxQuery, counts: Counts) -> Vec<Tab> {
    [
        ("me", "inbox-tab-mine", counts.mine),
        ("unassigned", "inbox-tab-unassigned", counts.unassigned),
        ("all", "inbox-tab-all", counts.all),
    ]
    .into_iter()
    .map(|(value, label, count)| Tab {
        value,
        label: scope.tr.t(label),
        count: if counts.capped {
            format!("{count}+")
        } else {
            count.to_string()
        },
        href: format!(
            "{}/conversations{}",
            scope.base,
            query.with_assignee(value).suffix()
        ),
        active: query.assignee == value,
    })
    .collect()
}

/// The link to the next page: the page itself without JavaScript, its rows for htmx.
#[derive(Clone, Debug)]
pub struct More {
    /// `…/conversations?…&page=N`.
    pub href: String,
    /// `…/conversations/more?…&page=N`.
    pub fragment: String,
}

/// The link after a full page: the next page number and the cursor it starts at.
fn more_href(scope: &Scope, query: &InboxQuery, next: Option<Cursor>) -> Option<More> {
    next.map(|cursor| {
        let q = query.to_query();
        let sep = if q.is_empty() { "" } else { "&" };
        let page = query.page + 1;
        let cursor =
            url::form_urlencoded::byte_serialize(cursor.encode().as_bytes()).collect::<String>();
        More {
            href: format!(
                "{}/conversations?{q}{sep}page={page}&cursor={cursor}",
                scope.base
            ),
            fragment: format!(
                "{}/conversations/more?{q}{sep}page={page}&cursor={cursor}",
                scope.base
            ),
        }
    })
}

async fn empty_state(
    app: &AppState,
    web: &WebCtx,
    scope: &Scope,
    query: &InboxQuery,
) -> Result<Empty> {
    let tr = scope.tr;
    let inboxes = crate::inboxes::service::list(app, &scope.actor).await?;
    Ok(
        if inboxes.is_empty() && web.ctx.can(Permission::InboxManage) {
            Empty {
                title: tr.t("inbox-empty-new-title"),
                message: tr.t("inbox-empty-new-admin"),
                link: Some((
                    format!("{}/settings/inboxes", scope.base),
                    tr.t("inbox-empty-new-link"),
                )),
            }
        } else if inboxes.is_empty() {
            Empty {
                title: tr.t("inbox-empty-new-title"),
                message: tr.t("inbox-empty-new-agent"),
                link: None,
            }
        } else if query.is_filtered() {
            Empty {
                title: tr.t("inbox-empty-filtered-title"),
                message: tr.t("inbox-empty-filtered-message"),
                link: Some((
                    format!(
                        "{}/conversations{}",
                        scope.base,
                        InboxQuery::default()
                            .with_assignee(&query.assignee)
                            .suffix()
                    ),
                    tr.t("inbox-filters-reset"),
                )),
            }
        } else {
            Empty {
                title: tr.t("inbox-empty-clear-title"),
                message: tr.t("inbox-empty-clear-message"),
                link: None,
            }
        },
    )
}

impl ListView {
    /// The list `query` describes, `open` marked.
    pub async fn load(
        app: &AppState,
        web: &WebCtx,
        scope: &Scope,
        query: &InboxQuery,
        open: Option<i64>,
    ) -> Result<Self> {
        let (views, counts, next) = conversations::list(app, &scope.actor, &query.params()).await?;
        let rows: Vec<Row> = views
            .iter()
            .map(|v| Row::new(v, scope, query, open))
            .collect();
        let empty = if rows.is_empty() {
            Some(empty_state(app, web, scope, query).await?)
        } else {
            None
        };
        Ok(ListView {
            tabs: tabs(scope, query, counts),
            assignee: query.assignee.clone(),
            more: more_href(scope, query, next),
            rows,
            empty,
        })
    }
}

/// The filter form's choices.
#[derive(Clone, Debug)]
pub struct Filters {
    /// `…/conversations`.
    pub action: String,
    /// Search text.
    pub q: String,
    /// Status options.
    pub statuses: Vec<Choice>,
    /// Sort options.
    pub sorts: Vec<Choice>,
    /// Inbox options.
    pub inboxes: Vec<Choice>,
    /// Team options.
    pub teams: Vec<Choice>,
    /// Label options.
    pub labels: Vec<Choice>,
    /// Priority options.
    pub priorities: Vec<Choice>,
    /// Whether the disclosure with inbox, team, label and priority starts open.
    pub more_open: bool,
    /// The list without filters (same tab).
    pub reset_href: String,
    /// Whether any filter is set.
    pub filtered: bool,
}

impl Filters {
    async fn load(app: &AppState, web: &WebCtx, scope: &Scope, query: &InboxQuery) -> Result<Self> {
        let tr = scope.tr;
        let any = |label: &str| Choice::new("", tr.t(label), "");
        let mut statuses: Vec<Choice> = [
            Status::Open,
            Status::Pending,
            Status::Snoozed,
            Status::Resolved,
        ]
        .into_iter()
        .map(|s| Choice::new(s.as_str(), status_name(tr, s), &query.status))
        .collect();
        statuses.push(Choice::new("all", tr.t("inbox-status-all"), &query.status));
        let sorts = [
            (Sort::LastActivityDesc, "inbox-sort-latest"),
            (Sort::CreatedAtDesc, "inbox-sort-newest"),
            (Sort::CreatedAtAsc, "inbox-sort-oldest"),
            (Sort::PriorityDesc, "inbox-sort-priority"),
            (Sort::WaitingSinceAsc, "inbox-sort-waiting"),
        ]
        .into_iter()
        .map(|(s, label)| Choice::new(s.param(), tr.t(label), query.sort.param()))
        .collect();
        let current = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
        let mut inboxes = vec![any("inbox-filter-any-inbox")];
        inboxes.extend(
            crate::inboxes::service::list(app, &scope.actor)
                .await?
                .into_iter()
                .map(|i| Choice::new(i.id.to_string(), i.name, &current(query.inbox_id))),
        );
        let mut teams = vec![any("inbox-filter-any-team")];
        teams.extend(
            crate::teams::list(app, &web.ctx)
                .await?
                .into_iter()
                .map(|t| Choice::new(t.info.id.to_string(), t.info.name, &current(query.team_id))),
        );
        let mut labels = vec![any("inbox-filter-any-label")];
        let mut titles: Vec<&String> = scope.label_colors.keys().collect();
        titles.sort();
        labels.extend(
            titles
                .into_iter()
                .map(|t| Choice::new(t.as_str(), t.as_str(), &query.label)),
        );
        let mut priorities = vec![any("inbox-filter-any-priority")];
        priorities.extend(
            [
                Priority::Urgent,
                Priority::High,
                Priority::Medium,
                Priority::Low,
            ]
            .into_iter()
            .map(|p| Choice::new(p.as_str(), priority_name(tr, p), &query.priority)),
        );
        Ok(Filters {
            action: format!("{}/conversations", scope.base),
            q: query.q.clone(),
            statuses,
            sorts,
            inboxes,
            teams,
            labels,
            priorities,
            more_open: query.has_more_filters(),
            reset_href: format!(
                "{}/conversations{}",
                scope.base,
                InboxQuery::default()
                    .with_assignee(&query.assignee)
                    .suffix()
            ),
            filtered: query.is_filtered(),
        })
    }
}

/// The inbox page, with a conversation open or not.
#[derive(Template, WebTemplate)]
#[template(path = "inbox/index.html")]
pub struct InboxPage {
    tr: Locale,
    nav: Nav,
    base: String,
    events_url: String,
    filters: Filters,
    list: ListView,
    pane: Option<Pane>,
    title: String,
}

impl InboxPage {
    /// The page for `query`, with `pane` open.
    pub async fn load(
        app: &AppState,
        web: &WebCtx,
        scope: &Scope,
        query: &InboxQuery,
        pane: Option<Pane>,
    ) -> Result<Self> {
        let open = pane.as_ref().map(|p| p.display_id);
        let list = ListView::load(app, web, scope, query, open).await?;
        let filters = Filters::load(app, web, scope, query).await?;
        let title = match &pane {
            Some(p) => format!("{} · #{}", p.header.contact_name, p.display_id),
            None => web.tr.t("inbox-title"),
        };
        Ok(InboxPage {
            tr: web.tr,
            nav: web.nav.clone(),
            base: scope.base.clone(),
            events_url: format!("{}/events", scope.base),
            filters,
            list,
            pane,
            title,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/list_fragment.html")]
struct ListFragment {
    tr: Locale,
    list: ListView,
}

/// `GET /app/accounts/{id}[/conversations]`: the inbox; the results alone for htmx filters.
pub async fn show_inbox(
    State(app): State<AppState>,
    web: WebCtx,
    query: InboxQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    if fragment_target(&headers) == Some("list-results") {
        let list = ListView::load(&app, &web, &scope, &query, None).await?;
        return Ok(no_store(ListFragment { tr: web.tr, list }.into_response()));
    }
    let page = InboxPage::load(&app, &web, &scope, &query, None).await?;
    Ok(no_store(page.into_response()))
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/more_fragment.html")]
struct MoreFragment {
    tr: Locale,
    rows: Vec<Row>,
    more: Option<More>,
}

/// `GET …/conversations/more?page=N`: the rows of a further page and the link after them.
pub async fn more_rows(
    State(app): State<AppState>,
    web: WebCtx,
    query: InboxQuery,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let (views, _, next) = conversations::list(&app, &scope.actor, &query.params()).await?;
    let rows: Vec<Row> = views
        .iter()
        .map(|v| Row::new(v, &scope, &query, None))
        .collect();
    let more = more_href(&scope, &query, next);
    Ok(no_store(
        MoreFragment {
            tr: web.tr,
            rows,
            more,
        }
        .into_response(),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/tabs_fragment.html")]
struct TabsFragment {
    tr: Locale,
    list: ListView,
}

/// `GET …/conversations/counts`: the tabs with fresh counts.
pub async fn tabs_fragment(
    State(app): State<AppState>,
    web: WebCtx,
    query: InboxQuery,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let counts = conversations::counts(&app, &scope.actor, &query.params()).await?;
    let list = ListView {
        tabs: tabs(&scope, &query, counts),
        assignee: query.assignee.clone(),
        rows: Vec::new(),
        more: None,
        empty: None,
    };
    Ok(no_store(TabsFragment { tr: web.tr, list }.into_response()))
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox/row_fragment.html")]
struct RowFragment {
    tr: Locale,
    row: Row,
}

/// `GET …/conversations/{id}/row`: the row of a conversation on the list the query describes;
/// 204 when it is not on it (any more), or the member may not see it.
pub async fn row_fragment(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(display_id): PathId,
    query: InboxQuery,
) -> Result<Response> {
    let scope = Scope::load(&app, &web).await?;
    let listed = conversations::listed(&app, &scope.actor, &query.params(), display_id).await?;
    Ok(match listed {
        Some(view) => {
            let row = Row::new(&view, &scope, &query, None);
            no_store(RowFragment { tr: web.tr, row }.into_response())
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}
