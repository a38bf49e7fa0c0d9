//! Contact use cases and their SQL. Every contact route needs `contact_manage` (agents have it;
//! a custom role may not); deleting a contact is for administrators.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::model::{Contact, Phone};
use crate::accounts::model::Email;
use crate::auth::context::Actor;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::events::{self, Changes, EventKind, NewEvent};
use crate::filters::{self, Condition, Kind};
use crate::ids::{AccountId, ContactId, InboxId};
use crate::inboxes::model::ChannelType;
use crate::roles::Permission;
use crate::state::AppState;

/// Contacts per page, as Chatwoot.
pub const PAGE_SIZE: i64 = 15;

const COLUMNS: &str = "c.id, c.account_id, c.name, c.email, c.phone_number, c.identifier, c.blocked, \
                       c.additional_attributes, c.custom_attributes, c.labels, c.last_activity_at, c.created_at";

#[derive(sqlx::FromRow, serde::Deserialize)]
struct ContactRow {
    id: i64,
    account_id: i64,
    name: String,
    email: Option<String>,
    phone_number: Option<String>,
    identifier: Option<String>,
    blocked: bool,
    additional_attributes: Value,
    custom_attributes: Value,
    labels: Vec<String>,
    last_activity_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// A contact from its row as JSON (`to_jsonb(ct)` inside a query that reads other rows too).
pub fn from_row_json(row: Value) -> Result<Contact> {
    serde_json::from_value::<ContactRow>(row)
        .map(Contact::from)
        .map_err(|e| Error::Other(anyhow::anyhow!("unreadable contact row: {e}")))
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Contact {
            id: ContactId(r.id),
            account_id: AccountId(r.account_id),
            name: r.name,
            email: r.email,
            phone_number: r.phone_number,
            identifier: r.identifier,
            blocked: r.blocked,
            additional_attributes: r.additional_attributes,
            custom_attributes: r.custom_attributes,
            labels: r.labels,
            last_activity_at: r.last_activity_at,
            created_at: r.created_at,
        }
    }
}

