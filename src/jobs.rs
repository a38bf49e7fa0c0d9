//! The durable job queue: every background effect (webhook sends, event dispatch, automation
//! actions, timers, clean-ups) is a row in `jobs`, written in the same transaction as the change
//! that causes it, so a committed change always has its jobs and a rolled-back one has none.
//!
//! Invariants (docs/decisions/0001-own-job-queue.md, 0005-backbone.md):
//! - Workers claim due rows in batches with `for update skip locked`, reading the start of one
//!   index on `(run_at, id)`: the cost of a claim does not depend on the backlog or on how many
//!   timers wait in the future. Several processes share one queue.
//! - A claimed job holds a short lease that its process renews while it runs; a job whose lease
//!   ran out (its process died) is given back and retried. A clean shutdown gives back what it
//!   could not finish before the pool closes.
//! - Delivery is at least once, so every [`Job`] is idempotent.
//! - All times come from the [`crate::clock::Clock`] and reach SQL as parameters; tests move the
//!   clock and drain due jobs with [`worker::run_due_jobs`].
//! - A job with a `key` is unique among pending jobs; enqueueing the key again replaces it,
//!   keeps it, or moves it earlier ([`KeyMode`]), and [`remove_by_key`] cancels it. A keyed job
//!   gives its key up when it starts, and a pending job of the same key waits until it ends: a
//!   key never runs twice at once, and work enqueued during a run gets a run of its own. This is
//!   what batch "drain" jobs rely on (one per account or target, enqueued on every write).
//! - Jobs sharing a `queue` run one at a time, oldest first, across all processes; the queue's
//!   row in `job_queues` orders each enqueue against the completion of the queue's head.
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

/// Channel workers LISTEN on; an enqueue NOTIFYs it, delivered at commit. The name is also
/// written in `jobs_enqueue_keyed` (migrations).
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

/// What to do when a pending job already holds the key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyMode {
    /// Replace its payload and run time (a deadline that moved).
    #[default]
    Replace,
    /// Keep the existing job untouched (periodic work already scheduled; a drain that is already
    /// due).
    Preserve,
    /// Keep the existing job, but move its run time earlier if this one is due sooner (a drain
    /// waiting for a retry that new work makes due now).
    Earliest,
}

impl KeyMode {
    /// The mode as `jobs_enqueue_keyed` (the migration's SQL function) names it.
    pub fn as_sql(self) -> &'static str {
        match self {
            KeyMode::Replace => "replace",
            KeyMode::Preserve => "preserve",
            KeyMode::Earliest => "earliest",
        }
    }
}

/// Options of one enqueue.
#[derive(Clone, Debug, Default)]
pub struct JobSpec {
    /// When to run; `None` = now.
    pub run_at: Option<DateTime<Utc>>,
    /// Makes the job unique among pending jobs (see [`KeyMode`]); a running job of the same key
    /// keeps running, and the pending one waits for it to end.
    pub key: Option<String>,
    /// Behaviour when the key exists.
    pub key_mode: KeyMode,
    /// Jobs with the same queue run one at a time, in enqueue order. Not combined with a key.
    pub queue: Option<String>,
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

    /// With a key and what to do when it exists.
    pub fn keyed_with(mut self, key: impl Into<String>, mode: KeyMode) -> Self {
        self.key = Some(key.into());
        self.key_mode = mode;
        self
    }

    /// In a serial queue.
    pub fn in_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }

    /// For an account.
    pub fn for_account(mut self, account_id: AccountId) -> Self {
        self.account_id = Some(account_id);
        self
    }
}

