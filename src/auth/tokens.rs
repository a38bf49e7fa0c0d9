//! API access tokens: 32 random bytes, base64url, stored as SHA-256 so a database leak does not
//! leak credentials. A user has one token; resetting it replaces the old one.

use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::ids::UserId;

/// A token as shown to its owner, once.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainToken(pub String);

impl std::fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainToken([redacted])")
    }
}

/// SHA-256 of the token text.
pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// 32 random bytes, base64url: API tokens, and the tokens of invitation and password links.
pub fn generate() -> PlainToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    PlainToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates or replaces the user's token and returns it.
pub async fn issue(conn: &mut PgConnection, user_id: UserId) -> anyhow::Result<PlainToken> {
    let token = generate();
    let prefix: String = token.0.chars().take(6).collect();
    sqlx::query!(
        "insert into access_tokens (user_id, token_hash, token_prefix) values ($1, $2, $3)
         on conflict (user_id) do update set token_hash = excluded.token_hash,
             token_prefix = excluded.token_prefix, created_at = now()",
        user_id.0,
        digest(&token.0),
        prefix
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// Whether `token` can be a token at all (worth looking up).
pub fn well_formed(token: &str) -> bool {
    !token.is_empty() && token.len() <= 200
}

/// The owner of `token`, if it is a valid token.
pub async fn lookup(conn: &mut PgConnection, token: &str) -> anyhow::Result<Option<UserId>> {
    if !well_formed(token) {
        return Ok(None);
    }
    let user = sqlx::query_scalar!(
        "select user_id from access_tokens where token_hash = $1",
        digest(token)
    )
    .fetch_optional(conn)
    .await?;
    Ok(user.map(UserId))
}

/// The visible prefix of the user's current token, for the profile page.
pub async fn prefix(conn: &mut PgConnection, user_id: UserId) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select token_prefix from access_tokens where user_id = $1",
        user_id.0
    )
    .fetch_optional(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_43_chars() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 43);
        assert!(
            a.0.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(digest(&a.0).len(), 32);
    }
}
