//! Macros: saved action lists a member runs on one or many conversations. Personal macros are
//! their author's; global ones are shared by the account. They run asynchronously, as the member
//! who runs them: activity messages name that member, messages count as human replies, and the
//! events they cause do trigger automation rules (as in Chatwoot).
//!
//! Who may do what (Chatwoot's policy, with administrators able to manage every global macro):
//! everyone sees and runs global macros and their own personal ones; agents create personal
//! macros only; authors edit and delete their own; administrators edit and delete global ones.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;

use crate::accounts::model::Role;
use crate::auth::context::{self, AccountCtx, Actor};
use crate::automation::actions::{self, Origin, Owner};
use crate::automation::files::{self, AutomationFile, FileOwner};
use crate::error::{Error, FieldErrors, Result};
use crate::ids::{AccountId, UserId};
use crate::jobs::{self, Job, JobError, JobSpec};
use crate::limits::{self, Rate, Reserved};
use crate::state::AppState;
use crate::text_enum;

text_enum! {
    /// Who sees a macro (Chatwoot's integers 0–1, in this order).
    pub enum Visibility {
        /// Only its author.
        Personal = "personal",
        /// Everyone in the account.
        Global = "global",
    }
}

/// The most conversations one execution may name.
pub const MAX_CONVERSATIONS: usize = 1_000;

/// A macro.
#[derive(Clone, Debug)]
pub struct Macro {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: AccountId,
    /// Name.
    pub name: String,
    /// Personal or global.
    pub visibility: Visibility,
    /// Actions as saved (Chatwoot's JSON).
    pub actions: Value,
    /// Author.
    pub created_by: Option<Person>,
    /// Last editor.
    pub updated_by: Option<Person>,
    /// Files of its `send_attachment` actions.
    pub files: Vec<AutomationFile>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An author or editor.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// User id.
    pub id: UserId,
    /// Name shown.
    pub name: String,
    /// E-mail.
    pub email: String,
}

/// Fields of a create or update; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct MacroInput {
    /// Name.
    pub name: Option<String>,
    /// `personal` or `global` (or Chatwoot's 0/1).
    pub visibility: Option<String>,
    /// Actions (a JSON array).
    pub actions: Option<Value>,
}

impl Macro {
    /// Whether `ctx` may see and run it.
    pub fn visible_to(&self, ctx: &AccountCtx) -> bool {
        self.visibility == Visibility::Global
            || self
                .created_by
                .as_ref()
                .is_some_and(|p| p.id == ctx.user.id)
    }

    /// Whether `ctx` may edit or delete it.
    pub fn editable_by(&self, ctx: &AccountCtx) -> bool {
        let author = self
            .created_by
            .as_ref()
            .is_some_and(|p| p.id == ctx.user.id);
        author || (self.visibility == Visibility::Global && ctx.role == Role::Administrator)
    }
}

struct Row {
    id: i64,
    account_id: i64,
    name: String,
    visibility: String,
    actions: Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    created_by_id: Option<i64>,
    created_by_name: Option<String>,
    created_by_email: Option<String>,
    updated_by_id: Option<i64>,
    updated_by_name: Option<String>,
    updated_by_email: Option<String>,
}

async fn load(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: Option<i64>,
) -> Result<Vec<Macro>> {
    load_with(conn, account_id, id, true).await
}

