//! Files of `send_attachment` actions: uploaded on their own (Chatwoot's `attach_file`), then
//! owned by the rule or macro whose actions name them. Each owner keeps its own copy of the
//! bytes, so deleting a rule never breaks its clone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::jobs::{self, Job, JobError, JobSpec};
use crate::state::AppState;
use crate::storage::{self, Upload};

/// The most files one upload request or one owner may hold.
pub const MAX_FILES: usize = 10;

/// The most uploads an account may keep that no rule or macro saved yet (at most 50 × 40 MB,
/// and within the account's quota).
pub const MAX_UNSAVED_FILES: usize = 50;

/// An uploaded file.
#[derive(Clone, Debug, Serialize)]
pub struct AutomationFile {
    /// Id (Chatwoot's `blob_id`), used in `send_attachment` params.
    pub id: i64,
    /// File name.
    pub filename: String,
    /// Sniffed content type.
    pub content_type: String,
    /// `image`, `audio`, `video` or `file`.
    pub file_type: String,
    /// Size in bytes.
    pub byte_size: i64,
}

/// Which column owns a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOwner {
    /// `automation_files.rule_id`.
    Rule(i64),
    /// `automation_files.macro_id`.
    Macro(i64),
}

/// Stores an uploaded file, not yet owned by anything: a 422 when the account already keeps
/// [`MAX_UNSAVED_FILES`] such uploads or has no room left in its quota, and nothing is stored.
pub async fn upload(app: &AppState, account_id: AccountId, file: Upload) -> Result<AutomationFile> {
    let mut tx = app.db.begin().await?;
    ensure_unsaved_room(&mut tx, account_id, 1).await?;
    let stored = storage::store_all(&mut tx, app, account_id, &[file]).await?;
    let Some(stored) = stored.into_iter().next() else {
        return Err(Error::invalid("attachment", "can't be blank"));
    };
    let recorded = match record(app, &mut tx, account_id, &stored).await {
        Ok(id) => tx.commit().await.map(|()| id).map_err(Error::from),
        Err(e) => Err(e),
    };
    let id = match recorded {
        Ok(id) => id,
        Err(e) => {
            storage::discard(app, std::slice::from_ref(&stored)).await;
            return Err(e);
        }
    };
    Ok(AutomationFile {
        id,
        filename: stored.filename,
        content_type: stored.content_type,
        file_type: stored.file_type,
        byte_size: stored.byte_size,
    })
}

/// Records an unowned upload, within the account's quota and bound of unsaved uploads. The
/// insert's trigger holds the account's storage row until commit, so these checks see every
/// concurrent upload of the account.
async fn record(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    stored: &storage::Stored,
) -> Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into automation_files (account_id, filename, content_type, file_type, byte_size, storage_key, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        account_id.0,
        stored.filename,
        stored.content_type,
        stored.file_type,
        stored.byte_size,
        stored.key,
        app.clock.now()
    )
    .fetch_one(&mut *conn)
    .await?;
    storage::check_quota(conn, app, account_id).await?;
    ensure_unsaved_room(conn, account_id, 0).await?;
    Ok(id)
}

/// Refuses `adding` more unsaved uploads than [`MAX_UNSAVED_FILES`] allows.
async fn ensure_unsaved_room(
    conn: &mut PgConnection,
    account_id: AccountId,
    adding: i64,
) -> Result<()> {
    let unsaved = sqlx::query_scalar!(
        r#"select count(*) as "n!" from automation_files
         where account_id = $1 and rule_id is null and macro_id is null"#,
        account_id.0
    )
    .fetch_one(conn)
    .await?;
    if unsaved + adding > MAX_UNSAVED_FILES as i64 {
        return Err(Error::invalid(
            "attachment",
            format!(
                "can't be kept: {MAX_UNSAVED_FILES} uploads are already waiting to be saved into a rule or macro (they are removed after a day)"
            ),
        ));
    }
    Ok(())
}

/// The files `owner` holds, oldest first.
pub async fn of(
    conn: &mut PgConnection,
    account_id: AccountId,
    owner: FileOwner,
) -> Result<Vec<AutomationFile>> {
    let (rule, macro_id) = columns(owner);
    Ok(sqlx::query_as!(
        AutomationFile,
        "select id, filename, content_type, file_type, byte_size from automation_files
         where account_id = $1 and (rule_id = $2 or macro_id = $3) order by id",
        account_id.0,
        rule,
        macro_id
    )
    .fetch_all(conn)
    .await?)
}

fn columns(owner: FileOwner) -> (Option<i64>, Option<i64>) {
    match owner {
        FileOwner::Rule(id) => (Some(id), None),
        FileOwner::Macro(id) => (None, Some(id)),
    }
}