/// A contact's presence in an inbox (`contact_inboxes` in Chatwoot's JSON).
#[derive(Clone, Debug)]
pub struct ContactInbox {
    /// Row id.
    pub id: i64,
    /// The contact.
    pub contact_id: ContactId,
    /// The inbox.
    pub inbox_id: InboxId,
    /// The inbox's name.
    pub inbox_name: String,
    /// The inbox's channel kind.
    pub channel_type: ChannelType,
    /// The channel id.
    pub channel_id: i64,
    /// The contact's id in the channel (a WhatsApp id, an API client's id).
    pub source_id: String,
    /// Whether the identity was verified.
    pub hmac_verified: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Sort orders of contact lists (`sort` param; `-` prefix for descending).
fn order_by(sort: Option<&str>) -> String {
    let raw = sort.unwrap_or("-last_activity_at");
    let (column, desc) = match raw.strip_prefix('-') {
        Some(c) => (c, true),
        None => (raw, false),
    };
    let expr = match column {
        "name" => "lower(c.name)",
        "email" => "c.email",
        "phone_number" => "c.phone_number",
        "created_at" => "c.created_at",
        "company" => "c.additional_attributes->>'company_name'",
        "city" => "c.additional_attributes->>'city'",
        "country" => "c.additional_attributes->>'country'",
        _ => "c.last_activity_at",
    };
    let direction = if desc {
        "desc nulls last"
    } else {
        "asc nulls last"
    };
    format!(" order by {expr} {direction}, c.id desc")
}

/// The deepest page a contact list reads.
const MAX_PAGE: i64 = 100_000;

/// Runs a contact query: `where_clause` adds conditions after the account filter. Only
/// "resolved" contacts (with an e-mail, a phone or an identifier) are listed, as Chatwoot.
async fn query_page(
    conn: &mut PgConnection,
    account_id: AccountId,
    page: i64,
    sort: Option<&str>,
    where_clause: impl Fn(&mut QueryBuilder<Postgres>) -> Result<()>,
) -> Result<(Vec<Contact>, i64)> {
    let base = |select: &str| {
        let mut qb = QueryBuilder::new(format!(
            "select {select} from contacts c where c.account_id = "
        ));
        qb.push_bind(account_id.0);
        qb.push(" and (coalesce(c.email, '') <> '' or coalesce(c.phone_number, '') <> '' or coalesce(c.identifier, '') <> '')");
        qb
    };
    // Searches, labels and conditions: how many rows they match decides the plan.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    crate::db::custom_plans(&mut tx).await?;
    let mut count = base("count(*)");
    where_clause(&mut count)?;
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    let mut select = base(COLUMNS);
    where_clause(&mut select)?;
    select.push(order_by(sort));
    select
        .push(" limit ")
        .push_bind(PAGE_SIZE)
        .push(" offset ")
        // Bounded as the API bounds `page` (a page number past it would overflow the offset).
        .push_bind((page.clamp(1, MAX_PAGE) - 1) * PAGE_SIZE);
    let rows: Vec<ContactRow> = select.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((rows.into_iter().map(Contact::from).collect(), total))
}

/// `GET contacts`: a page of contacts, optionally with any of `labels`.
pub async fn list(
    app: &AppState,
    actor: &Actor,
    page: i64,
    sort: Option<&str>,
    labels: &[String],
) -> Result<(Vec<Contact>, i64)> {
    actor.require(Permission::ContactManage)?;
    let labels: Vec<String> = labels.to_vec();
    query_page(
        &mut *app.db.acquire().await?,
        actor.account_id(),
        page,
        sort,
        |qb| {
            if !labels.is_empty() {
                qb.push(" and c.labels && ").push_bind(labels.clone());
            }
            Ok(())
        },
    )
    .await
}

/// `GET contacts/search?q=`: name, e-mail and phone contain `q` (any case), identifier
/// contains it, or the company does.
pub async fn search(
    app: &AppState,
    actor: &Actor,
    q: &str,
    page: i64,
    sort: Option<&str>,
) -> Result<(Vec<Contact>, i64)> {
    search_labeled(app, actor, q, &[], page, sort).await
}

/// [`search`] among the contacts that carry any of `labels` (all when empty): the contacts page
/// combines its search box with its label filter.
pub async fn search_labeled(
    app: &AppState,
    actor: &Actor,
    q: &str,
    labels: &[String],
    page: i64,
    sort: Option<&str>,
) -> Result<(Vec<Contact>, i64)> {
    actor.require(Permission::ContactManage)?;
    let labels: Vec<String> = labels.to_vec();
    let pattern = format!(
        "%{}%",
        q.trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    // Three characters or more: the trigram index over name, e-mail, phone digits, identifier
    // and company (accents and case folded). Shorter text has no trigram to look up.
    if q.trim().chars().count() >= 3 {
        let phone_like = digits.len() >= 4
            && q.trim()
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let pattern = if phone_like {
            format!("%{digits}%")
        } else {
            pattern
        };
        return query_page(
            &mut *app.db.acquire().await?,
            actor.account_id(),
            page,
            sort,
            |qb| {
                qb.push(" and c.search like atende_fold(")
                    .push_bind(pattern.clone())
                    .push(")");
                if !labels.is_empty() {
                    qb.push(" and c.labels && ").push_bind(labels.clone());
                }
                Ok(())
            },
        )
        .await;
    }
    query_page(
        &mut *app.db.acquire().await?,
        actor.account_id(),
        page,
        sort,
        |qb| {
            qb.push(" and (c.name ilike ").push_bind(pattern.clone());
            qb.push(" or c.email ilike ").push_bind(pattern.clone());
            qb.push(" or c.phone_number ilike ")
                .push_bind(pattern.clone());
            if digits.len() >= 4 {
                qb.push(" or c.phone_number like ")
                    .push_bind(format!("%{digits}%"));
            }
            qb.push(" or c.identifier like ").push_bind(pattern.clone());
            qb.push(" or c.additional_attributes->>'company_name' ilike ")
                .push_bind(pattern.clone());
            qb.push(")");
            if !labels.is_empty() {
                qb.push(" and c.labels && ").push_bind(labels.clone());
            }
            Ok(())
        },
    )
    .await
}

/// `POST contacts/filter`.
pub async fn filter(
    app: &AppState,
    actor: &Actor,
    conditions: &[Condition],
    page: i64,
) -> Result<(Vec<Contact>, i64)> {
    actor.require(Permission::ContactManage)?;
    let mut conn = app.db.acquire().await?;
    let custom = custom_attribute_types(&mut conn, actor.account_id(), "contact_attribute").await?;
    let now = app.clock.now();
    query_page(&mut conn, actor.account_id(), page, None, |qb| {
        filters::push_all(qb, conditions, |qb, c| {
            push_contact_condition(qb, c, &custom, now)
        })
    })
    .await
}

/// Custom attribute keys of a model with how their values compare.
pub async fn custom_attribute_types(
    conn: &mut PgConnection,
    account_id: AccountId,
    model: &str,
) -> Result<HashMap<String, Kind>> {
    let rows = sqlx::query!(
        "select attribute_key, attribute_display_type from custom_attribute_definitions
         where account_id = $1 and attribute_model = $2",
        account_id.0,
        model
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = match r.attribute_display_type.as_str() {
                "number" | "currency" | "percent" => Kind::Number,
                "date" => Kind::Date,
                "checkbox" => Kind::Boolean,
                _ => Kind::Text,
            };
            (r.attribute_key, kind)
        })
        .collect())
}