/// Adds a job inside the caller's transaction (pass `&mut *tx`). Returns the job's id, or
/// `None` when [`KeyMode::Preserve`] or [`KeyMode::Earliest`] kept an existing job. Workers are
/// woken (NOTIFY, delivered at commit) only when a row was written.
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
    let id = match (&spec.key, &spec.queue) {
        (Some(_), Some(_)) => anyhow::bail!("a keyed job cannot be in a serial queue"),
        (None, None) => sqlx::query_scalar!(
            r#"with j as (
                 insert into jobs (kind, payload, state, run_at, max_attempts, account_id, created_at)
                 values ($1, $2, 'pending', $3, $4, $5, $6) returning id
             )
             select j.id as "id!" from j cross join lateral (select pg_notify($7, $1)) n"#,
            J::KIND, payload, run_at, max_attempts, account_id, now, NOTIFY_CHANNEL
        )
        .fetch_optional(&mut *conn)
        .await?,
        // The queue's row orders this enqueue against the completion of its head: the first
        // job of an idle queue is its head, the others wait.
        (None, Some(queue)) => sqlx::query_scalar!(
            r#"with q as (
                 insert into job_queues (name, size) values ($7, 1)
                 on conflict (name) do update set size = job_queues.size + 1
                 returning size
             ), j as (
                 insert into jobs (kind, payload, queue, state, run_at, max_attempts, account_id, created_at)
                 select $1, $2, $7, case when q.size = 1 then 'pending' else 'queued' end, $3, $4, $5, $6 from q
                 returning id
             )
             select j.id as "id!" from j cross join lateral (select pg_notify($8, $1)) n"#,
            J::KIND, payload, run_at, max_attempts, account_id, now, queue, NOTIFY_CHANNEL
        )
        .fetch_optional(&mut *conn)
        .await?,
        (Some(key), None) => sqlx::query_scalar!(
            "select jobs_enqueue_keyed($1, $2, $3, $4, $5, $6, $7, $8)",
            J::KIND,
            payload,
            key,
            spec.key_mode.as_sql(),
            run_at,
            max_attempts,
            account_id,
            now
        )
        .fetch_one(&mut *conn)
        .await?,
    };
    Ok(id.map(JobId))
}

/// Cancels the pending job holding `key`, if any (a deadline that was met). A job already
/// running keeps running; it must re-check its conditions anyway.
pub async fn remove_by_key(conn: &mut PgConnection, key: &str) -> anyhow::Result<bool> {
    let removed = sqlx::query!("delete from jobs where key = $1 and state = 'pending'", key)
        .execute(&mut *conn)
        .await?
        .rows_affected();
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

/// Puts a dead job back in the queue for one more round of attempts (behind the head of its
/// serial queue, if it has one).
pub async fn retry_dead(pool: &PgPool, id: JobId, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    let Some(queue) = sqlx::query_scalar!(
        "select queue from jobs where id = $1 and state = 'dead' for update",
        id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    let head = match queue {
        Some(queue) => {
            sqlx::query_scalar!(
                "insert into job_queues (name, size) values ($1, 1)
                 on conflict (name) do update set size = job_queues.size + 1 returning size",
                queue
            )
            .fetch_one(&mut *tx)
            .await?
                == 1
        }
        None => true,
    };
    sqlx::query!(
        "update jobs set state = $3, attempts = 0, run_at = $2, failed_at = null where id = $1",
        id.0,
        now,
        if head { "pending" } else { "queued" }
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("select pg_notify($1, 'retry')", NOTIFY_CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Job counts for `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JobCounts {
    /// Due and waiting for a worker.
    pub ready: i64,
    /// Waiting for their run time.
    pub scheduled: i64,
    /// Waiting behind the head of their serial queue.
    pub queued: i64,
    /// Held by a worker.
    pub running: i64,
    /// Failed for good.
    pub dead: i64,
}

/// Counts jobs by state at `now`.
pub async fn counts(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<JobCounts> {
    let row = sqlx::query!(
        r#"select
             count(*) filter (where state = 'pending' and run_at <= $1) as "ready!",
             count(*) filter (where state = 'pending' and run_at > $1) as "scheduled!",
             count(*) filter (where state = 'queued') as "queued!",
             count(*) filter (where state = 'running') as "running!",
             count(*) filter (where state = 'dead') as "dead!"
           from jobs"#,
        now
    )
    .fetch_one(pool)
    .await?;
    Ok(JobCounts {
        ready: row.ready,
        scheduled: row.scheduled,
        queued: row.queued,
        running: row.running,
        dead: row.dead,
    })
}
