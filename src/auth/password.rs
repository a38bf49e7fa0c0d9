//! Password hashing (argon2id) and password rules.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

use crate::config::PasswordCost;

/// Shortest password we accept.
pub const MIN_LENGTH: usize = 8;
/// Longest password we accept (argon2 is happy with more; this bounds the work per request).
pub const MAX_LENGTH: usize = 128;

/// Why a new password is refused, as a sentence fragment after "Password".
pub fn validate(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!("is too short (minimum is {MIN_LENGTH} characters)"));
    }
    if length > MAX_LENGTH {
        return Err(format!("is too long (maximum is {MAX_LENGTH} characters)"));
    }
    Ok(())
}

fn hasher(cost: PasswordCost) -> anyhow::Result<Argon2<'static>> {
    let params = match cost {
        PasswordCost::Standard => Params::DEFAULT,
        PasswordCost::Fast => Params::new(Params::MIN_M_COST, 1, 1, None)
            .map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?,
    };
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` to a PHC string. CPU-heavy: runs on the blocking pool.
pub async fn hash(password: &str, cost: PasswordCost) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let hash = hasher(cost)?
            .hash_password(password.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
        Ok(hash.to_string())
    })
    .await?
}

/// Whether `password` matches the PHC string `hash` (parameters are read from the hash).
pub async fn verify(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A random 20-character password from an unambiguous alphabet (no 0/O, 1/l/I).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| {
            let mut byte = [0u8; 1];
            // Rejection sampling keeps every character equally likely.
            loop {
                rng.fill_bytes(&mut byte);
                let limit = 256 - (256 % ALPHABET.len());
                if (byte[0] as usize) < limit {
                    return ALPHABET[byte[0] as usize % ALPHABET.len()] as char;
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hash = hash("correct horse", PasswordCost::Fast)
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse", &hash).await);
        assert!(!verify("wrong horse", &hash).await);
        assert!(!verify("correct horse", "not a phc string").await);
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(validate("1234567").is_err());
        assert!(validate("12345678").is_ok());
        assert!(validate(&"x".repeat(129)).is_err());
    }

    #[test]
    fn generated_passwords_are_long_and_pass_validation() {
        let a = generate();
        assert_eq!(a.len(), 20);
        assert!(validate(&a).is_ok());
        assert_ne!(a, generate());
    }
}