fn push_contact_condition(
    qb: &mut QueryBuilder<Postgres>,
    condition: &Condition,
    custom: &HashMap<String, Kind>,
    now: DateTime<Utc>,
) -> Result<()> {
    let key = condition.attribute.as_str();
    if key == "phone_number" {
        // Clients send numbers without `+`; Brazilian mobiles match in both forms.
        let keys: Vec<String> = condition
            .values
            .iter()
            .map(|v| Phone::parse(v).map(|p| p.key).unwrap_or_else(|_| v.clone()))
            .collect();
        let normalized = Condition {
            values: keys,
            ..condition.clone()
        };
        return match condition.operator {
            filters::Operator::EqualTo | filters::Operator::NotEqualTo => {
                filters::push_condition(qb, "c.phone_key", Kind::Exact, &normalized, now)
            }
            _ => filters::push_condition(qb, "c.phone_number", Kind::Exact, condition, now),
        };
    }
    let (expr, kind): (String, Kind) = match key {
        "name" => ("c.name".into(), Kind::Text),
        "email" => ("c.email".into(), Kind::Text),
        "identifier" => ("c.identifier".into(), Kind::Exact),
        "country_code" => (
            "c.additional_attributes->>'country_code'".into(),
            Kind::Text,
        ),
        "city" => ("c.additional_attributes->>'city'".into(), Kind::Text),
        "company" => (
            "c.additional_attributes->>'company_name'".into(),
            Kind::Text,
        ),
        "labels" => ("c.labels".into(), Kind::TextArray),
        "created_at" => ("c.created_at".into(), Kind::Date),
        "last_activity_at" => ("c.last_activity_at".into(), Kind::Date),
        "blocked" => ("c.blocked".into(), Kind::Boolean),
        other => match custom.get(other) {
            Some(kind) => (custom_expr("c.custom_attributes", other, *kind), *kind),
            None => return Err(filters::invalid_attribute(other)),
        },
    };
    filters::push_condition(qb, &expr, kind, condition, now)
}

/// SQL for a custom attribute's value; `key` comes from the account's definitions, whose keys
/// are restricted to `[a-zA-Z0-9_-]` by a check constraint, so it is safe inside quotes.
pub fn custom_expr(column: &str, key: &str, kind: Kind) -> String {
    let text = format!("({column}->>'{key}')");
    // Values written before they were checked against their definition must not fail a
    // filter: what does not read as the kind is null.
    match kind {
        Kind::Number => {
            format!(
                "(case when {text} ~ '^-?[0-9]{{1,250}}(\\.[0-9]{{1,250}})?$' then {text}::float8 end)"
            )
        }
        Kind::Date => format!("atende_timestamptz({text})"),
        Kind::Boolean => {
            format!("(case when {text} in ('true', 'false') then {text}::boolean end)")
        }
        _ => text,
    }
}

/// Checks the `custom_attributes` of a write against the account's definitions of `model`
/// (`contact_attribute`, `conversation_attribute`); reads them only when values are written.
pub async fn check_custom_attributes(
    conn: &mut PgConnection,
    account_id: AccountId,
    model: &str,
    values: Option<&Value>,
) -> Result<()> {
    if values
        .and_then(Value::as_object)
        .is_none_or(serde_json::Map::is_empty)
    {
        return Ok(());
    }
    let kinds = custom_attribute_types(conn, account_id, model).await?;
    check_custom_values("custom_attributes", values, &kinds)
}

/// Checks the custom attribute values of a write against the account's definitions (`kinds`,
/// from [`custom_attribute_types`]): a number attribute takes a number, a date one a date, a
/// checkbox a boolean (or their text, as forms send them). Keys without a definition take
/// anything, as Chatwoot's do; `null` unsets a value.
pub fn check_custom_values(
    field: &str,
    values: Option<&Value>,
    kinds: &HashMap<String, Kind>,
) -> Result<()> {
    let Some(Value::Object(values)) = values else {
        return Ok(());
    };
    let mut errors = FieldErrors::default();
    for (key, value) in values {
        let Some(kind) = kinds.get(key) else {
            continue;
        };
        if value.is_null() || custom_value_fits(*kind, value) {
            continue;
        }
        let expected = match kind {
            Kind::Number => "a number",
            Kind::Date => "a date (YYYY-MM-DD)",
            Kind::Boolean => "true or false",
            _ => continue,
        };
        errors.add(format!("{field}.{key}"), format!("must be {expected}"));
    }
    errors.into_result()
}

