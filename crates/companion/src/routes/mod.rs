//! HTTP routes, one module per concern.

pub(crate) mod cookie_header;
pub mod health;
pub mod oauth1;
pub mod oauth2;
pub(crate) mod origin;
pub mod public_config;
pub mod static_files;
pub(crate) mod upstream;
