//! The durable job queue: every background effect (webhook deliveries, automation runs, timers,
//! clean-ups) is a row in `jobs`, written in the same transaction as the change that causes it,
//! so a committed change always has its jobs and a rolled-back one has none.
//!
//! Invariants:
//! - Workers claim due rows with `for update skip locked`; several processes share one queue.
//! - Delivery is at least once (a process may die after the effect and before the delete), so
//!   every [`Job`] is idempotent.
//! - All times come from the [`crate::clock::Clock`] and reach SQL as parameters; tests move the
//!   clock and drain due jobs with [`worker::run_due_jobs`].
//! - A job with a `key` is unique among live jobs; enqueueing the key again replaces (timers that
//!   move) or preserves (periodic work) it, and [`remove_by_key`] cancels it.
//! - Jobs sharing a `queue` run one at a time, oldest first, across all processes.
//! - A job that fails its last attempt, or fails fatally, is kept as `dead` with its error.

pub mod registry;
pub mod worker;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgPool};

use crate::ids::{AccountId, JobId};
use crate::state::AppState;

/// Channel workers LISTEN on; an enqueue NOTIFYs it, delivered at commit.
pub const NOTIFY_CHANNEL: &str = "atende_jobs";

/// A kind of background work. Implementations are registered in [`registry`].
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name stored in `jobs.kind`; never rename one that may be queued.
    const KIND: &'static str;
    /// Attempts before the job is declared dead.
    const MAX_ATTEMPTS: i32 = 25;

    /// Does the work. Must be idempotent: it may run again after a crash.
    fn run(self, app: AppState) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// Why a job run did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Transient: retry with exponential backoff.
    #[error("{0:#}")]
    Retry(anyhow::Error),
    /// Transient with a known time to try again (a provider's `Retry-After`).
    #[error("retry at {at}: {reason}")]
    RetryAt {
        /// When to try again.
        at: DateTime<Utc>,
        /// What happened.
        reason: String,
    },
    /// Permanent: mark the job dead now.
    #[error("{0:#}")]
    Fatal(anyhow::Error),
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Retry(e)
    }
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Retry(e.into())
    }
}

impl From<crate::error::Error> for JobError {
    fn from(e: crate::error::Error) -> Self {
        JobError::Retry(e.into())
    }
}

/// What to do when a live job already holds the key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyMode {
    /// Replace its payload and run time (a deadline that moved).
    #[default]
    Replace,
    /// Keep the existing job untouched (periodic work already scheduled).
    Preserve,
}

/// Options of one enqueue.
#[derive(Clone, Debug, Default)]
pub struct JobSpec {
    /// When to run; `None` = now.
    pub run_at: Option<DateTime<Utc>>,
    /// Makes the job unique among live jobs; see [`KeyMode`].
    pub key: Option<String>,
    /// Behaviour when the key exists.
    pub key_mode: KeyMode,
    /// Jobs with the same queue run one at a time, in enqueue order.
    pub queue: Option<String>,
    /// Higher runs first among due jobs.
    pub priority: i16,
    /// Overrides [`Job::MAX_ATTEMPTS`].
    pub max_attempts: Option<i32>,
    /// The tenant the job works for, for observability.
    pub account_id: Option<AccountId>,
}

impl JobSpec {
    /// Run at `at`.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self {
            run_at: Some(at),
            ..Self::default()
        }
    }

    /// With a key (replace mode).
    pub fn keyed(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// In a serial queue.
    pub fn in_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }
}

