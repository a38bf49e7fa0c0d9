//! Automation rules: create, edit, clone, enable/disable and delete, validated whole at save
//! time (a rule that saves is a rule that can run), and the run log. Administrators and members
//! with [`Permission::AutomationManage`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::EventName;
use super::actions::{self, Action, Owner};
use super::conditions::{self, Definition};
use super::files::{self, AutomationFile, FileOwner};
use crate::auth::context::AccountCtx;
use crate::custom_attributes::{AttributeModel, DisplayType};
use crate::error::{Error, FieldErrors, Result};
use crate::ids::AccountId;
use crate::roles::Permission;
use crate::state::AppState;

/// How many evaluations the run log keeps per rule.
pub const RUN_LOG_SIZE: i64 = 100;

/// A rule as stored.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: AccountId,
    /// Name (activity messages say "Automação: <name>").
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The event it listens to.
    pub event_name: EventName,
    /// Conditions as saved (Chatwoot's JSON).
    pub conditions: Value,
    /// Actions as saved (Chatwoot's JSON).
    pub actions: Value,
    /// Whether it runs.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Files of its `send_attachment` actions.
    pub files: Vec<AutomationFile>,
    /// When it last evaluated an event.
    pub last_run_at: Option<DateTime<Utc>>,
}

/// Fields of a create or update; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct RuleInput {
    /// Name.
    pub name: Option<String>,
    /// Description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Event name as sent.
    pub event_name: Option<String>,
    /// Conditions (a JSON array).
    pub conditions: Option<Value>,
    /// Actions (a JSON array).
    pub actions: Option<Value>,
    /// Active flag.
    pub active: Option<bool>,
}

/// One evaluation in the run log.
#[derive(Clone, Debug)]
pub struct Run {
    /// Id.
    pub id: i64,
    /// The event evaluated.
    pub event_id: i64,
    /// The conversation's display id, if it still exists.
    pub conversation_display_id: Option<i64>,
    /// Whether the conditions held.
    pub matched: bool,
    /// The first condition that was false (0-based).
    pub failed_condition: Option<i32>,
    /// That condition in words, or why the rule could not be evaluated.
    pub failed_reason: Option<String>,
    /// The actions' results.
    pub results: Vec<actions::ActionResult>,
    /// `pending` until its actions start, `running` while they run, then `done`.
    pub state: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The account's custom attribute definitions, as conditions need them.
pub async fn definitions(
    conn: &mut PgConnection,
    account_id: AccountId,
) -> Result<Vec<Definition>> {
    let rows = sqlx::query!(
        r#"select attribute_key, attribute_model as "attribute_model: AttributeModel",
                  attribute_display_type as "attribute_display_type: DisplayType"
           from custom_attribute_definitions where account_id = $1 order by id"#,
        account_id.0
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Definition {
            key: r.attribute_key,
            model: r.attribute_model,
            display_type: r.attribute_display_type,
        })
        .collect())
}

struct Row {
    id: i64,
    account_id: i64,
    name: String,
    description: Option<String>,
    event_name: String,
    conditions: Value,
    actions: Value,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_run_at: Option<DateTime<Utc>>,
}

async fn load(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: Option<i64>,
) -> Result<Vec<Rule>> {
    let rows = sqlx::query_as!(
        Row,
        r#"select r.id, r.account_id, r.name, r.description, r.event_name, r.conditions, r.actions,
                  r.active, r.created_at, r.updated_at,
                  (select max(created_at) from automation_runs x
                    where x.account_id = r.account_id and x.rule_id = r.id) as "last_run_at?"
           from automation_rules r
           where r.account_id = $1 and ($2::bigint is null or r.id = $2)
           order by r.id"#,
        account_id.0,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rules = Vec::with_capacity(rows.len());
    for r in rows {
        let files = files::of(conn, account_id, FileOwner::Rule(r.id)).await?;
        rules.push(Rule {
            id: r.id,
            account_id: AccountId(r.account_id),
            name: r.name,
            description: r.description,
            event_name: EventName::parse(&r.event_name).unwrap_or(EventName::MessageCreated),
            conditions: r.conditions,
            actions: r.actions,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
            files,
            last_run_at: r.last_run_at,
        });
    }
    Ok(rules)
}

/// The account's rules, oldest first.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Rule>> {
    ctx.require(Permission::AutomationManage)?;
    load(&mut *app.db.acquire().await?, ctx.account_id, None).await
}

