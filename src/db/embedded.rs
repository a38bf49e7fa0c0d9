//! The embedded default database: a private PostgreSQL cluster under `<data_dir>/postgres`,
//! created with the system's `initdb` and run with `pg_ctl`, listening only on a Unix socket in
//! that folder. PostgreSQL refuses to run as root, so when we are root the cluster belongs to
//! the `postgres` OS user and every command runs as that user.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::{Context, anyhow, bail};
use nix::unistd::{Gid, Uid, User};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::process::Command;

/// Name of the database Atende uses inside the embedded cluster.
pub const DATABASE_NAME: &str = "atende";
const SUPERUSER: &str = "postgres";
/// Longest Unix socket path the kernel accepts (`sun_path` is 108 bytes with the NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Shown when no PostgreSQL binaries can be found.
pub const NO_BINARIES_HELP: &str = "Atende needs PostgreSQL. No DATABASE_URL is set and no \
PostgreSQL binaries (initdb, pg_ctl) were found in ATENDE_PG_BIN, on PATH or under \
/usr/lib/postgresql/*/bin. Install PostgreSQL (Debian/Ubuntu: `apt install postgresql`; macOS: \
`brew install postgresql`) so Atende can run its own embedded database, or point DATABASE_URL at \
an existing server (for example `docker compose up` with the bundled docker-compose.yml).";

/// A running (or startable) embedded cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(Uid, Gid)>,
    started_here: bool,
}

impl EmbeddedPostgres {
    /// Finds the binaries, creates the cluster on first use, and starts it unless it is already
    /// running. Returns once the server accepts connections and the `atende` database exists.
    pub async fn start(data_dir: &Path, pg_bin: Option<&Path>) -> anyhow::Result<Self> {
        let bin_dir = find_binaries(pg_bin)?;
        let data_dir = absolute(data_dir)?;
        let cluster_dir = data_dir.join("postgres");
        let run_as = service_user()?;
        std::fs::create_dir_all(&cluster_dir)
            .with_context(|| format!("creating {}", cluster_dir.display()))?;
        std::fs::set_permissions(&cluster_dir, std::fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = run_as {
            nix::unistd::chown(&cluster_dir, Some(uid), Some(gid))?;
            ensure_reachable(&cluster_dir, uid, gid)?;
        }
        let socket_dir = socket_dir_for(&cluster_dir, run_as)?;
        let mut pg = Self {
            cluster_dir,
            socket_dir,
            bin_dir,
            run_as,
            started_here: false,
        };
        if !pg.cluster_dir.join("PG_VERSION").exists() {
            pg.initdb().await?;
        }
        if !pg.is_running().await? {
            pg.pg_ctl_start().await?;
            pg.started_here = true;
        } else {
            tracing::info!(cluster = %pg.cluster_dir.display(), "reusing the running embedded database");
        }
        pg.ensure_database().await?;
        Ok(pg)
    }

    /// Connection options for the `atende` database over the cluster's socket.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options_for(DATABASE_NAME)
    }

    /// Connection options for another database of the cluster (tests create their own).
    pub fn options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// A `postgres://` URL for the maintenance database, usable as `DATABASE_URL`.
    pub fn maintenance_url(&self) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/postgres?host={}",
            self.socket_dir.display()
        )
    }

    /// Whether this process started the server (rather than finding it running).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// The cluster's data directory.
    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// Stops the server (fast mode: open sessions are disconnected) and waits for it to exit.
    pub async fn stop(&self) -> anyhow::Result<()> {
        let out = self
            .command("pg_ctl")
            .args(["stop", "-m", "fast", "-w", "-t", "30", "-D"])
            .arg(&self.cluster_dir)
            .output()
            .await?;
        if !out.status.success() && self.is_running().await? {
            bail!("pg_ctl stop failed: {}", output_text(&out));
        }
        tracing::info!(cluster = %self.cluster_dir.display(), "embedded database stopped");
        Ok(())
    }

    /// Whether a server is running on this cluster (`pg_ctl status`).
    pub async fn is_running(&self) -> anyhow::Result<bool> {
        let out = self
            .command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.cluster_dir)
            .output()
            .await?;
        Ok(out.status.success())
    }

    async fn initdb(&self) -> anyhow::Result<()> {
        tracing::info!(cluster = %self.cluster_dir.display(), "creating the embedded database cluster");
        // C.UTF-8 gives byte-order collation with Unicode case mapping (lower('É') = 'é').
        let mut last = String::new();
        for locale in ["C.UTF-8", "C"] {
            let out = self
                .command("initdb")
                .args(["-E", "UTF8", "--auth=trust", "-U", SUPERUSER])
                .arg(format!("--locale={locale}"))
                .arg("-D")
                .arg(&self.cluster_dir)
                .output()
                .await?;
            if out.status.success() {
                return Ok(());
            }
            last = output_text(&out);
            // initdb refuses a non-empty directory; clear what a failed attempt left.
            clear_dir(&self.cluster_dir)?;
        }
        bail!("initdb failed: {last}")
    }

    async fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let log = self.cluster_dir.join("server.log");
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        let out = self
            .command("pg_ctl")
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&self.cluster_dir)
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(options)
            .output()
            .await?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(10).collect();
            bail!(
                "pg_ctl start failed: {}\n{}",
                output_text(&out),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        tracing::info!(cluster = %self.cluster_dir.display(), "embedded database started");
        Ok(())
    }

    async fn ensure_database(&self) -> anyhow::Result<()> {
        let mut conn = PgConnection::connect_with(&self.options_for("postgres"))
            .await
            .context("connecting to the embedded database")?;
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
                .bind(DATABASE_NAME)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "create database {DATABASE_NAME}"
            )))
            .execute(&mut conn)
            .await?;
        }
        conn.close().await?;
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command
            .current_dir("/")
            .env("LC_ALL", "C.UTF-8")
            .kill_on_drop(true);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid.as_raw()).gid(gid.as_raw());
            if let Ok(Some(user)) = User::from_uid(uid) {
                command.env("HOME", user.dir).env("USER", SUPERUSER);
            }
        }
        command
    }
}

