//! The connection pool, embedded migrations, and the choice between `DATABASE_URL` and the
//! embedded cluster ([`embedded`]).

pub mod embedded;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::DatabaseSource;
use embedded::EmbeddedPostgres;

/// The migrations in `migrations/`, embedded in the binary and run at start-up.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// An open database: the pool, and the embedded server when we run one.
#[derive(Debug)]
pub struct Database {
    /// Connection pool shared by handlers and workers.
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `source`, starting the embedded cluster if that is the source.
    pub async fn open(source: &DatabaseSource, max_connections: u32) -> anyhow::Result<Self> {
        let (options, embedded) = match source {
            DatabaseSource::Url(url) => {
                let options = PgConnectOptions::from_str(url).context("parsing DATABASE_URL")?;
                (options, None)
            }
            DatabaseSource::Embedded { data_dir, pg_bin } => {
                let pg = EmbeddedPostgres::start(data_dir, pg_bin.as_deref()).await?;
                (pg.connect_options(), Some(pg))
            }
        };
        // Every query of Atende is parameterised and most are lookups by key, where a custom
        // plan per execution only adds planning time (up to half a millisecond for the
        // statements that record events or merge list ranges). The few whose best plan depends
        // on the values (text search, label and condition filters) ask for custom plans with
        // [`custom_plans`].
        //
        // JIT compilation is off: it pays only for long analytic queries, and a generic plan's
        // cost estimate over a large table (a claim with a million timers waiting) crosses
        // `jit_above_cost` and compiles the statement at every execution — 10–70 ms each.
        //
        // Parallel query is off for the same reason: a request reads a bounded number of rows,
        // and starting workers for it costs more than the rows do (a search at a million
        // conversations: 10–14 ms with two workers, 3.7 ms without), while the workers take
        // the cores other requests are waiting for.
        let options = options.application_name("atende").options([
            ("plan_cache_mode", "force_generic_plan"),
            ("jit", "off"),
            ("max_parallel_workers_per_gather", "0"),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("connecting to the database")?;
        Ok(Self { pool, embedded })
    }

    /// The embedded server, if this database runs one.
    pub fn embedded(&self) -> Option<&EmbeddedPostgres> {
        self.embedded.as_ref()
    }

    /// Closes the pool and stops the embedded server. `always_stop_embedded` is true for the
    /// server (it owns the cluster for its lifetime); one-shot commands stop only a server they
    /// started themselves, so they never pull the database from under a running `atende serve`.
    pub async fn close(self, always_stop_embedded: bool) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(pg) = self.embedded
            && (always_stop_embedded || pg.started_here())
        {
            pg.stop().await?;
        }
        Ok(())
    }
}

/// Plans the rest of the caller's transaction's statements for their actual values: for
/// queries whose best plan depends on them (text search, label and condition filters), where a
/// generic plan can read the whole account. Must run inside a transaction.
pub async fn custom_plans(conn: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    sqlx::query("set local plan_cache_mode = force_custom_plan")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Warns about server settings Atende cannot run well without: the queues, lists and counters
/// replace rows all day and rely on autovacuum to clear the dead ones (and to keep the planner's
/// statistics current).
pub async fn check_server_settings(pool: &PgPool) {
    match sqlx::query_scalar::<_, String>("select current_setting('autovacuum')")
        .fetch_one(pool)
        .await
    {
        Ok(on) if on != "on" => tracing::warn!(
            "PostgreSQL runs with autovacuum = {on}: job claims, lists and counts slow down as dead rows pile up; \
             turn it on (docs/OPERATIONS.md)"
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not read the server's autovacuum setting"),
    }
}

/// Applies pending migrations.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("running database migrations")
}

/// Whether every embedded migration has been applied successfully (for `/readyz`).
pub async fn migrations_applied(pool: &PgPool) -> anyhow::Result<bool> {
    let applied: Vec<i64> =
        sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
            .fetch_all(pool)
            .await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| applied.contains(&m.version)))
}
