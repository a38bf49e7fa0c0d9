//! Removing deleted files from disk, durably. Deleting a file's row (an attachment, a rule's or
//! macro's file, or anything that cascades to them) records its key in `storage_deletions` in
//! the same transaction, by trigger; the deleting use case calls [`schedule_removal`] in that
//! transaction too, and [`RemoveFiles`] removes the files once it committed. A delete that rolls
//! back removes nothing; a process that dies before the job ran leaves the job (and the keys)
//! for another; [`SweepRemovals`] picks up, hourly, keys whose job was lost.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;
use crate::ids::AccountId;
use crate::jobs::{self, Job, JobError, JobSpec, KeyMode};
use crate::state::AppState;

/// Files removed per transaction.
const BATCH: i64 = 200;

/// How long one run may go on before it lets other jobs in (and continues in a new run).
const RUN_BUDGET: Duration = Duration::from_secs(2);

/// Queues the removal of the account's deleted files, in the deleting transaction (nothing
/// when the transaction deleted none and none are waiting).
pub async fn schedule_removal(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    account_id: AccountId,
) -> Result<()> {
    let waiting = sqlx::query_scalar!(
        r#"select exists (select 1 from storage_deletions where account_id = $1) as "waiting!""#,
        account_id.0
    )
    .fetch_one(&mut *conn)
    .await?;
    if waiting {
        enqueue(conn, now, account_id).await?;
    }
    Ok(())
}

async fn enqueue(conn: &mut PgConnection, now: DateTime<Utc>, account_id: AccountId) -> Result<()> {
    let job = RemoveFiles { account_id };
    // Earliest: new deletions make a removal that waits for a retry due now.
    let spec = JobSpec::default()
        .keyed_with(RemoveFiles::key(account_id), KeyMode::Earliest)
        .for_account(account_id);
    jobs::enqueue(conn, now, &job, spec).await?;
    Ok(())
}

/// Removes an account's deleted files from disk, then forgets their keys and gives their bytes
/// back to the account's quota, a batch per transaction. Keyed per account.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoveFiles {
    /// The account.
    pub account_id: AccountId,
}

impl RemoveFiles {
    /// The job key of an account's removals.
    pub fn key(account_id: AccountId) -> String {
        format!("storage.remove_files:{account_id}")
    }
}

impl Job for RemoveFiles {
    const KIND: &'static str = "storage.remove_files";

    #[tracing::instrument(skip_all, fields(account.id = %self.account_id))]
    async fn run(self, app: AppState) -> std::result::Result<(), JobError> {
        let started = Instant::now();
        loop {
            let mut tx = app.db.begin().await?;
            let rows = sqlx::query!(
                "select id, storage_key, byte_size from storage_deletions
                 where account_id = $1 order by id limit $2 for update skip locked",
                self.account_id.0,
                BATCH
            )
            .fetch_all(&mut *tx)
            .await?;
            let (mut removed, mut bytes, mut failure) = (Vec::new(), 0i64, None);
            for row in &rows {
                match super::remove_file(&app, &row.storage_key).await {
                    Ok(()) => {
                        removed.push(row.id);
                        bytes += row.byte_size;
                    }
                    Err(e) => failure = Some(format!("removing {}: {e}", row.storage_key)),
                }
            }
            sqlx::query!(
                "delete from storage_deletions where account_id = $1 and id = any($2)",
                self.account_id.0,
                &removed
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "update account_storage set bytes = bytes - $2 where account_id = $1",
                self.account_id.0,
                bytes
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            if !removed.is_empty() {
                tracing::info!(files = removed.len(), bytes, "removed deleted files");
            }
            if let Some(failure) = failure {
                return Err(JobError::Retry(anyhow::anyhow!(failure)));
            }
            if (rows.len() as i64) < BATCH {
                return Ok(());
            }
            if started.elapsed() > RUN_BUDGET {
                let mut conn = app.db.acquire().await?;
                enqueue(&mut conn, app.clock.now(), self.account_id).await?;
                return Ok(());
            }
        }
    }
}

/// Queues [`RemoveFiles`] for every account with deleted files waiting (their job was lost, or
/// their rows were deleted by hand); runs hourly.
#[derive(Default, Debug, Serialize, Deserialize)]
pub struct SweepRemovals;

impl SweepRemovals {
    /// Job key: one per database.
    pub const KEY: &'static str = "periodic:storage_sweep_removals";
}

impl Job for SweepRemovals {
    const KIND: &'static str = "storage.sweep_removals";

    async fn run(self, app: AppState) -> std::result::Result<(), JobError> {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let accounts = sqlx::query_scalar!("select distinct account_id from storage_deletions")
            .fetch_all(&mut *tx)
            .await?;
        for account in &accounts {
            enqueue(&mut tx, now, AccountId(*account)).await?;
        }
        let next = JobSpec::at(now + chrono::Duration::hours(1)).keyed(Self::KEY);
        jobs::enqueue(&mut tx, now, &Self, next).await?;
        tx.commit().await?;
        Ok(())
    }
}