/// The directory holding `initdb` and `pg_ctl`: `explicit`, else `initdb` on `PATH`, else the
/// newest `/usr/lib/postgresql/<version>/bin`.
pub fn find_binaries(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = explicit {
        if has_tools(dir) {
            return Ok(dir.to_path_buf());
        }
        bail!(
            "ATENDE_PG_BIN={} holds no initdb and pg_ctl.\n\n{NO_BINARIES_HELP}",
            dir.display()
        );
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in on_path {
        let initdb = dir.join("initdb");
        if initdb.is_file() {
            // Debian links /usr/bin tools to a wrapper or to the versioned directory; the real
            // directory also holds the `postgres` server binary that initdb looks for.
            let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
            if let Some(real_dir) = real.parent().filter(|d| has_tools(d)) {
                return Ok(real_dir.to_path_buf());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| anyhow!(NO_BINARIES_HELP))
}

/// The OS user to run PostgreSQL as: `postgres` when we are root, else ourselves.
fn service_user() -> anyhow::Result<Option<(Uid, Gid)>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let user = User::from_name(SUPERUSER)?.ok_or_else(|| {
        anyhow!(
            "Atende runs as root, and PostgreSQL refuses to run as root, but there is no \
             `postgres` OS user to run the embedded database as. Create one, run Atende as an \
             ordinary user, or set DATABASE_URL."
        )
    })?;
    Ok(Some((user.uid, user.gid)))
}

/// The server must be able to reach its data directory. A checkout inside a private directory
/// (`mktemp -d` makes 0700 ones) is not reachable by the `postgres` user; grant search
/// permission (o+x, not read) on the root-owned ancestors that lack it, and say so.
fn ensure_reachable(dir: &Path, uid: Uid, gid: Gid) -> anyhow::Result<()> {
    for ancestor in dir.ancestors().skip(1) {
        let meta = std::fs::metadata(ancestor)?;
        let mode = std::os::unix::fs::MetadataExt::mode(&meta);
        let owner = std::os::unix::fs::MetadataExt::uid(&meta);
        let group = std::os::unix::fs::MetadataExt::gid(&meta);
        let reachable = mode & 0o001 != 0
            || (owner == uid.as_raw() && mode & 0o100 != 0)
            || (group == gid.as_raw() && mode & 0o010 != 0);
        if !reachable {
            if owner != 0 {
                bail!(
                    "the postgres user cannot reach {}; set ATENDE_DATA_DIR to a directory it can \
                     reach, or set DATABASE_URL",
                    ancestor.display()
                );
            }
            std::fs::set_permissions(ancestor, std::fs::Permissions::from_mode(mode | 0o001))?;
            tracing::warn!(
                dir = %ancestor.display(),
                "granted search permission (o+x) so the postgres user can reach the embedded database"
            );
        }
    }
    Ok(())
}

/// The cluster directory itself, unless the socket path would be too long for the kernel; then
/// a private directory under /tmp named after the cluster.
fn socket_dir_for(cluster_dir: &Path, run_as: Option<(Uid, Gid)>) -> anyhow::Result<PathBuf> {
    let socket = cluster_dir.join(".s.PGSQL.5432.lock");
    if socket.as_os_str().len() <= MAX_SOCKET_PATH {
        return Ok(cluster_dir.to_path_buf());
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(cluster_dir.as_os_str().as_encoded_bytes());
    let dir = std::env::temp_dir().join(format!("atende-pg-{}", &hex::encode(digest)[..16]));
    std::fs::create_dir_all(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    if let Some((uid, gid)) = run_as {
        nix::unistd::chown(&dir, Some(uid), Some(gid))?;
    }
    Ok(dir)
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(std::fs::canonicalize(path)?)
}

fn clear_dir(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

fn output_text(out: &Output) -> String {
    let mut text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if text.is_empty() {
        text = stdout.trim().to_owned();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_bin_dir_without_tools_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = find_binaries(Some(dir.path())).expect_err("no tools there");
        let text = err.to_string();
        assert!(text.contains("ATENDE_PG_BIN"), "{text}");
        assert!(text.contains("DATABASE_URL"), "{text}");
    }

    #[test]
    fn long_cluster_paths_get_a_short_socket_directory() {
        let long = PathBuf::from(format!("/tmp/{}", "x".repeat(120)));
        let dir = socket_dir_for(&long, None).expect("socket dir");
        assert!(dir.as_os_str().len() < 60, "{}", dir.display());
        let short = PathBuf::from("/tmp/short");
        assert_eq!(socket_dir_for(&short, None).expect("socket dir"), short);
    }
}
