//! Browser sessions in Postgres: a `tower_sessions::SessionStore` over the `sessions` table, and
//! the periodic job that deletes expired sessions and stale login failures.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::jobs::{Job, JobError, JobSpec};
use crate::state::AppState;

/// Sessions stored in the `sessions` table; safe with many processes (no in-memory cache).
#[derive(Clone, Debug)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl PgSessionStore {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn to_time(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is retried rather than overwriting a session.
        loop {
            let data = serde_json::to_value(&record.data).map_err(backend)?;
            let inserted = sqlx::query!(
                "insert into sessions (id, data, expires_at) values ($1, $2, $3) on conflict (id) do nothing",
                record.id.to_string(),
                data,
                to_chrono(record.expiry_date)
            )
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_value(&record.data).map_err(backend)?;
        sqlx::query!(
            "insert into sessions (id, data, expires_at) values ($1, $2, $3)
             on conflict (id) do update set data = excluded.data, expires_at = excluded.expires_at",
            record.id.to_string(),
            data,
            to_chrono(record.expiry_date)
        )
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sqlx::query!(
            "select data, expires_at from sessions where id = $1 and expires_at > now()",
            id.to_string()
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data = serde_json::from_value(row.data).map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_time(row.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!("delete from sessions where id = $1", id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Deletes expired sessions, expired password-reset links and login failures older than a day
/// (sign-in and reset throttling look back an hour at most), then schedules its next run
/// an hour later. Queued once per database at start-up under [`Self::KEY`] (see [`crate::app::job_registry`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DeleteExpiredSessions;

impl DeleteExpiredSessions {
    /// Job key: there is one of these per database.
    pub const KEY: &'static str = "periodic:delete_expired_sessions";
}

impl Job for DeleteExpiredSessions {
    const KIND: &'static str = "sessions.delete_expired";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let sessions = sqlx::query!("delete from sessions where expires_at <= $1", now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let failures = sqlx::query!(
            "delete from login_failures where at < $1",
            now - chrono::Duration::days(1)
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let resets = sqlx::query!("delete from password_resets where expires_at <= $1", now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let next = JobSpec::at(now + chrono::Duration::hours(1)).keyed(Self::KEY);
        crate::jobs::enqueue(&mut tx, now, &Self, next).await?;
        tx.commit().await?;
        tracing::info!(
            sessions,
            login_failures = failures,
            password_resets = resets,
            "deleted expired sessions"
        );
        Ok(())
    }
}
