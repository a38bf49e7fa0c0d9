//! Tenants (accounts), the people who sign in (users), and their memberships (account users,
//! "agents" in Chatwoot's API). Users are global; everything else is scoped by `account_id`.

pub mod agents;
pub mod invitations;
pub mod model;
pub mod profile;
pub mod recovery;
pub mod repo;
pub mod service;
