use std::path::Path;

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::shutdown::{start_binary, terminate};

/// Stops a cluster left running by a failed assertion.
struct StopOnDrop(std::path::PathBuf);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = postmaster_pid(&self.0) {
            let _ = kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGINT);
        }
    }
}

fn postmaster_pid(cluster: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(cluster.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// Whether the process exists and is not a zombie waiting to be reaped.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(") ")
            .next()
            .is_some_and(|rest| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// `pg_ctl stop -w` returns once the pid file is gone; the process exits a moment later.
async fn gone_soon(pid: i32) -> bool {
    for _ in 0..50 {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn the_binary_creates_reuses_and_stops_its_embedded_database() {
    // Arrange: an empty data directory and no DATABASE_URL.
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("utf-8").to_owned();
    let cluster = data.path().join("postgres");
    let _guard = StopOnDrop(cluster.clone());
    let env = [("ATENDE_DATA_DIR", data_dir.as_str())];

    // Act 1: first start creates the cluster and the first administrator.
    let (mut child, base, printed) = start_binary(&env, &["DATABASE_URL"]).await;
    let text = printed.join("\n");
    assert!(
        text.contains("sign in as admin@atende.local with password "),
        "{text}"
    );
    assert!(cluster.join("PG_VERSION").exists());
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let pid = postmaster_pid(&cluster).expect("postmaster running");
    assert!(alive(pid));

    // Act 2: SIGTERM stops Atende and its PostgreSQL.
    let (status, took) = terminate(&mut child).await;
    assert!(status.success(), "{status:?}");
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert!(gone_soon(pid).await, "postgres {pid} is still running");
    assert!(!cluster.join("postmaster.pid").exists());

    // Act 3: a one-shot command reuses the data and stops the server it started.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args([
            "create-account",
            "--name",
            "Segunda",
            "--admin-email",
            "b@example.com",
            "--json",
        ])
        .env_remove("DATABASE_URL")
        .env("ATENDE_DATA_DIR", &data_dir)
        .env("ATENDE_LOG", "warn")
        .output()
        .await
        .expect("create-account");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json line");
    assert_eq!(
        created["account_id"], 2,
        "the first start's account is still there"
    );
    assert!(
        !cluster.join("postmaster.pid").exists(),
        "create-account left its server running"
    );

    // Act 4: the second start reuses the cluster and prints no first-run login.
    let (mut child, base, printed) = start_binary(&env, &["DATABASE_URL"]).await;
    assert!(!printed.join("\n").contains("password"), "{printed:?}");
    let health = reqwest::get(format!("{base}/readyz"))
        .await
        .expect("readyz");
    assert_eq!(health.status(), 200);
    let (status, _) = terminate(&mut child).await;
    assert!(status.success());
    assert!(!cluster.join("postmaster.pid").exists());
}

#[tokio::test]
async fn without_postgres_binaries_the_binary_says_how_to_fix_it() {
    let data = tempfile::tempdir().expect("tempdir");
    let empty_bin = tempfile::tempdir().expect("tempdir");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .env_remove("DATABASE_URL")
        .env("ATENDE_DATA_DIR", data.path())
        .env("ATENDE_PG_BIN", empty_bin.path())
        .env("ATENDE_BIND", "127.0.0.1:0")
        .output()
        .await
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("apt install postgresql"), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}
