//! Claiming and running jobs: the long-running worker loop of `atende serve` (batched claims,
//! leases renewed by a heartbeat, expired leases taken back, a shutdown that gives back what it
//! could not finish), and [`run_due_jobs`], which tests call to drain due jobs deterministically.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{JobError, NOTIFY_CHANNEL};
use crate::state::AppState;

/// A job this process holds.
#[derive(Debug)]
pub struct Claimed {
    /// Row id.
    pub id: i64,
    /// Job kind.
    pub kind: String,
    /// Payload.
    pub payload: serde_json::Value,
    /// Attempts, this one included.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// Serial queue.
    pub queue: Option<String>,
    /// The key it gave up when it started.
    pub lock_key: Option<String>,
    /// The account.
    pub account_id: Option<i64>,
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

/// Claims up to `limit` due jobs for `worker`, holding them for `lease`, fairly across accounts:
/// each account with due jobs offers its oldest ones, never more than `per_account` at once in
/// this worker (counting what it already runs), and the offers are taken oldest first. So one
/// account's thousands of due jobs take at most its share of the slots, and another account's
/// timer finds a free one. Jobs of no account (periodic sweeps) are taken oldest first beside
/// them. A pending job whose key is running elsewhere is skipped until that run ends.
///
/// The accounts are enumerated with a skip scan of `jobs_account_due_idx` (one index probe per
/// account with pending jobs), and each account's offer is one range of it, so the cost does
/// not grow with the backlog. The claimed rows are updated by primary key (`id =
/// any(array(...))`: a join here was planned, generically, as a hash join over the whole table
/// once a million timers waited).
pub async fn claim(
    pool: &PgPool,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
    per_account: usize,
) -> anyhow::Result<Vec<Claimed>> {
    let lease_until = now + chrono::Duration::from_std(lease)?;
    let per_account = i64::try_from(per_account.max(1)).unwrap_or(i64::MAX);
    let mut jobs = sqlx::query_as!(
        Claimed,
        r#"with recursive accounts as (
               (select j.account_id from jobs j
                where j.state = 'pending' and j.account_id is not null
                order by j.account_id limit 1)
               union all
               select (select j.account_id from jobs j
                       where j.state = 'pending' and j.account_id > a.account_id
                       order by j.account_id limit 1)
               from accounts a where a.account_id is not null
           ), busy as (
               select account_id, count(*) as n from jobs
               where state = 'running' and locked_by = $2 and account_id is not null
               group by account_id
           ), offers as (
               select o.id, o.run_at
               from accounts a
               left join busy b on b.account_id = a.account_id
               cross join lateral (
                   select j.id, j.run_at from jobs j
                   where j.state = 'pending' and j.account_id = a.account_id and j.run_at <= $1
                     and (j.key is null
                          or not exists (select 1 from jobs r where r.state = 'running' and r.lock_key = j.key))
                   order by j.run_at, j.id
                   limit greatest(least($5 - coalesce(b.n, 0), $4), 0)
                   for update of j skip locked
               ) o
               where a.account_id is not null
           ), system as (
               select j.id, j.run_at from jobs j
               where j.state = 'pending' and j.account_id is null and j.run_at <= $1
                 and (j.key is null
                      or not exists (select 1 from jobs r where r.state = 'running' and r.lock_key = j.key))
               order by j.run_at, j.id
               limit $4
               for update of j skip locked
           ), chosen as (
               select id from (select id, run_at from offers union all select id, run_at from system) c
               order by run_at, id
               limit $4
           )
           update jobs set state = 'running', locked_by = $2, lease_until = $3,
                           attempts = jobs.attempts + 1, lock_key = jobs.key, key = null
           where jobs.id = any(array(select id from chosen))
           returning jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts, jobs.queue,
                     jobs.lock_key, jobs.account_id"#,
        now,
        worker,
        lease_until,
        limit,
        per_account
    )
    .fetch_all(pool)
    .await?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Exponential backoff: e^attempts seconds, capped at six hours.
fn backoff(attempts: i32) -> chrono::Duration {
    let secs = (attempts.clamp(1, 10) as f64).exp().min(6.0 * 3600.0);
    chrono::Duration::milliseconds((secs * 1000.0) as i64)
}

/// The next job of a serial queue becomes its head, now that the previous head has left it.
async fn advance_queue(conn: &mut PgConnection, queue: &str) -> anyhow::Result<()> {
    let left = sqlx::query_scalar!(
        "update job_queues set size = size - 1 where name = $1 returning size",
        queue
    )
    .fetch_optional(&mut *conn)
    .await?;
    match left {
        // A separate statement, so it sees jobs enqueued by transactions the update waited for.
        Some(left) if left > 0 => {
            sqlx::query!(
                "update jobs set state = 'pending'
                 where id = (select id from jobs where queue = $1 and state = 'queued' order by id limit 1)",
                queue
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query!("select pg_notify($1, $2)", NOTIFY_CHANNEL, queue)
                .execute(&mut *conn)
                .await?;
        }
        _ => {
            sqlx::query!("delete from job_queues where name = $1 and size = 0", queue)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Puts a held job back to pending at `run_at`, with its key. When a newer job took the key in
/// the meantime, that job supersedes this one (same work, or a moved deadline), which is
/// deleted instead. Returns false when the job was no longer held by `worker`.
async fn give_back(
    conn: &mut PgConnection,
    id: i64,
    worker: &str,
    run_at: DateTime<Utc>,
    error: Option<&str>,
    count_attempt: bool,
) -> anyhow::Result<bool> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let restored = sqlx::query!(
        "update jobs set state = 'pending', locked_by = null, lease_until = null, run_at = $3,
             last_error = coalesce($4, last_error), key = lock_key, lock_key = null,
             attempts = case when $5 then attempts else greatest(attempts - 1, 0) end
         where id = $1 and locked_by = $2 and state = 'running'
           and (lock_key is null or not exists (select 1 from jobs p where p.key = jobs.lock_key))",
        id,
        worker,
        run_at,
        error,
        count_attempt
    )
    .execute(&mut *tx)
    .await;
    let restored = match restored {
        Ok(done) => done.rows_affected() > 0,
        // A newer job took the key between the check and the update.
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("jobs_key_key") => false,
        Err(e) => return Err(e.into()),
    };
    if !restored {
        let superseded = sqlx::query!(
            "delete from jobs where id = $1 and locked_by = $2 and state = 'running'",
            id,
            worker
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if superseded == 0 {
            return Ok(false);
        }
    }
    sqlx::query!("select pg_notify($1, 'given back')", NOTIFY_CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
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
            let mut tx = app.db.begin().await?;
            let deleted = sqlx::query!(
                "delete from jobs where id = $1 and locked_by = $2",
                job.id,
                worker
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if deleted > 0 {
                end_hold(&mut tx, job).await?;
            }
            tx.commit().await?;
            return Ok(Outcome::Completed);
        }
        Err(JobError::Retry(e)) => (format!("{e:#}"), Some(now + backoff(job.attempts))),
        Err(JobError::RetryAt { at, reason }) => (reason, Some(at.max(now))),
        Err(JobError::Fatal(e)) => (format!("{e:#}"), None),
    };
    match retry_at.filter(|_| job.attempts < job.max_attempts) {
        Some(at) => {
            tracing::warn!(job.id = job.id, job.kind = %job.kind, attempts = job.attempts, error = %error, retry_at = %at, "job failed; will retry");
            give_back(
                &mut *app.db.acquire().await?,
                job.id,
                worker,
                at,
                Some(&error),
                true,
            )
            .await?;
            Ok(Outcome::Retrying)
        }
        None => {
            tracing::error!(job.id = job.id, job.kind = %job.kind, attempts = job.attempts, error = %error, "job failed for good; kept as dead");
            let mut tx = app.db.begin().await?;
            let died = sqlx::query!(
                "update jobs set state = 'dead', locked_by = null, lease_until = null, key = null,
                     lock_key = null, last_error = $3, failed_at = $4
                 where id = $1 and locked_by = $2",
                job.id,
                worker,
                error,
                now
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if died > 0 {
                end_hold(&mut tx, job).await?;
            }
            tx.commit().await?;
            Ok(Outcome::Dead)
        }
    }
}

/// What follows a job leaving for good: its serial queue moves on, and a pending job of its key
/// (which waited for this run) is announced.
async fn end_hold(conn: &mut PgConnection, job: &Claimed) -> anyhow::Result<()> {
    if let Some(queue) = &job.queue {
        advance_queue(conn, queue).await?;
    }
    if job.lock_key.is_some() {
        sqlx::query!("select pg_notify($1, $2)", NOTIFY_CHANNEL, job.kind)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Runs one claimed job to its outcome: panics and timeouts count as retryable failures.
async fn execute(app: &AppState, worker: &str, job: Claimed) -> anyhow::Result<Outcome> {
    let span = tracing::info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
    async {
        let started = std::time::Instant::now();
        // A transaction that found this key pending (and so enqueued nothing) may still be
        // writing this run's work; it holds the key's lock shared until it commits (see
        // `jobs_enqueue_keyed`). When one does, a follow-up run picks up what it writes.
        let settled = match &job.lock_key {
            Some(key) => {
                sqlx::query_scalar!(
                    "select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as \"settled!\"",
                    key
                )
                .fetch_one(&app.db)
                .await?
            }
            None => true,
        };
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
        if let (false, Outcome::Completed, Some(key)) = (settled, outcome, &job.lock_key) {
            follow_up(app, &job, key).await?;
        }
        app.metrics
            .job_finished(&job.kind, outcome, started.elapsed());
        tracing::debug!(?outcome, "job finished");
        Ok(outcome)
    }
    .instrument(span)
    .await
}

/// Enqueues the key's job again shortly (kept if one is already pending).
async fn follow_up(app: &AppState, job: &Claimed, key: &str) -> anyhow::Result<()> {
    let now = app.clock.now();
    sqlx::query_scalar!(
        "select jobs_enqueue_keyed($1, $2, $3, 'preserve', $4, $5, $6, $7)",
        job.kind,
        job.payload,
        key,
        now + chrono::Duration::milliseconds(FOLLOW_UP_MS),
        job.max_attempts,
        job.account_id,
        now
    )
    .fetch_one(&app.db)
    .await?;
    Ok(())
}

/// Delay of a follow-up run: long enough for the transactions in flight to commit.
const FOLLOW_UP_MS: i64 = 20;

/// Runs every job that is due by the application's clock, one at a time, until none is left.
/// Jobs that become due while draining (a retry in the past, a job enqueued by a job) run too.
/// Returns how many runs happened. Panics past 10,000 runs: a job that re-enqueues itself as
/// due forever is a bug, not a workload.
pub async fn run_due_jobs(app: &AppState) -> anyhow::Result<usize> {
    let worker = format!("drain-{}", uuid::Uuid::new_v4());
    let mut runs = 0;
    loop {
        let claimed = claim(
            &app.db,
            &worker,
            app.clock.now(),
            app.config.workers.lease,
            1,
            app.config.workers.per_account,
        )
        .await?;
        let Some(job) = claimed.into_iter().next() else {
            break;
        };
        execute(app, &worker, job).await?;
        runs += 1;
        assert!(
            runs < 10_000,
            "jobs keep becoming due; a job re-enqueues itself as due"
        );
    }
    Ok(runs)
}

/// Takes back jobs whose lease ran out by the application's clock, as every worker's heartbeat
/// does (for tests and tools that run jobs without a worker).
pub async fn reclaim_expired(app: &AppState) -> anyhow::Result<()> {
    heartbeat(app, &format!("reclaim-{}", uuid::Uuid::new_v4())).await
}

/// Renews the leases this worker holds, and takes back jobs whose lease ran out (their process
/// died): retried, or dead once out of attempts.
async fn heartbeat(app: &AppState, worker: &str) -> anyhow::Result<()> {
    let now = app.clock.now();
    let lease = chrono::Duration::from_std(app.config.workers.lease)?;
    sqlx::query!(
        "update jobs set lease_until = $2 where locked_by = $1 and state = 'running'",
        worker,
        now + lease
    )
    .execute(&app.db)
    .await?;
    let expired = sqlx::query!(
        "select id, locked_by as \"locked_by!\", attempts, max_attempts, queue, lock_key, kind, account_id from jobs
         where state = 'running' and lease_until < $1 order by lease_until limit 100",
        now
    )
    .fetch_all(&app.db)
    .await?;
    for job in expired {
        let holder = job.locked_by.clone();
        tracing::warn!(job.id = job.id, job.kind = %job.kind, worker = %holder, "job lease expired; its worker is gone");
        let mut conn = app.db.acquire().await?;
        if job.attempts < job.max_attempts {
            give_back(
                &mut conn,
                job.id,
                &holder,
                now,
                Some("the process running it stopped (lease expired)"),
                true,
            )
            .await?;
        } else {
            let claimed = Claimed {
                id: job.id,
                kind: job.kind,
                payload: serde_json::Value::Null,
                attempts: job.attempts,
                max_attempts: job.max_attempts,
                queue: job.queue,
                lock_key: job.lock_key,
                account_id: job.account_id,
            };
            finish(
                app,
                &holder,
                &claimed,
                Err(JobError::Fatal(anyhow::anyhow!(
                    "the process running it stopped (lease expired) on its last attempt"
                ))),
            )
            .await?;
        }
    }
    Ok(())
}

/// The background worker of one process: claims due jobs in batches up to the configured
/// concurrency, wakes on NOTIFY, at the next scheduled run time, or after the poll interval,
/// renews its leases, and stops claiming when `cancel` fires. Running jobs get `grace` to
/// finish; the rest are given back before this returns (so before the pool closes).
pub async fn run(app: AppState, cancel: CancellationToken, grace: Duration) -> anyhow::Result<()> {
    let settings = app.config.workers.clone();
    let worker = format!("{}-{}", hostname(), uuid::Uuid::new_v4());
    tracing::info!(worker = %worker, concurrency = settings.concurrency, "job worker started");
    super::registry::schedule_periodic(&app).await?;
    let mut listener = PgListener::connect_with(&app.db).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut running: JoinSet<()> = JoinSet::new();
    let beat_stop = CancellationToken::new();
    let beat = {
        let (app, worker, stop) = (app.clone(), worker.clone(), beat_stop.clone());
        let every = (settings.lease / 3).max(Duration::from_millis(100));
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                if let Err(e) = heartbeat(&app, &worker).await {
                    tracing::warn!(error = %format!("{e:#}"), "job heartbeat failed");
                }
            }
        })
    };
    loop {
        // Fill every free slot with a due job, in one claim.
        let free = permits.available_permits();
        let mut idle = false;
        if free > 0 {
            match claim(
                &app.db,
                &worker,
                app.clock.now(),
                settings.lease,
                free as i64,
                settings.per_account,
            )
            .await
            {
                Ok(jobs) => {
                    idle = jobs.len() < free;
                    for job in jobs {
                        let Ok(permit) = permits.clone().try_acquire_owned() else {
                            break;
                        };
                        let (app, worker) = (app.clone(), worker.clone());
                        running.spawn(async move {
                            if let Err(e) = execute(&app, &worker, job).await {
                                tracing::error!(error = %format!("{e:#}"), "recording a job outcome failed");
                            }
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "claiming jobs failed");
                    idle = true;
                }
            }
        }
        // Busy: wake when a slot frees. Idle: sleep until the next run time (at most the poll).
        let wait = if idle {
            next_wake(&app, settings.poll_interval).await
        } else {
            settings.poll_interval
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            notification = listener.try_recv() => match notification {
                Ok(Some(_)) => while listener.next_buffered().is_some() {},
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
    beat_stop.cancel();
    let _ = beat.await;
    tracing::info!(worker = %worker, "job worker stopped");
    Ok(())
}

/// How long to sleep: until the next scheduled job, at most `poll`.
async fn next_wake(app: &AppState, poll: Duration) -> Duration {
    let next: Option<DateTime<Utc>> =
        sqlx::query_scalar!("select min(run_at) from jobs where state = 'pending'")
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

/// Waits up to `grace` for running jobs, then stops them and gives back every job this worker
/// still holds, without counting the interrupted attempt.
async fn drain(app: &AppState, worker: &str, mut running: JoinSet<()>, grace: Duration) {
    let finished = tokio::time::timeout(grace, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        running.abort_all();
        while running.join_next().await.is_some() {}
    }
    if let Err(e) = release(app, worker).await {
        tracing::error!(error = %format!("{e:#}"), "giving back interrupted jobs failed; they wait for their lease to expire");
    }
}

/// Gives back every job `worker` holds, without counting the interrupted attempt.
pub async fn release(app: &AppState, worker: &str) -> anyhow::Result<()> {
    let held = sqlx::query!(
        "select id, account_id from jobs where locked_by = $1 and state = 'running'",
        worker
    )
    .fetch_all(&app.db)
    .await?;
    let now = app.clock.now();
    let mut conn = app.db.acquire().await?;
    for job in &held {
        give_back(&mut conn, job.id, worker, now, None, false).await?;
    }
    if !held.is_empty() {
        tracing::info!(jobs = held.len(), "gave back interrupted jobs");
    }
    Ok(())
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