/// Adds a job inside the caller's transaction (pass `&mut *tx`). Returns the job's id, or
/// `None` when [`KeyMode::Preserve`] kept an existing job.
pub async fn enqueue<J: Job>(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    job: &J,
    spec: JobSpec,
) -> anyhow::Result<Option<JobId>> {
    let payload = serde_json::to_value(job)?;
    let run_at = spec.run_at.unwrap_or(now);
    let max_attempts = spec.max_attempts.unwrap_or(J::MAX_ATTEMPTS);
    let account_id = spec.account_id.map(|a| a.0);
    let id = match (&spec.key, spec.key_mode) {
        (None, _) => Some(
            sqlx::query_scalar!(
                "insert into jobs (kind, payload, queue, priority, run_at, max_attempts, account_id, created_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
                J::KIND, payload, spec.queue, spec.priority, run_at, max_attempts, account_id, now
            )
            .fetch_one(&mut *conn)
            .await?,
        ),
        (Some(key), KeyMode::Preserve) => sqlx::query_scalar!(
            "insert into jobs (kind, payload, queue, key, priority, run_at, max_attempts, account_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             on conflict (key) do nothing returning id",
            J::KIND, payload, spec.queue, key, spec.priority, run_at, max_attempts, account_id, now
        )
        .fetch_optional(&mut *conn)
        .await?,
        (Some(key), KeyMode::Replace) => {
            // A running job keeps running but gives up its key, so the replacement is a new
            // row the running one cannot delete when it finishes.
            sqlx::query!("update jobs set key = null where key = $1 and locked_at is not null", key)
                .execute(&mut *conn)
                .await?;
            Some(
                sqlx::query_scalar!(
                    "insert into jobs (kind, payload, queue, key, priority, run_at, max_attempts, account_id, created_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     on conflict (key) do update set
                         kind = excluded.kind, payload = excluded.payload, queue = excluded.queue,
                         priority = excluded.priority, run_at = excluded.run_at,
                         max_attempts = excluded.max_attempts, account_id = excluded.account_id,
                         attempts = 0, last_error = null, state = 'pending', failed_at = null
                     returning id",
                    J::KIND, payload, spec.queue, key, spec.priority, run_at, max_attempts, account_id, now
                )
                .fetch_one(&mut *conn)
                .await?,
            )
        }
    };
    sqlx::query!("select pg_notify($1, $2)", NOTIFY_CHANNEL, J::KIND)
        .execute(&mut *conn)
        .await?;
    Ok(id.map(JobId))
}

/// Cancels the live job holding `key`, if any (a deadline that was met). A job already running
/// keeps running; it must re-check its conditions anyway.
pub async fn remove_by_key(conn: &mut PgConnection, key: &str) -> anyhow::Result<bool> {
    let removed = sqlx::query!("delete from jobs where key = $1 and locked_at is null", key)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query!("update jobs set key = null where key = $1", key)
        .execute(&mut *conn)
        .await?;
    Ok(removed > 0)
}

/// A job as listed for operators.
#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    /// Row id.
    pub id: JobId,
    /// Job kind.
    pub kind: String,
    /// `pending` or `dead`.
    pub state: String,
    /// Serial queue, if any.
    pub queue: Option<String>,
    /// Key, if any.
    pub key: Option<String>,
    /// Attempts made so far.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Next run time.
    pub run_at: DateTime<Utc>,
    /// When it died.
    pub failed_at: Option<DateTime<Utc>>,
    /// The payload.
    pub payload: serde_json::Value,
}

/// Dead jobs, newest first.
pub async fn list_dead(pool: &PgPool, limit: i64) -> anyhow::Result<Vec<JobRow>> {
    Ok(sqlx::query_as!(
        JobRow,
        "select id, kind, state, queue, key, attempts, last_error, run_at, failed_at, payload
         from jobs where state = 'dead' order by failed_at desc, id desc limit $1",
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// Jobs that have failed at least once and are still pending or dead (tests assert there are none).
pub async fn list_failed(pool: &PgPool) -> anyhow::Result<Vec<JobRow>> {
    Ok(sqlx::query_as!(
        JobRow,
        "select id, kind, state, queue, key, attempts, last_error, run_at, failed_at, payload
         from jobs where last_error is not null order by id"
    )
    .fetch_all(pool)
    .await?)
}

/// Puts a dead job back in the queue for one more round of attempts.
pub async fn retry_dead(pool: &PgPool, id: JobId, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let updated = sqlx::query!(
        "update jobs set state = 'pending', attempts = 0, run_at = $2, failed_at = null
         where id = $1 and state = 'dead'",
        id.0,
        now
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(updated > 0)
}

/// Job counts for `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JobCounts {
    /// Due and waiting for a worker.
    pub ready: i64,
    /// Waiting for their run time.
    pub scheduled: i64,
    /// Locked by a worker.
    pub running: i64,
    /// Failed for good.
    pub dead: i64,
}

/// Counts jobs by state at `now`.
pub async fn counts(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<JobCounts> {
    let row = sqlx::query!(
        r#"select
             count(*) filter (where state = 'pending' and locked_at is null and run_at <= $1) as "ready!",
             count(*) filter (where state = 'pending' and locked_at is null and run_at > $1) as "scheduled!",
             count(*) filter (where state = 'pending' and locked_at is not null) as "running!",
             count(*) filter (where state = 'dead') as "dead!"
           from jobs"#,
        now
    )
    .fetch_one(pool)
    .await?;
    Ok(JobCounts {
        ready: row.ready,
        scheduled: row.scheduled,
        running: row.running,
        dead: row.dead,
    })
}
