//! Inbox use cases and their SQL: listing what a member may see, creating and changing inboxes
//! (administrators), and inbox membership.

use base64::Engine;
use rand::Rng;
use sqlx::PgConnection;

use super::model::{ApiChannel, ChannelType, Inbox, WorkingHour};
use crate::auth::context::{AccountCtx, Actor};
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::{AccountId, InboxId, UserId};
use crate::roles::{ConversationScope, Permission};
use crate::state::AppState;

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(buf)
        .replace(['-', '_'], "x")
}

/// Loads inboxes of the account: all of them, or only `ids`.
async fn load(
    conn: &mut PgConnection,
    account_id: AccountId,
    ids: Option<&[i64]>,
) -> Result<Vec<Inbox>> {
    let rows = sqlx::query!(
        r#"select i.id, i.name, i.channel_type as "channel_type: ChannelType", i.greeting_enabled,
                  i.greeting_message, i.enable_email_collect, i.csat_survey_enabled, i.enable_auto_assignment,
                  i.working_hours_enabled, i.out_of_office_message, i.timezone, i.allow_messages_after_resolved,
                  i.lock_to_single_conversation, i.sender_name_type, i.business_name, i.created_at, i.updated_at,
                  c.id as "api_id?", c.webhook_url as "webhook_url?", c.hmac_token as "hmac_token?",
                  c.hmac_mandatory as "hmac_mandatory?", c.identifier as "identifier?",
                  c.additional_attributes as "api_attributes?"
           from inboxes i left join channel_api c on c.inbox_id = i.id and c.account_id = i.account_id
           where i.account_id = $1 and ($2::bigint[] is null or i.id = any($2))
           order by i.id"#,
        account_id.0,
        ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let inbox_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let hours = sqlx::query!(
        "select inbox_id, day_of_week, closed_all_day, open_all_day, open_hour, open_minutes, close_hour, close_minutes
         from working_hours where account_id = $1 and inbox_id = any($2) order by inbox_id, day_of_week",
        account_id.0,
        &inbox_ids
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let api = match (r.api_id, r.hmac_token, r.identifier) {
                (Some(id), Some(hmac_token), Some(identifier)) => Some(ApiChannel {
                    id,
                    webhook_url: r.webhook_url,
                    hmac_token,
                    hmac_mandatory: r.hmac_mandatory.unwrap_or(false),
                    identifier,
                    additional_attributes: r.api_attributes.unwrap_or_default(),
                }),
                _ => None,
            };
            let working_hours = hours
                .iter()
                .filter(|h| h.inbox_id == r.id)
                .map(|h| WorkingHour {
                    day_of_week: h.day_of_week,
                    closed_all_day: h.closed_all_day,
                    open_all_day: h.open_all_day,
                    open_hour: h.open_hour,
                    open_minutes: h.open_minutes,
                    close_hour: h.close_hour,
                    close_minutes: h.close_minutes,
                })
                .collect();
            Inbox {
                id: InboxId(r.id),
                account_id,
                name: r.name,
                channel_type: r.channel_type,
                greeting_enabled: r.greeting_enabled,
                greeting_message: r.greeting_message,
                enable_email_collect: r.enable_email_collect,
                csat_survey_enabled: r.csat_survey_enabled,
                enable_auto_assignment: r.enable_auto_assignment,
                working_hours_enabled: r.working_hours_enabled,
                out_of_office_message: r.out_of_office_message,
                timezone: r.timezone,
                allow_messages_after_resolved: r.allow_messages_after_resolved,
                lock_to_single_conversation: r.lock_to_single_conversation,
                sender_name_type: r.sender_name_type,
                business_name: r.business_name,
                api,
                working_hours,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

/// Ids of the inboxes `user` is a member of.
pub async fn member_inbox_ids(
    conn: &mut PgConnection,
    account_id: AccountId,
    user: UserId,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        "select inbox_id from inbox_members where account_id = $1 and user_id = $2",
        account_id.0,
        user.0
    )
    .fetch_all(conn)
    .await?)
}

/// The inbox ids the actor may see, or `None` for all of them.
async fn visible_ids(conn: &mut PgConnection, actor: &Actor) -> Result<Option<Vec<i64>>> {
    match (actor.conversation_scope(), actor.user_id()) {
        (ConversationScope::All, _) | (_, None) => Ok(None),
        (_, Some(user)) => Ok(Some(
            member_inbox_ids(conn, actor.account_id(), user).await?,
        )),
    }
}

/// The inboxes the actor may see: every inbox for administrators, their own for others.
pub async fn list(app: &AppState, actor: &Actor) -> Result<Vec<Inbox>> {
    let mut conn = app.db.acquire().await?;
    let ids = visible_ids(&mut conn, actor).await?;
    load(&mut conn, actor.account_id(), ids.as_deref()).await
}

/// One inbox the actor may see (404 otherwise).
pub async fn get(app: &AppState, actor: &Actor, id: InboxId) -> Result<Inbox> {
    let mut conn = app.db.acquire().await?;
    get_in(&mut conn, actor, id).await
}

/// [`get`] on a given connection.
pub async fn get_in(conn: &mut PgConnection, actor: &Actor, id: InboxId) -> Result<Inbox> {
    if let Some(ids) = visible_ids(conn, actor).await?
        && !ids.contains(&id.0)
    {
        return Err(Error::NotFound);
    }
    load(conn, actor.account_id(), Some(&[id.0]))
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Fields of a create or update; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct InboxInput {
    /// Name.
    pub name: Option<String>,
    /// Channel kind (create only).
    pub channel_type: Option<String>,
    /// API channel webhook URL (`Some(None)` clears).
    pub webhook_url: Option<Option<String>>,
    /// API channel HMAC requirement.
    pub hmac_mandatory: Option<bool>,
    /// API channel attributes.
    pub channel_attributes: Option<serde_json::Value>,
    /// Greeting on/off.
    pub greeting_enabled: Option<bool>,
    /// Greeting text.
    pub greeting_message: Option<Option<String>>,
    /// E-mail collection.
    pub enable_email_collect: Option<bool>,
    /// CSAT.
    pub csat_survey_enabled: Option<bool>,
    /// Auto-assignment.
    pub enable_auto_assignment: Option<bool>,
    /// Working hours on/off.
    pub working_hours_enabled: Option<bool>,
    /// Out-of-office text.
    pub out_of_office_message: Option<Option<String>>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Accept messages after resolve.
    pub allow_messages_after_resolved: Option<bool>,
    /// One conversation per contact.
    pub lock_to_single_conversation: Option<bool>,
    /// `friendly` | `professional`.
    pub sender_name_type: Option<String>,
    /// Business name.
    pub business_name: Option<Option<String>>,
    /// The full week of opening hours.
    pub working_hours: Option<Vec<WorkingHour>>,
}

/// Validated fields.
struct Checked {
    input: InboxInput,
    working_hours: Option<Vec<WorkingHour>>,
}

async fn check(app: &AppState, mut input: InboxInput, creating: bool) -> Result<Checked> {
    let mut errors = FieldErrors::new();
    input.name = input.name.map(|n| n.trim().to_owned());
    match input.name.as_deref() {
        Some("") => errors.add("name", "can't be blank"),
        None if creating => errors.add("name", "can't be blank"),
        _ => {}
    }
    if creating {
        match input.channel_type.as_deref().map(ChannelType::parse) {
            Some(Some(ChannelType::Api)) => {}
            Some(Some(other)) => errors.add(
                "channel.type",
                format!("{other} inboxes are not supported yet"),
            ),
            _ => errors.add("channel.type", "is not one of: api"),
        }
    }
    if let Some(Some(url)) = &input.webhook_url {
        let url = url.trim().to_owned();
        if url.is_empty() {
            input.webhook_url = Some(None);
        } else {
            // The same guard as account webhooks: internal targets need ATENDE_OUTBOUND_ALLOW.
            match app.outbound.check_url(&url).await {
                Ok(_) => input.webhook_url = Some(Some(url)),
                Err(reason) => errors.add("webhook_url", reason),
            }
        }
    }
    if let Some(tz) = &input.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        errors.add("timezone", "is not a known time zone");
    }
    if let Some(kind) = &input.sender_name_type
        && !matches!(kind.as_str(), "friendly" | "professional")
    {
        errors.add("sender_name_type", "is not one of: friendly, professional");
    }
    if input
        .channel_attributes
        .as_ref()
        .is_some_and(|v| !v.is_object())
    {
        errors.add("additional_attributes", "must be an object");
    }
    let working_hours = input
        .working_hours
        .take()
        .map(|week| WorkingHour::validate_week(week, &mut errors));
    errors.into_result()?;
    Ok(Checked {
        input,
        working_hours,
    })
}

async fn write_working_hours(
    conn: &mut PgConnection,
    account_id: AccountId,
    inbox_id: i64,
    week: &[WorkingHour],
) -> Result<()> {
    sqlx::query!(
        "delete from working_hours where account_id = $1 and inbox_id = $2",
        account_id.0,
        inbox_id
    )
    .execute(&mut *conn)
    .await?;
    for w in week {
        sqlx::query!(
            "insert into working_hours (account_id, inbox_id, day_of_week, closed_all_day, open_all_day,
                                        open_hour, open_minutes, close_hour, close_minutes)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            account_id.0,
            inbox_id,
            w.day_of_week,
            w.closed_all_day,
            w.open_all_day,
            w.open_hour,
            w.open_minutes,
            w.close_hour,
            w.close_minutes
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Creates an inbox with its API channel (administrators).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(app: &AppState, ctx: &AccountCtx, input: InboxInput) -> Result<Inbox> {
    ctx.require(Permission::InboxManage)?;
    let Checked {
        input,
        working_hours,
    } = check(app, input, true).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = sqlx::query_scalar!(
        "insert into inboxes (account_id, name, channel_type, greeting_enabled, greeting_message, enable_email_collect,
                              csat_survey_enabled, enable_auto_assignment, working_hours_enabled, out_of_office_message,
                              timezone, allow_messages_after_resolved, lock_to_single_conversation, sender_name_type,
                              business_name, created_at, updated_at)
         values ($1, $2, 'api', coalesce($3, false), $4, coalesce($5, true), coalesce($6, false), coalesce($7, true),
                 coalesce($8, false), $9, coalesce($10, 'America/Sao_Paulo'), coalesce($11, true), coalesce($12, false),
                 coalesce($13, 'friendly'), $14, $15, $15)
         returning id",
        ctx.account_id.0,
        input.name,
        input.greeting_enabled,
        input.greeting_message.flatten(),
        input.enable_email_collect,
        input.csat_survey_enabled,
        input.enable_auto_assignment,
        input.working_hours_enabled,
        input.out_of_office_message.flatten(),
        input.timezone,
        input.allow_messages_after_resolved,
        input.lock_to_single_conversation,
        input.sender_name_type,
        input.business_name.flatten(),
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into channel_api (account_id, inbox_id, webhook_url, hmac_token, hmac_mandatory, identifier,
                                  additional_attributes, created_at, updated_at)
         values ($1, $2, $3, $4, coalesce($5, false), $6, coalesce($7::jsonb, '{}'::jsonb), $8, $8)",
        ctx.account_id.0,
        id,
        input.webhook_url.flatten(),
        random_token(18),
        input.hmac_mandatory,
        random_token(18),
        input.channel_attributes,
        now
    )
    .execute(&mut *tx)
    .await?;
    write_working_hours(
        &mut tx,
        ctx.account_id,
        id,
        &working_hours.unwrap_or_else(WorkingHour::default_week),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(inbox.id = id, "inbox created");
    get(app, &Actor::Member(ctx.clone()), InboxId(id)).await
}

/// Changes an inbox and its channel settings (administrators).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, inbox.id = %id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: InboxId,
    input: InboxInput,
) -> Result<Inbox> {
    ctx.require(Permission::InboxManage)?;
    let Checked {
        input,
        working_hours,
    } = check(app, input, false).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let updated = sqlx::query!(
        "update inboxes set
             name = coalesce($3, name),
             greeting_enabled = coalesce($4, greeting_enabled),
             greeting_message = case when $5 then $6 else greeting_message end,
             enable_email_collect = coalesce($7, enable_email_collect),
             csat_survey_enabled = coalesce($8, csat_survey_enabled),
             enable_auto_assignment = coalesce($9, enable_auto_assignment),
             working_hours_enabled = coalesce($10, working_hours_enabled),
             out_of_office_message = case when $11 then $12 else out_of_office_message end,
             timezone = coalesce($13, timezone),
             allow_messages_after_resolved = coalesce($14, allow_messages_after_resolved),
             lock_to_single_conversation = coalesce($15, lock_to_single_conversation),
             sender_name_type = coalesce($16, sender_name_type),
             business_name = case when $17 then $18 else business_name end,
             updated_at = $19
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0,
        input.name,
        input.greeting_enabled,
        input.greeting_message.is_some(),
        input.greeting_message.clone().flatten(),
        input.enable_email_collect,
        input.csat_survey_enabled,
        input.enable_auto_assignment,
        input.working_hours_enabled,
        input.out_of_office_message.is_some(),
        input.out_of_office_message.clone().flatten(),
        input.timezone,
        input.allow_messages_after_resolved,
        input.lock_to_single_conversation,
        input.sender_name_type,
        input.business_name.is_some(),
        input.business_name.clone().flatten(),
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    sqlx::query!(
        "update channel_api set
             webhook_url = case when $3 then $4 else webhook_url end,
             hmac_mandatory = coalesce($5, hmac_mandatory),
             additional_attributes = coalesce($6, additional_attributes),
             updated_at = $7
         where account_id = $1 and inbox_id = $2",
        ctx.account_id.0,
        id.0,
        input.webhook_url.is_some(),
        input.webhook_url.clone().flatten(),
        input.hmac_mandatory,
        input.channel_attributes,
        now
    )
    .execute(&mut *tx)
    .await?;
    if let Some(week) = working_hours {
        write_working_hours(&mut tx, ctx.account_id, id.0, &week).await?;
    }
    tx.commit().await?;
    get(app, &Actor::Member(ctx.clone()), id).await
}

/// Deletes an inbox with its conversations (administrators); the files of their messages are
/// removed from disk once this commits.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, inbox.id = %id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: InboxId) -> Result<()> {
    ctx.require(Permission::InboxManage)?;
    let mut tx = app.db.begin().await?;
    let deleted = sqlx::query!(
        "delete from inboxes where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound);
    }
    crate::storage::schedule_removal(&mut tx, app.clock.now(), ctx.account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// User ids of the inbox's members.
pub async fn member_ids(app: &AppState, actor: &Actor, id: InboxId) -> Result<Vec<UserId>> {
    let mut conn = app.db.acquire().await?;
    get_in(&mut conn, actor, id).await?;
    let ids = sqlx::query_scalar!(
        "select user_id from inbox_members where account_id = $1 and inbox_id = $2 order by user_id",
        actor.account_id().0,
        id.0
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// How [`change_members`] applies the given users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// Add them.
    Add,
    /// Make them the whole membership.
    Replace,
    /// Remove them.
    Remove,
}

/// Adds, replaces or removes inbox members (administrators). Users who are not members of the
/// account are refused with a 422 on `user_ids`, and nothing changes.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, inbox.id = %id))]
pub async fn change_members(
    app: &AppState,
    ctx: &AccountCtx,
    id: InboxId,
    users: &[UserId],
    change: MemberChange,
) -> Result<Vec<UserId>> {
    ctx.require(Permission::InboxManage)?;
    let actor = Actor::Member(ctx.clone());
    let mut tx = app.db.begin().await?;
    get_in(&mut tx, &actor, id).await?;
    let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    let invalid = sqlx::query_scalar!(
        r#"select count(*) as "n!" from unnest($2::bigint[]) as u(id)
           where not exists (select 1 from account_users au where au.account_id = $1 and au.user_id = u.id)"#,
        ctx.account_id.0,
        &ids
    )
    .fetch_one(&mut *tx)
    .await?;
    if invalid > 0 && change != MemberChange::Remove {
        return Err(Error::invalid(
            "user_ids",
            "contains users who are not members of the account",
        ));
    }
    if change == MemberChange::Replace {
        sqlx::query!(
            "delete from inbox_members where account_id = $1 and inbox_id = $2 and not (user_id = any($3))",
            ctx.account_id.0,
            id.0,
            &ids
        )
        .execute(&mut *tx)
        .await?;
    }
    if change == MemberChange::Remove {
        sqlx::query!(
            "delete from inbox_members where account_id = $1 and inbox_id = $2 and user_id = any($3)",
            ctx.account_id.0,
            id.0,
            &ids
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!(
            "insert into inbox_members (account_id, inbox_id, user_id)
             select $1, $2, unnest($3::bigint[]) on conflict do nothing",
            ctx.account_id.0,
            id.0,
            &ids
        )
        .execute(&mut *tx)
        .await
        .on_constraint("inbox_members_member_fkey", || {
            Error::invalid(
                "user_ids",
                "contains users who are not members of the account",
            )
        })?;
    }
    tx.commit().await?;
    member_ids(app, &actor, id).await
}