fn custom_value_fits(kind: Kind, value: &Value) -> bool {
    let text = value.as_str().map(str::trim);
    match kind {
        Kind::Number => match (value.as_f64(), text) {
            (Some(n), _) => n.is_finite(),
            (None, Some(t)) => plain_decimal(t),
            _ => false,
        },
        Kind::Date => text.is_some_and(|t| {
            chrono::DateTime::parse_from_rfc3339(t).is_ok()
                || t.get(..10)
                    .is_some_and(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok())
        }),
        Kind::Boolean => value.is_boolean() || matches!(text, Some("true" | "false")),
        _ => true,
    }
}

/// `-12.5`: what a number attribute reads as a number in a filter ([`custom_expr`]), up to 250
/// digits on each side of the point.
fn plain_decimal(text: &str) -> bool {
    let digits =
        |part: &str| (1..=250).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    }
}

/// One contact.
pub async fn get(app: &AppState, actor: &Actor, id: ContactId) -> Result<Contact> {
    actor.require(Permission::ContactManage)?;
    find(&mut *app.db.acquire().await?, actor.account_id(), id).await
}

/// One contact, without a permission check (for services that already checked one).
pub async fn find(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: ContactId,
) -> Result<Contact> {
    let row: ContactRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from contacts c where c.account_id = $1 and c.id = $2"
    )))
    .bind(account_id.0)
    .bind(id.0)
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(row.into())
}

/// Several contacts by id.
pub async fn find_many(
    conn: &mut PgConnection,
    account_id: AccountId,
    ids: &[i64],
) -> Result<Vec<Contact>> {
    let rows: Vec<ContactRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from unnest($2::int8[]) as k(id)
         cross join lateral (select * from contacts c where c.account_id = $1 and c.id = k.id) c"
    )))
    .bind(account_id.0)
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Contact::from).collect())
}

/// A contact inbox as the loaders below read it.
struct ContactInboxRow {
    id: i64,
    contact_id: i64,
    inbox_id: i64,
    source_id: String,
    hmac_verified: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    inbox_name: String,
    channel_type: ChannelType,
    channel_id: i64,
}

impl From<ContactInboxRow> for ContactInbox {
    fn from(r: ContactInboxRow) -> Self {
        ContactInbox {
            id: r.id,
            contact_id: ContactId(r.contact_id),
            inbox_id: InboxId(r.inbox_id),
            inbox_name: r.inbox_name,
            channel_type: r.channel_type,
            channel_id: r.channel_id,
            source_id: r.source_id,
            hmac_verified: r.hmac_verified,
            created_at: r.created_at,
        }
    }
}

/// The contact inboxes of several contacts.
pub async fn contact_inboxes(
    conn: &mut PgConnection,
    account_id: AccountId,
    contact_ids: &[i64],
) -> Result<Vec<ContactInbox>> {
    let rows = sqlx::query_as!(
        ContactInboxRow,
        r#"select ci.id, ci.contact_id, ci.inbox_id, ci.source_id, ci.hmac_verified, ci.created_at,
                  i.name as inbox_name, i.channel_type as "channel_type: ChannelType",
                  coalesce(ca.id, i.id) as "channel_id!"
           from contact_inboxes ci
           join inboxes i on i.id = ci.inbox_id and i.account_id = ci.account_id
           left join channel_api ca on ca.inbox_id = i.id and ca.account_id = i.account_id
           where ci.account_id = $1 and ci.contact_id = any($2)
           order by ci.id"#,
        account_id.0,
        contact_ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(ContactInbox::from).collect())
}

/// Contact inboxes by id.
pub async fn contact_inboxes_by_id(
    conn: &mut PgConnection,
    account_id: AccountId,
    ids: &[i64],
) -> Result<Vec<ContactInbox>> {
    let rows = sqlx::query_as!(
        ContactInboxRow,
        r#"select ci.id, ci.contact_id, ci.inbox_id, ci.source_id, ci.hmac_verified, ci.created_at,
                  i.name as inbox_name, i.channel_type as "channel_type: ChannelType",
                  coalesce(ca.id, i.id) as "channel_id!"
           from contact_inboxes ci
           join inboxes i on i.id = ci.inbox_id and i.account_id = ci.account_id
           left join channel_api ca on ca.inbox_id = i.id and ca.account_id = i.account_id
           where ci.account_id = $1 and ci.id = any($2)
           order by ci.id"#,
        account_id.0,
        ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(ContactInbox::from).collect())
}

