//! Conversations: the threads between an account and a contact in an inbox. They carry a
//! per-account display id (what users and the API see), a status with timers (snoozes end by
//! themselves), an assignee and team, labels, priority and attributes. Visibility follows the
//! member's role and is applied in SQL, so lists, counts and search agree.

pub mod model;
pub mod repo;
pub mod search;
pub mod service;