/// Makes `owner` own exactly the files `ids` (validated before): unowned ones are taken, and
/// files it no longer names are deleted (their bytes removed once the transaction commits).
pub async fn sync(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    account_id: AccountId,
    owner: FileOwner,
    ids: &[i64],
) -> Result<()> {
    let (rule, macro_id) = columns(owner);
    sqlx::query!(
        "update automation_files set rule_id = $3, macro_id = $4
         where account_id = $1 and id = any($2) and rule_id is null and macro_id is null",
        account_id.0,
        ids,
        rule,
        macro_id
    )
    .execute(&mut *conn)
    .await?;
    let dropped = sqlx::query!(
        "delete from automation_files
         where account_id = $1 and (rule_id = $2 or macro_id = $3) and not (id = any($4))",
        account_id.0,
        rule,
        macro_id,
        ids
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if dropped > 0 {
        storage::schedule_removal(conn, now, account_id).await?;
    }
    Ok(())
}

/// How long an uploaded file may wait for a rule or macro to name it before it is swept: files
/// uploaded (through `attach_file` or the builder page) and never saved into one.
pub const UNOWNED_FOR: chrono::Duration = chrono::Duration::hours(24);

/// Deletes files nobody saved into a rule or macro within [`UNOWNED_FOR`] (their bytes are
/// removed once this commits); runs hourly.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DeleteUnownedFiles;

impl DeleteUnownedFiles {
    /// Job key: one per database.
    pub const KEY: &'static str = "periodic:delete_unowned_automation_files";
}

impl Job for DeleteUnownedFiles {
    const KIND: &'static str = "automation.delete_unowned_files";

    async fn run(self, app: AppState) -> std::result::Result<(), JobError> {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let mut accounts = sqlx::query_scalar!(
            "delete from automation_files
             where rule_id is null and macro_id is null and created_at < $1
             returning account_id",
            now - UNOWNED_FOR
        )
        .fetch_all(&mut *tx)
        .await?;
        let files = accounts.len();
        accounts.sort_unstable();
        accounts.dedup();
        for account in accounts {
            storage::schedule_removal(&mut tx, now, AccountId(account)).await?;
        }
        let next = JobSpec::at(now + chrono::Duration::hours(1)).keyed(Self::KEY);
        jobs::enqueue(&mut tx, now, &Self, next).await?;
        tx.commit().await?;
        if files > 0 {
            tracing::info!(files, "deleted unowned automation files");
        }
        Ok(())
    }
}

/// Copies `from`'s files to `to`, bytes included, within the account's quota; returns (old id,
/// new id) pairs so the copied actions can point at the copies.
pub async fn copy(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    from: FileOwner,
    to: FileOwner,
) -> Result<Vec<(i64, i64)>> {
    let mut written = Vec::new();
    let copied = copy_rows(app, conn, account_id, from, to, &mut written).await;
    if copied.is_err() {
        storage::discard(app, &written).await;
    }
    copied
}

async fn copy_rows(
    app: &AppState,
    conn: &mut PgConnection,
    account_id: AccountId,
    from: FileOwner,
    to: FileOwner,
    written: &mut Vec<storage::Stored>,
) -> Result<Vec<(i64, i64)>> {
    let (rule, macro_id) = columns(from);
    let rows = sqlx::query!(
        "select id, filename, content_type, storage_key from automation_files
         where account_id = $1 and (rule_id = $2 or macro_id = $3) order by id",
        account_id.0,
        rule,
        macro_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let (to_rule, to_macro) = columns(to);
    let mut pairs = Vec::with_capacity(rows.len());
    for row in rows {
        let bytes = storage::read(app, &row.storage_key).await?;
        let upload = Upload {
            filename: row.filename,
            declared_type: Some(row.content_type),
            bytes: bytes.into(),
        };
        let stored = storage::store_all(conn, app, account_id, &[upload]).await?;
        let Some(stored) = stored.into_iter().next() else {
            continue;
        };
        written.push(stored.clone());
        let id = sqlx::query_scalar!(
            "insert into automation_files (account_id, rule_id, macro_id, filename, content_type, file_type, byte_size, storage_key, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
            account_id.0,
            to_rule,
            to_macro,
            stored.filename,
            stored.content_type,
            stored.file_type,
            stored.byte_size,
            stored.key,
            app.clock.now()
        )
        .fetch_one(&mut *conn)
        .await?;
        pairs.push((row.id, id));
    }
    if !pairs.is_empty() {
        storage::check_quota(conn, app, account_id).await?;
    }
    Ok(pairs)
}

/// The files `ids` as uploads for a message.
pub async fn uploads(app: &AppState, account_id: AccountId, ids: &[i64]) -> Result<Vec<Upload>> {
    let rows = sqlx::query!(
        "select filename, content_type, storage_key from automation_files
         where account_id = $1 and id = any($2) order by array_position($2, id)",
        account_id.0,
        ids
    )
    .fetch_all(&app.db)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let bytes = storage::read(app, &row.storage_key).await?;
        out.push(Upload {
            filename: row.filename,
            declared_type: Some(row.content_type),
            bytes: bytes.into(),
        });
    }
    Ok(out)
}
