//! Runs an account's rules: the [`Rules`] consumer evaluates them for a batch of events (inside
//! the events dispatcher's transaction), and the [`RunActions`] job runs the actions of the
//! rules that matched.
//!
//! Each rule is evaluated against the snapshot stored with the event and recorded once in the
//! run log (the `(rule, event)` key makes a repeated batch skip rules that already ran). A run
//! that matched waits as `pending` until the account's action runner takes it (`running`) and
//! records what each action did (`done`). Actions of one conversation run in event order; those
//! of different conversations run side by side. A run interrupted by a crash is not run again
//! (an action may already have had its effect): it is closed with a note saying so.

use std::collections::HashMap;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::EventName;
use super::actions::{self, ActionResult, Origin, Owner};
use super::conditions::{self, Snapshot};
use super::rules::RUN_LOG_SIZE;
use crate::auth::context::Actor;
use crate::events::{Consumer, Event};
use crate::i18n::Locale;
use crate::ids::AccountId;
use crate::jobs::{self, Job, JobError, JobSpec, KeyMode};
use crate::limits::{self, Rate, Reserved};
use crate::state::AppState;

/// The events consumer that evaluates automation rules.
#[derive(Debug)]
pub struct Rules;

impl Consumer for Rules {
    fn consume<'a>(
        &'a self,
        app: &'a AppState,
        tx: &'a mut PgConnection,
        events: &'a [Event],
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(evaluate_batch(app, tx, events))
    }
}

/// An event rules may run for, with its snapshot read.
struct Candidate<'a> {
    event: &'a Event,
    name: EventName,
    snapshot: Snapshot,
}

fn candidate(event: &Event) -> Option<Candidate<'_>> {
    let name = EventName::parse(event.kind.as_str())?;
    // No snapshot: the account had no active rule for this event when it committed, or the
    // event was caused by automation (which never triggers rules).
    let stored = event.snapshot.as_ref()?;
    if event.performed_by.get("type").and_then(Value::as_str) == Some("automation") {
        return None;
    }
    let snapshot = Snapshot::from_event(stored, event.changed_attributes.as_ref());
    if let Some(message) = &snapshot.message
        && message.get("message_type").and_then(Value::as_str) == Some("activity")
    {
        return None;
    }
    snapshot
        .conversation
        .get("display_id")
        .and_then(Value::as_i64)?;
    Some(Candidate {
        event,
        name,
        snapshot,
    })
}

/// Evaluates the account's active rules for a batch of its events and records every run; wakes
/// the action runner when one matched.
async fn evaluate_batch(
    app: &AppState,
    tx: &mut PgConnection,
    events: &[Event],
) -> anyhow::Result<()> {
    let candidates: Vec<Candidate> = events.iter().filter_map(candidate).collect();
    let Some(account_id) = candidates.first().map(|c| c.event.account_id) else {
        return Ok(());
    };
    let rules = sqlx::query!(
        "select id, event_name, conditions from automation_rules
         where account_id = $1 and active order by id",
        account_id.0
    )
    .fetch_all(&mut *tx)
    .await?;
    if rules.is_empty() {
        return Ok(());
    }
    let definitions = super::rules::definitions(&mut *tx, account_id).await?;
    // Each rule's conditions are read once per batch, for the event kind it listens to.
    let parsed: Vec<_> = rules
        .iter()
        .map(|rule| {
            let name = EventName::parse(&rule.event_name);
            let conditions =
                name.map(|name| conditions::parse(&rule.conditions, name, &definitions));
            (rule, conditions)
        })
        .collect();
    let mut runs = Runs::default();
    for c in &candidates {
        for (rule, conditions) in parsed
            .iter()
            .filter(|(r, _)| r.event_name == c.name.as_str())
        {
            let Some(conditions) = conditions else {
                continue;
            };
            let (matched, failed_condition, failed_reason) = match conditions {
                Ok(parsed) => {
                    let outcome = conditions::evaluate(parsed, &c.snapshot);
                    let failed = outcome.first_failed;
                    (
                        outcome.matched,
                        failed.map(|i| i as i32),
                        failed.and_then(|i| parsed.get(i)).map(conditions::describe),
                    )
                }
                // A definition the rule used was deleted since it was saved.
                Err(errors) => (
                    false,
                    None,
                    Some(format!("invalid rule: {}", errors.full_message())),
                ),
            };
            runs.rule_ids.push(rule.id);
            runs.event_ids.push(c.event.id);
            runs.conversation_ids.push(c.event.conversation_id);
            runs.matched.push(matched);
            runs.failed_conditions.push(failed_condition);
            runs.failed_reasons.push(failed_reason);
        }
    }
    if runs.rule_ids.is_empty() {
        return Ok(());
    }
    let now = app.clock.now();
    let inserted = sqlx::query!(
        "insert into automation_runs (account_id, rule_id, event_id, conversation_id, matched,
                                      failed_condition, failed_reason, state, created_at, finished_at)
         select $1, u.rule_id, u.event_id, u.conversation_id, u.matched, u.failed_condition, u.failed_reason,
                case when u.matched then 'pending' else 'done' end, $8::timestamptz,
                case when u.matched then null else $8::timestamptz end
         from unnest($2::int8[], $3::int8[], $4::int8[], $5::bool[], $6::int4[], $7::text[])
              as u(rule_id, event_id, conversation_id, matched, failed_condition, failed_reason)
         on conflict (rule_id, event_id) do nothing
         returning rule_id, matched",
        account_id.0,
        &runs.rule_ids,
        &runs.event_ids,
        &runs.conversation_ids as &[Option<i64>],
        &runs.matched,
        &runs.failed_conditions as &[Option<i32>],
        &runs.failed_reasons as &[Option<String>],
        now
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut touched: Vec<i64> = inserted.iter().map(|r| r.rule_id).collect();
    touched.sort_unstable();
    touched.dedup();
    // Keep each rule's log at its size; runs whose actions have not run yet are never dropped.
    sqlx::query!(
        "delete from automation_runs r using unnest($2::int8[]) as t(rule_id)
         where r.account_id = $1 and r.rule_id = t.rule_id and r.state = 'done' and r.id <= (
             select id from automation_runs where account_id = $1 and rule_id = t.rule_id
             order by id desc offset $3 limit 1)",
        account_id.0,
        &touched,
        RUN_LOG_SIZE
    )
    .execute(&mut *tx)
    .await?;
    if inserted.iter().any(|r| r.matched) {
        RunActions::wake(tx, now, account_id).await?;
    }
    Ok(())
}

