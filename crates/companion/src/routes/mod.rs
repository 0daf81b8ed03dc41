//! HTTP routes, one module per concern.

pub mod health;
pub mod public_config;
pub mod static_files;
