//! Messages of a conversation: incoming (customer), outgoing (agent replies, private notes),
//! activity (records of changes) and templates, with attachments.

pub mod model;
pub mod repo;
pub mod service;
pub mod variables;
