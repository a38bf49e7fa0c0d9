//! Claiming and running jobs: the long-running worker loop of `atende serve`, and
//! [`run_due_jobs`], which tests call to drain due jobs deterministically.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{JobError, NOTIFY_CHANNEL};
use crate::state::AppState;

/// A job this process has locked.
#[derive(Debug)]
struct Claimed {
    id: i64,
    kind: String,
    payload: serde_json::Value,
    attempts: i32,
    max_attempts: i32,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done and deleted.
    Completed,
    /// Failed; will be retried.
    Retrying,
    /// Failed for good; kept as dead.
    Dead,
}

async fn claim(
    pool: &PgPool,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> anyhow::Result<Option<Claimed>> {
    let abandoned_before = now - chrono::Duration::from_std(lease)?;
    // Only the oldest pending job of a serial queue is eligible, and only when nobody holds it,
    // so a queue runs one job at a time, in order, across processes.
    let row = sqlx::query_as!(
        Claimed,
        "with next as (
             select j.id from jobs j
             where j.state = 'pending' and j.run_at <= $1
               and (j.locked_at is null or j.locked_at < $3)
               and (j.queue is null
                    or j.id = (select min(h.id) from jobs h where h.queue = j.queue and h.state = 'pending'))
             order by j.priority desc, j.run_at, j.id
             limit 1
             for update of j skip locked
         )
         update jobs set locked_at = $1, locked_by = $2, attempts = jobs.attempts + 1
         from next where jobs.id = next.id
         returning jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts",
        now,
        worker,
        abandoned_before
    )
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Exponential backoff: e^attempts seconds, capped at six hours.
fn backoff(attempts: i32) -> chrono::Duration {
    let secs = (attempts.clamp(1, 10) as f64).exp().min(6.0 * 3600.0);
    chrono::Duration::milliseconds((secs * 1000.0) as i64)
}

async fn finish(
    app: &AppState,
    worker: &str,
    job: &Claimed,
    result: Result<(), JobError>,
) -> anyhow::Result<Outcome> {
    let now = app.clock.now();
    let (error, retry_at) = match result {
        Ok(()) => {
            sqlx::query!(
                "delete from jobs where id = $1 and locked_by = $2",
                job.id,
                worker
            )
            .execute(&app.db)
            .await?;
            return Ok(Outcome::Completed);
        }
        Err(JobError::Retry(e)) => (format!("{e:#}"), Some(now + backoff(job.attempts))),
        Err(JobError::RetryAt { at, reason }) => (reason, Some(at.max(now))),
        Err(JobError::Fatal(e)) => (format!("{e:#}"), None),
    };
    match retry_at.filter(|_| job.attempts < job.max_attempts) {
        Some(at) => {
            tracing::warn!(job.id = job.id, job.kind = %job.kind, attempts = job.attempts, error = %error, retry_at = %at, "job failed; will retry");
            sqlx::query!(
                "update jobs set locked_at = null, locked_by = null, last_error = $3, run_at = $4
                 where id = $1 and locked_by = $2",
                job.id,
                worker,
                error,
                at
            )
            .execute(&app.db)
            .await?;
            Ok(Outcome::Retrying)
        }
        None => {
            tracing::error!(job.id = job.id, job.kind = %job.kind, attempts = job.attempts, error = %error, "job failed for good; kept as dead");
            sqlx::query!(
                "update jobs set state = 'dead', locked_at = null, locked_by = null, key = null,
                     last_error = $3, failed_at = $4
                 where id = $1 and locked_by = $2",
                job.id,
                worker,
                error,
                now
            )
            .execute(&app.db)
            .await?;
            Ok(Outcome::Dead)
        }
    }
}

/// Runs one claimed job to its outcome: panics and timeouts count as retryable failures.
async fn execute(app: &AppState, worker: &str, job: Claimed) -> anyhow::Result<Outcome> {
    let span = tracing::info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
    async {
        let started = std::time::Instant::now();
        let run = app
            .jobs
            .dispatch(&job.kind, job.payload.clone(), app.clone());
        let result = match tokio::time::timeout(
            app.config.workers.job_timeout,
            AssertUnwindSafe(run).catch_unwind(),
        )
        .await
        {
            Ok(Ok(result)) => result,
            Ok(Err(_panic)) => Err(JobError::Retry(anyhow::anyhow!("job panicked"))),
            Err(_elapsed) => Err(JobError::Retry(anyhow::anyhow!("job timed out"))),
        };
        let outcome = finish(app, worker, &job, result).await?;
        app.metrics
            .job_finished(&job.kind, outcome, started.elapsed());
        tracing::debug!(?outcome, "job finished");
        Ok(outcome)
    }
    .instrument(span)
    .await
}

/// Runs every job that is due by the application's clock, one at a time, until none is left.
/// Jobs that become due while draining (a retry in the past, a job enqueued by a job) run too.
/// Returns how many runs happened. Panics past 10,000 runs: a job that re-enqueues itself as
/// due forever is a bug, not a workload.
pub async fn run_due_jobs(app: &AppState) -> anyhow::Result<usize> {
    let worker = format!("drain-{}", uuid::Uuid::new_v4());
    let mut runs = 0;
    while let Some(job) = claim(&app.db, &worker, app.clock.now(), app.config.workers.lease).await?
    {
        execute(app, &worker, job).await?;
        runs += 1;
        assert!(
            runs < 10_000,
            "jobs keep becoming due; a job re-enqueues itself as due"
        );
    }
    Ok(runs)
}

/// The background worker of one process: claims due jobs up to the configured concurrency,
/// wakes on NOTIFY, at the next scheduled run time, or after the poll interval, and stops
/// claiming when `cancel` fires. Running jobs get `grace` to finish; the rest are released.
pub async fn run(app: AppState, cancel: CancellationToken, grace: Duration) -> anyhow::Result<()> {
    let settings = app.config.workers.clone();
    let worker = format!("{}-{}", hostname(), uuid::Uuid::new_v4());
    tracing::info!(worker = %worker, concurrency = settings.concurrency, "job worker started");
    super::registry::schedule_periodic(&app).await?;
    let mut listener = PgListener::connect_with(&app.db).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut running: JoinSet<()> = JoinSet::new();
    loop {
        // Fill every free slot with a due job.
        while let Ok(permit) = permits.clone().try_acquire_owned() {
            match claim(&app.db, &worker, app.clock.now(), settings.lease).await {
                Ok(Some(job)) => {
                    let (app, worker) = (app.clone(), worker.clone());
                    running.spawn(async move {
                        if let Err(e) = execute(&app, &worker, job).await {
                            tracing::error!(error = %format!("{e:#}"), "recording a job outcome failed");
                        }
                        drop(permit);
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "claiming a job failed");
                    break;
                }
            }
        }
        let wait = next_wake(&app, settings.poll_interval).await;
        tokio::select! {
            _ = cancel.cancelled() => break,
            notification = listener.try_recv() => match notification {
                Ok(Some(_)) => {}
                // The connection dropped and was re-established; anything notified meanwhile
                // is still in the table, so the next pass finds it.
                Ok(None) => tracing::warn!("job listener reconnected"),
                Err(e) => {
                    tracing::warn!(error = %e, "job listener failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    drain(&app, &worker, running, grace).await;
    tracing::info!(worker = %worker, "job worker stopped");
    Ok(())
}

/// How long to sleep: until the next scheduled job, at most `poll`.
async fn next_wake(app: &AppState, poll: Duration) -> Duration {
    let next: Option<DateTime<Utc>> = sqlx::query_scalar!(
        "select min(run_at) from jobs where state = 'pending' and locked_at is null"
    )
    .fetch_one(&app.db)
    .await
    .unwrap_or(None);
    match next {
        Some(at) => (at - app.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(poll),
        None => poll,
    }
}

async fn drain(app: &AppState, worker: &str, mut running: JoinSet<()>, grace: Duration) {
    let finished = tokio::time::timeout(grace, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        running.abort_all();
        // Give the interrupted jobs back, without counting the interrupted attempt.
        let released = sqlx::query!(
            "update jobs set locked_at = null, locked_by = null, attempts = greatest(attempts - 1, 0)
             where locked_by = $1",
            worker
        )
        .execute(&app.db)
        .await;
        if let Err(e) = released {
            tracing::error!(error = %e, "releasing interrupted jobs failed; they wait for their lease to expire");
        }
    }
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "atende".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        assert_eq!(backoff(1).num_milliseconds(), 2718);
        assert!(backoff(5) > backoff(4));
        assert_eq!(backoff(50), backoff(10));
        assert!(backoff(10) <= chrono::Duration::hours(6));
    }
}
