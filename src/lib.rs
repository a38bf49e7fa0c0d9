//! Atende: a multi-tenant helpdesk server with a Chatwoot-compatible API.
//!
//! Layout (docs/ARCHITECTURE.md): a runtime core (`state`, `jobs`, `events`, `realtime`,
//! `config`, `db`, ...) that imports no feature; feature modules (`accounts`, `conversations`,
//! `automation`, ...) that own their logic and SQL and never import axum; `api` (JSON) and `web`
//! (HTML), thin adapters that call the same services; and `app`, the composition root that
//! wires every feature's jobs and event consumers into the core.

pub mod accounts;
pub mod api;
pub mod app;
pub mod auth;
pub mod automation;
pub mod canned;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod conversations;
pub mod custom_attributes;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod filters;
pub mod i18n;
pub mod ids;
pub mod inboxes;
pub mod instance;
pub mod jobs;
pub mod labels;
pub mod limits;
pub mod macros;
pub mod mail;
pub mod messages;
pub mod metrics;
pub mod ops;
pub mod outbound;
pub mod pagination;
pub mod realtime;
pub mod retention;
pub mod roles;
pub mod secret;
pub mod shapes;
pub mod state;
pub mod storage;
pub mod teams;
pub mod telemetry;
pub mod text_enum;
pub mod variables;
pub mod visibility;
pub mod web;
pub mod webhooks;
