//! Canned responses: an account's saved replies, inserted by typing `/short_code` in the reply
//! box.
//!
//! Invariants: `short_code` is trimmed, non-blank and unique per account ignoring case (the
//! `canned_responses_short_code_key` index decides); `content` is non-blank and kept as typed.
//! Every member may list and search them; writing needs [`Permission::CannedResponseManage`]
//! (which plain agents have).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::context::AccountCtx;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::AccountId;
use crate::roles::Permission;
use crate::state::AppState;

/// A canned response's id.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct CannedResponseId(pub i64);

impl std::fmt::Display for CannedResponseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A saved reply.
#[derive(Clone, Debug)]
pub struct CannedResponse {
    /// Id.
    pub id: CannedResponseId,
    /// The account.
    pub account_id: AccountId,
    /// What agents type after `/`.
    pub short_code: String,
    /// The text inserted.
    pub content: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Fields of a create or update; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct CannedResponseInput {
    /// Short code.
    pub short_code: Option<String>,
    /// Content.
    pub content: Option<String>,
}

#[derive(Debug)]
struct Validated {
    short_code: Option<String>,
    content: Option<String>,
}

fn validate(input: CannedResponseInput, creating: bool) -> Result<Validated> {
    let mut errors = FieldErrors::new();
    let short_code = input.short_code.map(|s| s.trim().to_owned());
    match &short_code {
        Some(s) if s.is_empty() => errors.add("short_code", "can't be blank"),
        Some(s) if s.chars().count() > 255 => {
            errors.add("short_code", "is too long (maximum is 255 characters)")
        }
        None if creating => errors.add("short_code", "can't be blank"),
        _ => {}
    }
    match &input.content {
        Some(c) if c.trim().is_empty() => errors.add("content", "can't be blank"),
        None if creating => errors.add("content", "can't be blank"),
        _ => {}
    }
    errors.into_result()?;
    Ok(Validated {
        short_code,
        content: input.content,
    })
}

/// `50%_off` → `50\%\_off`: a search term matched literally inside `ilike`.
fn like_escape(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn short_code_taken() -> Error {
    Error::invalid("short_code", "has already been taken")
}

/// The account's canned responses, oldest first; with `search`, those whose short code or
/// content contains it (ignoring case), ranked as Chatwoot ranks them: short codes that start
/// with it, then short codes that contain it, then contents that contain it.
pub async fn list(
    app: &AppState,
    ctx: &AccountCtx,
    search: Option<&str>,
) -> Result<Vec<CannedResponse>> {
    let term = search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(like_escape);
    let rows = sqlx::query!(
        "select id, account_id, short_code, content, created_at, updated_at
         from canned_responses
         where account_id = $1
           and ($2::text is null
                or short_code ilike '%' || $2 || '%'
                or content ilike '%' || $2 || '%')
         order by case
                      when $2::text is null then 0
                      when short_code ilike $2 || '%' then 3
                      when short_code ilike '%' || $2 || '%' then 2
                      else 1
                  end desc,
                  id",
        ctx.account_id.0,
        term
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CannedResponse {
            id: CannedResponseId(r.id),
            account_id: AccountId(r.account_id),
            short_code: r.short_code,
            content: r.content,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// One canned response. Open to every member.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: CannedResponseId) -> Result<CannedResponse> {
    let r = sqlx::query!(
        "select id, account_id, short_code, content, created_at, updated_at
         from canned_responses where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(&app.db)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(CannedResponse {
        id: CannedResponseId(r.id),
        account_id: AccountId(r.account_id),
        short_code: r.short_code,
        content: r.content,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Creates a canned response.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(
    app: &AppState,
    ctx: &AccountCtx,
    input: CannedResponseInput,
) -> Result<CannedResponse> {
    ctx.require(Permission::CannedResponseManage)?;
    let v = validate(input, true)?;
    let id = sqlx::query_scalar!(
        "insert into canned_responses (account_id, short_code, content, created_at, updated_at)
         values ($1, $2, $3, $4, $4) returning id",
        ctx.account_id.0,
        v.short_code.unwrap_or_default(),
        v.content.unwrap_or_default(),
        app.clock.now()
    )
    .fetch_one(&app.db)
    .await
    .on_constraint("canned_responses_short_code_key", short_code_taken)?;
    get(app, ctx, CannedResponseId(id)).await
}

/// Updates the given fields of a canned response.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, canned_response.id = %id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: CannedResponseId,
    input: CannedResponseInput,
) -> Result<CannedResponse> {
    ctx.require(Permission::CannedResponseManage)?;
    let v = validate(input, false)?;
    let updated = sqlx::query!(
        "update canned_responses set
             short_code = coalesce($3, short_code),
             content = coalesce($4, content),
             updated_at = $5
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0,
        v.short_code,
        v.content,
        app.clock.now()
    )
    .execute(&app.db)
    .await
    .on_constraint("canned_responses_short_code_key", short_code_taken)?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    get(app, ctx, id).await
}

/// Deletes a canned response.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, canned_response.id = %id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: CannedResponseId) -> Result<()> {
    ctx.require(Permission::CannedResponseManage)?;
    let deleted = sqlx::query!(
        "delete from canned_responses where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .execute(&app.db)
    .await?
    .rows_affected();
    if deleted == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape(r"50%_off\x"), r"50\%\_off\\x");
        assert_eq!(like_escape("olá"), "olá");
    }

    #[test]
    fn short_code_and_content_are_required_on_create() {
        let Err(Error::Validation(errors)) = validate(CannedResponseInput::default(), true) else {
            panic!("expected 422")
        };
        assert_eq!(errors.fields(), vec!["short_code", "content"]);
        assert!(validate(CannedResponseInput::default(), false).is_ok());
        let blank = CannedResponseInput {
            short_code: Some("oi".into()),
            content: Some(" \n ".into()),
        };
        assert!(validate(blank, true).is_err());
    }

    #[test]
    fn short_codes_are_trimmed_and_content_kept_as_typed() {
        let input = CannedResponseInput {
            short_code: Some(" oi ".into()),
            content: Some("Olá!\n".into()),
        };
        let v = validate(input, true).expect("valid");
        assert_eq!(v.short_code.as_deref(), Some("oi"));
        assert_eq!(v.content.as_deref(), Some("Olá!\n"));
    }
}