/// One rule.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<Rule> {
    ctx.require(Permission::AutomationManage)?;
    load(&mut *app.db.acquire().await?, ctx.account_id, Some(id))
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

struct Valid {
    name: String,
    description: Option<String>,
    event_name: EventName,
    conditions: Value,
    actions: Value,
    parsed_actions: Vec<Action>,
    active: bool,
}

/// Validates the rule that `input` applied to `current` would give, all fields at once.
async fn validate(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    current: Option<&Rule>,
    input: RuleInput,
) -> Result<Valid> {
    let mut errors = FieldErrors::new();
    let name = input
        .name
        .map(|n| n.trim().to_owned())
        .or_else(|| current.map(|r| r.name.clone()))
        .unwrap_or_default();
    if name.is_empty() {
        errors.add("name", "can't be blank");
    } else if name.chars().count() > 255 {
        errors.add("name", "is too long (maximum is 255 characters)");
    }
    let description = match input.description {
        Some(d) => d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        None => current.and_then(|r| r.description.clone()),
    };
    let event_name = match input.event_name.as_deref() {
        Some(text) => EventName::parse(text.trim()),
        None => current.map(|r| r.event_name),
    };
    if event_name.is_none() {
        errors.add(
            "event_name",
            format!("is not one of: {}", EventName::allowed()),
        );
    }
    let conditions = input
        .conditions
        .or_else(|| current.map(|r| r.conditions.clone()))
        .unwrap_or_else(|| Value::Array(Vec::new()));
    let actions_json = input
        .actions
        .or_else(|| current.map(|r| r.actions.clone()))
        .unwrap_or_else(|| Value::Array(Vec::new()));
    if let Some(event) = event_name {
        let definitions = definitions(conn, account_id).await?;
        if let Err(e) = conditions::parse(&conditions, event, &definitions) {
            for field in e.iter() {
                errors.add(field.field.clone(), field.message.clone());
            }
        }
    }
    let parsed_actions = match actions::parse(&actions_json, Owner::Rule) {
        Ok(parsed) => {
            let own: Vec<i64> = current
                .map(|r| r.files.iter().map(|f| f.id).collect())
                .unwrap_or_default();
            if let Err(e) = actions::check_references(app, conn, account_id, &parsed, &own).await {
                for field in e.iter() {
                    errors.add(field.field.clone(), field.message.clone());
                }
            }
            parsed
        }
        Err(e) => {
            for field in e.iter() {
                errors.add(field.field.clone(), field.message.clone());
            }
            Vec::new()
        }
    };
    if actions::file_ids(&parsed_actions).len() > files::MAX_FILES {
        errors.add(
            "actions",
            format!("send too many files (maximum is {})", files::MAX_FILES),
        );
    }
    errors.into_result()?;
    Ok(Valid {
        name,
        description,
        event_name: event_name.unwrap_or(EventName::MessageCreated),
        conditions,
        actions: actions_json,
        parsed_actions,
        active: input
            .active
            .or_else(|| current.map(|r| r.active))
            .unwrap_or(true),
    })
}

/// Creates a rule.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(app: &AppState, ctx: &AccountCtx, input: RuleInput) -> Result<Rule> {
    ctx.require(Permission::AutomationManage)?;
    let mut tx = app.db.begin().await?;
    let valid = validate(app, &mut tx, ctx.account_id, None, input).await?;
    let id = sqlx::query_scalar!(
        "insert into automation_rules (account_id, name, description, event_name, conditions, actions, active, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        ctx.account_id.0,
        valid.name,
        valid.description,
        valid.event_name.as_str(),
        valid.conditions,
        valid.actions,
        valid.active,
        app.clock.now()
    )
    .fetch_one(&mut *tx)
    .await?;
    files::sync(
        &mut tx,
        app.clock.now(),
        ctx.account_id,
        FileOwner::Rule(id),
        &actions::file_ids(&valid.parsed_actions),
    )
    .await?;
    tx.commit().await?;
    get(app, ctx, id).await
}

