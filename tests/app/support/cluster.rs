//! The PostgreSQL the suite runs against: `DATABASE_URL` when set, else an embedded cluster in
//! `target/tmp/test-pg` (started on first use, left running for the next run; stop it with
//! `cargo run -- db stop --data-dir target/tmp/test-pg`). Each test gets its own database,
//! cloned from a template migrated once per set of migrations.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

static MAINTENANCE_URL: OnceLock<String> = OnceLock::new();
static TEMPLATE: OnceLock<String> = OnceLock::new();

/// URL of the cluster's maintenance database.
pub fn maintenance_url() -> &'static str {
    MAINTENANCE_URL.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => block_on(start_embedded()),
    })
}

/// Runs a future to completion on a fresh runtime in a plain thread (usable from Drop and from
/// inside another runtime).
pub fn block_on<F, T>(future: F) -> T
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(future)
    })
    .join()
    .expect("thread")
}

async fn start_embedded() -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-pg");
    std::fs::create_dir_all(&dir).expect("test-pg dir");
    // Several test processes (nextest) may start at once; one of them creates the cluster.
    let lock = std::fs::File::create(dir.with_extension("lock")).expect("lock file");
    let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).expect("flock");
    let pg = atende::db::embedded::EmbeddedPostgres::start(&dir, None)
        .await
        .expect("starting the embedded test cluster (is PostgreSQL installed?)");
    pg.maintenance_url()
}

/// URL of database `name` on the cluster.
pub fn database_url(name: &str) -> String {
    let options = PgConnectOptions::from_str(maintenance_url())
        .expect("maintenance url")
        .database(name);
    options.to_url_lossy().to_string()
}

async fn maintenance() -> PgConnection {
    PgConnection::connect(maintenance_url())
        .await
        .expect("connect to the maintenance database")
}

fn migrations_hash() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("migrations")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        hasher.update(std::fs::read(&file).expect("migration"));
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

/// The migrated template database, created once per migration set.
async fn template() -> String {
    if let Some(name) = TEMPLATE.get() {
        return name.clone();
    }
    let name = format!("atende_tpl_{}", migrations_hash());
    let mut conn = maintenance().await;
    sqlx::query("select pg_advisory_lock(727274)")
        .execute(&mut conn)
        .await
        .expect("lock");
    let ready: bool = sqlx::query_scalar(
        "select exists (select 1 from pg_database where datname = $1 and datistemplate)",
    )
    .bind(&name)
    .fetch_one(&mut conn)
    .await
    .expect("template lookup");
    if !ready {
        let create = sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"));
        sqlx::query(create)
            .execute(&mut conn)
            .await
            .expect("drop stale template");
        let create = sqlx::AssertSqlSafe(format!("create database {name}"));
        sqlx::query(create)
            .execute(&mut conn)
            .await
            .expect("create template");
        let pool = sqlx::PgPool::connect(&database_url(&name))
            .await
            .expect("connect template");
        atende::db::migrate(&pool).await.expect("migrate template");
        pool.close().await;
        let mark = sqlx::AssertSqlSafe(format!("alter database {name} is_template true"));
        sqlx::query(mark)
            .execute(&mut conn)
            .await
            .expect("mark template");
    }
    sqlx::query("select pg_advisory_unlock(727274)")
        .execute(&mut conn)
        .await
        .expect("unlock");
    let _ = TEMPLATE.set(name.clone());
    name
}

/// A new, migrated, empty database; returns its name.
pub async fn create_database() -> String {
    let template = template().await;
    let name = format!("atende_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = maintenance().await;
    let create = sqlx::AssertSqlSafe(format!("create database {name} template {template}"));
    sqlx::query(create)
        .execute(&mut conn)
        .await
        .expect("create test database");
    name
}

/// Drops a test database, disconnecting whoever still uses it.
pub async fn drop_database(name: String) {
    let mut conn = maintenance().await;
    let drop = sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"));
    if let Err(e) = sqlx::query(drop).execute(&mut conn).await {
        eprintln!("warning: could not drop test database {name}: {e}");
    }
}
