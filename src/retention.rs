//! Retention: logs that copy conversation content (event snapshots, webhook deliveries with
//! their payloads, automation run logs, dead jobs) are deleted once older than
//! `ATENDE_RETENTION_DAYS`, so a deleted message does not live on in them.
//!
//! One periodic job per database walks each table by primary key in batches, oldest first, and
//! stops at the first batch that reaches the cutoff; work still waiting (an undispatched event,
//! a pending delivery, a rule run not yet done) is kept whatever its age.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::jobs::{self, Job, JobError, JobSpec};
use crate::state::AppState;

/// Days logs are kept unless `ATENDE_RETENTION_DAYS` says otherwise.
pub const DEFAULT_DAYS: u32 = crate::config::DEFAULT_RETENTION_DAYS;

/// Rows one statement deletes at most.
const BATCH: i64 = 5_000;

/// How long one run keeps deleting before it lets other jobs in (and comes back in a minute).
const RUN_BUDGET: Duration = Duration::from_secs(20);

/// Between runs when the previous one finished.
const EVERY: TimeDelta = TimeDelta::hours(1);

/// Deletes what is older than the retention period, then schedules itself again.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Prune;

impl Prune {
    /// Job key: there is one of these per database.
    pub const KEY: &'static str = "periodic:retention_prune";
}

/// What one run deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Event rows (with their snapshots).
    pub events: u64,
    /// Finished webhook deliveries (with their payloads and attempts).
    pub webhook_deliveries: u64,
    /// Finished automation runs.
    pub automation_runs: u64,
    /// Dead jobs (with their payloads).
    pub dead_jobs: u64,
    /// Whether everything past the cutoff is gone (false: the time budget ran out first).
    pub complete: bool,
}

impl Job for Prune {
    const KIND: &'static str = "retention.prune";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let now = app.clock.now();
        let days = app.config.retention_days;
        let pruned = if days == 0 {
            Pruned {
                complete: true,
                ..Pruned::default()
            }
        } else {
            prune(&app.db, now - TimeDelta::days(i64::from(days)), RUN_BUDGET).await?
        };
        let next = if pruned.complete {
            now + EVERY
        } else {
            now + TimeDelta::minutes(1)
        };
        let mut conn = app.db.acquire().await?;
        jobs::enqueue(&mut conn, now, &Self, JobSpec::at(next).keyed(Self::KEY)).await?;
        if pruned
            != (Pruned {
                complete: true,
                ..Pruned::default()
            })
        {
            tracing::info!(
                events = pruned.events,
                webhook_deliveries = pruned.webhook_deliveries,
                automation_runs = pruned.automation_runs,
                dead_jobs = pruned.dead_jobs,
                complete = pruned.complete,
                retention_days = days,
                "pruned logs past the retention period"
            );
        }
        Ok(())
    }
}

/// Deletes finished log rows created before `cutoff`, spending at most about `budget`.
pub async fn prune(
    pool: &PgPool,
    cutoff: DateTime<Utc>,
    budget: Duration,
) -> anyhow::Result<Pruned> {
    let started = Instant::now();
    let mut pruned = Pruned::default();
    let out_of_time = |started: Instant| started.elapsed() > budget;

    // Deliveries first: an event is kept while a pending delivery needs it.
    let mut after = 0_i64;
    loop {
        let step = sqlx::query!(
            r#"with batch as (
                   select id, created_at from webhook_deliveries where id > $1 order by id limit $3
               ), gone as (
                   delete from webhook_deliveries d using batch b
                   where d.id = b.id and b.created_at < $2 and d.state <> 'pending'
                   returning d.id
               )
               select (select max(id) from batch) as "last?",
                      (select count(*) from gone) as "deleted!",
                      coalesce((select bool_or(created_at >= $2) from batch), true) as "reached!""#,
            after,
            cutoff,
            BATCH
        )
        .fetch_one(pool)
        .await?;
        pruned.webhook_deliveries += step.deleted as u64;
        match step.last {
            Some(last) if !step.reached => after = last,
            _ => break,
        }
        if out_of_time(started) {
            return Ok(pruned);
        }
    }

    let mut after = 0_i64;
    loop {
        let step = sqlx::query!(
            r#"with batch as (
                   select id, created_at from automation_runs where id > $1 order by id limit $3
               ), gone as (
                   delete from automation_runs r using batch b
                   where r.id = b.id and b.created_at < $2 and r.state = 'done'
                   returning r.id
               )
               select (select max(id) from batch) as "last?",
                      (select count(*) from gone) as "deleted!",
                      coalesce((select bool_or(created_at >= $2) from batch), true) as "reached!""#,
            after,
            cutoff,
            BATCH
        )
        .fetch_one(pool)
        .await?;
        pruned.automation_runs += step.deleted as u64;
        match step.last {
            Some(last) if !step.reached => after = last,
            _ => break,
        }
        if out_of_time(started) {
            return Ok(pruned);
        }
    }

    let mut after = 0_i64;
    loop {
        let step = sqlx::query!(
            r#"with batch as (
                   select id, account_id, created_at from events where id > $1 order by id limit $3
               ), gone as (
                   delete from events e using batch b
                   where e.id = b.id and b.created_at < $2
                     and not exists (select 1 from event_dispatch q
                                     where q.account_id = b.account_id and q.event_id = b.id)
                     and not exists (select 1 from webhook_deliveries d
                                     where d.event_id = b.id and d.state = 'pending')
                     and not exists (select 1 from automation_runs r
                                     where r.account_id = b.account_id and r.state <> 'done' and r.event_id = b.id)
                   returning e.id
               )
               select (select max(id) from batch) as "last?",
                      (select count(*) from gone) as "deleted!",
                      coalesce((select bool_or(created_at >= $2) from batch), true) as "reached!""#,
            after,
            cutoff,
            BATCH
        )
        .fetch_one(pool)
        .await?;
        pruned.events += step.deleted as u64;
        match step.last {
            Some(last) if !step.reached => after = last,
            _ => break,
        }
        if out_of_time(started) {
            return Ok(pruned);
        }
    }

    loop {
        let deleted = sqlx::query!(
            "delete from jobs where id = any(array(
                 select id from jobs where state = 'dead' and failed_at < $1 order by failed_at limit $2))",
            cutoff,
            BATCH
        )
        .execute(pool)
        .await?
        .rows_affected();
        pruned.dead_jobs += deleted;
        if deleted < BATCH as u64 {
            break;
        }
        if out_of_time(started) {
            return Ok(pruned);
        }
    }
    pruned.complete = true;
    Ok(pruned)
}
