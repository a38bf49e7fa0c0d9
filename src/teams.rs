//! Teams and their members. A team groups agents of one account; conversations may be assigned
//! to a team.
//!
//! Invariants: names are trimmed and unique per account ignoring case (the `teams_name_key`
//! index decides); a member of a team is a member of the team's account (the
//! `team_members_member_fkey` foreign key decides, and a violation is Chatwoot's 401 "Invalid User
//! IDs"); deleting a team removes its memberships and leaves its conversations without a team
//! (both by foreign key). Every member may read teams and their members; creating, changing and
//! deleting teams is for administrators ([`Permission::AccountManage`]); changing who belongs to
//! a team needs [`Permission::TeamManage`].

use std::collections::HashSet;

use crate::accounts::agents::{self, Agent};
use crate::auth::context::AccountCtx;
use crate::conversations::repo::TeamInfo;
use crate::error::{Error, FieldErrors, Result, ResultExt};
use crate::ids::{TeamId, UserId};
use crate::roles::Permission;
use crate::state::AppState;

/// A team as the caller sees it.
#[derive(Clone, Debug)]
pub struct Team {
    /// Id, name, description and auto-assignment flag.
    pub info: TeamInfo,
    /// Whether the caller belongs to the team.
    pub is_member: bool,
}

/// Fields of a create or update; `None` leaves a field unchanged (or default on create).
#[derive(Clone, Debug, Default)]
pub struct TeamInput {
    /// Name.
    pub name: Option<String>,
    /// Description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Whether conversations of the team are auto-assigned to its members.
    pub allow_auto_assign: Option<bool>,
}

#[derive(Debug)]
struct Validated {
    name: Option<String>,
    description: Option<Option<String>>,
    allow_auto_assign: Option<bool>,
}

fn validate(input: TeamInput, creating: bool) -> Result<Validated> {
    let mut errors = FieldErrors::new();
    let name = input.name.map(|n| n.trim().to_owned());
    match &name {
        Some(n) if n.is_empty() => errors.add("name", "can't be blank"),
        Some(n) if n.chars().count() > 255 => {
            errors.add("name", "is too long (maximum is 255 characters)")
        }
        None if creating => errors.add("name", "can't be blank"),
        _ => {}
    }
    errors.into_result()?;
    let description = input
        .description
        .map(|d| d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()));
    Ok(Validated {
        name,
        description,
        allow_auto_assign: input.allow_auto_assign,
    })
}

fn name_taken() -> Error {
    Error::invalid("name", "has already been taken")
}

fn invalid_user_ids() -> Error {
    Error::Unauthorized("Invalid User IDs".into())
}

/// The account's teams, by name. Open to every member.
pub async fn list(app: &AppState, ctx: &AccountCtx) -> Result<Vec<Team>> {
    let rows = sqlx::query!(
        r#"select t.id, t.name, t.description, t.allow_auto_assign,
                  exists(select 1 from team_members m
                         where m.account_id = t.account_id and m.team_id = t.id and m.user_id = $2)
                      as "is_member!"
           from teams t where t.account_id = $1 order by lower(t.name), t.id"#,
        ctx.account_id.0,
        ctx.user_id().0
    )
    .fetch_all(&app.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Team {
            info: TeamInfo {
                id: TeamId(r.id),
                name: r.name,
                description: r.description,
                allow_auto_assign: r.allow_auto_assign,
            },
            is_member: r.is_member,
        })
        .collect())
}

/// One team. Open to every member.
pub async fn get(app: &AppState, ctx: &AccountCtx, id: TeamId) -> Result<Team> {
    let r = sqlx::query!(
        r#"select t.id, t.name, t.description, t.allow_auto_assign,
                  exists(select 1 from team_members m
                         where m.account_id = t.account_id and m.team_id = t.id and m.user_id = $3)
                      as "is_member!"
           from teams t where t.account_id = $1 and t.id = $2"#,
        ctx.account_id.0,
        id.0,
        ctx.user_id().0
    )
    .fetch_optional(&app.db)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(Team {
        info: TeamInfo {
            id: TeamId(r.id),
            name: r.name,
            description: r.description,
            allow_auto_assign: r.allow_auto_assign,
        },
        is_member: r.is_member,
    })
}

