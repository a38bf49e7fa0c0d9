//! The Chatwoot JSON shapes, shared with webhooks and realtime (see [`crate::shapes`]).

pub use crate::shapes::*;
