//! Sending one delivery: sign, POST, record the attempt, and decide what happens next.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::events;
use crate::jobs::{Job, JobError};
use crate::state::AppState;

/// How long a failing delivery keeps being retried.
pub const RETRY_WINDOW_HOURS: i64 = 24;

/// The wait before retry number `n` (1-based): 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then
/// every 6 h — about ten attempts over a little more than a day.
pub fn retry_delay(n: i32) -> Duration {
    match n {
        ..=1 => Duration::seconds(30),
        2 => Duration::minutes(2),
        3 => Duration::minutes(10),
        4 => Duration::minutes(30),
        5 => Duration::hours(1),
        6 => Duration::hours(2),
        7 => Duration::hours(4),
        _ => Duration::hours(6),
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>").
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delivers one (target, event) pair. Idempotent: a delivery that already ended is left alone.
#[derive(Debug, Serialize, Deserialize)]
pub struct Deliver {
    /// The `webhook_deliveries` row.
    pub delivery_id: i64,
}

enum Verdict {
    Delivered,
    /// Give up now (4xx other than 429, a refused target, a vanished subject).
    Permanent(String),
    /// Try again, at the given time if the receiver said when.
    Transient(String, Option<DateTime<Utc>>),
}

impl Job for Deliver {
    const KIND: &'static str = "webhooks.deliver";
    const MAX_ATTEMPTS: i32 = 100;

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let mut conn = app.db.acquire().await?;
        let row = sqlx::query!(
            r#"select d.account_id, d.event_id, d.url, d.event, d.delivery_id, d.payload, d.state, d.attempts,
                      d.first_attempt_at, d.webhook_id, d.inbox_id, w.enabled as "enabled?",
                      coalesce(w.secret, c.hmac_token) as "secret?"
               from webhook_deliveries d
               left join webhooks w on w.account_id = d.account_id and w.id = d.webhook_id
               left join channel_api c on c.account_id = d.account_id and c.inbox_id = d.inbox_id
               where d.id = $1"#,
            self.delivery_id
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(()) };
        if row.state != "pending" {
            return Ok(());
        }
        let now = app.clock.now();
        if row.enabled == Some(false) {
            finish(
                &app,
                self.delivery_id,
                "failed",
                None,
                Some("the webhook is disabled"),
                0,
                now,
            )
            .await?;
            return Ok(());
        }
        let payload = match row.payload {
            Some(payload) => payload,
            None => {
                let Some(event_id) = row.event_id else {
                    return Ok(());
                };
                let Some(event) = events::load(&mut conn, event_id).await? else {
                    return Ok(());
                };
                match super::payload::build(&app, &mut conn, &event).await? {
                    Some(payload) => {
                        sqlx::query!(
                            "update webhook_deliveries set payload = $2 where id = $1",
                            self.delivery_id,
                            payload
                        )
                        .execute(&mut *conn)
                        .await?;
                        payload
                    }
                    None => {
                        finish(
                            &app,
                            self.delivery_id,
                            "failed",
                            None,
                            Some("the conversation, message or contact no longer exists"),
                            0,
                            now,
                        )
                        .await?;
                        return Ok(());
                    }
                }
            }
        };
        drop(conn);
        let body = payload.to_string();
        let started = Instant::now();
        let (status, verdict) = send(
            &app,
            &row.url,
            &row.event,
            row.delivery_id,
            row.secret.as_deref(),
            &body,
            now,
        )
        .await;
        let latency = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let error = match &verdict {
            Verdict::Delivered => None,
            Verdict::Permanent(e) | Verdict::Transient(e, _) => Some(e.clone()),
        };
        sqlx::query!(
            "insert into webhook_attempts (delivery_id, attempted_at, status, latency_ms, error) values ($1, $2, $3, $4, $5)",
            self.delivery_id,
            now,
            status,
            latency,
            error
        )
        .execute(&app.db)
        .await?;
        let first_attempt = row.first_attempt_at.unwrap_or(now);
        match verdict {
            Verdict::Delivered => {
                finish(
                    &app,
                    self.delivery_id,
                    "succeeded",
                    status,
                    None,
                    latency,
                    now,
                )
                .await?;
                if let Some(webhook) = row.webhook_id {
                    sqlx::query!(
                        "update webhooks set failing_since = null where id = $1",
                        webhook
                    )
                    .execute(&app.db)
                    .await?;
                }
                Ok(())
            }
            Verdict::Permanent(reason) => {
                finish(
                    &app,
                    self.delivery_id,
                    "failed",
                    status,
                    Some(&reason),
                    latency,
                    now,
                )
                .await?;
                failed(
                    &app,
                    row.webhook_id,
                    row.inbox_id.is_some(),
                    row.event_id,
                    &reason,
                    now,
                )
                .await?;
                Ok(())
            }
            Verdict::Transient(reason, retry_at) => {
                let attempts = row.attempts + 1;
                if now - first_attempt >= Duration::hours(RETRY_WINDOW_HOURS) {
                    finish(
                        &app,
                        self.delivery_id,
                        "failed",
                        status,
                        Some(&reason),
                        latency,
                        now,
                    )
                    .await?;
                    failed(
                        &app,
                        row.webhook_id,
                        row.inbox_id.is_some(),
                        row.event_id,
                        &reason,
                        now,
                    )
                    .await?;
                    return Ok(());
                }
                sqlx::query!(
                    "update webhook_deliveries set attempts = $2, last_status = $3, last_error = $4, last_latency_ms = $5,
                         first_attempt_at = coalesce(first_attempt_at, $6)
                     where id = $1",
                    self.delivery_id,
                    attempts,
                    status,
                    reason,
                    latency,
                    now
                )
                .execute(&app.db)
                .await?;
                if let Some(webhook) = row.webhook_id {
                    note_failure(&app, webhook, &reason, now).await?;
                }
                let at = retry_at
                    .unwrap_or(now + retry_delay(attempts))
                    .max(now + Duration::seconds(1));
                Err(JobError::RetryAt { at, reason })
            }
        }
    }
}

async fn send(
    app: &AppState,
    url: &str,
    event: &str,
    delivery: uuid::Uuid,
    secret: Option<&str>,
    body: &str,
    now: DateTime<Utc>,
) -> (Option<i32>, Verdict) {
    // Checked at every attempt: a host may resolve elsewhere since the webhook was saved.
    if let Err(reason) = app.outbound.check_url(url).await {
        return (
            None,
            Verdict::Permanent(format!("target refused: {reason}")),
        );
    }
    let timestamp = now.timestamp();
    let mut request = app
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("x-atende-event", event)
        .header("x-atende-delivery", delivery.to_string())
        .header("x-atende-timestamp", timestamp.to_string());
    // Account webhooks and inbox URLs have a secret; an automation's or a macro's URL has none
    // (as in Chatwoot), so its deliveries are not signed.
    if let Some(secret) = secret {
        request = request.header("x-atende-signature", signature(secret, timestamp, body));
    }
    let response = request.body(body.to_owned()).send().await;
    match response {
        Err(e) if e.is_timeout() => (None, Verdict::Transient("timed out".into(), None)),
        Err(e) => (
            None,
            Verdict::Transient(format!("could not connect: {}", root_cause(&e)), None),
        ),
        Ok(response) => {
            let status = response.status();
            let code = Some(i32::from(status.as_u16()));
            if status.is_success() {
                return (code, Verdict::Delivered);
            }
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(|secs| now + Duration::seconds(secs.clamp(1, 6 * 3600)));
            let reason = format!("HTTP {}", status.as_u16());
            if status.as_u16() == 429 || status.is_server_error() {
                (code, Verdict::Transient(reason, retry_after))
            } else {
                (code, Verdict::Permanent(reason))
            }
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

async fn finish(
    app: &AppState,
    delivery: i64,
    state: &str,
    status: Option<i32>,
    error: Option<&str>,
    latency: i32,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query!(
        "update webhook_deliveries set state = $2, attempts = attempts + 1, last_status = coalesce($3, last_status),
             last_error = $4, last_latency_ms = $5, completed_at = $6, first_attempt_at = coalesce(first_attempt_at, $6)
         where id = $1",
        delivery,
        state,
        status,
        error,
        latency,
        now
    )
    .execute(&app.db)
    .await?;
    Ok(())
}

/// A delivery failed for good: the webhook may have to be disabled; an inbox webhook's message
/// is marked failed, as Chatwoot does, so agents see the customer did not get it.
async fn failed(
    app: &AppState,
    webhook: Option<i64>,
    inbox_target: bool,
    event_id: Option<i64>,
    reason: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some(webhook) = webhook {
        note_failure(app, webhook, reason, now).await?;
    }
    if inbox_target {
        sqlx::query!(
            "update messages m set status = 'failed', external_error = $2, updated_at = $3
             from events e where e.id = $1 and e.kind in ('message_created', 'message_updated')
               and m.account_id = e.account_id and m.id = e.message_id and m.message_type in ('outgoing', 'template')",
            event_id,
            format!("webhook delivery failed: {reason}"),
            now
        )
        .execute(&app.db)
        .await?;
    }
    Ok(())
}

/// Starts (or continues) a webhook's failing streak; after 24 hours of nothing but failures the
/// webhook is disabled and says why.
async fn note_failure(
    app: &AppState,
    webhook: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let disabled = sqlx::query_scalar!(
        "update webhooks set failing_since = coalesce(failing_since, $2),
             enabled = case when coalesce(failing_since, $2) <= $2 - interval '24 hours' then false else enabled end,
             disabled_reason = case when enabled and coalesce(failing_since, $2) <= $2 - interval '24 hours'
                                    then $3 else disabled_reason end
         where id = $1 returning not enabled",
        webhook,
        now,
        format!("Disabled on {}: every delivery failed for 24 hours (last error: {reason})", now.format("%Y-%m-%d %H:%M UTC"))
    )
    .fetch_one(&app.db)
    .await?;
    if disabled == Some(true) {
        tracing::warn!(
            webhook.id = webhook,
            reason,
            "webhook disabled after failing for 24 hours"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            signature("secret", 1_700_000_000, "{}"),
            "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn retries_cover_more_than_a_day() {
        let total: Duration = (1..=10).map(retry_delay).sum();
        assert!(total >= Duration::hours(24), "{total}");
        assert!(retry_delay(1) < retry_delay(2));
    }
}
