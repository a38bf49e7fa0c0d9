//! Notes agents keep about a contact.

use chrono::{DateTime, Utc};

use super::service::find;
use crate::accounts::agents::{self, Agent};
use crate::auth::context::Actor;
use crate::error::{Error, Result};
use crate::ids::{ContactId, UserId};
use crate::roles::Permission;
use crate::state::AppState;

/// A note.
#[derive(Clone, Debug)]
pub struct Note {
    /// Id.
    pub id: i64,
    /// The contact.
    pub contact_id: ContactId,
    /// The text.
    pub content: String,
    /// Its author.
    pub user_id: Option<UserId>,
    /// The author as a member of the account; `None` once they left it (or for the system).
    pub author: Option<Agent>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn checked(content: &str) -> Result<String> {
    let content = content.trim();
    if content.is_empty() {
        return Err(Error::invalid("content", "can't be blank"));
    }
    Ok(content.to_owned())
}

/// The contact's notes, newest first, with their authors.
pub async fn list(app: &AppState, actor: &Actor, contact: ContactId) -> Result<Vec<Note>> {
    read(app, actor, contact, None).await
}

/// One note.
pub async fn get(app: &AppState, actor: &Actor, contact: ContactId, id: i64) -> Result<Note> {
    read(app, actor, contact, Some(id))
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// The contact's notes (or the one note `only`), and their authors in one more query.
async fn read(
    app: &AppState,
    actor: &Actor,
    contact: ContactId,
    only: Option<i64>,
) -> Result<Vec<Note>> {
    actor.require(Permission::ContactManage)?;
    let mut conn = app.db.acquire().await?;
    find(&mut conn, actor.account_id(), contact).await?;
    let rows = sqlx::query!(
        "select id, contact_id, content, user_id, created_at, updated_at from contact_notes
         where account_id = $1 and contact_id = $2 and ($3::int8 is null or id = $3)
         order by created_at desc, id desc",
        actor.account_id().0,
        contact.0,
        only,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut users: Vec<UserId> = rows.iter().filter_map(|r| r.user_id.map(UserId)).collect();
    users.sort_unstable_by_key(|u| u.0);
    users.dedup();
    let authors = agents::find_many(&mut conn, actor.account_id(), &users).await?;
    Ok(rows
        .into_iter()
        .map(|r| Note {
            id: r.id,
            contact_id: ContactId(r.contact_id),
            content: r.content,
            user_id: r.user_id.map(UserId),
            author: authors
                .iter()
                .find(|a| Some(a.user_id.0) == r.user_id)
                .cloned(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Adds a note written by the acting user.
pub async fn create(
    app: &AppState,
    actor: &Actor,
    contact: ContactId,
    content: &str,
) -> Result<Note> {
    actor.require(Permission::ContactManage)?;
    let content = checked(content)?;
    let mut conn = app.db.acquire().await?;
    find(&mut conn, actor.account_id(), contact).await?;
    let now = app.clock.now();
    let id = sqlx::query_scalar!(
        "insert into contact_notes (account_id, contact_id, user_id, content, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning id",
        actor.account_id().0,
        contact.0,
        actor.user_id().map(|u| u.0),
        content,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    drop(conn);
    get(app, actor, contact, id).await
}

/// Changes a note's text.
pub async fn update(
    app: &AppState,
    actor: &Actor,
    contact: ContactId,
    id: i64,
    content: &str,
) -> Result<Note> {
    actor.require(Permission::ContactManage)?;
    let content = checked(content)?;
    let updated = sqlx::query!(
        "update contact_notes set content = $4, updated_at = $5 where account_id = $1 and contact_id = $2 and id = $3",
        actor.account_id().0,
        contact.0,
        id,
        content,
        app.clock.now()
    )
    .execute(&app.db)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(Error::NotFound);
    }
    get(app, actor, contact, id).await
}

/// Deletes a note.
pub async fn delete(app: &AppState, actor: &Actor, contact: ContactId, id: i64) -> Result<()> {
    actor.require(Permission::ContactManage)?;
    let deleted = sqlx::query!(
        "delete from contact_notes where account_id = $1 and contact_id = $2 and id = $3",
        actor.account_id().0,
        contact.0,
        id
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
