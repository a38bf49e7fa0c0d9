//! Webhook settings (administrators) and the delivery log.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::auth::context::AccountCtx;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::{AccountId, InboxId};
use crate::roles::Permission;
use crate::state::AppState;

/// Event names a webhook may subscribe to (Chatwoot's list, so existing clients validate).
pub const SUBSCRIPTIONS: [&str; 12] = [
    "conversation_created",
    "conversation_status_changed",
    "conversation_updated",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "inbox_created",
    "inbox_updated",
    "conversation_typing_on",
    "conversation_typing_off",
];

/// A webhook.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: AccountId,
    /// Label.
    pub name: Option<String>,
    /// Target URL.
    pub url: String,
    /// Event names.
    pub subscriptions: Vec<String>,
    /// Only events of this inbox, if set.
    pub inbox: Option<(InboxId, String)>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Since when every delivery fails.
    pub failing_since: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Fields of a create or update.
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    /// Target URL.
    pub url: Option<String>,
    /// Label (`Some(None)` clears it).
    pub name: Option<Option<String>>,
    /// Event names.
    pub subscriptions: Option<Vec<String>>,
    /// Inbox filter (`Some(None)` clears it).
    pub inbox_id: Option<Option<InboxId>>,
    /// Turn deliveries on or off (on also clears a disabling reason).
    pub enabled: Option<bool>,
}

async fn load(app: &AppState, account_id: AccountId, id: Option<i64>) -> Result<Vec<Webhook>> {
    let rows = sqlx::query!(
        r#"select w.id, w.name, w.url, w.subscriptions, w.inbox_id, i.name as "inbox_name?", w.enabled,
                  w.disabled_reason, w.failing_since, w.created_at
           from webhooks w left join inboxes i on i.account_id = w.account_id and i.id = w.inbox_id
           where w.account_id = $1 and ($2::bigint is null or w.id = $2) order by w.id"#,
        account_id.0,
        id
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Webhook {
            id: r.id,
            account_id,
            name: r.name,
            url: r.url,
            subscriptions: r.subscriptions,
            inbox: r
                .inbox_id
                .map(|id| (InboxId(id), r.inbox_name.unwrap_or_default())),
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            failing_since: r.failing_since,
            created_at: r.created_at,
        })
        .collect())
}

/// The account's webhooks.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Webhook>> {
    ctx.require(Permission::WebhookManage)?;
    load(app, ctx.account_id, None).await
}

/// One webhook.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<Webhook> {
    ctx.require(Permission::WebhookManage)?;
    load(app, ctx.account_id, Some(id))
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

async fn check(
    app: &AppState,
    ctx: &AccountCtx,
    input: &WebhookInput,
    creating: bool,
) -> Result<Option<String>> {
    let mut errors = FieldErrors::new();
    let url = match input.url.as_deref().map(str::trim) {
        Some(url) => match app.outbound.check_url(url).await {
            Ok(_) => Some(url.to_owned()),
            Err(reason) => {
                errors.add("url", reason);
                None
            }
        },
        None if creating => {
            errors.add("url", "can't be blank");
            None
        }
        None => None,
    };
    match &input.subscriptions {
        Some(list)
            if list.is_empty() || list.iter().any(|s| !SUBSCRIPTIONS.contains(&s.as_str())) =>
        {
            errors.add("subscriptions", "Invalid events")
        }
        None if creating => errors.add("subscriptions", "Invalid events"),
        _ => {}
    }
    if let Some(Some(inbox)) = input.inbox_id {
        let exists = sqlx::query_scalar!(
            r#"select exists (select 1 from inboxes where account_id = $1 and id = $2) as "exists!""#,
            ctx.account_id.0,
            inbox.0
        )
        .fetch_one(&app.db)
        .await?;
        if !exists {
            errors.add("inbox_id", "is invalid");
        }
    }
    errors.into_result()?;
    Ok(url)
}

fn url_taken() -> Error {
    Error::invalid("url", "has already been taken")
}

