//! Labels: the account's catalogue of tags that conversations and contacts carry by title.
//!
//! Invariants: a title is trimmed, downcased and made only of ASCII letters, digits, `-` and `_`
//! (the table's check constraint; Chatwoot also allows other Unicode letters); titles are unique
//! per account (the `labels_account_id_title_key` constraint decides); a color is `#RRGGBB`.
//! Every member may list labels; reading one and writing need [`Permission::LabelManage`].

use chrono::{DateTime, Utc};

use crate::auth::context::AccountCtx;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::LabelId;
use crate::roles::Permission;
use crate::state::AppState;

/// The color of a label created without one (Chatwoot's default).
pub const DEFAULT_COLOR: &str = "#1f93ff";

/// A label of an account.
#[derive(Clone, Debug)]
pub struct Label {
    /// Id.
    pub id: LabelId,
    /// Title, lowercase; how conversations and contacts refer to the label.
    pub title: String,
    /// What the label is for.
    pub description: Option<String>,
    /// `#RRGGBB`.
    pub color: String,
    /// Whether the sidebar lists it.
    pub show_on_sidebar: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Fields of a create or update; `None` leaves a field unchanged (or default on create).
#[derive(Clone, Debug, Default)]
pub struct LabelInput {
    /// Title as sent (normalised before saving).
    pub title: Option<String>,
    /// Description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Color as sent; blank means unchanged.
    pub color: Option<String>,
    /// Sidebar flag.
    pub show_on_sidebar: Option<bool>,
}

#[derive(Debug)]
struct Validated {
    title: Option<String>,
    description: Option<Option<String>>,
    color: Option<String>,
    show_on_sidebar: Option<bool>,
}

/// `" Urgente "` → `"urgente"`: the title as stored.
pub fn normalize_title(title: &str) -> String {
    title.trim().to_lowercase()
}

/// The labels of a conversation or contact as stored: each title normalised as
/// [`normalize_title`] does (Chatwoot lowercases tags too), blanks dropped, each once, in order.
pub fn normalize_titles(labels: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for label in labels.iter().map(|l| normalize_title(l)) {
        if !label.is_empty() && !out.contains(&label) {
            out.push(label);
        }
    }
    out
}

fn is_valid_title(title: &str) -> bool {
    title
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn is_valid_color(color: &str) -> bool {
    color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn validate(input: LabelInput, creating: bool) -> Result<Validated> {
    let mut errors = FieldErrors::new();
    let title = input.title.as_deref().map(normalize_title);
    match &title {
        Some(t) if t.is_empty() => errors.add("title", "can't be blank"),
        Some(t) if !is_valid_title(t) => errors.add(
            "title",
            "is invalid (only letters, digits, - and _ are allowed)",
        ),
        None if creating => errors.add("title", "can't be blank"),
        _ => {}
    }
    let color = input
        .color
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if color.as_deref().is_some_and(|c| !is_valid_color(c)) {
        errors.add("color", "is invalid (expected #RRGGBB)");
    }
    errors.into_result()?;
    let description = input
        .description
        .map(|d| d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()));
    Ok(Validated {
        title,
        description,
        color,
        show_on_sidebar: input.show_on_sidebar,
    })
}

fn title_taken() -> Error {
    Error::invalid("title", "has already been taken")
}

/// The account's labels, by title. Open to every member.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Label>> {
    let rows = sqlx::query!(
        "select id, title, description, color, show_on_sidebar, created_at, updated_at
         from labels where account_id = $1 order by title",
        ctx.account_id.0
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Label {
            id: LabelId(r.id),
            title: r.title,
            description: r.description,
            color: r.color,
            show_on_sidebar: r.show_on_sidebar,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// One label.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: LabelId) -> Result<Label> {
    ctx.require(Permission::LabelManage)?;
    let r = sqlx::query!(
        "select id, title, description, color, show_on_sidebar, created_at, updated_at
         from labels where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(&app.db)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(Label {
        id: LabelId(r.id),
        title: r.title,
        description: r.description,
        color: r.color,
        show_on_sidebar: r.show_on_sidebar,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Creates a label.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(app: &AppState, ctx: &AccountCtx, input: LabelInput) -> Result<Label> {
    ctx.require(Permission::LabelManage)?;
    let v = validate(input, true)?;
    let id = sqlx::query_scalar!(
        "insert into labels (account_id, title, description, color, show_on_sidebar, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6) returning id",
        ctx.account_id.0,
        v.title.unwrap_or_default(),
        v.description.flatten(),
        v.color.unwrap_or_else(|| DEFAULT_COLOR.to_owned()),
        v.show_on_sidebar.unwrap_or(true),
        app.clock.now()
    )
    .fetch_one(&app.db)
    .await
    .on_constraint("labels_account_id_title_key", title_taken)?;
    get(app, ctx, LabelId(id)).await
}

/// Updates the given fields of a label. Conversations and contacts keep the titles they carry.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, label.id = %id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: LabelId,
    input: LabelInput,
) -> Result<Label> {
    ctx.require(Permission::LabelManage)?;
    let v = validate(input, false)?;
    let updated = sqlx::query!(
        "update labels set
             title = coalesce($3, title),
             description = case when $4 then $5 else description end,
             color = coalesce($6, color),
             show_on_sidebar = coalesce($7, show_on_sidebar),
             updated_at = $8
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0,
        v.title,
        v.description.is_some(),
        v.description.flatten(),
        v.color,
        v.show_on_sidebar,
        app.clock.now()
    )
    .execute(&app.db)
    .await
    .on_constraint("labels_account_id_title_key", title_taken)?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    get(app, ctx, id).await
}

/// Deletes a label. Conversations and contacts keep the title (as Chatwoot does).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, label.id = %id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: LabelId) -> Result<()> {
    ctx.require(Permission::LabelManage)?;
    let deleted = sqlx::query!(
        "delete from labels where account_id = $1 and id = $2",
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

    fn titled(title: &str) -> LabelInput {
        LabelInput {
            title: Some(title.into()),
            ..Default::default()
        }
    }

    #[test]
    fn titles_are_trimmed_and_downcased() {
        let v = validate(titled("  Cliente-VIP_2 "), true).expect("valid");
        assert_eq!(v.title.as_deref(), Some("cliente-vip_2"));
    }

    #[test]
    fn titles_with_other_characters_are_refused() {
        for title in ["com espaço", "a.b", "a/b", "atenção", "🙂", "", "   "] {
            let Err(Error::Validation(errors)) = validate(titled(title), true) else {
                panic!("{title:?} should be refused")
            };
            assert_eq!(errors.fields(), vec!["title"], "{title:?}");
        }
    }

    #[test]
    fn colors_must_be_six_hex_digits() {
        for (color, ok) in [
            ("#1F93ff", true),
            ("", true),
            ("#1f93f", false),
            ("1f93ff0", false),
            ("#1f93fg", false),
            ("red", false),
            ("#ééé", false),
        ] {
            let input = LabelInput {
                color: Some(color.into()),
                ..titled("a")
            };
            assert_eq!(validate(input, true).is_ok(), ok, "{color:?}");
        }
    }

    #[test]
    fn a_title_is_required_only_on_create() {
        assert!(validate(LabelInput::default(), true).is_err());
        assert!(validate(LabelInput::default(), false).is_ok());
    }
}