/// Rule runs of a batch, as columns.
#[derive(Default)]
struct Runs {
    rule_ids: Vec<i64>,
    event_ids: Vec<i64>,
    conversation_ids: Vec<Option<i64>>,
    matched: Vec<bool>,
    failed_conditions: Vec<Option<i32>>,
    failed_reasons: Vec<Option<String>>,
}

/// Runs the actions of an account's matched rules, oldest first: conversations side by side,
/// each conversation's runs in order. One runs per account at a time (it is keyed).
#[derive(Debug, Serialize, Deserialize)]
pub struct RunActions {
    /// The account.
    pub account_id: AccountId,
}

/// Runs taken per round.
const ACTION_BATCH: i64 = 64;
/// Conversations whose actions run at once.
const CONVERSATIONS_AT_ONCE: usize = 8;
/// How long one run keeps taking rounds before it lets other jobs in.
const RUN_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

impl RunActions {
    fn key(account_id: AccountId) -> String {
        format!("automation.actions:{account_id}")
    }

    /// Makes the account's action runner due now, in the caller's transaction.
    pub async fn wake(
        conn: &mut PgConnection,
        now: chrono::DateTime<chrono::Utc>,
        account_id: AccountId,
    ) -> anyhow::Result<()> {
        Self::wake_at(conn, now, now, account_id).await
    }

    /// Makes the account's action runner due at `at` at the latest (an earlier wake stands).
    pub async fn wake_at(
        conn: &mut PgConnection,
        now: chrono::DateTime<chrono::Utc>,
        at: chrono::DateTime<chrono::Utc>,
        account_id: AccountId,
    ) -> anyhow::Result<()> {
        let spec = JobSpec::at(at)
            .keyed_with(Self::key(account_id), KeyMode::Earliest)
            .for_account(account_id);
        jobs::enqueue(conn, now, &RunActions { account_id }, spec).await?;
        Ok(())
    }
}

/// A matched run whose actions are about to run.
struct Taken {
    id: i64,
    rule_id: i64,
    rule_name: String,
    actions: Value,
    event_id: i64,
    event_name: String,
    display_id: Option<i64>,
    conversation_id: Option<i64>,
}

impl Job for RunActions {
    const KIND: &'static str = "automation.run_actions";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        let started = std::time::Instant::now();
        // Only one runner per account runs at a time: a run still `running` was interrupted.
        sqlx::query!(
            "update automation_runs set state = 'done', finished_at = $2,
                 results = results || $3
             where account_id = $1 and state = 'running'",
            self.account_id.0,
            app.clock.now(),
            json!([{ "action_name": "actions", "ok": false,
                     "detail": "interrupted: the process running the actions stopped; they are not run twice" }])
        )
        .execute(&app.db)
        .await?;
        let locale = sqlx::query_scalar!(
            "select locale from accounts where id = $1",
            self.account_id.0
        )
        .fetch_optional(&app.db)
        .await?;
        let Some(locale) = locale else { return Ok(()) };
        let locale = Locale::parse(&locale).unwrap_or_default();
        self.drain(&app, locale, started).await?;
        // Runs that wait for the account's next minute of outbound actions wake the runner then.
        let deferred = sqlx::query_scalar!(
            "select min(deferred_until) from automation_runs
             where account_id = $1 and state = 'pending' and deferred_until > $2",
            self.account_id.0,
            app.clock.now()
        )
        .fetch_one(&app.db)
        .await?;
        if let Some(at) = deferred {
            let mut conn = app.db.acquire().await?;
            Self::wake_at(&mut conn, app.clock.now(), at, self.account_id).await?;
        }
        Ok(())
    }
}

