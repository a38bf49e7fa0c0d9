//! Custom roles: an administrator-chosen set of [`Permission::ASSIGNABLE`] permissions that
//! refines the agent role. A role can be deleted only once nobody holds it (members or pending
//! invitations): its members are never turned into plain agents behind the administrator's back.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Permission;
use crate::auth::context::AccountCtx;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::{AccountId, CustomRoleId};
use crate::state::AppState;

/// A custom role (Chatwoot enterprise JSON shape).
#[derive(Clone, Debug, Serialize)]
pub struct CustomRole {
    /// Id.
    pub id: CustomRoleId,
    /// Name, unique per account (case-insensitive).
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// Granted permissions.
    pub permissions: Vec<Permission>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Fields of a create or update; `None` leaves a field unchanged on update.
#[derive(Clone, Debug, Default)]
pub struct CustomRoleInput {
    /// Name.
    pub name: Option<String>,
    /// Description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Permission names as sent.
    pub permissions: Option<Vec<String>>,
}

struct Validated {
    name: Option<String>,
    description: Option<Option<String>>,
    permissions: Option<Vec<Permission>>,
}

fn validate(input: CustomRoleInput, creating: bool) -> Result<Validated> {
    let mut errors = FieldErrors::new();
    let name = input.name.map(|n| n.trim().to_owned());
    match &name {
        Some(n) if n.is_empty() => errors.add("name", "can't be blank"),
        Some(n) if n.chars().count() > 100 => {
            errors.add("name", "is too long (maximum is 100 characters)")
        }
        None if creating => errors.add("name", "can't be blank"),
        _ => {}
    }
    let permissions = input.permissions.map(|names| {
        let mut parsed = Vec::new();
        for name in names {
            match Permission::parse(&name).filter(|p| p.is_assignable()) {
                Some(p) if !parsed.contains(&p) => parsed.push(p),
                Some(_) => {}
                None => errors.add(
                    "permissions",
                    format!("contains an unknown permission: {name}"),
                ),
            }
        }
        parsed.sort();
        parsed
    });
    errors.into_result()?;
    let description = input
        .description
        .map(|d| d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()));
    Ok(Validated {
        name,
        description,
        permissions,
    })
}

fn from_names(names: Vec<String>) -> Vec<Permission> {
    names.iter().filter_map(|n| Permission::parse(n)).collect()
}

fn names(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(|p| p.as_str().to_owned()).collect()
}

/// The account's custom roles, by name.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<CustomRole>> {
    ctx.require(Permission::CustomRoleManage)?;
    list_unchecked(app, ctx.account_id).await
}