/// Changes a rule; what is not sent stays. The whole result is validated again.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, rule.id = id))]
pub async fn update(app: &AppState, ctx: &AccountCtx, id: i64, input: RuleInput) -> Result<Rule> {
    ctx.require(Permission::AutomationManage)?;
    let mut tx = app.db.begin().await?;
    sqlx::query_scalar!(
        "select id from automation_rules where account_id = $1 and id = $2 for update",
        ctx.account_id.0,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let current = load(&mut tx, ctx.account_id, Some(id))
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let valid = validate(app, &mut tx, ctx.account_id, Some(&current), input).await?;
    sqlx::query!(
        "update automation_rules set name = $3, description = $4, event_name = $5, conditions = $6,
                actions = $7, active = $8
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id,
        valid.name,
        valid.description,
        valid.event_name.as_str(),
        valid.conditions,
        valid.actions,
        valid.active
    )
    .execute(&mut *tx)
    .await?;
    files::sync(
        &mut tx,
        app.clock.now(),
        ctx.account_id,
        FileOwner::Rule(id),
        &actions::file_ids(&valid.parsed_actions),
    )
    .await?;
    tx.commit().await?;
    get(app, ctx, id).await
}

/// Deletes a rule for good, with its files and run log.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, rule.id = id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<()> {
    ctx.require(Permission::AutomationManage)?;
    let mut tx = app.db.begin().await?;
    let deleted = sqlx::query!(
        "delete from automation_rules where account_id = $1 and id = $2",
        ctx.account_id.0,
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound);
    }
    crate::storage::schedule_removal(&mut tx, app.clock.now(), ctx.account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// An exact copy of a rule: name, description, event, conditions, actions, active flag, and its
/// files (copied, with the copy's actions pointing at the copies).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, rule.id = id))]
pub async fn clone(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<Rule> {
    ctx.require(Permission::AutomationManage)?;
    let original = get(app, ctx, id).await?;
    let mut tx = app.db.begin().await?;
    let new_id = sqlx::query_scalar!(
        "insert into automation_rules (account_id, name, description, event_name, conditions, actions, active, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        ctx.account_id.0,
        original.name,
        original.description,
        original.event_name.as_str(),
        original.conditions,
        original.actions,
        original.active,
        app.clock.now()
    )
    .fetch_one(&mut *tx)
    .await?;
    let pairs = files::copy(
        app,
        &mut tx,
        ctx.account_id,
        FileOwner::Rule(id),
        FileOwner::Rule(new_id),
    )
    .await?;
    if !pairs.is_empty() {
        let actions = remap_files(&original.actions, &pairs);
        sqlx::query!(
            "update automation_rules set actions = $3 where account_id = $1 and id = $2",
            ctx.account_id.0,
            new_id,
            actions
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    get(app, ctx, new_id).await
}

/// `send_attachment` params rewritten from old file ids to new ones.
pub fn remap_files(actions: &Value, pairs: &[(i64, i64)]) -> Value {
    let mut actions = actions.clone();
    for action in actions.as_array_mut().into_iter().flatten() {
        if action.get("action_name").and_then(Value::as_str) != Some("send_attachment") {
            continue;
        }
        if let Some(params) = action
            .get_mut("action_params")
            .and_then(Value::as_array_mut)
        {
            for param in params.iter_mut() {
                let old = match param {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                if let Some(new) = old.and_then(|o| pairs.iter().find(|(a, _)| *a == o)) {
                    *param = Value::from(new.1);
                }
            }
        }
    }
    actions
}

/// The latest evaluations of a rule, newest first.
pub async fn runs(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<Vec<Run>> {
    ctx.require(Permission::AutomationManage)?;
    let rows = sqlx::query!(
        r#"select r.id, r.event_id, c.display_id as "display_id?", r.matched, r.failed_condition,
                  r.failed_reason, r.results, r.state, r.created_at
           from automation_runs r
           left join conversations c on c.account_id = r.account_id and c.id = r.conversation_id
           where r.account_id = $1 and r.rule_id = $2
           order by r.id desc limit $3"#,
        ctx.account_id.0,
        id,
        RUN_LOG_SIZE
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Run {
            id: r.id,
            event_id: r.event_id,
            conversation_display_id: r.display_id,
            matched: r.matched,
            failed_condition: r.failed_condition,
            failed_reason: r.failed_reason,
            results: serde_json::from_value(r.results).unwrap_or_default(),
            state: r.state,
            created_at: r.created_at,
        })
        .collect())
}