/// Creates a team (administrators).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id))]
pub async fn create(app: &AppState, ctx: &AccountCtx, input: TeamInput) -> Result<Team> {
    ctx.require(Permission::AccountManage)?;
    let v = validate(input, true)?;
    let id = sqlx::query_scalar!(
        "insert into teams (account_id, name, description, allow_auto_assign, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning id",
        ctx.account_id.0,
        v.name.unwrap_or_default(),
        v.description.flatten(),
        v.allow_auto_assign.unwrap_or(true),
        app.clock.now()
    )
    .fetch_one(&app.db)
    .await
    .on_constraint("teams_name_key", name_taken)?;
    get(app, ctx, TeamId(id)).await
}

/// Updates the given fields of a team (administrators).
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, team.id = %id))]
pub async fn update(
    app: &AppState,
    ctx: &AccountCtx,
    id: TeamId,
    input: TeamInput,
) -> Result<Team> {
    ctx.require(Permission::AccountManage)?;
    let v = validate(input, false)?;
    let updated = sqlx::query!(
        "update teams set
             name = coalesce($3, name),
             description = case when $4 then $5 else description end,
             allow_auto_assign = coalesce($6, allow_auto_assign),
             updated_at = $7
         where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0,
        v.name,
        v.description.is_some(),
        v.description.flatten(),
        v.allow_auto_assign,
        app.clock.now()
    )
    .execute(&app.db)
    .await
    .on_constraint("teams_name_key", name_taken)?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    get(app, ctx, id).await
}