/// The account's custom roles without a permission check (for pickers shown to administrators
/// and the agents list, which shows role names).
pub async fn list_unchecked(app: &AppState, account_id: AccountId) -> Result<Vec<CustomRole>> {
    let rows = sqlx::query!(
        "select id, name, description, permissions, created_at, updated_at
         from custom_roles where account_id = $1 order by lower(name)",
        account_id.0
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CustomRole {
            id: CustomRoleId(r.id),
            name: r.name,
            description: r.description,
            permissions: from_names(r.permissions),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// One custom role.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: CustomRoleId) -> Result<CustomRole> {
    ctx.require(Permission::CustomRoleManage)?;
    let r = sqlx::query!(
        "select id, name, description, permissions, created_at, updated_at
         from custom_roles where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(&app.db)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(CustomRole {
        id: CustomRoleId(r.id),
        name: r.name,
        description: r.description,
        permissions: from_names(r.permissions),
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

fn name_taken() -> Error {
    Error::invalid("name", "has already been taken")
}

/// Creates a custom role.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(
    app: &AppState,
    ctx: &AccountCtx,
    input: CustomRoleInput,
) -> Result<CustomRole> {
    ctx.require(Permission::CustomRoleManage)?;
    let v = validate(input, true)?;
    let now = app.clock.now();
    let id = sqlx::query_scalar!(
        "insert into custom_roles (account_id, name, description, permissions, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning id",
        ctx.account_id.0,
        v.name.unwrap_or_default(),
        v.description.flatten(),
        &names(&v.permissions.unwrap_or_default()),
        now
    )
    .fetch_one(&app.db)
    .await
    .on_constraint("custom_roles_name_key", name_taken)?;
    get(app, ctx, CustomRoleId(id)).await
}

/// Updates the given fields of a custom role.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, custom_role.id = %id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: CustomRoleId,
    input: CustomRoleInput,
) -> Result<CustomRole> {
    ctx.require(Permission::CustomRoleManage)?;
    let v = validate(input, false)?;
    let permissions = v.permissions.map(|p| names(&p));
    let updated = sqlx::query!(
        "update custom_roles set
             name = coalesce($3, name),
             description = case when $4 then $5 else description end,
             permissions = coalesce($6, permissions),
             updated_at = $7
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0,
        v.name,
        v.description.is_some(),
        v.description.flatten(),
        permissions.as_deref(),
        app.clock.now()
    )
    .execute(&app.db)
    .await
    .on_constraint("custom_roles_name_key", name_taken)?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    get(app, ctx, id).await
}

/// Deletes a custom role that nobody holds. A role with members (or pending invitations) is
/// refused with a 409 naming how many: deleting it would silently turn them into plain agents,
/// whose default permissions may be wider than the role's.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, custom_role.id = %id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: CustomRoleId) -> Result<()> {
    ctx.require(Permission::CustomRoleManage)?;
    let mut tx = app.db.begin().await?;
    // Locked first: a member given the role meanwhile is counted, or fails its foreign key.
    sqlx::query_scalar!(
        "select id from custom_roles where account_id = $1 and id = $2 for update",
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let holders = sqlx::query_scalar!(
        r#"select (select count(*) from account_users where account_id = $1 and custom_role_id = $2)
                + (select count(*) from invitations where account_id = $1 and custom_role_id = $2) as "n!""#,
        ctx.account_id.0,
        id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if holders > 0 {
        return Err(Error::Conflict(
            format!(
                "Custom role is held by {holders} member(s) or invitation(s): give them another role first"
            )
            .into(),
        ));
    }
    sqlx::query!(
        "delete from custom_roles where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_admin_only_permissions_are_refused_by_name() {
        let input = CustomRoleInput {
            name: Some("Gerente".into()),
            permissions: Some(vec![
                "report_manage".into(),
                "sla_manage".into(),
                "fly".into(),
            ]),
            ..Default::default()
        };
        let Err(Error::Validation(errors)) = validate(input, true) else {
            panic!("expected 422")
        };
        assert_eq!(
            errors.full_message(),
            "Permissions contains an unknown permission: sla_manage, Permissions contains an unknown permission: fly"
        );
    }

    #[test]
    fn permissions_are_deduplicated_and_names_trimmed() {
        let input = CustomRoleInput {
            name: Some("  Gerente  ".into()),
            permissions: Some(vec![
                "team_manage".into(),
                "report_manage".into(),
                "team_manage".into(),
            ]),
            ..Default::default()
        };
        let v = validate(input, true).expect("valid");
        assert_eq!(v.name.as_deref(), Some("Gerente"));
        assert_eq!(
            v.permissions,
            Some(vec![Permission::ReportManage, Permission::TeamManage])
        );
    }

    #[test]
    fn a_blank_name_is_refused() {
        let input = CustomRoleInput {
            name: Some(" ".into()),
            ..Default::default()
        };
        assert!(matches!(validate(input, true), Err(Error::Validation(_))));
        assert!(matches!(
            validate(CustomRoleInput::default(), true),
            Err(Error::Validation(_))
        ));
        assert!(validate(CustomRoleInput::default(), false).is_ok());
    }
}
