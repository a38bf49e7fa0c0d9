//! Where message variables meet the database: the records a conversation's outgoing text may
//! refer to, read in the writer's transaction, and the account's catalogue. The engine itself
//! ([`crate::variables`]) stays pure.

use serde::Serialize;
use sqlx::PgConnection;

use super::service::MAX_CONTENT;
use crate::auth::context::Actor;
use crate::conversations::model::Conversation;
use crate::conversations::repo::find_visible;
use crate::error::{FieldErrors, Result};
use crate::ids::{AccountId, UserId};
use crate::state::AppState;
use crate::variables::catalogue::{self, AttributeScope, Entry};
use crate::variables::{
    AccountVars, AgentVars, ContactVars, ConversationVars, InboxVars, Rendered, Sources, Values,
};

/// The values for text sent in conversation `c`. `agent` is who the customer sees as the sender:
/// the writing member, or the assignee when an automation or a campaign sends; `None` leaves the
/// `agent.*` variables empty.
pub async fn values_for(
    conn: &mut PgConnection,
    c: &Conversation,
    agent: Option<UserId>,
) -> Result<Values> {
    let row = sqlx::query!(
        r#"select ct.name as contact_name, ct.email as contact_email,
                  ct.phone_number as contact_phone, ct.custom_attributes as contact_attributes,
                  i.name as inbox_name, a.name as account_name,
                  coalesce(nullif(btrim(u.display_name), ''), u.name) as "agent_name?",
                  u.email as "agent_email?", u.phone_number as "agent_phone?"
           from contacts ct
           join inboxes i on i.account_id = ct.account_id and i.id = $3
           join accounts a on a.id = ct.account_id
           left join account_users au on au.account_id = ct.account_id and au.user_id = $4
           left join users u on u.id = au.user_id
           where ct.account_id = $1 and ct.id = $2"#,
        c.account_id.0,
        c.contact_id.0,
        c.inbox_id.0,
        agent.map(|u| u.0)
    )
    .fetch_one(conn)
    .await?;
    let object = |v: &serde_json::Value| v.as_object().cloned().unwrap_or_default();
    let sources = Sources {
        contact: Some(ContactVars {
            id: c.contact_id.0,
            name: Some(row.contact_name),
            email: row.contact_email,
            phone_number: row.contact_phone,
            custom_attributes: object(&row.contact_attributes),
        }),
        agent: row.agent_name.map(|name| AgentVars {
            name: Some(name),
            email: row.agent_email,
            phone_number: row.agent_phone,
        }),
        conversation: Some(ConversationVars {
            display_id: c.display_id,
            custom_attributes: object(&c.custom_attributes),
        }),
        inbox: Some(InboxVars {
            id: c.inbox_id.0,
            name: row.inbox_name,
        }),
        account: Some(AccountVars {
            name: row.account_name,
        }),
    };
    Ok(sources.values())
}

/// One catalogue line as the API and the editors' picker show it.
#[derive(Clone, Debug, Serialize)]
pub struct CatalogueEntry {
    /// The path between the braces.
    pub key: String,
    /// `standard`, `contact_attribute` or `conversation_attribute`.
    pub kind: &'static str,
    /// Description in Brazilian Portuguese.
    pub description_pt_br: String,
    /// Description in English.
    pub description_en: String,
}

/// The fixed variables followed by the account's contact and conversation custom attributes.
pub async fn catalogue_of(
    conn: &mut PgConnection,
    account_id: AccountId,
) -> Result<Vec<CatalogueEntry>> {
    let keys = sqlx::query!(
        "select attribute_key, attribute_model from custom_attribute_definitions
         where account_id = $1 order by attribute_model, id",
        account_id.0
    )
    .fetch_all(conn)
    .await?;
    let of = |model: &str| {
        keys.iter()
            .filter(|k| k.attribute_model == model)
            .map(|k| k.attribute_key.as_str())
            .collect::<Vec<_>>()
    };
    let line = |kind: &'static str, e: &Entry| CatalogueEntry {
        key: e.key.to_string(),
        kind,
        description_pt_br: e.description_pt_br.to_string(),
        description_en: e.description_en.to_string(),
    };
    let mut out: Vec<CatalogueEntry> = catalogue::entries()
        .iter()
        .map(|e| line("standard", e))
        .collect();
    for (scope, model) in [
        (AttributeScope::Contact, "contact_attribute"),
        (AttributeScope::Conversation, "conversation_attribute"),
    ] {
        let entries = catalogue::custom_attribute_entries(scope, of(model));
        out.extend(entries.iter().map(|e| line(model, e)));
    }
    Ok(out)
}

/// Renders `content` as it would be sent now by `actor` in conversation `display_id` (or, without
/// one, with only the account's and the writer's variables), for the editors' preview.
pub async fn preview(
    app: &AppState,
    actor: &Actor,
    display_id: Option<i64>,
    content: Option<&str>,
) -> Result<Rendered> {
    let mut errors = FieldErrors::new();
    match content {
        None => errors.add("content", "can't be blank"),
        Some(text) if text.len() > MAX_CONTENT => errors.add(
            "content",
            format!("is too long (maximum is {MAX_CONTENT} characters)"),
        ),
        Some(_) => {}
    }
    errors.into_result()?;
    let content = content.unwrap_or_default();
    let mut conn = app.db.acquire().await?;
    let values = match display_id {
        Some(display_id) => {
            let c = find_visible(&mut conn, actor, display_id, false).await?;
            let sender = actor.user_id().or(c.assignee_id);
            values_for(&mut conn, &c, sender).await?
        }
        None => {
            let row = sqlx::query!(
                r#"select a.name as account_name,
                          coalesce(nullif(btrim(u.display_name), ''), u.name) as "agent_name?",
                          u.email as "agent_email?", u.phone_number as "agent_phone?"
                   from accounts a left join users u on u.id = $2
                   where a.id = $1"#,
                actor.account_id().0,
                actor.user_id().map(|u| u.0)
            )
            .fetch_one(&mut *conn)
            .await?;
            Sources {
                agent: row.agent_name.map(|name| AgentVars {
                    name: Some(name),
                    email: row.agent_email,
                    phone_number: row.agent_phone,
                }),
                account: Some(AccountVars {
                    name: row.account_name,
                }),
                ..Sources::default()
            }
            .values()
        }
    };
    Ok(crate::variables::render(content, &values))
}
