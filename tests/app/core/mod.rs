mod contacts;
mod conversations;
mod evolution;
mod inboxes;
mod matrix;
mod messages;
pub mod variables;
