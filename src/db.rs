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
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.application_name("atende"))
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