/// Fields of a create or update; `None` leaves a field unchanged, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ContactInput {
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<Option<String>>,
    /// Phone number.
    pub phone_number: Option<Option<String>>,
    /// External identifier.
    pub identifier: Option<Option<String>>,
    /// Blocked flag.
    pub blocked: Option<bool>,
    /// Merged into the existing additional attributes.
    pub additional_attributes: Option<Value>,
    /// Merged into the existing custom attributes.
    pub custom_attributes: Option<Value>,
    /// On create: also add the contact to this inbox.
    pub inbox_id: Option<InboxId>,
    /// On create with an inbox: the contact's id in it (generated when absent).
    pub source_id: Option<String>,
}

struct CheckedContact {
    name: Option<String>,
    email: Option<Option<String>>,
    phone: Option<Option<Phone>>,
    identifier: Option<Option<String>>,
}

fn check(input: &ContactInput) -> Result<CheckedContact> {
    let mut errors = FieldErrors::new();
    let email = match &input.email {
        Some(Some(e)) if !e.trim().is_empty() => match Email::parse(e) {
            Ok(email) => Some(Some(email.as_str().to_owned())),
            Err(m) => {
                errors.add("email", m);
                None
            }
        },
        Some(_) => Some(None),
        None => None,
    };
    let phone = match &input.phone_number {
        Some(Some(p)) if !p.trim().is_empty() => match Phone::parse(p) {
            Ok(phone) => Some(Some(phone)),
            Err(m) => {
                errors.add("phone_number", m);
                None
            }
        },
        Some(_) => Some(None),
        None => None,
    };
    for (field, value) in [
        ("additional_attributes", &input.additional_attributes),
        ("custom_attributes", &input.custom_attributes),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| !v.is_object() && !v.is_null())
        {
            errors.add(field, "must be an object");
        }
    }
    if input.name.as_ref().is_some_and(|n| n.chars().count() > 255) {
        errors.add("name", "is too long (maximum is 255 characters)");
    }
    errors.into_result()?;
    let identifier = input
        .identifier
        .clone()
        .map(|i| i.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
    Ok(CheckedContact {
        name: input.name.as_ref().map(|n| n.trim().to_owned()),
        email,
        phone,
        identifier,
    })
}

fn unique_errors<T>(result: std::result::Result<T, sqlx::Error>) -> Result<T> {
    result
        .on_constraint("contacts_email_key", || {
            Error::invalid("email", "has already been taken")
        })
        .on_constraint("contacts_phone_number_key", || {
            Error::invalid("phone_number", "has already been taken")
        })
        .on_constraint("contacts_identifier_key", || {
            Error::invalid("identifier", "has already been taken")
        })
}

fn object_or_empty(value: Option<Value>) -> Value {
    match value {
        Some(v @ Value::Object(_)) => v,
        _ => json!({}),
    }
}

/// A new contact id in an API inbox: a UUID, as Chatwoot generates.
pub fn generate_source_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Creates a contact, and its contact inbox when `inbox_id` is given.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id()))]
pub async fn create(
    app: &AppState,
    actor: &Actor,
    input: ContactInput,
) -> Result<(Contact, Option<ContactInbox>)> {
    actor.require(Permission::ContactManage)?;
    let checked = check(&input)?;
    let now = app.clock.now();
    let account_id = actor.account_id();
    let mut tx = app.db.begin().await?;
    check_custom_attributes(
        &mut tx,
        account_id,
        "contact_attribute",
        input.custom_attributes.as_ref(),
    )
    .await?;
    if let Some(inbox_id) = input.inbox_id {
        crate::inboxes::service::get_in(&mut tx, actor, inbox_id)
            .await
            .map_err(|e| match e {
                Error::NotFound => Error::invalid("inbox_id", "is invalid"),
                e => e,
            })?;
    }
    let phone = checked.phone.flatten();
    let id = unique_errors(
        sqlx::query_scalar!(
            "insert into contacts (account_id, name, email, phone_number, phone_key, identifier, blocked,
                                   additional_attributes, custom_attributes, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning id",
            account_id.0,
            checked.name.unwrap_or_default(),
            checked.email.flatten(),
            phone.as_ref().map(|p| p.number.clone()),
            phone.as_ref().map(|p| p.key.clone()),
            checked.identifier.flatten(),
            input.blocked.unwrap_or(false),
            object_or_empty(input.additional_attributes),
            object_or_empty(input.custom_attributes),
            now
        )
        .fetch_one(&mut *tx)
        .await,
    )?;
    let contact_inbox = match input.inbox_id {
        Some(inbox_id) => {
            let source_id = input
                .source_id
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(generate_source_id);
            Some(
                insert_contact_inbox(
                    &mut tx,
                    account_id,
                    ContactId(id),
                    inbox_id,
                    &source_id,
                    now,
                )
                .await?,
            )
        }
        None => None,
    };
    let event = NewEvent::new(EventKind::ContactCreated).contact(id);
    events::record(&mut tx, account_id, actor, now, &[event]).await?;
    let contact = find(&mut tx, account_id, ContactId(id)).await?;
    tx.commit().await?;
    tracing::info!(contact.id = id, "contact created");
    Ok((contact, contact_inbox))
}