/// Creates a webhook; returns it with its signing secret, which is never shown again.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(
    app: &AppState,
    ctx: &AccountCtx,
    input: WebhookInput,
) -> Result<(Webhook, String)> {
    ctx.require(Permission::WebhookManage)?;
    let url = check(app, ctx, &input, true).await?.unwrap_or_default();
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let id = sqlx::query_scalar!(
        "insert into webhooks (account_id, name, url, subscriptions, inbox_id, secret, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
        ctx.account_id.0,
        input.name.flatten().filter(|n| !n.trim().is_empty()),
        url,
        &input.subscriptions.unwrap_or_default(),
        input.inbox_id.flatten().map(|i| i.0),
        secret,
        app.clock.now()
    )
    .fetch_one(&app.db)
    .await
    .on_constraint("webhooks_url_key", url_taken)?;
    tracing::info!(webhook.id = id, "webhook created");
    Ok((get(app, ctx, id).await?, secret))
}

/// Changes a webhook; enabling it again clears the reason it was disabled.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, webhook.id = id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: i64,
    input: WebhookInput,
) -> Result<Webhook> {
    ctx.require(Permission::WebhookManage)?;
    let url = check(app, ctx, &input, false).await?;
    let updated = sqlx::query!(
        "update webhooks set
             url = coalesce($3, url),
             name = case when $4 then $5 else name end,
             subscriptions = coalesce($6, subscriptions),
             inbox_id = case when $7 then $8 else inbox_id end,
             enabled = coalesce($9, enabled),
             disabled_reason = case when $9 then null else disabled_reason end,
             failing_since = case when $9 then null else failing_since end,
             updated_at = $10
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id,
        url,
        input.name.is_some(),
        input.name.clone().flatten(),
        input.subscriptions.as_deref(),
        input.inbox_id.is_some(),
        input.inbox_id.flatten().map(|i| i.0),
        input.enabled,
        app.clock.now()
    )
    .execute(&app.db)
    .await
    .on_constraint("webhooks_url_key", url_taken)?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    get(app, ctx, id).await
}

/// Deletes a webhook and its delivery log.
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<()> {
    ctx.require(Permission::WebhookManage)?;
    let deleted = sqlx::query!(
        "delete from webhooks where account_id = $1 and id = $2",
        ctx.account_id.0,
        id
    )
    .execute(&app.db)
    .await?
    .rows_affected();
    if deleted == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

/// One line of the delivery log.
#[derive(Clone, Debug)]
pub struct DeliveryLog {
    /// Row id.
    pub id: i64,
    /// Event name.
    pub event: String,
    /// The `X-Atende-Delivery` id.
    pub delivery_id: uuid::Uuid,
    /// `pending`, `succeeded` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// Last HTTP status.
    pub last_status: Option<i32>,
    /// Last error.
    pub last_error: Option<String>,
    /// Last latency.
    pub last_latency_ms: Option<i32>,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// When the delivery ended.
    pub completed_at: Option<DateTime<Utc>>,
}

/// The latest deliveries of a webhook, newest first.
pub async fn deliveries(
    app: &AppState,
    ctx: &AccountCtx,
    webhook_id: i64,
    limit: i64,
) -> Result<Vec<DeliveryLog>> {
    get(app, ctx, webhook_id).await?;
    Ok(sqlx::query_as!(
        DeliveryLog,
        "select id, event, delivery_id, state, attempts, last_status, last_error, last_latency_ms, created_at, completed_at
         from webhook_deliveries where account_id = $1 and webhook_id = $2 order by id desc limit $3",
        ctx.account_id.0,
        webhook_id,
        limit
    )
    .fetch_all(&app.db)
    .await?)
}

/// Sends a failed delivery again (same payload and delivery id).
pub async fn resend(
    app: &AppState,
    ctx: &AccountCtx,
    webhook_id: i64,
    delivery: i64,
) -> Result<()> {
    get(app, ctx, webhook_id).await?;
    let mut tx = app.db.begin().await?;
    let target = sqlx::query_scalar!(
        "update webhook_deliveries d set state = 'pending', stage = 'new', attempts = 0, first_attempt_at = null,
             completed_at = null, next_attempt_at = $4,
             stream = coalesce(d.stream, (select coalesce('conversation:' || e.conversation_id, 'contact:' || e.contact_id)
                                          from events e where e.id = d.event_id), 'account')
         where d.account_id = $1 and d.webhook_id = $2 and d.id = $3 and d.state = 'failed'
         returning d.target",
        ctx.account_id.0,
        webhook_id,
        delivery,
        app.clock.now()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::invalid("delivery", "only failed deliveries can be sent again"))?;
    super::delivery::Send::wake(&mut tx, app.clock.now(), ctx.account_id, &target).await?;
    tx.commit().await?;
    Ok(())
}
