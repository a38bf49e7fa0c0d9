mod agents_api;
mod api_auth;
mod cli;
mod custom_roles_api;
pub mod matrix;
pub mod pages;
mod profile_api;
mod sign_in;
