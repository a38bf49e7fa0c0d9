//! The one place that lists every kind of job and the periodic ones scheduled at start-up.

use std::collections::HashMap;

use anyhow::anyhow;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{Job, JobError, JobSpec, KeyMode};
use crate::state::AppState;

type Handler = fn(Value, AppState) -> BoxFuture<'static, Result<(), JobError>>;

/// Maps `jobs.kind` to the code that runs it.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
}

impl Registry {
    /// Every job the application defines.
    pub fn standard() -> Self {
        let mut registry = Self::default();
        registry.register::<crate::auth::sessions::DeleteExpiredSessions>();
        registry.register::<crate::conversations::service::EndSnooze>();
        registry.register::<crate::conversations::service::BulkAction>();
        registry.register::<crate::events::Dispatch>();
        registry.register::<crate::webhooks::delivery::Send>();
        registry.register::<crate::automation::runner::RunActions>();
        registry.register::<crate::mail::SendMail>();
        registry.register::<crate::macros::Execute>();
        registry.register::<crate::automation::files::DeleteUnownedFiles>();
        registry.register::<crate::storage::RemoveFiles>();
        registry.register::<crate::storage::SweepRemovals>();
        registry.register::<crate::retention::Prune>();
        registry
    }

    /// Adds a job kind (tests add probes of their own).
    pub fn register<J: Job>(&mut self) -> &mut Self {
        self.handlers.insert(J::KIND, handle::<J>);
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

/// Schedules the periodic jobs unless they are already queued; each reschedules itself.
pub(crate) async fn schedule_periodic(app: &AppState) -> anyhow::Result<()> {
    let mut conn = app.db.acquire().await?;
    let now = app.clock.now();
    let spec = JobSpec {
        key: Some(crate::auth::sessions::DeleteExpiredSessions::KEY.to_owned()),
        key_mode: KeyMode::Preserve,
        ..JobSpec::default()
    };
    super::enqueue(
        &mut conn,
        now,
        &crate::auth::sessions::DeleteExpiredSessions,
        spec,
    )
    .await?;
    let sweep = JobSpec {
        key: Some(crate::automation::files::DeleteUnownedFiles::KEY.to_owned()),
        key_mode: KeyMode::Preserve,
        ..JobSpec::default()
    };
    super::enqueue(
        &mut conn,
        now,
        &crate::automation::files::DeleteUnownedFiles,
        sweep,
    )
    .await?;
    let removals = JobSpec {
        key: Some(crate::storage::SweepRemovals::KEY.to_owned()),
        key_mode: KeyMode::Preserve,
        ..JobSpec::default()
    };
    super::enqueue(&mut conn, now, &crate::storage::SweepRemovals, removals).await?;
    let retention = JobSpec {
        key: Some(crate::retention::Prune::KEY.to_owned()),
        key_mode: KeyMode::Preserve,
        ..JobSpec::default()
    };
    super::enqueue(&mut conn, now, &crate::retention::Prune, retention).await?;
    Ok(())
}