/// Adds a contact to an inbox under `source_id`; a source id taken in that inbox is a 422.
pub async fn insert_contact_inbox(
    conn: &mut PgConnection,
    account_id: AccountId,
    contact_id: ContactId,
    inbox_id: InboxId,
    source_id: &str,
    now: DateTime<Utc>,
) -> Result<ContactInbox> {
    let id = sqlx::query_scalar!(
        "insert into contact_inboxes (account_id, contact_id, inbox_id, source_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning id",
        account_id.0,
        contact_id.0,
        inbox_id.0,
        source_id.trim(),
        now
    )
    .fetch_one(&mut *conn)
    .await
    .on_constraint("contact_inboxes_inbox_source_key", || Error::invalid("source_id", "has already been taken"))
    .on_constraint("contact_inboxes_inbox_fkey", || Error::invalid("inbox_id", "is invalid"))?;
    contact_inboxes(conn, account_id, &[contact_id.0])
        .await?
        .into_iter()
        .find(|ci| ci.id == id)
        .ok_or(Error::NotFound)
}

/// Updates a contact; attribute objects are merged into the existing ones, as Chatwoot.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), contact.id = %id))]
pub async fn update(
    app: &AppState,
    actor: &Actor,
    id: ContactId,
    input: ContactInput,
) -> Result<Contact> {
    actor.require(Permission::ContactManage)?;
    let checked = check(&input)?;
    let now = app.clock.now();
    let account_id = actor.account_id();
    let mut tx = app.db.begin().await?;
    let before = find(&mut tx, account_id, id).await?;
    check_custom_attributes(
        &mut tx,
        account_id,
        "contact_attribute",
        input.custom_attributes.as_ref(),
    )
    .await?;
    let phone = checked.phone.clone();
    unique_errors(
        sqlx::query!(
            "update contacts set
                 name = coalesce($3, name),
                 email = case when $4 then $5 else email end,
                 phone_number = case when $6 then $7 else phone_number end,
                 phone_key = case when $6 then $8 else phone_key end,
                 identifier = case when $9 then $10 else identifier end,
                 blocked = coalesce($11, blocked),
                 additional_attributes = additional_attributes || coalesce($12, '{}'::jsonb),
                 custom_attributes = custom_attributes || coalesce($13, '{}'::jsonb),
                 updated_at = $14
             where account_id = $1 and id = $2",
            account_id.0,
            id.0,
            checked.name,
            checked.email.is_some(),
            checked.email.clone().flatten(),
            phone.is_some(),
            phone.clone().flatten().map(|p| p.number),
            phone.flatten().map(|p| p.key),
            checked.identifier.is_some(),
            checked.identifier.clone().flatten(),
            input.blocked,
            input.additional_attributes.filter(Value::is_object),
            input.custom_attributes.filter(Value::is_object),
            now
        )
        .execute(&mut *tx)
        .await,
    )?;
    let after = find(&mut tx, account_id, id).await?;
    record_contact_changes(&mut tx, actor, &before, &after, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Records `contact_updated` with what changed (nothing recorded when nothing changed).
pub async fn record_contact_changes(
    conn: &mut PgConnection,
    actor: &Actor,
    before: &Contact,
    after: &Contact,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut changes = Changes::new();
    changes.track("name", &before.name, &after.name);
    changes.track("email", &before.email, &after.email);
    changes.track("phone_number", &before.phone_number, &after.phone_number);
    changes.track("identifier", &before.identifier, &after.identifier);
    changes.track("blocked", before.blocked, after.blocked);
    changes.track(
        "additional_attributes",
        &before.additional_attributes,
        &after.additional_attributes,
    );
    changes.track(
        "custom_attributes",
        &before.custom_attributes,
        &after.custom_attributes,
    );
    changes.track("label_list", &before.labels, &after.labels);
    if !changes.is_empty() {
        let event = NewEvent::new(EventKind::ContactUpdated)
            .contact(after.id.0)
            .changes(&changes);
        events::record(conn, actor.account_id(), actor, now, &[event]).await?;
    }
    Ok(())
}

/// Removes custom attribute keys from a contact.
pub async fn remove_custom_attributes(
    app: &AppState,
    actor: &Actor,
    id: ContactId,
    keys: &[String],
) -> Result<Contact> {
    actor.require(Permission::ContactManage)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = find(&mut tx, actor.account_id(), id).await?;
    sqlx::query!(
        "update contacts set custom_attributes = custom_attributes - $3::text[], updated_at = $4
         where account_id = $1 and id = $2",
        actor.account_id().0,
        id.0,
        keys,
        now
    )
    .execute(&mut *tx)
    .await?;
    let after = find(&mut tx, actor.account_id(), id).await?;
    record_contact_changes(&mut tx, actor, &before, &after, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a contact with its conversations (administrators); the files of their messages are
/// removed from disk once this commits.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id(), contact.id = %id))]
pub async fn delete(app: &AppState, actor: &Actor, id: ContactId) -> Result<()> {
    if let Actor::Member(ctx) = actor
        && !ctx.is_administrator()
    {
        return Err(Error::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let deleted = sqlx::query!(
        "delete from contacts where account_id = $1 and id = $2",
        actor.account_id().0,
        id.0
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound);
    }
    crate::storage::schedule_removal(&mut tx, app.clock.now(), actor.account_id()).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the contact's labels.
pub async fn set_labels(
    app: &AppState,
    actor: &Actor,
    id: ContactId,
    labels: &[String],
) -> Result<Vec<String>> {
    actor.require(Permission::ContactManage)?;
    let labels = crate::labels::normalize_titles(labels);
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = find(&mut tx, actor.account_id(), id).await?;
    sqlx::query!(
        "update contacts set labels = $3, updated_at = $4 where account_id = $1 and id = $2",
        actor.account_id().0,
        id.0,
        &labels,
        now
    )
    .execute(&mut *tx)
    .await?;
    let after = find(&mut tx, actor.account_id(), id).await?;
    record_contact_changes(&mut tx, actor, &before, &after, now).await?;
    tx.commit().await?;
    Ok(after.labels)
}

/// `POST contacts/{id}/contact_inboxes`: adds the contact to an inbox.
pub async fn add_to_inbox(
    app: &AppState,
    actor: &Actor,
    id: ContactId,
    inbox_id: InboxId,
    source_id: Option<String>,
) -> Result<ContactInbox> {
    actor.require(Permission::ContactManage)?;
    let mut tx = app.db.begin().await?;
    find(&mut tx, actor.account_id(), id).await?;
    crate::inboxes::service::get_in(&mut tx, actor, inbox_id)
        .await
        .map_err(|e| match e {
            Error::NotFound => Error::invalid("inbox_id", "is invalid"),
            e => e,
        })?;
    let source_id = source_id
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(generate_source_id);
    let ci = insert_contact_inbox(
        &mut tx,
        actor.account_id(),
        id,
        inbox_id,
        &source_id,
        app.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(ci)
}

/// `GET contacts/{id}/contactable_inboxes`: every inbox the actor may use to reach the contact,
/// with the contact's existing source id there or a fresh one.
pub async fn contactable_inboxes(
    app: &AppState,
    actor: &Actor,
    id: ContactId,
) -> Result<Vec<(crate::inboxes::model::Inbox, String)>> {
    actor.require(Permission::ContactManage)?;
    let mut conn = app.db.acquire().await?;
    find(&mut conn, actor.account_id(), id).await?;
    let existing = contact_inboxes(&mut conn, actor.account_id(), &[id.0]).await?;
    drop(conn);
    let inboxes = crate::inboxes::service::list(app, actor).await?;
    Ok(inboxes
        .into_iter()
        .map(|inbox| {
            let source = existing
                .iter()
                .find(|ci| ci.inbox_id == inbox.id)
                .map(|ci| ci.source_id.clone())
                .unwrap_or_else(generate_source_id);
            (inbox, source)
        })
        .collect())
}

/// `POST actions/contact_merge`: moves the mergee's conversations, inboxes and notes to the
/// base contact, fills the base's blank fields and attributes from the mergee, unites the labels,
/// and deletes the mergee.
#[tracing::instrument(skip_all, fields(account.id = %actor.account_id()))]
pub async fn merge(
    app: &AppState,
    actor: &Actor,
    base: ContactId,
    mergee: ContactId,
) -> Result<Contact> {
    actor.require(Permission::ContactManage)?;
    if base == mergee {
        return Err(Error::invalid(
            "mergee_contact_id",
            "must differ from base_contact_id",
        ));
    }
    let account_id = actor.account_id();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = find(&mut tx, account_id, base).await?;
    let other = find(&mut tx, account_id, mergee)
        .await
        .map_err(|_| Error::NotFound)?;
    for table in ["conversations", "contact_notes"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} set contact_id = $2 where account_id = $1 and contact_id = $3"
        )))
        .bind(account_id.0)
        .bind(base.0)
        .bind(mergee.0)
        .execute(&mut *tx)
        .await?;
    }
    // Inboxes the base is already in keep the base's source id; the rest move over.
    sqlx::query!(
        "update contact_inboxes set contact_id = $2 where account_id = $1 and contact_id = $3
             and inbox_id not in (select inbox_id from contact_inboxes where account_id = $1 and contact_id = $2)",
        account_id.0,
        base.0,
        mergee.0
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update conversations cv set contact_inbox_id = keep.id
         from contact_inboxes gone, contact_inboxes keep
         where cv.account_id = $1 and cv.contact_inbox_id = gone.id and gone.contact_id = $3
           and keep.account_id = $1 and keep.contact_id = $2 and keep.inbox_id = gone.inbox_id",
        account_id.0,
        base.0,
        mergee.0
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from contacts where account_id = $1 and id = $2",
        account_id.0,
        mergee.0
    )
    .execute(&mut *tx)
    .await?;
    let labels: Vec<String> =
        crate::labels::normalize_titles(&[before.labels.clone(), other.labels.clone()].concat());
    unique_errors(
        sqlx::query!(
            "update contacts set
                 name = case when name = '' then $3 else name end,
                 email = coalesce(email, $4),
                 phone_number = coalesce(phone_number, $5),
                 phone_key = coalesce(phone_key, $6),
                 identifier = coalesce(identifier, $7),
                 additional_attributes = $8::jsonb || additional_attributes,
                 custom_attributes = $9::jsonb || custom_attributes,
                 labels = $10,
                 updated_at = $11
             where account_id = $1 and id = $2",
            account_id.0,
            base.0,
            other.name,
            other.email,
            other.phone_number,
            other
                .phone_number
                .as_deref()
                .and_then(|p| Phone::parse(p).ok())
                .map(|p| p.key),
            other.identifier,
            other.additional_attributes,
            other.custom_attributes,
            &labels,
            now
        )
        .execute(&mut *tx)
        .await,
    )?;
    let after = find(&mut tx, account_id, base).await?;
    record_contact_changes(&mut tx, actor, &before, &after, now).await?;
    tx.commit().await?;
    tracing::info!(base = %base, mergee = %mergee, "contacts merged");
    Ok(after)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn custom_values_must_read_as_their_kind() {
        let kinds: HashMap<String, Kind> = [
            ("valor".to_owned(), Kind::Number),
            ("entrega".to_owned(), Kind::Date),
            ("vip".to_owned(), Kind::Boolean),
        ]
        .into();
        let fits = |v: Value| check_custom_values("custom_attributes", Some(&v), &kinds).is_ok();
        assert!(fits(
            json!({"valor": 12.5, "entrega": "2024-05-06", "vip": true, "outro": [1]})
        ));
        assert!(fits(
            json!({"valor": "-12.50", "entrega": "2024-05-06T10:00:00Z", "vip": "false"})
        ));
        assert!(fits(json!({"valor": null, "entrega": null})));
        for bad in [
            json!({"valor": "1e5"}),
            json!({"valor": "12,5"}),
            json!({"valor": format!("1{}", "0".repeat(300))}),
            json!({"valor": "NaN"}),
            json!({"entrega": "2024-99-99"}),
            json!({"entrega": "06/05/2024"}),
            json!({"entrega": 20240506}),
            json!({"vip": "sim"}),
        ] {
            assert!(!fits(bad.clone()), "{bad}");
        }
    }
}
