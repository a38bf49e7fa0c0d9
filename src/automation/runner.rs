//! Runs an account's rules for one event: called by the event dispatcher (one job per event, in
//! order per conversation). Each rule is evaluated against the snapshot stored with the event,
//! recorded once in the run log (the `(rule, event)` key makes a retried dispatch skip rules that
//! already ran), and, when it matches, its actions run as the rule.

use serde_json::{Value, json};

use super::EventName;
use super::actions::{self, Origin, Owner};
use super::conditions::{self, Snapshot};
use super::rules::{self, RUN_LOG_SIZE};
use crate::auth::context::Actor;
use crate::events::Event;
use crate::i18n::Locale;
use crate::state::AppState;

/// Evaluates the rules listening to `event`, and runs the actions of those that match.
pub async fn on_event(app: &AppState, event: &Event) -> anyhow::Result<()> {
    let Some(event_name) = EventName::parse(event.kind.as_str()) else {
        return Ok(());
    };
    // No snapshot: the account had no active rule for this event when it committed, or the
    // event was caused by automation (which never triggers rules).
    let Some(stored) = &event.snapshot else {
        return Ok(());
    };
    if event.performed_by.get("type").and_then(Value::as_str) == Some("automation") {
        return Ok(());
    }
    let snapshot = Snapshot::from_event(stored, event.changed_attributes.as_ref());
    if let Some(message) = &snapshot.message
        && message.get("message_type").and_then(Value::as_str) == Some("activity")
    {
        return Ok(());
    }
    let Some(display_id) = snapshot
        .conversation
        .get("display_id")
        .and_then(Value::as_i64)
    else {
        return Ok(());
    };
    let mut conn = app.db.acquire().await?;
    let rules = sqlx::query!(
        "select id, name, conditions, actions from automation_rules
         where account_id = $1 and event_name = $2 and active order by id",
        event.account_id.0,
        event_name.as_str()
    )
    .fetch_all(&mut *conn)
    .await?;
    if rules.is_empty() {
        return Ok(());
    }
    let definitions = rules::definitions(&mut conn, event.account_id).await?;
    let locale_code = sqlx::query_scalar!(
        "select locale from accounts where id = $1",
        event.account_id.0
    )
    .fetch_one(&mut *conn)
    .await?;
    let locale = Locale::parse(&locale_code).unwrap_or_default();
    drop(conn);
    let now = app.clock.now();
    for rule in rules {
        let (matched, failed_condition, failed_reason) =
            match conditions::parse(&rule.conditions, event_name, &definitions) {
                Ok(parsed) => {
                    let outcome = conditions::evaluate(&parsed, &snapshot);
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
        let run = sqlx::query_scalar!(
            "insert into automation_runs (account_id, rule_id, event_id, conversation_id, matched,
                                          failed_condition, failed_reason, state, created_at, finished_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             on conflict (rule_id, event_id) do nothing returning id",
            event.account_id.0,
            rule.id,
            event.id,
            event.conversation_id,
            matched,
            failed_condition,
            failed_reason,
            if matched { "running" } else { "done" },
            now,
            (!matched).then_some(now)
        )
        .fetch_optional(&app.db)
        .await?;
        let Some(run) = run else {
            // Already evaluated by an earlier attempt of this dispatch.
            continue;
        };
        prune(app, event, rule.id, run).await?;
        if !matched {
            continue;
        }
        let results = match actions::parse(&rule.actions, Owner::Rule) {
            Ok(parsed) => {
                let actor = Actor::Automation {
                    account_id: event.account_id,
                    rule_id: rule.id,
                    rule_name: rule.name.clone(),
                    locale,
                };
                let origin = Origin::Rule {
                    rule_id: rule.id,
                    rule_name: rule.name.clone(),
                    event_id: event.id,
                    event_name: event_name.as_str().to_owned(),
                };
                actions::run_all(app, &actor, display_id, &parsed, &origin).await
            }
            Err(errors) => vec![actions::ActionResult {
                action_name: "actions".into(),
                ok: false,
                detail: format!("invalid rule: {}", errors.full_message()),
            }],
        };
        sqlx::query!(
            "update automation_runs set results = $2, state = 'done', finished_at = $3 where id = $1",
            run,
            json!(results),
            app.clock.now()
        )
        .execute(&app.db)
        .await?;
        tracing::info!(
            rule.id = rule.id,
            event.id = event.id,
            "automation rule ran"
        );
    }
    Ok(())
}

/// Keeps the run log at its size.
async fn prune(app: &AppState, event: &Event, rule_id: i64, newest: i64) -> anyhow::Result<()> {
    sqlx::query!(
        "delete from automation_runs
         where account_id = $1 and rule_id = $2 and id < $3 and id <= (
             select id from automation_runs where account_id = $1 and rule_id = $2
             order by id desc offset $4 limit 1)",
        event.account_id.0,
        rule_id,
        newest,
        RUN_LOG_SIZE
    )
    .execute(&app.db)
    .await?;
    Ok(())
}
