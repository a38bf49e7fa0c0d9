//! The measured server: the release `atende` binary as a child process on a free loopback port,
//! its memory sampled from /proc, and the bench's own databases.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection, PgPool};
use tokio::process::{Child, Command};

/// The server the bench creates its databases on.
pub fn server_url() -> String {
    std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// URL of database `name` on that server.
pub fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&server_url()).expect("BENCH_DATABASE_URL");
    url.set_path(name);
    url.to_string()
}

/// Drops (when `fresh`) and creates `name`; returns whether it already existed.
pub async fn ensure_database(name: &str, fresh: bool) -> bool {
    let mut conn = PgConnection::connect(&server_url())
        .await
        .expect("connect to BENCH_DATABASE_URL");
    if fresh {
        // The name is one of the bench's own.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {name} with (force)"
        )))
        .execute(&mut conn)
        .await
        .expect("drop");
    }
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .expect("lookup");
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut conn)
            .await
            .expect("create");
    }
    exists
}

/// A pool on a bench database.
/// Planned as the server plans (`src/db.rs`): the bench's claims and event writes measure the
/// server's plans, not custom ones.
pub async fn pool(name: &str) -> PgPool {
    let options: sqlx::postgres::PgConnectOptions =
        database_url(name).parse().expect("bench database url");
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(12)
        .connect_with(options.options([
            ("plan_cache_mode", "force_generic_plan"),
            ("jit", "off"),
            ("max_parallel_workers_per_gather", "0"),
        ]))
        .await
        .expect("bench pool")
}

/// A running `atende serve`.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    child: Child,
    peak_rss_kib: Arc<AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
}

impl Server {
    /// Starts the release binary on `database` with `workers` job workers and waits until it
    /// answers `/readyz`.
    pub async fn start(database: &str, workers: usize) -> Server {
        let port = free_port();
        let data = std::env::temp_dir().join(format!("atende-bench-{database}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_atende"))
            .arg("serve")
            .env("DATABASE_URL", database_url(database))
            .env("ATENDE_BIND", format!("127.0.0.1:{port}"))
            .env("ATENDE_WORKERS", workers.to_string())
            .env("ATENDE_DATA_DIR", &data)
            .env(
                "ATENDE_SECRET_KEY",
                "bench-secret-key-bench-secret-key-0123",
            )
            .env("ATENDE_OUTBOUND_ALLOW", "127.0.0.0/8")
            // The streams scenario opens 25 tabs for each of its 20 agents.
            .env("ATENDE_STREAMS_PER_USER", "25")
            .env("ATENDE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start atende");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client.get(format!("{address}/readyz")).send().await
                && r.status().is_success()
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("atende exited: {status}");
            }
            assert!(Instant::now() < deadline, "atende did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let pid = child.id().expect("pid");
        let peak = Arc::new(AtomicU64::new(0));
        let sampler = {
            let peak = peak.clone();
            tokio::spawn(async move {
                while let Some(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        };
        Server {
            address,
            child,
            peak_rss_kib: peak,
            sampler,
        }
    }

    /// The highest resident memory seen since start (MiB).
    pub fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }

    /// Stops the server (SIGTERM, then waits).
    pub async fn stop(mut self) {
        self.sampler.abort();
        if let Some(pid) = self.child.id() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
    }
}