/// The macros, with their files when `with_files` (one more query per macro).
async fn load_with(
    conn: &mut PgConnection,
    account_id: AccountId,
    id: Option<i64>,
    with_files: bool,
) -> Result<Vec<Macro>> {
    let rows = sqlx::query_as!(
        Row,
        r#"select m.id, m.account_id, m.name, m.visibility, m.actions, m.created_at, m.updated_at,
                  m.created_by_id, coalesce(nullif(btrim(cu.display_name), ''), cu.name) as "created_by_name?",
                  cu.email as "created_by_email?",
                  m.updated_by_id, coalesce(nullif(btrim(uu.display_name), ''), uu.name) as "updated_by_name?",
                  uu.email as "updated_by_email?"
           from macros m
           left join users cu on cu.id = m.created_by_id
           left join users uu on uu.id = m.updated_by_id
           where m.account_id = $1 and ($2::bigint is null or m.id = $2)
           order by m.id"#,
        account_id.0,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let person = |id: Option<i64>, name: Option<String>, email: Option<String>| {
            id.map(|id| Person {
                id: UserId(id),
                name: name.unwrap_or_default(),
                email: email.unwrap_or_default(),
            })
        };
        let files = if with_files {
            files::of(conn, account_id, FileOwner::Macro(r.id)).await?
        } else {
            Vec::new()
        };
        out.push(Macro {
            id: r.id,
            account_id: AccountId(r.account_id),
            name: r.name,
            visibility: Visibility::parse(&r.visibility).unwrap_or(Visibility::Personal),
            actions: r.actions,
            created_by: person(r.created_by_id, r.created_by_name, r.created_by_email),
            updated_by: person(r.updated_by_id, r.updated_by_name, r.updated_by_email),
            files,
            created_at: r.created_at,
            updated_at: r.updated_at,
        });
    }
    Ok(out)
}

/// The macros `ctx` may see: global ones and their own personal ones.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Macro>> {
    let all = load(&mut *app.db.acquire().await?, ctx.account_id, None).await?;
    Ok(all.into_iter().filter(|m| m.visible_to(ctx)).collect())
}

