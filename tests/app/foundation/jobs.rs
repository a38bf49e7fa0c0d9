use std::time::{Duration, Instant};

use atende::config::WorkerSettings;
use atende::jobs::{self, Job, JobError, JobSpec, KeyMode};
use atende::state::AppState;
use serde::{Deserialize, Serialize};

use crate::support::{Options, TestApp};

/// Records each run in `probe_runs` and fails as told.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Probe {
    label: String,
    fail_times: i64,
    fatal: bool,
    sleep_ms: u64,
}

impl Job for Probe {
    const KIND: &'static str = "test.probe";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, app: AppState) -> Result<(), JobError> {
        sqlx::query("insert into probe_runs (label, started_at) values ($1, clock_timestamp())")
            .bind(&self.label)
            .execute(&app.db)
            .await?;
        tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        sqlx::query("update probe_runs set finished_at = clock_timestamp() where id = (select max(id) from probe_runs where label = $1)")
            .bind(&self.label)
            .execute(&app.db)
            .await?;
        let runs: i64 = sqlx::query_scalar("select count(*) from probe_runs where label = $1")
            .bind(&self.label)
            .fetch_one(&app.db)
            .await?;
        if self.fatal {
            return Err(JobError::Fatal(anyhow::anyhow!(
                "probe {} refuses for good",
                self.label
            )));
        }
        if runs <= self.fail_times {
            return Err(JobError::Retry(anyhow::anyhow!(
                "probe {} failure {runs}",
                self.label
            )));
        }
        Ok(())
    }
}

fn probe(label: &str) -> Probe {
    Probe {
        label: label.into(),
        ..Probe::default()
    }
}

async fn probe_app_with(workers: Option<WorkerSettings>) -> TestApp {
    let mut registry = atende::app::job_registry();
    registry.register::<Probe>();
    let configure: Box<dyn FnOnce(&mut atende::config::Config) + Send> = match workers {
        Some(workers) => Box::new(move |config| config.workers = workers),
        None => Box::new(|_| {}),
    };
    let app = TestApp::spawn_with(Options {
        jobs: registry,
        configure,
        ..Options::default()
    })
    .await;
    sqlx::query(
        "create table probe_runs (id bigserial primary key, label text not null,
                                  started_at timestamptz not null, finished_at timestamptz)",
    )
    .execute(app.db())
    .await
    .expect("probe table");
    app
}

async fn probe_app() -> TestApp {
    probe_app_with(None).await
}

