//! The job queue with a million timers waiting: how long a claim takes, and how late timers that
//! fall due among them fire (snoozed conversations waking up, through the real server).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::load::Stats;
use super::seed::{self, Size};
use super::server::{Server, pool};
use super::{Figure, Table};

/// Timers waiting in the future.
/// Future jobs waiting: 1,000,000 unless `BENCH_TIMERS_PENDING` says otherwise (a second
/// size, to tell what grows with the queue from what does not).
fn pending() -> i64 {
    std::env::var("BENCH_TIMERS_PENDING")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}
/// Conversations snoozed to wake during the run.
const WAKING: i64 = 200;

/// The run.
pub async fn run(table: &mut Table) {
    let seeded = seed::ensure(Size::K10).await;
    let db = pool(&seeded.database).await;
    // A quiet account: no webhook or rule left by the dispatch run, which shares this database.
    sqlx::raw_sql(
        "delete from jobs where kind = 'bench.timer'; delete from webhooks; delete from automation_rules;",
    )
    .execute(&db)
    .await
    .expect("clean");
    let pending = pending();
    let t = Instant::now();
    sqlx::query(
        "insert into jobs (kind, payload, key, state, run_at, max_attempts, account_id, created_at)
         select 'bench.timer', '{}', 'bench.timer:' || i, 'pending',
                now() + interval '1 day' + (i % 2592000) * interval '1 second', 25, $1, now()
         from generate_series(1, $2) i",
    )
    .bind(seeded.account_id)
    .bind(pending)
    .execute(&db)
    .await
    .expect("timers");
    sqlx::raw_sql("vacuum analyze jobs")
        .execute(&db)
        .await
        .expect("analyze");
    println!(
        "timers: {pending} future jobs written in {:.0} s",
        t.elapsed().as_secs_f64()
    );

    // Claims with nothing due, and with due work among the million.
    let mut config = atende::config::Config::new(atende::config::DatabaseSource::Url(
        super::server::database_url(&seeded.database),
    ));
    config.workers.concurrency = 0;
    let app = atende::app::build_state(config, db.clone(), atende::app::job_registry())
        .await
        .expect("state");
    let idle = claims(&db, 0).await;
    table.add(Figure::new(
        "job claim (16 at a time), nothing due",
        &format!("{pending} pending"),
        "200 claims",
        idle.summary(),
        "< 5 ms",
        Some(idle.p(0.99) < Duration::from_millis(5)),
    ));
    sqlx::query(
        "insert into jobs (kind, payload, state, run_at, max_attempts, created_at)
         select 'bench.due', '{}', 'pending', now() - interval '1 second', 25, now()
         from generate_series(1, 3200)",
    )
    .execute(&db)
    .await
    .expect("due jobs");
    let busy = claims(&db, 16).await;
    atende::jobs::worker::release(&app, "bench")
        .await
        .expect("release");
    sqlx::raw_sql("delete from jobs where kind = 'bench.due'")
        .execute(&db)
        .await
        .expect("clean");
    table.add(Figure::new(
        "job claim (16 at a time), 3,200 due",
        &format!("{pending} pending"),
        "200 claims",
        busy.summary(),
        "< 5 ms",
        Some(busy.p(0.99) < Duration::from_millis(5)),
    ));

    // Timers falling due among them, fired by the real server.
    let server = Server::start(&seeded.database, 4).await;
    let client = super::load::client();
    let a = format!("{}/api/v1/accounts/{}", server.address, seeded.account_id);
    let open: Vec<i64> = sqlx::query_scalar(
        "select display_id from conversations where account_id = $1 and status = 'open' order by id limit $2",
    )
    .bind(seeded.account_id)
    .bind(WAKING)
    .fetch_all(&db)
    .await
    .expect("open conversations");
    // Due after every snooze is in (200 requests one after another take a few seconds).
    let start = Utc::now().timestamp() + 20;
    let mut due: Vec<(i64, i64)> = Vec::new();
    for (i, display_id) in open.iter().enumerate() {
        let at = start + (i as i64 % 10);
        let r = client
            .post(format!("{a}/conversations/{display_id}/toggle_status"))
            .header("api_access_token", &seeded.token)
            .json(&json!({"status": "snoozed", "snoozed_until": at}))
            .send()
            .await
            .expect("snooze");
        assert!(r.status().is_success(), "snooze");
        due.push((*display_id, at));
    }
    assert!(
        Utc::now().timestamp() < start,
        "the snoozes took longer to set than the margin before the first is due"
    );
    let until_checked = (start + 10 + 6 - Utc::now().timestamp()).max(0) as u64;
    tokio::time::sleep(Duration::from_secs(until_checked)).await;
    let mut late = Vec::new();
    let mut missing = 0;
    for (display_id, at) in &due {
        let woke: Option<DateTime<Utc>> = sqlx::query_scalar(
            "select min(e.created_at) from events e join conversations c on c.account_id = e.account_id
                 and c.id = e.conversation_id
             where c.account_id = $1 and c.display_id = $2 and e.kind = 'conversation_opened'
               and e.created_at >= to_timestamp($3)",
        )
        .bind(seeded.account_id)
        .bind(display_id)
        .bind(*at as f64)
        .fetch_one(&db)
        .await
        .expect("woke");
        match woke {
            Some(woke) => late.push(
                (woke - DateTime::from_timestamp(*at, 0).expect("time"))
                    .to_std()
                    .unwrap_or_default(),
            ),
            None => missing += 1,
        }
    }
    let late = Stats::new(late, Duration::from_secs(1));
    table.add(Figure::new(
        "timer lateness (snooze due → conversation reopened)",
        &format!("{pending} pending"),
        &format!("{WAKING} timers due over 10 s, 4 workers"),
        format!(
            "{}; max {}; missing {missing}",
            late.summary(),
            super::ms(late.p(1.0))
        ),
        "≤ 1 s",
        Some(late.p(1.0) <= Duration::from_secs(1) && missing == 0),
    ));
    server.stop().await;
    sqlx::raw_sql("delete from jobs where kind = 'bench.timer'")
        .execute(&db)
        .await
        .expect("clean");
}

/// 200 claims of up to 16 jobs, as the server's workers make them, each expected to get
/// `expect` jobs.
async fn claims(db: &sqlx::PgPool, expect: usize) -> Stats {
    let mut took = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let got =
            atende::jobs::worker::claim(db, "bench", Utc::now(), Duration::from_secs(10), 16, 16)
                .await
                .expect("claim");
        took.push(t.elapsed());
        assert_eq!(got.len(), expect, "jobs claimed");
    }
    Stats::new(took, Duration::from_secs(1))
}
