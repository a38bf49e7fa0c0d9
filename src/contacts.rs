//! Contacts: the customers an account talks to, their presence in inboxes (`source_id`), labels,
//! notes and merging. Phone numbers are accepted as Chatwoot accepts them and matched across the
//! two forms of Brazilian mobiles. E-mail, phone and identifier are unique per account, enforced
//! by constraints.

pub mod model;
pub mod notes;
pub mod service;
