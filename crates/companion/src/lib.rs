//! Latchkey's companion: the small server for what a browser must not hold.
//!
//! It serves the built single-page app and its public configuration (`/latchkey.json`),
//! runs the OAuth 1.0a legs and signs API requests with a consumer secret that never reaches
//! the browser. It is stateless: per-user state lives in encrypted, authenticated cookies, so
//! replicas sharing the cookie key are interchangeable and a restart loses nothing.
//!
//! [`app`] builds the router from an [`AppState`]; `main.rs` only parses the command line,
//! loads the configuration and serves.
#![warn(missing_docs)]

mod app;
pub mod client_address;
pub mod config;
pub mod csp;
pub mod error;
pub mod init;
pub mod rate_limit;
pub mod routes;
pub mod sealed_cookie;
pub mod secrets;
pub mod session_cache;
pub mod startup;
pub mod state;

pub use app::app;
pub use error::ApiError;
pub use state::AppState;
