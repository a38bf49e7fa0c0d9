//! Which code runs each kind of job, and which jobs run on their own schedule. The registry
//! knows no feature: the composition root (`app::job_registry`) fills it.

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;
use sqlx::PgConnection;

use super::{Job, JobError, JobSpec, KeyMode};
use crate::state::AppState;

type Handler = fn(Value, AppState) -> BoxFuture<'static, Result<(), JobError>>;

type Schedule = for<'c> fn(
    &'c mut PgConnection,
    DateTime<Utc>,
    &'static str,
) -> BoxFuture<'c, anyhow::Result<()>>;

/// Maps `jobs.kind` to the code that runs it.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
    periodic: Vec<(&'static str, Schedule)>,
}

impl Registry {
    /// Adds a job kind (tests add probes of their own).
    pub fn register<J: Job>(&mut self) -> &mut Self {
        self.handlers.insert(J::KIND, handle::<J>);
        self
    }

    /// Adds a job kind that runs on its own schedule: queued under `key` at start-up unless a
    /// run is already queued, and rescheduling itself under the same key when it runs.
    pub fn register_periodic<J: Job + Default>(&mut self, key: &'static str) -> &mut Self {
        self.register::<J>();
        self.periodic.push((key, schedule::<J>));
        self
    }

    /// Runs the job stored as (`kind`, `payload`).
    pub(crate) fn dispatch(
        &self,
        kind: &str,
        payload: Value,
        app: AppState,
    ) -> BoxFuture<'static, Result<(), JobError>> {
        match self.handlers.get(kind) {
            Some(handler) => handler(payload, app),
            None => {
                let kind = kind.to_owned();
                async move { Err(JobError::Fatal(anyhow!("no handler for job kind {kind:?}"))) }
                    .boxed()
            }
        }
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<_> = self.handlers.keys().collect();
        kinds.sort();
        f.debug_struct("Registry").field("kinds", &kinds).finish()
    }
}

fn handle<J: Job>(payload: Value, app: AppState) -> BoxFuture<'static, Result<(), JobError>> {
    async move {
        let job: J = serde_json::from_value(payload)
            .map_err(|e| JobError::Fatal(anyhow!("malformed {} payload: {e}", J::KIND)))?;
        job.run(app).await
    }
    .boxed()
}

fn schedule<'c, J: Job + Default>(
    conn: &'c mut PgConnection,
    now: DateTime<Utc>,
    key: &'static str,
) -> BoxFuture<'c, anyhow::Result<()>> {
    async move {
        let spec = JobSpec {
            key: Some(key.to_owned()),
            key_mode: KeyMode::Preserve,
            ..JobSpec::default()
        };
        super::enqueue(conn, now, &J::default(), spec).await?;
        Ok(())
    }
    .boxed()
}

/// Schedules the periodic jobs unless they are already queued; each reschedules itself.
pub(crate) async fn schedule_periodic(app: &AppState) -> anyhow::Result<()> {
    let mut conn = app.db.acquire().await?;
    let now = app.clock.now();
    for (key, schedule) in &app.jobs.periodic {
        schedule(&mut conn, now, key).await?;
    }
    Ok(())
}
