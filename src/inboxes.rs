//! Inboxes: the channels an account talks through. This wave ships Chatwoot's API channel
//! (integrators post messages and receive every event of the inbox at its webhook URL); the
//! channel kind is an enum ready for WhatsApp and e-mail. Members see only the inboxes they
//! belong to; administrators see and manage all of them. Working hours and the time zone are
//! stored per inbox for SLAs.

pub mod model;
pub mod service;
