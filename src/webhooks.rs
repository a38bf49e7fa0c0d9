//! Outbound webhooks. Every conversation, message and contact event reaches the account's
//! webhooks subscribed to it, and every conversation and message event of an API inbox reaches
//! that inbox's `webhook_url` (that is how WhatsApp gateways deliver agent replies). Payloads
//! are Chatwoot's; delivery does better than Chatwoot's fire-and-forget:
//!
//! - one durable job per (target, event), in a queue per (target, conversation), so a receiver
//!   sees one conversation's events in order;
//! - `X-Atende-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the webhook's
//!   secret (the inbox's `hmac_token` for inbox webhook URLs), `X-Atende-Timestamp`,
//!   `X-Atende-Event` and `X-Atende-Delivery` (stable across retries);
//! - retries with backoff for at least 24 hours on timeouts, connection errors, 429 and 5xx; no
//!   retry on other 4xx; a webhook whose deliveries fail for 24 hours is disabled with a reason;
//! - targets on internal networks are refused unless the operator allows them
//!   ([`crate::outbound`]).

pub mod delivery;
pub mod dispatch;
pub mod payload;
pub mod service;
