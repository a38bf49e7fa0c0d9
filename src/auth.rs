//! Authentication: password hashing, API tokens, browser sessions, sign-in with throttling, and
//! the account context every service checks permissions against.

pub mod context;
pub mod login;
pub mod password;
pub mod sessions;
pub mod tokens;