async fn enqueue(app: &TestApp, job: &Probe, spec: JobSpec) -> Option<atende::ids::JobId> {
    let mut tx = app.db().begin().await.expect("begin");
    let id = jobs::enqueue(&mut tx, app.clock().now(), job, spec)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

async fn runs(app: &TestApp, label: &str) -> i64 {
    sqlx::query_scalar("select count(*) from probe_runs where label = $1")
        .bind(label)
        .fetch_one(app.db())
        .await
        .expect("count")
}

async fn job_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from jobs where kind = 'test.probe'")
        .fetch_one(app.db())
        .await
        .expect("count")
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists() {
    // Arrange
    let app = probe_app().await;
    let mut tx = app.db().begin().await.expect("begin");
    jobs::enqueue(
        &mut tx,
        app.clock().now(),
        &probe("lost"),
        JobSpec::default(),
    )
    .await
    .expect("enqueue");
    // Act
    tx.rollback().await.expect("rollback");
    // Assert
    assert_eq!(job_count(&app).await, 0);
    assert_eq!(app.run_jobs().await, 0);
    assert_eq!(runs(&app, "lost").await, 0);
}

#[tokio::test]
async fn a_job_enqueued_in_a_committed_transaction_runs_once_and_is_deleted() {
    let app = probe_app().await;
    enqueue(&app, &probe("kept"), JobSpec::default()).await;
    assert_eq!(job_count(&app).await, 1);
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(runs(&app, "kept").await, 1);
    assert_eq!(job_count(&app).await, 0);
    assert_eq!(app.run_jobs().await, 0);
}

#[tokio::test]
async fn a_failing_job_is_retried_after_its_backoff() {
    // Arrange: fails once, then succeeds.
    let app = probe_app().await;
    app.allow_failed_jobs();
    enqueue(
        &app,
        &Probe {
            fail_times: 1,
            ..probe("flaky")
        },
        JobSpec::default(),
    )
    .await;
    // Act: the first run fails and the retry is not due yet.
    assert_eq!(app.run_jobs().await, 1);
    let (attempts, error, run_at): (i32, Option<String>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("select attempts, last_error, run_at from jobs where kind = 'test.probe'")
            .fetch_one(app.db())
            .await
            .expect("job");
    assert_eq!(attempts, 1);
    assert_eq!(error.as_deref(), Some("probe flaky failure 1"));
    assert!(run_at > app.clock().now());
    assert_eq!(app.run_jobs().await, 0, "the retry waits for its backoff");
    // Assert: once the clock passes the backoff, the retry succeeds and the job is gone.
    app.clock().advance(chrono::Duration::seconds(5));
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(runs(&app, "flaky").await, 2);
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_kept_dead_and_can_be_queued_again() {
    // Arrange: fails more often than its three attempts.
    let app = probe_app().await;
    app.allow_failed_jobs();
    enqueue(
        &app,
        &Probe {
            fail_times: 4,
            ..probe("doomed")
        },
        JobSpec::default(),
    )
    .await;
    // Act
    for _ in 0..3 {
        app.run_jobs().await;
        app.clock().advance(chrono::Duration::minutes(10));
    }
    // Assert
    let dead = jobs::list_dead(app.db(), 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("probe doomed failure 3")
    );
    assert_eq!(app.run_jobs().await, 0, "dead jobs do not run");
    // Act again: an operator retries it; the fourth failure is the last and the fifth run succeeds.
    assert!(
        jobs::retry_dead(app.db(), dead[0].id, app.clock().now())
            .await
            .expect("retry")
    );
    app.run_jobs().await;
    app.clock().advance(chrono::Duration::minutes(10));
    app.run_jobs().await;
    assert_eq!(runs(&app, "doomed").await, 5);
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn a_fatal_failure_kills_the_job_at_once() {
    let app = probe_app().await;
    app.allow_failed_jobs();
    enqueue(
        &app,
        &Probe {
            fatal: true,
            ..probe("fatal")
        },
        JobSpec::default(),
    )
    .await;
    assert_eq!(app.run_jobs().await, 1);
    let dead = jobs::list_dead(app.db(), 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("probe fatal refuses for good")
    );
}

#[tokio::test]
async fn a_job_of_an_unknown_kind_is_kept_dead() {
    let app = probe_app().await;
    app.allow_failed_jobs();
    sqlx::query("insert into jobs (kind, run_at, created_at) values ('gone.kind', now(), now())")
        .execute(app.db())
        .await
        .expect("insert");
    app.run_jobs().await;
    let dead = jobs::list_dead(app.db(), 10).await.expect("dead");
    assert_eq!(dead[0].kind, "gone.kind");
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("no handler")
    );
}

#[tokio::test]
async fn scheduled_jobs_wait_for_the_clock() {
    let app = probe_app().await;
    let at = app.clock().now() + chrono::Duration::hours(1);
    enqueue(&app, &probe("later"), JobSpec::at(at)).await;
    assert_eq!(app.run_jobs().await, 0);
    app.clock().advance(chrono::Duration::minutes(59));
    assert_eq!(app.run_jobs().await, 0);
    app.clock().advance(chrono::Duration::minutes(2));
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(runs(&app, "later").await, 1);
}

#[tokio::test]
async fn a_keyed_job_is_replaced_by_the_same_key_and_can_be_removed() {
    // Arrange: a deadline in one hour...
    let app = probe_app().await;
    let now = app.clock().now();
    let first = enqueue(
        &app,
        &probe("v1"),
        JobSpec::at(now + chrono::Duration::hours(1)).keyed("sla:1:frt"),
    )
    .await;
    // ...moved to two hours, with a new payload.
    let second = enqueue(
        &app,
        &probe("v2"),
        JobSpec::at(now + chrono::Duration::hours(2)).keyed("sla:1:frt"),
    )
    .await;
    assert_eq!(first, second, "replace keeps one row");
    assert_eq!(job_count(&app).await, 1);
    // Preserve mode keeps what is there.
    let preserved = JobSpec {
        key_mode: KeyMode::Preserve,
        ..JobSpec::default().keyed("sla:1:frt")
    };
    assert_eq!(enqueue(&app, &probe("v3"), preserved).await, None);
    app.clock().advance(chrono::Duration::minutes(90));
    assert_eq!(app.run_jobs().await, 0, "the replaced run time holds");
    app.clock().advance(chrono::Duration::minutes(31));
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(
        (
            runs(&app, "v1").await,
            runs(&app, "v2").await,
            runs(&app, "v3").await
        ),
        (0, 1, 0)
    );
    // Removal cancels a pending keyed job.
    enqueue(&app, &probe("v4"), JobSpec::default().keyed("sla:1:nrt")).await;
    let mut conn = app.db().acquire().await.expect("conn");
    assert!(
        jobs::remove_by_key(&mut conn, "sla:1:nrt")
            .await
            .expect("remove")
    );
    assert!(
        !jobs::remove_by_key(&mut conn, "sla:1:nrt")
            .await
            .expect("remove again")
    );
    assert_eq!(app.run_jobs().await, 0);
}

#[tokio::test]
async fn jobs_of_one_queue_run_in_order_and_one_at_a_time_across_workers() {
    // Arrange: five slow jobs in one queue and two in another, with four worker slots.
    let workers = WorkerSettings {
        concurrency: 4,
        poll_interval: Duration::from_millis(200),
        ..WorkerSettings::default()
    };
    let app = probe_app_with(Some(workers)).await;
    let mut tx = app.db().begin().await.expect("begin");
    for i in 0..5 {
        let job = Probe {
            sleep_ms: 60,
            ..probe(&format!("a{i}"))
        };
        jobs::enqueue(
            &mut tx,
            app.clock().now(),
            &job,
            JobSpec::default().in_queue("campaign:1"),
        )
        .await
        .expect("enqueue");
    }
    for i in 0..2 {
        let job = Probe {
            sleep_ms: 60,
            ..probe(&format!("b{i}"))
        };
        jobs::enqueue(
            &mut tx,
            app.clock().now(),
            &job,
            JobSpec::default().in_queue("campaign:2"),
        )
        .await
        .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    // Act: wait (bounded) for all seven to finish.
    let deadline = Instant::now() + Duration::from_secs(15);
    while job_count(&app).await > 0 {
        assert!(Instant::now() < deadline, "queue did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Assert: within a queue, runs follow enqueue order and never overlap.
    for (queue, n) in [("a", 5), ("b", 2)] {
        let rows: Vec<(String, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
            "select label, started_at, finished_at from probe_runs where label like $1 || '%' order by started_at",
        )
        .bind(queue)
        .fetch_all(app.db())
        .await
        .expect("runs");
        let labels: Vec<_> = rows.iter().map(|r| r.0.clone()).collect();
        let expected: Vec<_> = (0..n).map(|i| format!("{queue}{i}")).collect();
        assert_eq!(labels, expected);
        for pair in rows.windows(2) {
            assert!(
                pair[1].1 >= pair[0].2,
                "{} started before {} finished",
                pair[1].0,
                pair[0].0
            );
        }
    }
    // The two queues did run side by side.
    let overlap: bool = sqlx::query_scalar(
        "select exists (select 1 from probe_runs a join probe_runs b on a.label like 'a%' and b.label like 'b%'
                        where a.started_at < b.finished_at and b.started_at < a.finished_at)",
    )
    .fetch_one(app.db())
    .await
    .expect("overlap");
    assert!(overlap, "different queues should run concurrently");
}

#[tokio::test]
async fn the_worker_wakes_on_notify_instead_of_polling() {
    // Arrange: a poll interval far longer than the test.
    let workers = WorkerSettings {
        concurrency: 2,
        poll_interval: Duration::from_secs(60),
        ..WorkerSettings::default()
    };
    let app = probe_app_with(Some(workers)).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // the worker starts listening
    // Act
    let started = Instant::now();
    enqueue(&app, &probe("notified"), JobSpec::default()).await;
    // Assert
    while runs(&app, "notified").await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the job did not run after NOTIFY"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_worker_fires_a_timer_when_it_falls_due() {
    let workers = WorkerSettings {
        concurrency: 2,
        poll_interval: Duration::from_secs(60),
        ..WorkerSettings::default()
    };
    let app = probe_app_with(Some(workers)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let due = app.clock().now() + chrono::Duration::milliseconds(800);
    enqueue(&app, &probe("timer"), JobSpec::at(due)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while runs(&app, "timer").await == 0 {
        assert!(Instant::now() < deadline, "the timer did not fire");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select started_at from probe_runs where label = 'timer'")
            .fetch_one(app.db())
            .await
            .expect("run");
    let late = started - due;
    assert!(late >= chrono::Duration::zero(), "ran early by {late}");
    assert!(late < chrono::Duration::seconds(1), "ran {late} late");
}

#[tokio::test]
async fn the_cleanup_job_deletes_expired_sessions_and_reschedules_itself() {
    // Arrange: one live and one expired session.
    let app = probe_app().await;
    let now = app.clock().now();
    for (id, expires) in [
        ("live", now + chrono::Duration::days(1)),
        ("old", now - chrono::Duration::minutes(1)),
    ] {
        sqlx::query("insert into sessions (id, data, expires_at) values ($1, '{}', $2)")
            .bind(id)
            .bind(expires)
            .execute(app.db())
            .await
            .expect("session");
    }
    let mut conn = app.db().acquire().await.expect("conn");
    let cleanup = atende::auth::sessions::DeleteExpiredSessions;
    jobs::enqueue(
        &mut conn,
        now,
        &cleanup,
        JobSpec::default().keyed(atende::auth::sessions::DeleteExpiredSessions::KEY),
    )
    .await
    .expect("enqueue");
    // Act
    assert_eq!(app.run_jobs().await, 1);
    // Assert
    let left: Vec<String> = sqlx::query_scalar("select id from sessions")
        .fetch_all(app.db())
        .await
        .expect("sessions");
    assert_eq!(left, vec!["live".to_owned()]);
    let next: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select run_at from jobs where key = $1")
            .bind(atende::auth::sessions::DeleteExpiredSessions::KEY)
            .fetch_one(app.db())
            .await
            .expect("rescheduled");
    assert!(next > now + chrono::Duration::minutes(59));
}