impl RunActions {
    /// Takes the account's pending runs in rounds until none is left or the budget is spent.
    async fn drain(
        &self,
        app: &AppState,
        locale: Locale,
        started: std::time::Instant,
    ) -> Result<(), JobError> {
        loop {
            let taken = sqlx::query_as!(
                Taken,
                r#"with taken as (
                       update automation_runs set state = 'running'
                       where id in (select id from automation_runs where account_id = $1 and state = 'pending'
                                      and (deferred_until is null or deferred_until <= $3)
                                    order by id limit $2 for update skip locked)
                       returning id, rule_id, event_id, conversation_id
                   )
                   select t.id as "id!", t.rule_id as "rule_id!", r.name as "rule_name!", r.actions as "actions!",
                          t.event_id as "event_id!", r.event_name as "event_name!", c.display_id as "display_id?",
                          t.conversation_id
                   from taken t
                   join automation_rules r on r.account_id = $1 and r.id = t.rule_id
                   left join conversations c on c.account_id = $1 and c.id = t.conversation_id
                   order by t.id"#,
                self.account_id.0,
                ACTION_BATCH,
                app.clock.now()
            )
            .fetch_all(&app.db)
            .await?;
            if taken.is_empty() {
                return Ok(());
            }
            let full = taken.len() as i64 == ACTION_BATCH;
            let mut by_conversation: HashMap<Option<i64>, Vec<Taken>> = HashMap::new();
            for t in taken {
                by_conversation
                    .entry(t.conversation_id)
                    .or_default()
                    .push(t);
            }
            let account_id = self.account_id;
            futures_util::stream::iter(by_conversation.into_values())
                .map(|runs| {
                    let app = app.clone();
                    async move {
                        for run in runs {
                            let Some(results) = run_actions(&app, account_id, locale, &run).await?
                            else {
                                continue;
                            };
                            sqlx::query!(
                                "update automation_runs set results = $2, state = 'done', finished_at = $3
                                 where id = $1",
                                run.id,
                                json!(results),
                                app.clock.now()
                            )
                            .execute(&app.db)
                            .await?;
                            tracing::info!(rule.id = run.rule_id, event.id = run.event_id, "automation rule ran");
                        }
                        Ok::<(), anyhow::Error>(())
                    }
                })
                .buffer_unordered(CONVERSATIONS_AT_ONCE)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<()>, anyhow::Error>>()?;
            if !full {
                return Ok(());
            }
            if started.elapsed() > RUN_BUDGET {
                let mut conn = app.db.acquire().await?;
                Self::wake(&mut conn, app.clock.now(), self.account_id).await?;
                return Ok(());
            }
        }
    }
}

/// Runs one matched rule's actions and returns their results, or `None` when the run takes
/// webhook or e-mail actions and the account has used its minute of them: the run is then put
/// back, untouched, until the next minute.
async fn run_actions(
    app: &AppState,
    account_id: AccountId,
    locale: Locale,
    run: &Taken,
) -> anyhow::Result<Option<Vec<ActionResult>>> {
    let Some(display_id) = run.display_id else {
        return Ok(Some(vec![ActionResult {
            action_name: "actions".into(),
            ok: false,
            detail: "the conversation no longer exists".into(),
        }]));
    };
    Ok(Some(match actions::parse(&run.actions, Owner::Rule) {
        Ok(parsed) => {
            let units = actions::outbound_units(&parsed);
            let now = app.clock.now();
            let mut conn = app.db.acquire().await?;
            let limits = &app.config.limits;
            match limits::reserve(
                &mut conn,
                limits,
                account_id,
                Rate::OutboundActions,
                units,
                now,
            )
            .await?
            {
                Reserved::Taken(_) => {}
                Reserved::Exhausted { next } => {
                    sqlx::query!(
                        "update automation_runs set state = 'pending', deferred_until = $2
                         where id = $1",
                        run.id,
                        next
                    )
                    .execute(&mut *conn)
                    .await?;
                    tracing::info!(rule.id = run.rule_id, %next, "rule run waits for the account's next minute of webhook and e-mail actions");
                    return Ok(None);
                }
                Reserved::TooLarge => {
                    return Ok(Some(vec![ActionResult {
                        action_name: "actions".into(),
                        ok: false,
                        detail: format!(
                            "not run: the rule takes {units} webhook and e-mail actions, more than the {} an account may take per minute (ATENDE_OUTBOUND_ACTIONS_PER_MINUTE)",
                            limits.outbound_actions_per_minute
                        ),
                    }]));
                }
            }
            drop(conn);
            let actor = Actor::Automation {
                account_id,
                rule_id: run.rule_id,
                rule_name: run.rule_name.clone(),
                locale,
            };
            let origin = Origin::Rule {
                rule_id: run.rule_id,
                rule_name: run.rule_name.clone(),
                event_id: run.event_id,
                event_name: run.event_name.clone(),
            };
            actions::run_all(app, &actor, display_id, &parsed, &origin).await
        }
        Err(errors) => vec![ActionResult {
            action_name: "actions".into(),
            ok: false,
            detail: format!("invalid rule: {}", errors.full_message()),
        }],
    }))
}