/// The macros `ctx` may run, without their files: what the conversation panel offers, in one
/// query however many macros the account has.
pub async fn runnable(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Macro>> {
    let all = load_with(&mut *app.db.acquire().await?, ctx.account_id, None, false).await?;
    Ok(all.into_iter().filter(|m| m.visible_to(ctx)).collect())
}

/// One macro `ctx` may see (another member's personal macro does not exist for them).
pub async fn get(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<Macro> {
    load(&mut *app.db.acquire().await?, ctx.account_id, Some(id))
        .await?
        .pop()
        .filter(|m| m.visible_to(ctx))
        .ok_or(Error::NotFound)
}

fn parse_visibility(text: &str) -> Option<Visibility> {
    match text.trim() {
        "0" => Some(Visibility::Personal),
        "1" => Some(Visibility::Global),
        other => Visibility::parse(other),
    }
}

struct Valid {
    name: String,
    visibility: Visibility,
    actions: Value,
    files: Vec<i64>,
}

async fn validate(
    app: &AppState,
    conn: &mut PgConnection,
    ctx: &AccountCtx,
    current: Option<&Macro>,
    input: MacroInput,
) -> Result<Valid> {
    let mut errors = FieldErrors::new();
    let name = input
        .name
        .map(|n| n.trim().to_owned())
        .or_else(|| current.map(|m| m.name.clone()))
        .unwrap_or_default();
    if name.is_empty() {
        errors.add("name", "can't be blank");
    } else if name.chars().count() > 255 {
        errors.add("name", "is too long (maximum is 255 characters)");
    }
    let visibility = match input.visibility.as_deref() {
        Some(text) => parse_visibility(text),
        None => Some(current.map_or(Visibility::Personal, |m| m.visibility)),
    };
    match visibility {
        None => errors.add(
            "visibility",
            format!("is not one of: {}", Visibility::allowed()),
        ),
        Some(Visibility::Global) if ctx.role != Role::Administrator => {
            errors.add("visibility", "global macros are for administrators")
        }
        _ => {}
    }
    let actions_json = input
        .actions
        .or_else(|| current.map(|m| m.actions.clone()))
        .unwrap_or_else(|| Value::Array(Vec::new()));
    let mut file_ids = Vec::new();
    match actions::parse(&actions_json, Owner::Macro) {
        Ok(parsed) => {
            let own: Vec<i64> = current
                .map(|m| m.files.iter().map(|f| f.id).collect())
                .unwrap_or_default();
            if let Err(e) =
                actions::check_references(app, conn, ctx.account_id, &parsed, &own).await
            {
                for field in e.iter() {
                    errors.add(field.field.clone(), field.message.clone());
                }
            }
            file_ids = actions::file_ids(&parsed);
        }
        Err(e) => {
            for field in e.iter() {
                errors.add(field.field.clone(), field.message.clone());
            }
        }
    }
    if file_ids.len() > files::MAX_FILES {
        errors.add(
            "actions",
            format!("send too many files (maximum is {})", files::MAX_FILES),
        );
    }
    errors.into_result()?;
    Ok(Valid {
        name,
        visibility: visibility.unwrap_or(Visibility::Personal),
        actions: actions_json,
        files: file_ids,
    })
}

/// Creates a macro authored by `ctx`.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(app: &AppState, ctx: &AccountCtx, input: MacroInput) -> Result<Macro> {
    let mut tx = app.db.begin().await?;
    let valid = validate(app, &mut tx, ctx, None, input).await?;
    let id = sqlx::query_scalar!(
        "insert into macros (account_id, name, visibility, actions, created_by_id, updated_by_id, created_at)
         values ($1, $2, $3, $4, $5, $5, $6) returning id",
        ctx.account_id.0,
        valid.name,
        valid.visibility.as_str(),
        valid.actions,
        ctx.user.id.0,
        app.clock.now()
    )
    .fetch_one(&mut *tx)
    .await?;
    files::sync(
        &mut tx,
        app.clock.now(),
        ctx.account_id,
        FileOwner::Macro(id),
        &valid.files,
    )
    .await?;
    tx.commit().await?;
    get(app, ctx, id).await
}

/// Changes a macro (its author, or an administrator for a global one).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, macro.id = id))]
pub async fn update(app: &AppState, ctx: &AccountCtx, id: i64, input: MacroInput) -> Result<Macro> {
    let mut tx = app.db.begin().await?;
    sqlx::query_scalar!(
        "select id from macros where account_id = $1 and id = $2 for update",
        ctx.account_id.0,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let current = load(&mut tx, ctx.account_id, Some(id))
        .await?
        .pop()
        .filter(|m| m.visible_to(ctx))
        .ok_or(Error::NotFound)?;
    if !current.editable_by(ctx) {
        return Err(Error::Forbidden);
    }
    let valid = validate(app, &mut tx, ctx, Some(&current), input).await?;
    sqlx::query!(
        "update macros set name = $3, visibility = $4, actions = $5, updated_by_id = $6
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id,
        valid.name,
        valid.visibility.as_str(),
        valid.actions,
        ctx.user.id.0
    )
    .execute(&mut *tx)
    .await?;
    files::sync(
        &mut tx,
        app.clock.now(),
        ctx.account_id,
        FileOwner::Macro(id),
        &valid.files,
    )
    .await?;
    tx.commit().await?;
    get(app, ctx, id).await
}

/// Deletes a macro (its author, or an administrator for a global one).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, macro.id = id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: i64) -> Result<()> {
    let current = get(app, ctx, id).await?;
    if !current.editable_by(ctx) {
        return Err(Error::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    sqlx::query!(
        "delete from macros where account_id = $1 and id = $2",
        ctx.account_id.0,
        id
    )
    .execute(&mut *tx)
    .await?;
    crate::storage::schedule_removal(&mut tx, app.clock.now(), ctx.account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues the macro to run on conversations (display ids) as `ctx`. Conversations the member
/// cannot see are skipped when it runs, and logged.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, macro.id = id))]
pub async fn execute(
    app: &AppState,
    ctx: &AccountCtx,
    id: i64,
    conversation_ids: Vec<i64>,
) -> Result<()> {
    let found = get(app, ctx, id).await?;
    let mut ids: Vec<i64> = Vec::new();
    for id in conversation_ids {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(Error::invalid("conversation_ids", "can't be blank"));
    }
    if ids.len() > MAX_CONVERSATIONS {
        return Err(Error::invalid(
            "conversation_ids",
            format!("are too many (maximum is {MAX_CONVERSATIONS})"),
        ));
    }
    let job = Execute {
        account_id: ctx.account_id,
        macro_id: found.id,
        user_id: ctx.user.id,
        conversation_ids: ids,
        run: uuid::Uuid::new_v4(),
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let limits = &app.config.limits;
    match limits::reserve(&mut tx, limits, ctx.account_id, Rate::MacroRuns, 1, now).await? {
        Reserved::Taken(_) => {}
        refused => {
            let next = match refused {
                Reserved::Exhausted { next } => next,
                _ => limits::window_start(now) + chrono::TimeDelta::minutes(1),
            };
            let wait = (next - now).num_seconds().max(1);
            return Err(Error::TooManyRequests {
                retry_after_secs: wait as u64,
                message: format!(
                    "this account has run {} macros in the last minute, its limit; try again in {wait} s",
                    limits.macro_runs_per_minute
                )
                .into(),
            });
        }
    }
    let spec = JobSpec {
        account_id: Some(ctx.account_id),
        ..JobSpec::default()
    };
    jobs::enqueue(&mut tx, now, &job, spec).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a macro's actions on each conversation, in order, as the member who asked.
#[derive(Debug, Serialize, Deserialize)]
pub struct Execute {
    /// The account.
    pub account_id: AccountId,
    /// The macro.
    pub macro_id: i64,
    /// Who runs it.
    pub user_id: UserId,
    /// Display ids.
    pub conversation_ids: Vec<i64>,
    /// This execution (webhook targets are unique per execution).
    pub run: uuid::Uuid,
}

impl Job for Execute {
    const KIND: &'static str = "macros.execute";
    // Actions are not idempotent (a message would be sent twice): one attempt only.
    const MAX_ATTEMPTS: i32 = 1;

    async fn run(self, app: AppState) -> std::result::Result<(), JobError> {
        let mut conn = app.db.acquire().await?;
        let Some(user) = crate::accounts::repo::find_user(&mut conn, self.user_id).await? else {
            return Ok(());
        };
        let ctx = match context::resolve(&mut conn, user, self.account_id).await {
            Ok(ctx) => ctx,
            // The member left the account since: nothing runs in their name.
            Err(_) => return Ok(()),
        };
        drop(conn);
        let Ok(found) = get(&app, &ctx, self.macro_id).await else {
            return Ok(());
        };
        let parsed = match actions::parse(&found.actions, Owner::Macro) {
            Ok(parsed) => parsed,
            Err(e) => {
                tracing::warn!(macro.id = found.id, error = %e.full_message(), "macro no longer valid");
                return Ok(());
            }
        };
        let actor = Actor::Member(ctx);
        let origin = Origin::Macro {
            macro_id: found.id,
            macro_name: found.name.clone(),
            run: self.run,
        };
        let units = actions::outbound_units(&parsed);
        for (done, display_id) in self.conversation_ids.iter().enumerate() {
            let now = app.clock.now();
            let mut conn = app.db.acquire().await?;
            let limits = &app.config.limits;
            match limits::reserve(
                &mut conn,
                limits,
                self.account_id,
                Rate::OutboundActions,
                units,
                now,
            )
            .await?
            {
                Reserved::Taken(_) => {}
                Reserved::Exhausted { next } => {
                    // The account used its minute of webhook and e-mail actions: the remaining
                    // conversations get the macro then, in the same execution.
                    let rest = Execute {
                        account_id: self.account_id,
                        macro_id: self.macro_id,
                        user_id: self.user_id,
                        conversation_ids: self.conversation_ids[done..].to_vec(),
                        run: self.run,
                    };
                    let spec = JobSpec {
                        account_id: Some(self.account_id),
                        ..JobSpec::at(next)
                    };
                    jobs::enqueue(&mut conn, now, &rest, spec).await?;
                    tracing::info!(macro.id = found.id, conversations = rest.conversation_ids.len(), %next, "macro waits for the account's next minute of webhook and e-mail actions");
                    return Ok(());
                }
                Reserved::TooLarge => {
                    tracing::warn!(macro.id = found.id, units, "macro not run: it takes more webhook and e-mail actions than an account may take per minute");
                    return Ok(());
                }
            }
            drop(conn);
            let results = actions::run_all(&app, &actor, *display_id, &parsed, &origin).await;
            let failed: Vec<String> = results
                .iter()
                .filter(|r| !r.ok)
                .map(|r| format!("{}: {}", r.action_name, r.detail))
                .collect();
            if failed.is_empty() {
                tracing::info!(macro.id = found.id, conversation.display_id = display_id, "macro ran");
            } else {
                tracing::warn!(
                    macro.id = found.id,
                    conversation.display_id = display_id,
                    failures = %failed.join("; "),
                    "macro ran with failures"
                );
            }
        }
        Ok(())
    }
}
