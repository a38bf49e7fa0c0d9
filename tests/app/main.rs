//! The integration suite: one binary, real HTTP on 127.0.0.1:0, a fresh database per test
//! (cloned from a migrated template), and the test clock.

mod accounts;
mod automation;
mod core;
mod events;
mod foundation;
mod inbox;
mod resources;
mod settings;
mod storage;
mod support;
