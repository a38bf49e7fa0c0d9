use std::process::Stdio;
use std::time::{Duration, Instant};

use atende::config::WorkerSettings;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{Options, TestApp, cluster};

#[tokio::test]
async fn the_application_stops_gracefully_with_workers_running() {
    // Arrange
    let workers = WorkerSettings {
        concurrency: 2,
        poll_interval: Duration::from_secs(1),
        ..WorkerSettings::default()
    };
    let mut app = TestApp::spawn_with(Options {
        configure: Box::new(move |config| config.workers = workers),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get("/healthz").await.status, 200);
    // Act
    let took = app.stop().await;
    // Assert
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");
    assert!(
        app.client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .is_err(),
        "still serving"
    );
}

/// Starts the binary and waits for its "listening" line; returns the child, the base URL and
/// everything it printed so far.
pub async fn start_binary(envs: &[(&str, &str)], remove: &[&str]) -> (Child, String, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atende"));
    command
        .env("ATENDE_BIND", "127.0.0.1:0")
        .env("ATENDE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for key in remove {
        command.env_remove(key);
    }
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("spawn atende");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            seen.push(line.clone());
            if let Some(url) = line.strip_prefix("Atende listening on ") {
                return url.to_owned();
            }
        }
        panic!("atende exited before listening; printed: {seen:?}");
    })
    .await
    .expect("atende did not start within 60 s");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url, seen)
}

/// Sends SIGTERM and returns the exit status and how long the exit took.
pub async fn terminate(child: &mut Child) -> (std::process::ExitStatus, Duration) {
    let started = Instant::now();
    kill(
        Pid::from_raw(child.id().expect("pid") as i32),
        Signal::SIGTERM,
    )
    .expect("SIGTERM");
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("atende did not exit within 15 s of SIGTERM")
        .expect("wait");
    (status, started.elapsed())
}

#[tokio::test]
async fn sigterm_stops_the_binary_cleanly_within_ten_seconds() {
    // Arrange
    let db = cluster::create_database().await;
    let url = cluster::database_url(&db);
    let (mut child, base, _) = start_binary(&[("DATABASE_URL", &url)], &[]).await;
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    // Act
    let (status, took) = terminate(&mut child).await;
    // Assert
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    cluster::drop_database(db).await;
}