/// Deletes a team (administrators); its conversations keep going without a team.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, team.id = %id))]
pub async fn delete(app: &AppState, ctx: &AccountCtx, id: TeamId) -> Result<()> {
    ctx.require(Permission::AccountManage)?;
    let deleted = sqlx::query!(
        "delete from teams where account_id = $1 and id = $2",
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

/// 404 unless the team belongs to the caller's account.
async fn ensure_team(conn: &mut sqlx::PgConnection, ctx: &AccountCtx, id: TeamId) -> Result<()> {
    sqlx::query_scalar!(
        "select id from teams where account_id = $1 and id = $2",
        ctx.account_id.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .map(|_| ())
    .ok_or(Error::NotFound)
}

/// The agents among `ids`, by name.
async fn agents_among(
    conn: &mut sqlx::PgConnection,
    ctx: &AccountCtx,
    ids: &[i64],
) -> Result<Vec<Agent>> {
    let ids: HashSet<i64> = ids.iter().copied().collect();
    Ok(agents::list_in_account(conn, ctx.account_id)
        .await?
        .into_iter()
        .filter(|a| ids.contains(&a.user_id.0))
        .collect())
}

/// The team's members, by name. Open to every member.
pub async fn members(app: &AppState, ctx: &AccountCtx, team: TeamId) -> Result<Vec<Agent>> {
    let mut conn = app.db.acquire().await?;
    ensure_team(&mut conn, ctx, team).await?;
    let ids = sqlx::query_scalar!(
        "select user_id from team_members where account_id = $1 and team_id = $2",
        ctx.account_id.0,
        team.0
    )
    .fetch_all(&mut *conn)
    .await?;
    agents_among(&mut conn, ctx, &ids).await
}

fn raw(ids: &[UserId]) -> Vec<i64> {
    let mut raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    raw.sort_unstable();
    raw.dedup();
    raw
}

/// Inserts memberships; a user outside the account violates the foreign key.
async fn insert_members(
    conn: &mut sqlx::PgConnection,
    app: &AppState,
    ctx: &AccountCtx,
    team: TeamId,
    ids: &[i64],
) -> Result<Vec<i64>> {
    sqlx::query_scalar!(
        "insert into team_members (account_id, team_id, user_id, created_at)
         select $1, $2, user_id, $4 from unnest($3::bigint[]) as u (user_id)
         on conflict do nothing
         returning user_id",
        ctx.account_id.0,
        team.0,
        ids,
        app.clock.now()
    )
    .fetch_all(conn)
    .await
    .on_constraint("team_members_member_fkey", invalid_user_ids)
    .on_constraint("team_members_team_fkey", || Error::NotFound)
}

/// Adds members to a team; returns the agents that were not members yet.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, team.id = %team))]
pub async fn add_members(
    app: &AppState,
    ctx: &AccountCtx,
    team: TeamId,
    user_ids: &[UserId],
) -> Result<Vec<Agent>> {
    ctx.require(Permission::TeamManage)?;
    let mut tx = app.db.begin().await?;
    ensure_team(&mut tx, ctx, team).await?;
    let added = insert_members(&mut tx, app, ctx, team, &raw(user_ids)).await?;
    let agents = agents_among(&mut tx, ctx, &added).await?;
    tx.commit().await?;
    Ok(agents)
}

/// Makes `user_ids` the team's exact membership; returns the members.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, team.id = %team))]
pub async fn replace_members(
    app: &AppState,
    ctx: &AccountCtx,
    team: TeamId,
    user_ids: &[UserId],
) -> Result<Vec<Agent>> {
    ctx.require(Permission::TeamManage)?;
    let ids = raw(user_ids);
    let mut tx = app.db.begin().await?;
    ensure_team(&mut tx, ctx, team).await?;
    sqlx::query!(
        "delete from team_members
         where account_id = $1 and team_id = $2 and not (user_id = any($3))",
        ctx.account_id.0,
        team.0,
        &ids
    )
    .execute(&mut *tx)
    .await?;
    insert_members(&mut tx, app, ctx, team, &ids).await?;
    let agents = agents_among(&mut tx, ctx, &ids).await?;
    tx.commit().await?;
    Ok(agents)
}

/// Removes members from a team. Every id must be a member of the account (Chatwoot's 401
/// "Invalid User IDs" otherwise); ids of account members outside the team are ignored.
#[tracing::instrument(skip_all, fields(account.id = %ctx.account_id, team.id = %team))]
pub async fn remove_members(
    app: &AppState,
    ctx: &AccountCtx,
    team: TeamId,
    user_ids: &[UserId],
) -> Result<()> {
    ctx.require(Permission::TeamManage)?;
    let ids = raw(user_ids);
    let mut tx = app.db.begin().await?;
    ensure_team(&mut tx, ctx, team).await?;
    let known = sqlx::query_scalar!(
        r#"select count(*) as "count!" from account_users where account_id = $1 and user_id = any($2)"#,
        ctx.account_id.0,
        &ids
    )
    .fetch_one(&mut *tx)
    .await?;
    if known != ids.len() as i64 {
        return Err(invalid_user_ids());
    }
    sqlx::query!(
        "delete from team_members where account_id = $1 and team_id = $2 and user_id = any($3)",
        ctx.account_id.0,
        team.0,
        &ids
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
    fn names_are_trimmed_and_required_on_create() {
        let input = TeamInput {
            name: Some("  Suporte N1 ".into()),
            ..Default::default()
        };
        assert_eq!(
            validate(input, true).expect("valid").name.as_deref(),
            Some("Suporte N1")
        );
        let blank = TeamInput {
            name: Some("  ".into()),
            ..Default::default()
        };
        assert!(validate(blank, false).is_err());
        assert!(validate(TeamInput::default(), true).is_err());
        assert!(validate(TeamInput::default(), false).is_ok());
    }

    #[test]
    fn user_ids_are_deduplicated() {
        assert_eq!(raw(&[UserId(3), UserId(1), UserId(3)]), vec![1, 3]);
    }
}
